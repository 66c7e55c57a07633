"""Row rules read nested JSON values from one parse per column: the same text as each rule's own
expression, for every form the rules write."""

from __future__ import annotations

import duckdb

from dagster_project.extraction.json_values import json_path, shared_json_values

EXPRESSIONS = (
    "properties->>'amount'",
    "properties->>'amount_eur'",
    "data->'object'->>'id'",
    "associations->'companies'->'results'->0->>'id'",
    'json_extract_string("data", \'$."object"."created"\')',
    'json_extract_string("properties", \'$."amount"\')',
)
RECORDS = """
    select '{"amount": "12.5", "amount_eur": "11"}'::json as properties,
        '{"object": {"id": "sub_1", "created": 1700000000}}'::json as data,
        '{"companies": {"results": [{"id": "7"}, {"id": "8"}]}}'::json as associations
    union all select '{"amount": {"value": 3}}', '{"object": "not an object"}', '{}'
    union all select null, null, null
"""


def test_each_form_names_its_column_and_path() -> None:
    assert [json_path(expr) for expr in EXPRESSIONS] == [
        ("properties", '$."amount"'),
        ("properties", '$."amount_eur"'),
        ("data", '$."object"."id"'),
        ("associations", '$."companies"."results"[0]."id"'),
        ("data", '$."object"."created"'),
        ("properties", '$."amount"'),
    ]
    # A wildcard gives a list per record, and a plain column needs no parse: left as written.
    assert json_path('json_extract_string("lines", \'$."data"[*]."amount"\')') is None
    assert json_path('"id"') is None


def test_the_shared_lists_give_each_rule_the_value_its_expression_gives() -> None:
    projections, rewrite = shared_json_values(EXPRESSIONS)
    # One parse per column: properties' two paths (one read two ways), data's, associations'.
    assert len(projections) == 3
    own = ", ".join(EXPRESSIONS)
    shared = ", ".join(rewrite(expr) for expr in EXPRESSIONS)
    assert "->" not in shared and "$" not in shared
    with duckdb.connect() as con:
        expected = con.execute(f"select {own} from ({RECORDS})").fetchall()
        actual = con.execute(
            f"select {shared} from (select *, {', '.join(projections)} from ({RECORDS}))"
        ).fetchall()
    assert actual == expected
    assert expected[0] == ("12.5", "11", "sub_1", "7", "1700000000", "12.5")
    assert expected[1] == ('{"value":3}', None, None, None, None, '{"value":3}')
