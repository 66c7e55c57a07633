"""Product analytics (Segment-style) and customer-success exports.

Workspaces, users, tickets and survey answers are JSON lines; track events are Parquet with
timestamps stored as UTC wall time (TIMESTAMP without time zone, microseconds).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from generator.common import NONE
from generator.ids import COMPANY_BASE, CONTACT_BASE, hubspot_ids, remap
from generator.prices import WORKSPACE_PLANS
from generator.product import EVENTS, FEATURES, Product
from generator.success import (
    PRIORITIES,
    SUBJECTS,
    SURVEYS,
    TICKET_STATUSES,
    Success,
)
from generator.write_crm import company_name_sql
from generator.writers import (
    LandingWriter,
    lookup,
    padded_ids,
    string_array,
    to_arrow,
)

TRACKS_PART_ROWS = 5_000_000


def write_product(w: LandingWriter, p: Product, contact_rank: np.ndarray) -> None:
    ws = p.workspaces
    n = len(ws.company)
    workspaces_table = {
        "_row": np.arange(n),
        "company": ws.company,
        "company_id": hubspot_ids(COMPANY_BASE, ws.company),
        "plan": ws.plan,
        "seats": ws.seats_paid,
        "created": ws.created,
    }
    w.write(
        "product",
        "workspaces",
        "jsonl",
        f"""
        select _row, 'ws_' || lpad((_row + 1)::varchar, 6, '0') as workspace_id,
            company_id::varchar as crm_company_id, {company_name_sql("company")} as name,
            {lookup(WORKSPACE_PLANS, "plan")} as plan, seats as seats_paid,
            iso(created) as created_at
        from workspaces""",
        {"workspaces": workspaces_table},
    )
    users = len(p.user_ws)
    users_table = {
        "_row": np.arange(users),
        "ws": p.user_ws,
        "contact_id": hubspot_ids(CONTACT_BASE, remap(contact_rank, p.user_contact)),
        "created": p.user_created,
    }
    w.write(
        "product",
        "users",
        "jsonl",
        """
        select _row, 'usr_' || lpad((_row + 1)::varchar, 7, '0') as user_id,
            'ws_' || lpad((ws + 1)::varchar, 6, '0') as workspace_id,
            nullif(contact_id, -1)::varchar as crm_contact_id, iso(created) as created_at
        from users""",
        {"users": users_table},
    )
    _tracks(w, p)


def _dictionary(codes: np.ndarray, values: pa.Array) -> pa.DictionaryArray:
    """Codes as a dictionary-encoded string column; code NONE is null."""
    missing = codes == NONE
    validity = pa.py_buffer(np.packbits(~missing, bitorder="little"))
    indices = np.where(missing, 0, codes).astype(np.int32)
    index_array = pa.Array.from_buffers(
        pa.int32(), len(codes), [validity, pa.py_buffer(indices)], null_count=int(missing.sum())
    )
    return pa.DictionaryArray.from_arrays(index_array, values)


def _tracks(w: LandingWriter, p: Product) -> None:
    n = len(p.at)
    users = padded_ids("usr_", np.arange(1, len(p.user_ws) + 1), 7)
    workspaces = padded_ids("ws_", np.arange(1, len(p.workspaces.company) + 1), 6)
    timestamp = pa.timestamp("us")
    columns = {
        "message_id": padded_ids("msg_", np.arange(1, n + 1), 10),
        "event": _dictionary(p.event, string_array(EVENTS)),
        "user_id": _dictionary(p.user, users),
        "workspace_id": _dictionary(p.event_ws, workspaces),
        "feature_name": _dictionary(p.feature, string_array(FEATURES)),
        "timestamp": to_arrow(p.at * 1_000_000).view(timestamp),
        "received_at": to_arrow(p.received_at * 1_000_000).view(timestamp),
    }
    table = pa.Table.from_arrays(list(columns.values()), names=list(columns))
    dictionary = ["event", "user_id", "workspace_id", "feature_name"]
    w.write_parquet("product", "tracks", table, TRACKS_PART_ROWS, dictionary)


def write_success(w: LandingWriter, s: Success, contact_rank: np.ndarray) -> None:
    n = len(s.ticket_created)
    tickets_table = {
        "_row": np.arange(n),
        "company_id": hubspot_ids(COMPANY_BASE, s.ticket_company),
        "requester_id": hubspot_ids(CONTACT_BASE, contact_rank[s.ticket_requester]),
        "priority": s.ticket_priority,
        "status": s.ticket_status,
        "subject": s.ticket_subject,
        "created": s.ticket_created,
        "updated": s.ticket_updated,
        "solved": s.ticket_solved,
    }
    w.write(
        "success",
        "tickets",
        "jsonl",
        f"""
        select _row, _row + 1 as id, company_id::varchar as organization_id,
            requester_id::varchar as requester_id, {lookup(PRIORITIES, "priority")} as priority,
            {lookup(TICKET_STATUSES, "status")} as status, {lookup(SUBJECTS, "subject")} as subject,
            iso(created) as created_at, iso(updated) as updated_at, iso(solved) as solved_at
        from tickets""",
        {"tickets": tickets_table},
    )
    answers = len(s.survey_at)
    surveys_table = {
        "_row": np.arange(answers),
        "kind": s.survey_kind,
        "company_id": hubspot_ids(COMPANY_BASE, s.survey_company),
        "contact_id": hubspot_ids(CONTACT_BASE, contact_rank[s.survey_contact]),
        "score": s.survey_score,
        "ts": s.survey_at,
    }
    w.write(
        "success",
        "survey_responses",
        "jsonl",
        f"""
        select _row, _row + 1 as id, {lookup(SURVEYS, "kind")} as survey,
            company_id::varchar as company_id, contact_id::varchar as contact_id, score,
            iso(ts) as responded_at
        from surveys""",
        {"surveys": surveys_table},
    )
