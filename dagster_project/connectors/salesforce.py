"""The Salesforce REST connector: every object of the Salesforce landing contract, read with SOQL.

An access token comes from the OAuth 2.0 client-credentials flow (the org's connected app: client
id and secret, at the org's My Domain URL). Each object's fields are the contract's
(source_catalog.SALESFORCE_TABLES) and the custom fields crm/mapping.yml names, kept to those the
org's describe lists: a contract field an org lacks reads as null at extraction, a mapped one
fails the sync naming it. A first sync reads each object's live records with `query`; later
ones read with `queryAll`, which also returns the records deleted since (`IsDeleted: true`),
each window on `SystemModstamp` (`CreatedDate` for field histories, which never change) and
ordered by it and `Id`. Pages follow `nextRecordsUrl`; every page must bring records the
query's `totalSize` still owes, so a locator that loops fails instead of spinning. Retries:
429 and 503 (honouring Retry-After) and reset connections, by dlt's retrying `requests` client;
any other status fails at once, naming the object.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from dagster_project.connectors.errors import (
    AuthenticationError,
    MalformedPage,
    RetriesExhausted,
    SyncError,
)
from dagster_project.connectors.settings import SyncSettings, count_attempts, day_end
from dagster_project.connectors.sync_state import Record, SyncState, TableCursor, write_landing_day
from dagster_project.extraction.crm_mapping import CrmMapping, load_crm_mapping
from dagster_project.source_catalog import (
    SALESFORCE_MAPPED_OBJECTS,
    SALESFORCE_TABLES,
    SourceTable,
)

SYSTEM = "Salesforce"
INSTANCE_ENV = "SALESFORCE_INSTANCE_URL"
CLIENT_ID_ENV = "SALESFORCE_CLIENT_ID"
CLIENT_SECRET_ENV = "SALESFORCE_CLIENT_SECRET"
CREDENTIAL_ENVS = f"{CLIENT_ID_ENV} / {CLIENT_SECRET_ENV}"
API_VERSION = "v60.0"
TOKEN_PATH = "/services/oauth2/token"
# Records per page asked for (`Sforce-Query-Options: batchSize`): Salesforce's largest; it may
# answer fewer.
BATCH_SIZE = 2000
# Statuses worth another attempt: Salesforce answers 503 when an org has too many requests in
# flight, and a proxy in front of it 429. Everything else (500 included) fails at once.
TRANSIENT_STATUSES = (429, 503)


def object_name(table: SourceTable) -> str:
    """The sObject a contract folder holds: `opportunity_history` -> `OpportunityHistory`."""
    return "".join(part.title() for part in table.name.split("_"))


def version_field(table: SourceTable) -> str:
    """What orders a record's versions: `SystemModstamp`; a field history row never changes."""
    return table.version_column or "CreatedDate"


def wanted_fields(table: SourceTable, mapping: CrmMapping) -> dict[str, int]:
    """The fields to select: the contract's (0), then the mapping file's custom fields (their
    line in crm/mapping.yml). Without a mapping file the org maps nothing."""
    fields = {name: 0 for name in table.contract_columns if name != "attributes"}
    object_type = SALESFORCE_MAPPED_OBJECTS.get(table.raw_table)
    if object_type and mapping.from_file:
        for name, _, line in mapping.checked_properties(object_type):
            fields.setdefault(name, line)
    return fields


def soql_time(epoch_ms: int) -> str:
    """A SOQL dateTime literal (UTC, whole seconds: every window bound is one)."""
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp_ms(value: str) -> int:
    """Salesforce's `2026-09-01T10:00:00.000+0000` as epoch milliseconds."""
    return int(datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000)


@dataclass
class SalesforceConnector:
    instance_url: str
    client_id: str
    client_secret: str
    landing_dir: Path
    settings: SyncSettings = SyncSettings()

    def __post_init__(self) -> None:
        self.requests = 0
        self.instance_url = self.instance_url.rstrip("/")
        self._session = self._make_session()
        self._mapping = load_crm_mapping(self.landing_dir)
        self._token: str | None = None

    def _make_session(self) -> Any:
        # dlt is imported here, not at module import: definitions load without it.
        from dlt.sources.helpers.requests import Client

        settings = self.settings
        session = Client(
            request_timeout=settings.timeout_seconds,
            request_max_attempts=settings.max_attempts,
            request_backoff_factor=settings.backoff_seconds,
            request_max_retry_delay=settings.max_delay_seconds,
            status_codes=TRANSIENT_STATUSES,
            raise_for_status=False,
        ).session
        count_attempts(session, self.instance_url, self)
        return session

    def sync(self, day: date) -> dict[str, int]:
        """Fetch what changed before the end of `day` since the last sync and write it as the
        day's landing files; then advance the cursors. Returns records written per object."""
        state = SyncState(self.landing_dir, "salesforce")
        end = int(day_end(day).timestamp() * 1000)
        overlap = self.settings.overlap_seconds * 1000
        records: dict[str, list[Record]] = {}
        cursors: dict[str, TableCursor] = {}
        for table in SALESFORCE_TABLES:
            window = state.window(table.name, day, end, overlap)
            fetched = self._read(table, window.start, window.end)
            stamp = version_field(table)
            versions = {r["Id"]: stamp_ms(r[stamp]) for r in fetched}
            cursors[table.name] = window.cursor(versions, overlap)
            records[table.name] = [
                r for r in fetched if not window.delivered(r["Id"], versions[r["Id"]])
            ]
        written = write_landing_day(self.landing_dir, "salesforce", day, records)
        state.advance(day, cursors)
        return written

    def _read(self, table: SourceTable, start: int | None, end: int) -> list[Record]:
        """The object's records whose version is in [start, end), oldest first: live ones on a
        first sync (`start` None), live and deleted ones later."""
        sobject, stamp = object_name(table), version_field(table)
        fields = self._fields(table, sobject)
        where = f"{stamp} < {soql_time(end)}"
        if start is not None:
            where = f"{stamp} >= {soql_time(start)} AND {where}"
        soql = f"SELECT {', '.join(fields)} FROM {sobject} WHERE {where} ORDER BY {stamp}, Id"
        resource = "query" if start is None else "queryAll"
        endpoint = f"{resource} {sobject}"
        page = self._get(f"/services/data/{API_VERSION}/{resource}", {"q": soql}, endpoint, None)
        owed = page.get("totalSize")
        if not isinstance(owed, int):
            raise MalformedPage(SYSTEM, endpoint, None, "no integer `totalSize`")
        found: list[Record] = []
        seen_locators: set[str] = set()
        while True:
            batch = page.get("records")
            if not isinstance(batch, list):
                raise MalformedPage(SYSTEM, endpoint, page.get("nextRecordsUrl"), "no `records`")
            for record in batch:
                _check_record(record, stamp, endpoint)
            found += batch
            if page.get("done") is True:
                break
            # Bounded: a page that brings nothing, more records than `totalSize`, or a locator
            # missing or given twice would make the loop stop short or spin.
            locator = page.get("nextRecordsUrl")
            if not batch or len(found) >= owed or not locator or locator in seen_locators:
                raise MalformedPage(
                    SYSTEM, endpoint, locator, f"{len(found)} of {owed} records and not done"
                )
            seen_locators.add(locator)
            page = self._get(locator, None, endpoint, locator)
        return found

    def _fields(self, table: SourceTable, sobject: str) -> list[str]:
        """The wanted fields the org has (its describe), contract order; a mapped one it lacks
        fails naming the mapping's line."""
        endpoint = f"describe {sobject}"
        described = self._get(
            f"/services/data/{API_VERSION}/sobjects/{sobject}/describe", None, endpoint, None
        )
        try:
            names = {field["name"] for field in described["fields"]}
        except (KeyError, TypeError) as error:
            raise MalformedPage(SYSTEM, endpoint, None, f"no field list ({error})") from None
        wanted = wanted_fields(table, self._mapping)
        for name, line in wanted.items():
            if line and name not in names:
                raise SyncError(
                    f"{SYSTEM} {sobject} has no field {name}, which {self._mapping.source} "
                    f"line {line} names: correct the mapping, or give the connector's user "
                    "read access to the field"
                )
        return [name for name in wanted if name in names]

    def _get(
        self, path: str, params: dict[str, str] | None, endpoint: str, cursor: str | None
    ) -> dict[str, Any]:
        """One GET with the access token, retried on transient faults; a refused session gets
        one new token (sessions expire), then fails."""
        import requests

        for attempt in (1, 2):
            headers = {
                "Authorization": f"Bearer {self._access_token()}",
                "Sforce-Query-Options": f"batchSize={BATCH_SIZE}",
            }
            try:
                response = self._session.get(
                    self.instance_url + path, params=params, headers=headers
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                raise RetriesExhausted(
                    SYSTEM, endpoint, self.settings.max_attempts, type(error).__name__
                ) from None
            if response.status_code != 401 or attempt == 2:
                break
            self._token = None
        if response.status_code != 200:
            raise self._failure(response, endpoint, cursor)
        try:
            body = response.json()
        except ValueError as error:
            raise MalformedPage(SYSTEM, endpoint, cursor, f"not JSON ({error})") from None
        if not isinstance(body, dict):
            raise MalformedPage(SYSTEM, endpoint, cursor, "not a JSON object")
        return body

    def _access_token(self) -> str:
        """The client-credentials token, asked for once per sync (and again after a 401)."""
        if self._token is not None:
            return self._token
        import requests

        endpoint = "token"
        try:
            response = self._session.post(
                self.instance_url + TOKEN_PATH,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                },
            )
        except (requests.ConnectionError, requests.Timeout) as error:
            raise RetriesExhausted(
                SYSTEM, endpoint, self.settings.max_attempts, type(error).__name__
            ) from None
        # A wrong client id or secret is a 400 (`invalid_client`), a disabled app a 401.
        if response.status_code in (400, 401):
            raise AuthenticationError(SYSTEM, CREDENTIAL_ENVS, response.status_code)
        if response.status_code != 200:
            raise self._failure(response, endpoint, None)
        try:
            token = response.json()["access_token"]
        except (ValueError, KeyError, TypeError):
            raise MalformedPage(SYSTEM, endpoint, None, "no `access_token`") from None
        self._token = str(token)
        return self._token

    def _failure(self, response: Any, endpoint: str, cursor: str | None) -> SyncError:
        status = response.status_code
        if status in (401, 403) and _error_code(response) != "REQUEST_LIMIT_EXCEEDED":
            return AuthenticationError(SYSTEM, CREDENTIAL_ENVS, status)
        if status == 403:
            return SyncError(
                f"{SYSTEM} {endpoint}: the org's daily API request limit is spent "
                "(REQUEST_LIMIT_EXCEEDED); the next sync picks up from the same cursor"
            )
        if status in TRANSIENT_STATUSES:
            return RetriesExhausted(SYSTEM, endpoint, self.settings.max_attempts, f"HTTP {status}")
        # The body is Salesforce's error list (errorCode, message): never a credential.
        at = f" at cursor {cursor!r}" if cursor else ""
        return SyncError(f"{SYSTEM} {endpoint}{at}: HTTP {status}: {response.text[:300]}")


def _check_record(record: Any, stamp: str, endpoint: str) -> None:
    """A record has its `Id` and a readable version time: the cursor is built from them."""
    if not isinstance(record, dict) or "Id" not in record or stamp not in record:
        raise MalformedPage(SYSTEM, endpoint, None, f"a record without Id or {stamp}")
    try:
        stamp_ms(record[stamp])
    except (TypeError, ValueError):
        raise MalformedPage(
            SYSTEM, endpoint, None, f"{record['Id']}: {stamp} {record[stamp]!r} is not a time"
        ) from None


def _error_code(response: Any) -> str | None:
    try:
        errors = response.json()
        return errors[0].get("errorCode") if isinstance(errors, list) and errors else None
    except ValueError:
        return None
