"""The loopback HTTP server both fake APIs run on, with the switches the connector tests turn.

127.0.0.1 on an ephemeral port, one thread per connection; `with serve(api) as url:` stops it
when the block ends, and an idle server stops by itself after `idle_timeout` seconds (a demo
left running does not hold its port). Every request is counted by path.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Faults:
    """What the server does wrong, request by request.

    Bursts count down: `rate_limited=3` answers the next three requests with 429.
    """

    token: str = ""  # the credential every request must carry ("" accepts any)
    rate_limited: int = 0  # next N requests: 429 with Retry-After
    retry_after_seconds: int = 0
    daily_limit: bool = False  # HubSpot: every request 429 with the DAILY policy
    server_errors: int = 0  # next N requests: 503
    connection_resets: int = 0  # next N requests: the connection closes with no answer
    malformed_at: int | None = None  # the Nth answered request: 200 with a truncated JSON body
    slow_seconds: float = 0.0  # every answer waits this long
    # After this many answered requests, every request fails with 503 (a sync dying mid-way).
    fail_after: int | None = None

    def take(self, name: str) -> bool:
        count = getattr(self, name)
        if count > 0:
            setattr(self, name, count - 1)
            return True
        return False


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


class FakeApi:
    """One API: routes a request to an Answer; faults and counting are the server's."""

    name = "api"

    def __init__(self) -> None:
        self.faults = Faults()
        self.requests: Counter[str] = Counter()
        self.answered = 0
        self.dropped = 0  # answers the client was no longer there to receive
        self._lock = threading.Lock()

    def reset(self, token: str) -> None:
        """No fault but the token check, and no request counted yet."""
        self.faults = Faults(token=token)
        self.requests.clear()
        self.answered = self.dropped = 0

    def route(self, request: Request) -> Answer:  # pragma: no cover - each API routes
        raise NotImplementedError

    def authorized(self, request: Request) -> bool:
        expected = self.faults.token
        return not expected or request.headers.get("authorization", "") == f"Bearer {expected}"

    def unauthorized(self) -> Answer:
        raise NotImplementedError

    def rate_limited(self, daily: bool) -> Answer:
        raise NotImplementedError

    def server_error(self) -> Answer:
        raise NotImplementedError

    def count_dropped(self) -> None:
        with self._lock:
            self.dropped += 1

    def total_requests(self) -> int:
        return sum(self.requests.values())

    def fault_for(self, request: Request) -> Answer | str | None:
        """The fault this request meets, if any ("reset", "malformed" or an error answer)."""
        with self._lock:
            self.requests[f"{request.method} {request.path}"] += 1
            faults = self.faults
            if not self.authorized(request):
                return self.unauthorized()
            if faults.daily_limit:
                return self.rate_limited(daily=True)
            if faults.fail_after is not None and self.answered >= faults.fail_after:
                return self.server_error()
            if faults.take("rate_limited"):
                return self.rate_limited(daily=False)
            if faults.take("server_errors"):
                return self.server_error()
            if faults.take("connection_resets"):
                return "reset"
            self.answered += 1
            return "malformed" if self.answered == faults.malformed_at else None


def _handler(api: FakeApi, touched: Callable[[], None]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # An answer goes out as two writes (headers, body); with Nagle's algorithm the body
        # waited for the client's delayed ACK of the headers: ~40 ms per request, which was
        # most of a sync's wall time against the fakes.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests and the demo print their own summary."""

        def handle(self) -> None:
            # A client that stopped waiting (a timeout on a slow page, a retry's reset) has
            # closed its end: the answer has no one to go to, which is no server error. Left to
            # socketserver, it printed a traceback to stderr for every such answer.
            try:
                super().handle()
            except ConnectionError:
                self.close_connection = True
                api.count_dropped()

        def _serve(self) -> None:
            touched()
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            content_type = self.headers.get("Content-Type", "")
            if raw and "json" in content_type:
                body: Any = json.loads(raw)
            else:
                body = parse_qs(raw.decode(), keep_blank_values=True) if raw else {}
            request = Request(
                self.command,
                parts.path,
                parse_qs(parts.query, keep_blank_values=True),
                body,
                {k.lower(): v for k, v in self.headers.items()},
            )
            fault = api.fault_for(request)
            if fault == "reset":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if api.faults.slow_seconds:
                time.sleep(api.faults.slow_seconds)
            answer = fault if isinstance(fault, Answer) else api.route(request)
            payload = json.dumps(answer.body).encode()
            if fault == "malformed":
                payload = payload[: len(payload) // 2]
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _serve
        do_POST = _serve

    return Handler


@contextmanager
def serve(api: FakeApi, idle_timeout: float = 600.0) -> Iterator[str]:
    """Run `api` on 127.0.0.1 (ephemeral port) in threads; yields its base URL."""
    last_request = [time.monotonic()]

    def touched() -> None:
        last_request[0] = time.monotonic()

    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api, touched))
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    stop = threading.Event()

    def watch_idle() -> None:
        while not stop.wait(1.0):
            if time.monotonic() - last_request[0] > idle_timeout:
                server.shutdown()
                return

    threading.Thread(target=watch_idle, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
