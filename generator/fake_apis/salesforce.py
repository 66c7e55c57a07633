"""A fake Salesforce org: the OAuth 2.0 token endpoint, sObject describe, and SOQL `query` /
`queryAll` with their `nextRecordsUrl` pages, over the records of a generated org.

Shapes follow Salesforce's REST API documentation: `POST /services/oauth2/token`
(`grant_type=client_credentials`, form-encoded; `access_token`, `instance_url`, `id`,
`token_type`, `issued_at`, `signature`; a wrong client `400 invalid_client`),
`GET /services/data/vXX.X/sobjects/{object}/describe` (`fields[].name`),
`GET /services/data/vXX.X/query?q=` and `/queryAll?q=` (`totalSize`, `done`, `records` with
`attributes` and the selected fields, `nextRecordsUrl` while not done: `/query/<locator>-<offset>`,
`query` even after a `queryAll`), pages of `Sforce-Query-Options: batchSize` records (200 to 2000,
2000 by default; Salesforce may answer fewer: `max_batch`), errors as a list of `{message,
errorCode}`. `query` leaves deleted records out, `queryAll` includes them (`IsDeleted: true`).

The SOQL understood is what a replication reads: `SELECT fields FROM object [WHERE field op
literal [AND ...]] [ORDER BY field [ASC|DESC], ...] [LIMIT n]`; a field the object lacks is a
`400 INVALID_FIELD`, as in an org.
"""

from __future__ import annotations

import re
from datetime import datetime
from itertools import count
from typing import Any

from dagster_project.source_catalog import SALESFORCE_TABLES
from generator.fake_apis.company import Record
from generator.fake_apis.server import Answer, FakeApi, Request

MIN_BATCH, MAX_BATCH = 200, 2000
_SOQL = re.compile(
    r"^select\s+(?P<fields>.+?)\s+from\s+(?P<object>\w+)"
    r"(?:\s+where\s+(?P<where>.+?))?(?:\s+order\s+by\s+(?P<order>.+?))?"
    r"(?:\s+limit\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(r"^(\w+)\s*(>=|<=|!=|=|>|<)\s*(.+)$", re.DOTALL)
_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)$")
_OPERATORS = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a is not None and a > b,
    ">=": lambda a, b: a is not None and a >= b,
    "<": lambda a, b: a is not None and a < b,
    "<=": lambda a, b: a is not None and a <= b,
}


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class SoqlError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class FakeSalesforce(FakeApi):
    name = "Salesforce"

    def __init__(self, state: dict[str, list[Record]], client_id: str, client_secret: str) -> None:
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self._tokens = count(1)
        self._locators = count(1)
        self.reset()
        self.load(state)

    def reset(self, token: str = "") -> None:
        """No fault, no request counted, no session open (`token` unused: sessions are the
        token endpoint's)."""
        super().reset(token)
        self.issued: set[str] = set()
        self.max_batch = MAX_BATCH
        self.internal_errors = 0  # next N API requests: 500
        self.refuse_sessions = False  # every API request: 401, whatever the token
        self.looping_locator = False  # every nextRecordsUrl names the page just served
        self.cursors: dict[str, tuple[list[Record], int]] = {}  # locator -> rows, batch size

    def load(self, state: dict[str, list[Record]]) -> None:
        """Serve the org's records of one day (generator.fake_apis.company, `salesforce/*`)."""
        self.objects: dict[str, list[Record]] = {}
        self.fields: dict[str, dict[str, str]] = {}
        for table in SALESFORCE_TABLES:
            sobject = "".join(part.title() for part in table.name.split("_"))
            rows = list(state.get(f"salesforce/{table.name}", []))
            names = dict.fromkeys(k for r in rows for k in r if k != "attributes")
            if not rows:  # an object without records still has its fields
                names = dict.fromkeys(c for c in table.contract_columns if c != "attributes")
            self.objects[sobject] = rows
            self.fields[sobject] = {name.lower(): name for name in names}

    def authorized(self, request: Request) -> bool:
        if request.path == "/services/oauth2/token":
            return True  # the token endpoint checks the client itself
        bearer = request.headers.get("authorization", "")
        return not self.refuse_sessions and bearer.removeprefix("Bearer ") in self.issued

    # Errors, as Salesforce words them: a list of {message, errorCode}.
    def _errors(self, status: int, code: str, message: str, **headers: str) -> Answer:
        return Answer(status, [{"message": message, "errorCode": code}], headers)

    def unauthorized(self) -> Answer:
        return self._errors(401, "INVALID_SESSION_ID", "Session expired or invalid")

    def rate_limited(self, daily: bool) -> Answer:
        if daily:
            return self._errors(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        return self._errors(
            429,
            "REQUEST_LIMIT_EXCEEDED",
            "Too many requests.",
            **{"Retry-After": str(self.faults.retry_after_seconds)},
        )

    def server_error(self) -> Answer:
        return self._errors(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable.")

    def route(self, request: Request) -> Answer:
        parts = tuple(request.path.strip("/").split("/"))
        if request.method == "POST" and parts == ("services", "oauth2", "token"):
            return self._token(request)
        if self.internal_errors > 0:
            self.internal_errors -= 1
            return self._errors(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred.")
        match request.method, parts:
            case "GET", ("services", "data", version, "sobjects", sobject, "describe"):
                return self._describe(version, sobject)
            case "GET", ("services", "data", version, ("query" | "queryAll") as resource):
                soql = request.query.get("q", [""])[-1]
                return self._query(version, soql, resource == "queryAll", request.headers)
            case "GET", ("services", "data", version, "query" | "queryAll", locator):
                return self._more(version, locator)
        return self._errors(404, "NOT_FOUND", "The requested resource does not exist")

    def _token(self, request: Request) -> Answer:
        form = {k: v[-1] for k, v in request.body.items()} if isinstance(request.body, dict) else {}
        if form.get("grant_type") != "client_credentials":
            return Answer(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant type not supported",
                },
            )
        if form.get("client_id") != self.client_id:
            return Answer(
                400,
                {"error": "invalid_client_id", "error_description": "client identifier invalid"},
            )
        if form.get("client_secret") != self.client_secret:
            return Answer(
                400, {"error": "invalid_client", "error_description": "invalid client credentials"}
            )
        token = f"00D000000000001!fake.{next(self._tokens)}"
        self.issued.add(token)
        host = request.headers.get("host", "127.0.0.1")
        return Answer(
            200,
            {
                "access_token": token,
                "signature": "fake-signature",
                "scope": "api",
                "instance_url": f"http://{host}",
                "id": "https://login.salesforce.com/id/00D000000000001/005000000000001",
                "token_type": "Bearer",
                "issued_at": "1790000000000",
            },
        )

    def _describe(self, version: str, sobject: str) -> Answer:
        if sobject not in self.fields:
            return self._errors(404, "NOT_FOUND", "The requested resource does not exist")
        fields = [{"name": name} for name in ["Id", *self.fields[sobject].values()]]
        urls = {"sobject": f"/services/data/{version}/sobjects/{sobject}"}
        return Answer(200, {"name": sobject, "queryable": True, "fields": fields, "urls": urls})

    def _query(self, version: str, soql: str, all_rows: bool, headers: dict[str, str]) -> Answer:
        try:
            rows = self._select(soql, all_rows)
        except SoqlError as error:
            return self._errors(400, error.code, str(error))
        options = headers.get("sforce-query-options", "")
        asked = re.search(r"batchSize=(\d+)", options)
        batch = min(max(int(asked[1]), MIN_BATCH), MAX_BATCH) if asked else MAX_BATCH
        locator = f"01g{next(self._locators):015d}"
        self.cursors[locator] = (rows, min(batch, self.max_batch))
        return self._page(version, locator, 0)

    def _more(self, version: str, locator: str) -> Answer:
        name, _, offset = locator.rpartition("-")
        if name not in self.cursors or not offset.isdigit():
            return self._errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(version, name, int(offset))

    def _page(self, version: str, locator: str, offset: int) -> Answer:
        rows, size = self.cursors[locator]
        page = rows[offset : offset + size]
        body: dict[str, Any] = {"totalSize": len(rows), "done": offset + size >= len(rows)}
        if not body["done"]:
            following = offset if self.looping_locator else offset + size
            body["nextRecordsUrl"] = f"/services/data/{version}/query/{locator}-{following}"
        body["records"] = page
        return Answer(200, body)

    def _select(self, soql: str, all_rows: bool) -> list[Record]:
        """The records a SOQL query returns, each with `attributes` and the selected fields."""
        parsed = _SOQL.match(soql.strip())
        if parsed is None:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token in: {soql[:80]}")
        sobject = parsed["object"]
        if sobject not in self.fields:
            raise SoqlError("INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
        known = self.fields[sobject] | {"id": "Id"}

        def field(name: str) -> str:
            if name.lower() not in known:
                raise SoqlError("INVALID_FIELD", f"No such column '{name}' on entity '{sobject}'.")
            return known[name.lower()]

        selected = [field(f.strip()) for f in parsed["fields"].split(",")]
        rows = [r for r in self.objects[sobject] if all_rows or not r.get("IsDeleted")]
        for condition in re.split(r"\s+and\s+", parsed["where"] or "", flags=re.IGNORECASE):
            if not condition:
                continue
            found = _CONDITION.match(condition.strip())
            if found is None:
                raise SoqlError("MALFORMED_QUERY", f"unexpected condition: {condition[:80]}")
            name, operator, literal = field(found[1]), found[2], found[3].strip()
            rows = [r for r in rows if _compare(r.get(name), operator, literal)]
        for term in reversed((parsed["order"] or "").split(",")):
            if not term.strip():
                continue
            name, *direction = term.split()
            key = field(name)
            rows.sort(
                key=lambda r: (r.get(key) is not None, _sortable(r.get(key))),
                reverse=bool(direction) and direction[0].lower() == "desc",
            )
        if parsed["limit"]:
            rows = rows[: int(parsed["limit"])]
        return [{"attributes": r["attributes"], **{f: r.get(f) for f in selected}} for r in rows]


def _sortable(value: Any) -> Any:
    if isinstance(value, str) and _DATETIME.match(value.replace("+0000", "Z")):
        return _time(value.replace("+0000", "Z"))
    return "" if value is None else value


def _compare(value: Any, operator: str, literal: str) -> bool:
    """`value` (a record's) against a SOQL literal: a dateTime, true/false, null, a quoted
    string or a number."""
    if _DATETIME.match(literal):
        bound: Any = _time(literal)
        value = _time(value.replace("+0000", "Z")) if isinstance(value, str) else value
    elif literal.lower() in ("true", "false"):
        bound = literal.lower() == "true"
    elif literal.lower() == "null":
        bound = None
    elif literal.startswith("'") and literal.endswith("'"):
        bound = literal[1:-1].replace("\\'", "'")
    else:
        try:
            bound = float(literal)
        except ValueError:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: {literal[:40]}") from None
    if bound is None and operator not in ("=", "!="):
        raise SoqlError("MALFORMED_QUERY", "null compares with = or != only")
    return _OPERATORS[operator](value, bound)
