"""The Stripe connector: customers, subscriptions, subscription events, invoices (every line)
and credit notes, in the shapes of the billing contract.

Customers, invoices and credit notes are listed by `created` within the window. Events are
listed from the last event delivered (`ending_before`), so each arrives once; Stripe keeps
events for 30 days, which is what a first sync can fetch. Subscription events land as they are.
A first sync lists every subscription (`status=all`); later ones fetch the subscriptions those
events touched, at their current state. Later syncs also land the customers and invoices that
customer and invoice events touched (an edit, a deletion, a status change), at the state after
their newest event; draft invoices land only once finalized. Currencies are written upper
case, as the contract has them. Paging and retries (honouring `Stripe-Should-Retry`) are the
official SDK's.
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
from dagster_project.connectors.settings import SyncSettings, day_end
from dagster_project.connectors.sync_state import (
    Record,
    SyncState,
    TableCursor,
    Window,
    write_landing_day,
)

SYSTEM = "Stripe"
KEY_ENV = "STRIPE_API_KEY"
SUBSCRIPTION_EVENTS = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)
# Changes to objects listed by creation time: a later sync lands each touched object's state
# after its newest event as a new version (a deleted customer: its last state, `deleted: true`).
CHANGE_EVENTS = {
    "customers": ("customer.updated", "customer.deleted"),
    "invoices": (
        "invoice.finalized",
        "invoice.paid",
        "invoice.voided",
        "invoice.marked_uncollectible",
        "invoice.updated",
    ),
}


def upper_currencies(value: Any) -> Any:
    """Stripe writes currencies lower case (`eur`); the contract upper case (`EUR`)."""
    if isinstance(value, dict):
        return {
            k: v.upper() if k == "currency" and isinstance(v, str) else upper_currencies(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [upper_currencies(v) for v in value]
    return value


@dataclass
class StripeConnector:
    api_base: str
    api_key: str
    landing_dir: Path
    settings: SyncSettings = SyncSettings()

    def __post_init__(self) -> None:
        import stripe

        self.requests = 0
        http_client = stripe.RequestsClient(timeout=self.settings.timeout_seconds)
        request = http_client.request

        # Every attempt goes through `request`, retries included: count them there.
        def counted_request(*args: Any, **kwargs: Any) -> Any:
            self.requests += 1
            return request(*args, **kwargs)

        http_client.request = counted_request  # type: ignore[method-assign]
        self._client = stripe.StripeClient(
            self.api_key,
            base_addresses={"api": self.api_base},
            # Retries: connection errors, 409, 5xx and what Stripe marks `Stripe-Should-Retry`.
            max_network_retries=self.settings.max_attempts - 1,
            http_client=http_client,
        )

    def sync(self, day: date) -> dict[str, int]:
        """Fetch what Stripe recorded before the end of `day` since the last sync, write it as
        the day's landing files, then advance the cursors. Returns records per table."""
        state = SyncState(self.landing_dir, "billing")
        end = int(day_end(day).timestamp())
        overlap = self.settings.overlap_seconds
        records: dict[str, list[Record]] = {}
        cursors: dict[str, TableCursor] = {}
        v1 = self._client.v1
        listed: dict[str, tuple[Window, list[Record]]] = {}
        for table, service in (
            ("customers", v1.customers),
            ("invoices", v1.invoices),
            ("credit_notes", v1.credit_notes),
        ):
            window = state.window(table, day, end, overlap)
            fetched = self._created_in(table, service, window)
            if table == "invoices":
                # A draft is no bill yet: it lands once finalized (its `invoice.finalized`).
                fetched = [self._with_every_line(i) for i in fetched if i["status"] != "draft"]
            listed[table] = (window, fetched)

        events_window = state.window("subscription_events", day, end, overlap)
        previous = events_window.previous.position if events_window.previous else None
        events = self._events_after(previous, end)
        position = events[-1]["id"] if events else previous
        cursors["subscription_events"] = TableCursor(end, {}, position)
        records["subscription_events"] = [e for e in events if e["type"] in SUBSCRIPTION_EVENTS]

        for table, (window, fetched) in listed.items():
            cursors[table] = window.cursor({r["id"]: r["created"] for r in fetched}, overlap)
            fresh = {r["id"]: r for r in fetched if not window.delivered(r["id"], r["created"])}
            if window.start is not None:  # a first sync's lists hold every current state
                current = {r["id"]: r for r in fetched}
                for object_id, changed in self._changed(table, events).items():
                    fresh[object_id] = current.get(object_id, changed)
            records[table] = sorted(fresh.values(), key=lambda r: (r["created"], r["id"]))

        if previous is None and state.window("subscriptions", day, end, overlap).start is None:
            subscriptions = self._list("subscriptions", v1.subscriptions, {"status": "all"})
            subscriptions = [s for s in subscriptions if s["created"] < end]
        else:
            subscription_events = records["subscription_events"]
            changed = dict.fromkeys(e["data"]["object"]["id"] for e in subscription_events)
            subscriptions = [self._retrieve_subscription(i) for i in changed]
        cursors["subscriptions"] = TableCursor(end)
        records["subscriptions"] = sorted(subscriptions, key=lambda s: (s["created"], s["id"]))

        written = write_landing_day(self.landing_dir, "billing", day, records)
        state.advance(day, cursors)
        return written

    def _changed(self, table: str, events: list[Record]) -> dict[str, Record]:
        """Each object of `table` the events touched, at its state after the newest of them."""
        changed: dict[str, Record] = {}
        for event in events:  # oldest first: a later event's state replaces an earlier one's
            if event["type"] not in CHANGE_EVENTS.get(table, ()):
                continue
            state = event["data"]["object"]
            if event["type"] == "customer.deleted":
                state = {**state, "deleted": True}
            if state.get("status") != "draft":  # an edited draft is still no bill
                changed[state["id"]] = state
        if table == "invoices":
            return {i: self._with_every_line(state) for i, state in changed.items()}
        return changed

    def _created_in(self, table: str, service: Any, window: Window) -> list[Record]:
        created = (
            {"lt": window.end} if window.start is None else {"gte": window.start, "lt": window.end}
        )
        rows = self._list(table, service, {"created": created})
        return sorted(rows, key=lambda r: (r["created"], r["id"]))

    def _list(self, table: str, service: Any, params: dict[str, Any]) -> list[Record]:
        endpoint = f"GET /v1/{table}"
        rows = []
        with self._api_errors(endpoint) as cursor:
            pages = service.list(params={**params, "limit": self.settings.page_size})
            for item in pages.auto_paging_iter():
                rows.append(_record(item, endpoint, cursor[0]))
                cursor[0] = item["id"]
        return rows

    def _events_after(self, position: str | None, end: int) -> list[Record]:
        """The events of the synced types recorded after `position` (all kept, without one),
        oldest first, up to the end of the window."""
        endpoint = "GET /v1/events"
        types = [*SUBSCRIPTION_EVENTS, *(t for kinds in CHANGE_EVENTS.values() for t in kinds)]
        params: dict[str, Any] = {"types": types, "limit": self.settings.page_size}
        if position:
            params["ending_before"] = position
        events = []
        with self._api_errors(endpoint) as cursor:
            cursor[0] = position
            listed = self._client.v1.events.list(params=params).auto_paging_iter()
            for item in listed:
                events.append(_record(item, endpoint, cursor[0]))
                cursor[0] = item["id"]
        if not position:
            events.reverse()  # listed newest first; with `ending_before`, oldest first
        return [e for e in events if e["created"] < end]

    def _retrieve_subscription(self, subscription_id: str) -> Record:
        endpoint = f"GET /v1/subscriptions/{subscription_id}"
        with self._api_errors(endpoint) as cursor:
            return _record(
                self._client.v1.subscriptions.retrieve(subscription_id), endpoint, cursor[0]
            )

    def _with_every_line(self, invoice: Record) -> Record:
        """An invoice embeds its first lines; the rest are read from its lines list."""
        lines = invoice.get("lines") or {}
        data = list(lines.get("data") or [])
        if lines.get("has_more"):
            endpoint = f"GET /v1/invoices/{invoice['id']}/lines"
            with self._api_errors(endpoint) as cursor:
                cursor[0] = data[-1]["id"] if data else None
                rest = self._client.v1.invoices.line_items.list(
                    invoice["id"],
                    params={"limit": self.settings.page_size, "starting_after": cursor[0]},
                )
                for item in rest.auto_paging_iter():
                    data.append(_record(item, endpoint, cursor[0]))
                    cursor[0] = item["id"]
        return {**invoice, "lines": {"object": "list", "data": data}}

    @contextmanager
    def _api_errors(self, endpoint: str) -> Iterator[list[Any]]:
        """Turn the SDK's errors into ones naming the endpoint and cursor (a one-item list the
        caller updates as it pages); the SDK's own message, which may quote the key, is dropped."""
        import stripe

        cursor: list[Any] = [None]
        try:
            yield cursor
        except (stripe.AuthenticationError, stripe.PermissionError) as error:
            raise AuthenticationError(SYSTEM, KEY_ENV, error.http_status or 401) from None
        except stripe.APIConnectionError as error:
            raise RetriesExhausted(
                SYSTEM, endpoint, self.settings.max_attempts, type(error).__name__
            ) from None
        except stripe.RateLimitError:
            raise RetriesExhausted(
                SYSTEM, endpoint, self.settings.max_attempts, "HTTP 429"
            ) from None
        except stripe.APIError as error:
            status = error.http_status or 0
            if status >= 500:
                raise RetriesExhausted(
                    SYSTEM, endpoint, self.settings.max_attempts, f"HTTP {status}"
                ) from None
            raise MalformedPage(
                SYSTEM, endpoint, cursor[0], "the body is not Stripe's JSON"
            ) from None
        except stripe.StripeError as error:
            raise SyncError(
                f"{SYSTEM} {endpoint} at cursor {cursor[0]!r}: HTTP {error.http_status}"
            ) from None
        except (KeyError, TypeError) as error:
            raise MalformedPage(
                SYSTEM, endpoint, cursor[0], f"{type(error).__name__}: {error}"
            ) from None


def _record(item: Any, endpoint: str, cursor: Any) -> Record:
    record = item.to_dict() if hasattr(item, "to_dict") else item
    if not isinstance(record, dict) or "id" not in record:
        raise MalformedPage(SYSTEM, endpoint, cursor, "an item without an id")
    if "created" in record and not isinstance(record["created"], int):
        raise MalformedPage(SYSTEM, endpoint, cursor, f"{record['id']}: `created` is not a time")
    return upper_currencies(record)
