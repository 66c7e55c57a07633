"""A fake Stripe API: customers, subscriptions, events, invoices (with their lines) and credit
notes, under `/v1/...` as Stripe serves them.

Lists are newest first, paged with `limit` (at most 100), `starting_after` / `ending_before` and
`has_more`, filtered by `created[gte|gt|lt|lte]`; subscriptions need `status=all` to include
canceled ones; events are filtered by `types[]` and kept for 30 days, as Stripe keeps them; an
invoice embeds its first 10 lines, the rest are at `/v1/invoices/{id}/lines`. Currencies are
lower case, as Stripe writes them. Errors carry `Stripe-Should-Retry` as Stripe sets it.
"""

from __future__ import annotations

import copy
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, timedelta
from typing import Any

from generator.fake_apis.company import Record
from generator.fake_apis.server import Answer, FakeApi, Request

EVENT_RETENTION = timedelta(days=30)
EMBEDDED_LINES = 10


def lower_currencies(value: Any) -> Any:
    """Stripe's own spelling: every `currency` in lower case."""
    if isinstance(value, dict):
        return {
            k: v.lower() if k == "currency" and isinstance(v, str) else lower_currencies(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [lower_currencies(v) for v in value]
    return value


class FakeStripe(FakeApi):
    name = "Stripe"

    def __init__(self, state: dict[str, list[Record]], day: date) -> None:
        super().__init__()
        self.embedded_lines = EMBEDDED_LINES
        self.load(state, day)

    def load(self, state: dict[str, list[Record]], day: date) -> None:
        """Serve the company's state at the end of `day` (generator.fake_apis.company)."""
        now = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        oldest_event = int((now - EVENT_RETENTION).timestamp())

        def newest_first(rows: list[Record]) -> list[Record]:
            return sorted(
                lower_currencies(rows), key=lambda r: (r["created"], r["id"]), reverse=True
            )

        self.lists = {
            "customers": newest_first(state["billing/customers"]),
            "subscriptions": newest_first(state["billing/subscriptions"]),
            "invoices": newest_first(state["billing/invoices"]),
            "credit_notes": newest_first(state["billing/credit_notes"]),
            # Recorded order, newest first; only the retention window.
            "events": [
                lower_currencies(e)
                for e in reversed(state["billing/subscription_events"])
                if e["created"] >= oldest_event
            ],
        }
        # Lists by creation time (every one but events) are found by bisection, on the
        # negated times (ascending); scale M serves ~0.1M invoices, where a scan per page made
        # the fake the bottleneck.
        self.created_keys = {
            name: [-r["created"] for r in rows] for name, rows in self.lists.items()
        }
        self.ids = {name: [r["id"] for r in rows] for name, rows in self.lists.items()}
        self.subscriptions = {s["id"]: s for s in self.lists["subscriptions"]}
        self.invoice_lines = {i["id"]: i["lines"]["data"] for i in self.lists["invoices"]}

    def _error(self, status: int, kind: str, message: str, retry: str | None) -> Answer:
        headers = {"Stripe-Should-Retry": retry} if retry else {}
        return Answer(status, {"error": {"type": kind, "message": message}}, headers)

    def unauthorized(self) -> Answer:
        return self._error(401, "invalid_request_error", "Invalid API Key provided.", None)

    def rate_limited(self, daily: bool) -> Answer:
        return self._error(
            429, "invalid_request_error", "Too many requests in a period of time.", "true"
        )

    def server_error(self) -> Answer:
        return self._error(500, "api_error", "Something went wrong on Stripe's end.", "true")

    def route(self, request: Request) -> Answer:
        parts = request.path.strip("/").split("/")
        if request.method != "GET" or not parts or parts[0] != "v1":
            return self._error(404, "invalid_request_error", "Unrecognized request URL", None)
        query = {k: v[-1] for k, v in request.query.items()}
        if len(parts) == 2 and parts[1] in self.lists:
            name = parts[1]
            if name == "events" and any(k.startswith("created") for k in query):
                # Events are kept in recorded order, which bisection by time cannot search.
                return self._error(400, "invalid_request_error", "the fake: no created", None)
            first, last = _created_slice(self.created_keys[name], query)
            rows, ids = self.lists[name][first:last], self.ids[name][first:last]
            if name == "subscriptions" and query.get("status") != "all":
                rows = [r for r in rows if r["status"] != "canceled"]
                ids = [r["id"] for r in rows]
            if name == "events":
                types = {v[-1] for k, v in request.query.items() if k.startswith("types")}
                rows = [r for r in rows if not types or r["type"] in types]
                ids = [r["id"] for r in rows]
            answer = self._page(f"/v1/{name}", rows, query, ids)
            if name == "invoices" and answer.status == 200:
                data = answer.body["data"]
                answer.body["data"] = [_embed_lines(r, self.embedded_lines) for r in data]
            return answer
        if len(parts) == 3 and parts[1] == "subscriptions" and parts[2] in self.subscriptions:
            return Answer(200, self.subscriptions[parts[2]])
        if len(parts) == 4 and parts[1] == "invoices" and parts[3] == "lines":
            lines = self.invoice_lines.get(parts[2])
            if lines is not None:
                return self._page(request.path, lines, query)
        return self._error(404, "invalid_request_error", "No such object.", None)

    def _page(
        self, url: str, rows: list[Record], query: dict[str, str], ids: list[str] | None = None
    ) -> Answer:
        limit = int(query.get("limit", "10"))
        if not 1 <= limit <= 100:
            return self._error(400, "invalid_request_error", "limit must be 1-100", None)
        ids = ids if ids is not None else [r["id"] for r in rows]
        if "starting_after" in query:
            start = ids.index(query["starting_after"]) + 1
            page, more = rows[start : start + limit], start + limit < len(rows)
        elif "ending_before" in query:
            end = ids.index(query["ending_before"])
            page, more = rows[max(0, end - limit) : end], end - limit > 0
        else:
            page, more = rows[:limit], limit < len(rows)
        return Answer(200, {"object": "list", "url": url, "has_more": more, "data": page})


def _embed_lines(invoice: Record, count: int) -> Record:
    embedded = copy.copy(invoice)
    lines = invoice["lines"]["data"]
    embedded["lines"] = {
        "object": "list",
        "data": lines[:count],
        "has_more": len(lines) > count,
        "url": f"/v1/invoices/{invoice['id']}/lines",
    }
    return embedded


def _created_slice(keys: list[int], query: dict[str, str]) -> tuple[int, int]:
    """The slice of a list sorted newest first (`keys`: its negated `created`) that the
    `created[gte|gt|lt|lte]` filters select."""
    first, last = 0, len(keys)
    if "created[gte]" in query:
        last = min(last, bisect_right(keys, -int(query["created[gte]"])))
    if "created[gt]" in query:
        last = min(last, bisect_left(keys, -int(query["created[gt]"])))
    if "created[lt]" in query:
        first = max(first, bisect_right(keys, -int(query["created[lt]"])))
    if "created[lte]" in query:
        first = max(first, bisect_left(keys, -int(query["created[lte]"])))
    return first, max(first, last)
