"""How a sync fails: each error names the system and what to do, never a credential."""

from __future__ import annotations


class SyncError(Exception):
    """A sync stopped; nothing was written for its day and its cursors did not move."""


class AuthenticationError(SyncError):
    """The API refused the credential (401 / 403): retrying cannot help."""

    def __init__(self, system: str, env_var: str, status: int) -> None:
        super().__init__(
            f"{system} refused the credential in {env_var} (HTTP {status}): set {env_var} to a "
            f"valid {system} token with read access; nothing was synced"
        )


class MalformedPage(SyncError):
    """A page that is not the API's documented shape."""

    def __init__(self, system: str, endpoint: str, cursor: object, problem: str) -> None:
        super().__init__(
            f"{system} {endpoint}: malformed page at cursor {cursor!r}: {problem}; nothing was "
            "synced, the next sync starts from the same cursor"
        )


class RetriesExhausted(SyncError):
    """A transient fault (429, 5xx, reset connection) outlasted the retry bound."""

    def __init__(self, system: str, endpoint: str, attempts: int, problem: str) -> None:
        super().__init__(
            f"{system} {endpoint}: still failing after {attempts} attempts ({problem}); nothing "
            "was synced, the next sync starts from the same cursor"
        )
