"""The HubSpot CRM v3 connector: owners, companies, contacts, deals and engagements (calls,
emails, meetings) with the contract's properties, property histories and associations.

Changed objects are found with the search endpoint (last-modified time within the window,
ascending); HubSpot answers at most 10,000 results per query, so a window holding more is split
in two until each half fits. Their properties and histories come from the batch-read endpoint,
their associations from the v4 associations batch read. Owners have no search: the list is read
whole and filtered by `updatedAt`. Paging, retries and backoff are dlt's REST client's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from dagster_project.connectors.errors import (
    AuthenticationError,
    MalformedPage,
    RetriesExhausted,
    SyncError,
)
from dagster_project.connectors.hubspot_contract import (
    ASSOCIATIONS,
    ENGAGEMENT_KINDS,
    HISTORY,
    account_properties,
    contract_record,
    epoch_ms,
    owner_record,
)
from dagster_project.connectors.settings import SyncSettings, count_attempts, day_end
from dagster_project.connectors.sync_state import (
    Record,
    SyncState,
    TableCursor,
    Window,
    write_landing_day,
)
from dagster_project.crm_fields import CRM_MAPPED_FIELDS
from dagster_project.extraction.crm_mapping import load_crm_mapping

SYSTEM = "HubSpot"
TOKEN_ENV = "HUBSPOT_ACCESS_TOKEN"
SEARCH_LIMIT = 10_000
SEARCH_PAGE = 200  # the search endpoint's largest page
BATCH_READ = 100  # inputs per batch read
ASSOCIATION_BATCH = 1000  # inputs per v4 associations batch read


@dataclass
class HubSpotConnector:
    base_url: str
    token: str
    landing_dir: Path
    settings: SyncSettings = SyncSettings()
    search_limit: int = SEARCH_LIMIT

    def __post_init__(self) -> None:
        self.requests = 0
        self._client = self._make_client()
        self._mapping = load_crm_mapping(self.landing_dir)

    def _make_client(self) -> Any:
        # dlt is imported here, not at module import: definitions load without it.
        from dlt.sources.helpers.requests import Client
        from dlt.sources.helpers.rest_client import RESTClient
        from dlt.sources.helpers.rest_client.auth import BearerTokenAuth

        settings = self.settings
        session = Client(
            request_timeout=settings.timeout_seconds,
            request_max_attempts=settings.max_attempts,
            request_backoff_factor=settings.backoff_seconds,
            request_max_retry_delay=settings.max_delay_seconds,
            # 429 is retried only under the per-second limit (below): the daily one lasts
            # until midnight, so retrying only spends the bound.
            status_codes=tuple(range(500, 600)),
            retry_condition=_secondly_limit,
            # The REST client raises on an error status itself, after the retries.
            raise_for_status=False,
        ).session
        count_attempts(session, self.base_url, self)
        return RESTClient(base_url=self.base_url, auth=BearerTokenAuth(self.token), session=session)

    # The sync of one landing day.
    def sync(self, day: date) -> dict[str, int]:
        """Fetch what changed before the end of `day` since the last sync and write it as the
        day's landing files; then advance the cursors. Returns records written per table."""
        state = SyncState(self.landing_dir, "crm")
        end = int(day_end(day).timestamp() * 1000)
        overlap = self.settings.overlap_seconds * 1000
        records: dict[str, list[Record]] = {}
        cursors: dict[str, TableCursor] = {}
        for table in ("owners", "companies", "contacts", "deals", "engagements"):
            window = state.window(table, day, end, overlap)
            fetched = self._owners(window) if table == "owners" else self._objects(table, window)
            if window.start is not None:
                # Deletions: HubSpot archives a deleted record, and search and batch read leave
                # archived records out. A first sync lands what exists; later ones what left.
                archived = self._archived(table, window)
                fetched = list({r["id"]: r for r in [*fetched, *archived]}.values())
            versions = {r["id"]: epoch_ms(r["updatedAt"]) for r in fetched}
            cursors[table] = window.cursor(versions, overlap)
            fresh = [r for r in fetched if not window.delivered(r["id"], versions[r["id"]])]
            records[table] = sorted(fresh, key=lambda r: (epoch_ms(r["updatedAt"]), int(r["id"])))
        written = write_landing_day(self.landing_dir, "crm", day, records)
        state.advance(day, cursors)
        return written

    def _owners(self, window: Window, archived: bool = False) -> list[Record]:
        from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

        owners = []
        paginator = JSONResponseCursorPaginator(
            cursor_path="paging.next.after", cursor_param="after"
        )
        endpoint = "GET /crm/v3/owners"
        params: dict[str, Any] = {"limit": self.settings.page_size}
        if archived:
            params["archived"] = "true"  # deactivated users: their updatedAt is the archiving
        with self._api_errors(endpoint) as cursor:
            pages = self._client.paginate("/crm/v3/owners", params=params, paginator=paginator)
            for page in pages:
                body = _page_body(page.response, endpoint, cursor[0])
                for owner in body["results"]:
                    version = epoch_ms(owner["updatedAt"])
                    if window.start is None or window.start <= version < window.end:
                        owners.append(owner_record(owner))
                cursor[0] = _next_after(body)
        return owners

    def _objects(self, table: str, window: Window) -> list[Record]:
        kinds = ENGAGEMENT_KINDS if table == "engagements" else {table: None}
        names = account_properties(table, self._mapping)
        records = []
        for kind, engagement_type in kinds.items():
            ids = self._search(kind, window.start or 0, window.end)
            read = self._batch_read(kind, ids, list(names), self._history(table))
            links = {
                target: self._associations(kind, target, ids)
                for target in ASSOCIATIONS.get(table, ())
            }
            for object_id in ids:
                if object_id not in read:
                    continue  # archived between search and read: the archived list has it
                linked = {target: by_id.get(object_id, []) for target, by_id in links.items()}
                records.append(
                    contract_record(table, engagement_type, read[object_id], names, linked)
                )
        return records

    def _archived(self, table: str, window: Window) -> list[Record]:
        """The table's records archived in the window, each as its last version: properties,
        history and associations as they were, `archived: true`, `updatedAt` the archiving.
        HubSpot lists archived records apart (`archived=true`), without a time filter."""
        if table == "owners":
            return self._owners(window, archived=True)
        from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

        kinds = ENGAGEMENT_KINDS if table == "engagements" else {table: None}
        names = account_properties(table, self._mapping)
        history, targets = self._history(table), ASSOCIATIONS.get(table, ())
        params: dict[str, Any] = {"archived": "true", "properties": ",".join(names)}
        if history:
            params["propertiesWithHistory"] = history
        if targets:
            params["associations"] = ",".join(targets)
        records = []
        for kind, engagement_type in kinds.items():
            endpoint = f"GET /crm/v3/objects/{kind}"
            paginator = JSONResponseCursorPaginator(
                cursor_path="paging.next.after", cursor_param="after"
            )
            with self._api_errors(endpoint) as cursor:
                pages = self._client.paginate(
                    f"/crm/v3/objects/{kind}",
                    params={**params, "limit": self.settings.page_size},
                    paginator=paginator,
                )
                for page in pages:
                    body = _page_body(page.response, endpoint, cursor[0])
                    for found in body["results"]:
                        keys = ("id", "properties", "createdAt", "updatedAt", "archivedAt")
                        _require(found, keys, endpoint, cursor[0])
                        archived_at = epoch_ms(found["archivedAt"])
                        if not (window.start or 0) <= archived_at < window.end:
                            continue
                        if archived_at > epoch_ms(found["updatedAt"]):
                            found = {**found, "updatedAt": found["archivedAt"]}
                        associations = found.get("associations") or {}
                        linked = {
                            target: [
                                str(a["id"])
                                for a in (associations.get(target) or {}).get("results", [])
                            ]
                            for target in targets
                        }
                        records.append(
                            contract_record(
                                table, engagement_type, {**found, "archived": True}, names, linked
                            )
                        )
                    cursor[0] = _next_after(body)
        return records

    def _history(self, table: str) -> str | None:
        """The account's name of the property whose history the contract keeps, if any."""
        contract = HISTORY.get(table)
        if contract is None:
            return None
        crm_field = next(
            f for f in CRM_MAPPED_FIELDS if f.object_type == table and f.name == contract
        )
        return self._mapping.property_of(crm_field).property

    def _search(self, kind: str, start: int, end: int) -> list[str]:
        """Ids of the objects last modified in [start, end), oldest first; a window holding more
        than the search limit is split in two."""
        from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

        modified = "lastmodifieddate" if kind == "contacts" else "hs_lastmodifieddate"
        endpoint = f"POST /crm/v3/objects/{kind}/search"
        body = {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": modified, "operator": "GTE", "value": str(start)},
                        {"propertyName": modified, "operator": "LT", "value": str(end)},
                    ]
                }
            ],
            "sorts": [{"propertyName": modified, "direction": "ASCENDING"}],
            "properties": ["hs_object_id"],
            "limit": SEARCH_PAGE,
        }
        ids: list[str] = []
        paginator = JSONResponseCursorPaginator(
            cursor_path="paging.next.after", cursor_body_path="after"
        )
        with self._api_errors(endpoint) as cursor:
            pages = self._client.paginate(
                f"/crm/v3/objects/{kind}/search", method="POST", json=body, paginator=paginator
            )
            for page in pages:
                answer = _page_body(page.response, endpoint, cursor[0])
                total = answer.get("total")
                if not isinstance(total, int):
                    raise MalformedPage(SYSTEM, endpoint, cursor[0], "no integer `total`")
                if total > self.search_limit:
                    if end - start <= 1:
                        raise SyncError(
                            f"{SYSTEM} {endpoint}: {total} objects modified in one millisecond "
                            f"({start}), more than one search may return ({self.search_limit})"
                        )
                    middle = (start + end) // 2
                    return self._search(kind, start, middle) + self._search(kind, middle, end)
                ids += [str(r["id"]) for r in answer["results"]]
                cursor[0] = _next_after(answer)
        return list(dict.fromkeys(ids))

    def _batch_read(
        self, kind: str, ids: list[str], properties: list[str], history: str | None
    ) -> dict[str, Record]:
        endpoint = f"POST /crm/v3/objects/{kind}/batch/read"
        read: dict[str, Record] = {}
        for first in range(0, len(ids), BATCH_READ):
            chunk = ids[first : first + BATCH_READ]
            body: dict[str, Any] = {"inputs": [{"id": i} for i in chunk], "properties": properties}
            if history:
                body["propertiesWithHistory"] = [history]
            with self._api_errors(endpoint) as cursor:
                cursor[0] = chunk[0]
                response = self._client.post(f"/crm/v3/objects/{kind}/batch/read", json=body)
                response.raise_for_status()
                answer = _page_body(response, endpoint, chunk[0])
                for record in answer["results"]:
                    _require(
                        record, ("id", "properties", "createdAt", "updatedAt"), endpoint, chunk[0]
                    )
                    read[str(record["id"])] = record
        return read

    def _associations(self, kind: str, target: str, ids: list[str]) -> dict[str, list[str]]:
        endpoint = f"POST /crm/v4/associations/{kind}/{target}/batch/read"
        links: dict[str, list[str]] = {}
        for first in range(0, len(ids), ASSOCIATION_BATCH):
            chunk = ids[first : first + ASSOCIATION_BATCH]
            with self._api_errors(endpoint) as cursor:
                cursor[0] = chunk[0]
                response = self._client.post(
                    f"/crm/v4/associations/{kind}/{target}/batch/read",
                    json={"inputs": [{"id": i} for i in chunk]},
                )
                response.raise_for_status()
                answer = _page_body(response, endpoint, chunk[0])
                for result in answer["results"]:
                    links[str(result["from"]["id"])] = [str(t["toObjectId"]) for t in result["to"]]
        return links

    @contextmanager
    def _api_errors(self, endpoint: str) -> Iterator[list[Any]]:
        """Turn the client's failures into errors that name the endpoint and cursor. The cursor
        is a one-item list the caller updates as it pages."""
        import requests

        cursor: list[Any] = [None]
        try:
            yield cursor
        except requests.HTTPError as error:
            raise _http_failure(error.response, endpoint, cursor[0], self.settings) from None
        except (requests.ConnectionError, requests.Timeout) as error:
            raise RetriesExhausted(
                SYSTEM, endpoint, self.settings.max_attempts, type(error).__name__
            ) from None
        except (ValueError, KeyError, TypeError) as error:
            raise MalformedPage(
                SYSTEM, endpoint, cursor[0], f"{type(error).__name__}: {error}"
            ) from None


def _secondly_limit(response: Any, exception: BaseException | None) -> bool:
    """Retry a 429 unless it is HubSpot's daily limit."""
    if response is None or response.status_code != 429:
        return False
    try:
        return response.json().get("policyName") != "DAILY"
    except ValueError:
        return True


def _http_failure(response: Any, endpoint: str, cursor: Any, settings: SyncSettings) -> SyncError:
    status = response.status_code
    if status in (401, 403):
        return AuthenticationError(SYSTEM, TOKEN_ENV, status)
    if status == 429 and _policy(response) == "DAILY":
        return SyncError(
            f"{SYSTEM} {endpoint}: the account's daily API limit is spent; the next sync after "
            "midnight (the account's time zone) picks up from the same cursor"
        )
    if status == 429 or status >= 500:
        return RetriesExhausted(SYSTEM, endpoint, settings.max_attempts, f"HTTP {status}")
    return SyncError(
        f"{SYSTEM} {endpoint} at cursor {cursor!r}: HTTP {status}: {response.text[:300]}"
    )


def _policy(response: Any) -> str | None:
    try:
        return response.json().get("policyName")
    except ValueError:
        return None


def _page_body(response: Any, endpoint: str, cursor: Any) -> dict[str, Any]:
    """A page's JSON, with the `results` list every HubSpot list answer has."""
    try:
        body = response.json()
    except ValueError as error:
        raise MalformedPage(SYSTEM, endpoint, cursor, f"not JSON ({error})") from None
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise MalformedPage(SYSTEM, endpoint, cursor, "no `results` list")
    return body


def _require(record: Any, keys: tuple[str, ...], endpoint: str, cursor: Any) -> None:
    if not isinstance(record, dict) or any(k not in record for k in keys):
        raise MalformedPage(SYSTEM, endpoint, cursor, f"a result without {', '.join(keys)}")


def _next_after(body: dict[str, Any]) -> str | None:
    return ((body.get("paging") or {}).get("next") or {}).get("after")
