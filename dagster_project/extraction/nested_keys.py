"""Keys of nested records that staging unnests and keys: an invoice's lines, a subscription's items.

`stg_billing__invoice_lines` is keyed by the line id across every invoice, so a line id repeated in
two invoices (or twice in one) would fail a dbt uniqueness test later, with no file or line.
Here the record that repeats it is quarantined, naming the line it repeats. The first occurrence
wins: a record already served in raw, then by landing day, file and line. Versions of one object
(the same invoice landed on several days) share their line ids legitimately and are not compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from dagster_project.sql_text import sql_text


@dataclass(frozen=True)
class NestedKey:
    field: str
    # SQL giving the list of nested ids of one record.
    ids: str
    # What the reason calls a nested record and its owner.
    label: str
    owner: str
    # Whether the ids are unique across records too, not only within one: a subscription
    # event repeats its subscription's item ids, as every event of that subscription does.
    across: bool = True


NESTED_KEYS: dict[str, NestedKey] = {
    "billing_invoices": NestedKey(
        "lines.data.id", "json_extract_string(lines, '$.data[*].id')", "invoice line", "invoice"
    ),
    "billing_subscriptions": NestedKey(
        "items.data.id",
        "json_extract_string(items, '$.data[*].id')",
        "subscription item",
        "subscription",
    ),
    "billing_subscription_events": NestedKey(
        "data.object.items.data.id",
        "json_extract_string(data, '$.object.items.data[*].id')",
        "subscription item",
        "event",
        across=False,
    ),
}


def nested_duplicates_sql(raw_table: str, key: str, served: str | None) -> list[str]:
    """Reject branches (as in quarantine._rejects_sql) for repeated nested ids of `_loaded`.

    `key` is the SQL of the record's key; `served` the raw relation of the records already loaded
    (None on a first load).
    """
    nested = NESTED_KEYS.get(raw_table)
    if nested is None:
        return []
    field = sql_text(nested.field)
    twice = (
        f"select _source_file, _source_line, {key} as record_id, {field} as field, "
        f"'duplicate {nested.label} ' || list_filter(_ids, lambda x, i: "
        f"list_position(_ids, x) < i)[1] || ': twice in the {nested.owner}' as reason, "
        "1001 as rule_order "
        f"from (select *, {nested.ids} as _ids from _loaded) "
        "where len(_ids) > len(list_distinct(_ids))"
    )
    if not nested.across:
        return [twice]
    occurrences = [
        f"select 1 as _new, _source_file, _source_line, _landing_date, {key} as _owner, "
        f"unnest(list_distinct({nested.ids})) as _id from _loaded"
    ]
    if served:
        occurrences.append(
            f"select 0, _source_file, _source_line, _landing_date, {key}, "
            f"unnest(list_distinct({nested.ids})) from {served} "
            f"where {key} not in (select {key} from _loaded)"
        )
    union = " union all ".join(occurrences)
    first = "partition by _id order by _new, _landing_date, _source_file, _source_line"
    across = (
        f"select _source_file, _source_line, _owner, {field}, "
        f"'duplicate {nested.label} ' || _id || ': also in {nested.owner} ' || _first_owner || "
        "' (' || _first_at || ')', 1002 "
        f"from (select *, first_value(_owner) over ({first}) as _first_owner, "
        f"first_value(_source_file || ':' || _source_line) over ({first}) as _first_at "
        f"from ({union}) where _id in (select _id from ({union}) group by 1 "
        "having count(distinct _owner) > 1)) "
        "where _new = 1 and _owner <> _first_owner"
    )
    return [twice, across]
