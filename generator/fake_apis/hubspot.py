"""A fake HubSpot CRM v3: owners, companies, contacts, deals, calls, emails and meetings.

Paths and shapes follow HubSpot's public API: `GET /crm/v3/owners` (paged by `after`),
`POST /crm/v3/objects/{type}/search` (filters on the last-modified property, ascending sort,
`paging.next.after`, `total`, and no page beyond `search_limit` results: HubSpot's 10,000),
`POST /crm/v3/objects/{type}/batch/read` (properties with history) and
`POST /crm/v4/associations/{from}/{to}/batch/read`. Engagements are served as HubSpot holds
them, as calls, emails and meetings without the contract's `hs_engagement_type`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import datetime
from typing import Any

from generator.fake_apis.company import Record
from generator.fake_apis.server import Answer, FakeApi, Request

ENGAGEMENT_TYPES = {"calls": "CALL", "emails": "EMAIL", "meetings": "MEETING"}
# Properties only one engagement type has.
_TYPE_ONLY = {"hs_call_duration": "calls", "hs_email_direction": "emails"}
SEARCH_LIMIT = 10_000


def _epoch_ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def _owner(record: Record) -> Record:
    """An owner as `GET /crm/v3/owners` returns it: no role or quota, teams as a list."""
    props = record["properties"]
    return {
        "id": record["id"],
        "email": props["email"],
        "firstName": props["firstname"],
        "lastName": props["lastname"],
        "userId": int(record["id"]) + 1000,
        "createdAt": record["createdAt"],
        "updatedAt": record["updatedAt"],
        "archived": record["archived"],
        "teams": [
            {"id": str(abs(hash(props["team"])) % 10**6), "name": props["team"], "primary": True}
        ]
        if props.get("team")
        else [],
    }


def _engagement(record: Record, kind: str) -> Record:
    props = {
        k: v
        for k, v in record["properties"].items()
        if k != "hs_engagement_type" and _TYPE_ONLY.get(k, kind) == kind
    }
    return {**record, "properties": props}


class FakeHubSpot(FakeApi):
    name = "HubSpot"

    def __init__(self, state: dict[str, list[Record]]) -> None:
        super().__init__()
        self.search_limit = SEARCH_LIMIT
        self.load(state)

    def load(self, state: dict[str, list[Record]]) -> None:
        """Serve the company's state of one day (generator.fake_apis.company)."""
        objects = {name: list(state[f"crm/{name}"]) for name in ("companies", "contacts", "deals")}
        for kind, engagement_type in ENGAGEMENT_TYPES.items():
            objects[kind] = [
                _engagement(r, kind)
                for r in state["crm/engagements"]
                if r["properties"]["hs_engagement_type"] == engagement_type
            ]
        # Search and batch read see live records only; archived ones are listed apart. Each
        # kind is kept sorted by last modification, so a search finds its window by bisection
        # (scale M serves ~0.5M records: a scan per page made the fake the bottleneck).
        self.objects = {
            kind: sorted(
                (r for r in rows if not r["archived"]),
                key=lambda r: (_epoch_ms(r["updatedAt"]), int(r["id"])),
            )
            for kind, rows in objects.items()
        }
        self.modified = {
            kind: [_epoch_ms(r["updatedAt"]) for r in rows] for kind, rows in self.objects.items()
        }
        self.archived = {
            kind: sorted((r for r in rows if r["archived"]), key=lambda r: int(r["id"]))
            for kind, rows in objects.items()
        }
        self.by_id = {kind: {r["id"]: r for r in rows} for kind, rows in self.objects.items()}
        self.owners = [_owner(r) for r in state["crm/owners"]]

    # Errors, as HubSpot words them.
    def unauthorized(self) -> Answer:
        return Answer(
            401,
            {
                "status": "error",
                "message": "Authentication credentials not found.",
                "category": "INVALID_AUTHENTICATION",
            },
        )

    def rate_limited(self, daily: bool) -> Answer:
        policy = "DAILY" if daily else "SECONDLY"
        return Answer(
            429,
            {
                "status": "error",
                "message": f"You have reached your {policy.lower()} limit.",
                "errorType": "RATE_LIMIT",
                "policyName": policy,
            },
            {"Retry-After": str(self.faults.retry_after_seconds)},
        )

    def server_error(self) -> Answer:
        return Answer(503, {"status": "error", "message": "Service unavailable"})

    def _bad_request(self, message: str) -> Answer:
        return Answer(400, {"status": "error", "message": message, "category": "VALIDATION_ERROR"})

    def route(self, request: Request) -> Answer:
        parts = tuple(request.path.strip("/").split("/"))
        match request.method, parts:
            case "GET", ("crm", "v3", "owners"):
                return self._owners(request)
            case "GET", ("crm", "v3", "objects", kind) if kind in self.objects:
                return self._list(kind, request)
            case "POST", ("crm", "v3", "objects", kind, "search") if kind in self.objects:
                return self._search(kind, request.body)
            case "POST", ("crm", "v3", "objects", kind, "batch", "read") if kind in self.objects:
                return self._batch_read(kind, request.body)
            case "POST", ("crm", "v4", "associations", source, target, "batch", "read"):
                return self._associations(source, target, request.body)
        return Answer(404, {"status": "error", "message": f"no route {request.path}"})

    def _owners(self, request: Request) -> Answer:
        limit = min(int(request.query.get("limit", ["100"])[0]), 500)
        start = int(request.query.get("after", ["0"])[0])
        archived = request.query.get("archived", ["false"])[0] == "true"
        owners = [o for o in self.owners if o["archived"] == archived]
        body: dict[str, Any] = {"results": owners[start : start + limit]}
        if start + limit < len(owners):
            body["paging"] = {"next": {"after": str(start + limit)}}
        return Answer(200, body)

    def _list(self, kind: str, request: Request) -> Answer:
        """`GET /crm/v3/objects/{kind}`: only its `archived=true` form is served (how a sync
        finds deleted records), by id, with the asked properties, history and associations."""
        query = {k: v[-1] for k, v in request.query.items()}
        if query.get("archived") != "true":
            return self._bad_request("the fake lists archived records only")
        limit, start = int(query.get("limit", "10")), int(query.get("after") or 0)
        if limit > 100:
            return self._bad_request("limit must be at most 100")
        wanted = [p for p in query.get("properties", "").split(",") if p]
        history = [p for p in query.get("propertiesWithHistory", "").split(",") if p]
        targets = [t for t in query.get("associations", "").split(",") if t]
        rows = self.archived[kind]
        results = []
        for r in rows[start : start + limit]:
            past = r.get("propertiesWithHistory", {})
            linked = r.get("associations", {})
            result = {
                "id": r["id"],
                "properties": {p: r["properties"][p] for p in wanted if p in r["properties"]},
                "createdAt": r["createdAt"],
                "updatedAt": r["updatedAt"],
                "archived": True,
                "archivedAt": r.get("archivedAt", r["updatedAt"]),
            }
            if history:
                result["propertiesWithHistory"] = {p: past[p] for p in history if p in past}
            # HubSpot leaves out the association types a record has none of.
            found = {t: linked[t] for t in targets if linked.get(t, {}).get("results")}
            if found:
                result["associations"] = found
            results.append(result)
        body: dict[str, Any] = {"results": results}
        if start + limit < len(rows):
            body["paging"] = {"next": {"after": str(start + limit)}}
        return Answer(200, body)

    def _search(self, kind: str, body: dict[str, Any]) -> Answer:
        modified = "lastmodifieddate" if kind == "contacts" else "hs_lastmodifieddate"
        limit = int(body.get("limit", 10))
        start = int(body.get("after") or 0)
        if limit > 200:
            return self._bad_request("limit must be at most 200")
        if start >= self.search_limit:
            return self._bad_request(
                f"Search results are limited to {self.search_limit} records per query."
            )
        groups = body.get("filterGroups") or [{"filters": []}]
        if len(groups) != 1:
            return self._bad_request("the fake searches one filter group")
        first, last = self._window(kind, groups[0]["filters"], modified)
        rows = self.objects[kind][first:last]
        wanted = body.get("properties") or []
        page = [
            {
                "id": r["id"],
                "properties": {
                    "hs_object_id": r["id"],
                    "createdate": r["createdAt"],
                    modified: r["updatedAt"],
                    **{p: r["properties"][p] for p in wanted if p in r["properties"]},
                },
                "createdAt": r["createdAt"],
                "updatedAt": r["updatedAt"],
                "archived": r["archived"],
            }
            for r in rows[start : min(start + limit, self.search_limit)]
        ]
        answer: dict[str, Any] = {"total": len(rows), "results": page}
        if start + limit < min(len(rows), self.search_limit):
            answer["paging"] = {"next": {"after": str(start + limit)}}
        return Answer(200, answer)

    def _window(self, kind: str, filters: list[dict[str, Any]], modified: str) -> tuple[int, int]:
        """The slice of `objects[kind]` (sorted by last modification) the filters select."""
        keys = self.modified[kind]
        first, last = 0, len(keys)
        for f in filters:
            if f["propertyName"] != modified:
                raise ValueError(f"the fake search filters on {modified} only")
            bound = int(f["value"])
            match f["operator"]:
                case "GTE":
                    first = max(first, bisect_left(keys, bound))
                case "GT":
                    first = max(first, bisect_right(keys, bound))
                case "LT":
                    last = min(last, bisect_left(keys, bound))
                case "LTE":
                    last = min(last, bisect_right(keys, bound))
        return first, max(first, last)

    def _batch_read(self, kind: str, body: dict[str, Any]) -> Answer:
        inputs = body.get("inputs") or []
        if len(inputs) > 100:
            return self._bad_request("at most 100 inputs per batch")
        wanted = body.get("properties") or []
        history = body.get("propertiesWithHistory") or []
        results = []
        for item in inputs:
            r = self.by_id[kind].get(item["id"])
            if r is None:
                continue
            result = {
                "id": r["id"],
                "properties": {p: r["properties"][p] for p in wanted if p in r["properties"]},
                "createdAt": r["createdAt"],
                "updatedAt": r["updatedAt"],
                "archived": r["archived"],
            }
            if history:
                past = r.get("propertiesWithHistory", {})
                result["propertiesWithHistory"] = {p: past[p] for p in history if p in past}
            results.append(result)
        return Answer(200, {"status": "COMPLETE", "results": results})

    def _associations(self, source: str, target: str, body: dict[str, Any]) -> Answer:
        if source not in self.by_id:
            return self._bad_request(f"unknown object type {source}")
        inputs = body.get("inputs") or []
        if len(inputs) > 1000:
            return self._bad_request("at most 1000 inputs per batch")
        results = []
        for item in inputs:
            r = self.by_id[source].get(item["id"])
            linked = (r or {}).get("associations", {}).get(target, {}).get("results", [])
            if not linked:
                continue
            results.append(
                {
                    "from": {"id": item["id"]},
                    "to": [
                        {
                            "toObjectId": int(a["id"]),
                            "associationTypes": [
                                {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": None}
                            ],
                        }
                        for a in linked
                    ],
                }
            )
        return Answer(200, {"status": "COMPLETE", "results": results})
