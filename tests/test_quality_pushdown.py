"""Quality at scale: GX sees only possible violations, in chunks, for new landing dates only;
every verdict, failing count, sample and observed value is still the one GX gives on the whole
frame, and a violation confined to one chunk or one landing date is caught."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dagster_project.metric_config import metric_vars
from dagster_project.quality.engine import gx_runner
from dagster_project.quality.engine.gx_runner import RuleOutcome, run_suite, validate_frame
from dagster_project.quality.engine.suite import (
    Frame,
    Rule,
    Suite,
    Where,
    between,
    in_set,
    not_null,
    ordered,
    unique,
)
from dagster_project.quality.suites.raw import raw_suites

# Rows (k, grp, band, score, ratio, amount, opened, solved): nulls, NaN, a DECIMAL, a duplicate
# key, a compound duplicate through a null, values on and past strict bounds.
MIXED_ROWS = """
    ('a', 'x', 'high', 80, 0.5::double, 10.25::decimal(18, 2), 1, 2),
    ('b', 'x', 'low', 75, 'nan'::double, -1.00::decimal(18, 2), 3, 2),
    ('c', null, null, null, null, null, null, 4),
    ('c', 'y', 'medium', 45, 1.5::double, 0.00::decimal(18, 2), 5, 5),
    ('d', 'y', 'low', 50, 0.0::double, 3.50::decimal(18, 2), 2, 1),
    ('e', null, 'high', 60, 1.0::double, 2.00::decimal(18, 2), 6, 9),
    ('f', null, 'high', 10, 0.2::double, 2.00::decimal(18, 2), 7, null),
    ('g', 'z', 'weird', 65, 0.9::double, 1.00::decimal(18, 2), 8, 8)
"""
MIXED_RULES = (
    not_null("k_not_null", "k", "k present"),
    unique("k_unique", ["k"], "k unique"),
    unique("grp_amount_unique", ["grp", "amount"], "compound unique, nulls equal"),
    in_set("band_in_set", "band", ["high", "medium", "low"], "band known"),
    in_set("high_from_60", "band", ["high"], "band from score", where=(Where("score", ">=", 60),)),
    in_set(
        "medium_40_to_60",
        "band",
        ["medium"],
        "band between cutoffs",
        where=(Where("score", ">=", 40), Where("score", "<", 60)),
    ),
    between("ratio_share", "ratio", "a share", min_value=0, max_value=1),
    Rule(
        "amount_positive",
        "positive",
        "ExpectColumnValuesToBeBetween",
        {"column": "amount", "min_value": 0, "strict_min": True},
    ),
    Rule(
        "score_below_65_outside_x",
        "strict max where grp is not x (a missing grp counts)",
        "ExpectColumnValuesToBeBetween",
        {"column": "score", "max_value": 65, "strict_max": True},
        where=(Where("grp", "!=", "x"),),
    ),
    not_null("grp_when_scored", "grp", "grp when scored", where=(Where("score", "not_null"),)),
    ordered("solved_after_opened", "opened", "solved", "solved >= opened", blocking=False),
)


def _mixed(path: Path) -> tuple[Path, Frame]:
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table t as select * from (values "
            + MIXED_ROWS
            + ") as t(k, grp, band, score, ratio, amount, opened, solved)"
        )
    return path, Frame("select * from t", ("k", "score"), MIXED_RULES)


def _comparable(outcome: RuleOutcome) -> tuple:
    """An outcome with its samples as sets: the whole frame and the candidates may list the
    failing rows of a hash join in different orders (fewer than SAMPLE_SIZE fail here)."""
    samples = sorted(repr(sorted(key.items())) for key in outcome.sample_keys)
    observed = outcome.observed
    if isinstance(observed, dict) and "unexpected_values" in observed:
        observed = sorted(map(repr, observed["unexpected_values"]))
    return (
        outcome.rule,
        outcome.success,
        outcome.rows_checked,
        outcome.failing_rows,
        repr(observed),
        samples,
        outcome.error,
    )


@pytest.mark.parametrize("chunk_rows", [1_000_000, 1])
def test_pushdown_reports_what_gx_reports_on_the_whole_frame(tmp_path, chunk_rows) -> None:
    database, frame = _mixed(tmp_path / "wh.duckdb")
    suite = Suite("mixed", ("marts", "t"), "every translated rule kind", (frame,))

    with duckdb.connect(str(database)) as con:
        whole = validate_frame("mixed", frame, con.execute(frame.sql).df())
        pushed = run_suite(con, suite, chunk_rows=chunk_rows)

    assert [_comparable(o) for o in pushed] == [_comparable(o) for o in whole]
    # The comparison means something only if the fixture breaks most rules.
    failed = {o.rule for o in whole if not o.success}
    assert failed == {
        "k_unique",
        "grp_amount_unique",
        "band_in_set",
        "high_from_60",
        "medium_40_to_60",
        "ratio_share",
        "amount_positive",
        "score_below_65_outside_x",
        "grp_when_scored",
        "solved_after_opened",
    }
    by_rule = {o.rule: o for o in pushed}
    # Hand-counted. pandas keeps a missing grp under `grp != 'x'`: both 'c' rows, d, e, f, g;
    # a (80) and b (75) are x and would fail if the condition were dropped. Only g (65) fails.
    assert by_rule["score_below_65_outside_x"].rows_checked == 6
    assert by_rule["score_below_65_outside_x"].sample_keys == [{"k": "g", "score": 65}]
    assert by_rule["grp_amount_unique"].failing_rows == 2  # (null, 2.00) twice
    assert by_rule["amount_positive"].failing_rows == 2  # -1.00 and 0.00 (strict)
    assert by_rule["ratio_share"].observed == {"unexpected_values": [{"value": 1.5, "count": 1}]}
    assert by_rule["solved_after_opened"].rows_checked == 8
    assert by_rule["solved_after_opened"].failing_rows == 2  # (3, 2) and (2, 1); nulls skipped


def test_gx_sees_only_possible_violations(tmp_path, monkeypatch) -> None:
    database, frame = _mixed(tmp_path / "wh.duckdb")
    seen: list[int] = []
    original = gx_runner._Validator.results

    def spy(self, rules, key, data):  # type: ignore[no-untyped-def]
        seen.append(len(data))
        return original(self, rules, key, data)

    monkeypatch.setattr(gx_runner._Validator, "results", spy)
    clean = Frame(
        "select * from t where k = 'a'", ("k",), (between("s", "score", "", min_value=0),)
    )

    with duckdb.connect(str(database)) as con:
        (outcome,) = run_suite(con, Suite("s", ("marts", "t"), "", (clean,)))

    assert outcome.success and outcome.rows_checked == 1 and outcome.failing_rows == 0
    assert seen == [0]


def _numbers(path: Path, rows: int, broken: dict[int, int]) -> Path:
    """t(n, v): n = 1..rows, v = 1 except where `broken` says; n = 1..5 again with v = 2."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create or replace table t as select n, 1 as v from range(1, ? + 1) as r(n)", [rows]
        )
        for n, value in broken.items():
            con.execute("update t set v = ? where n = ?", [value, n])
        con.execute("insert into t select n, 2 from range(1, 6) as r(n)")
    return path


def test_a_violation_in_one_chunk_is_caught_and_duplicates_never_split(
    tmp_path, monkeypatch
) -> None:
    database = _numbers(tmp_path / "wh.duckdb", 200, {137: -4})
    frame = Frame(
        "select n, v from t",
        ("n", "v"),
        (
            unique("n_unique", ["n"], "one row per n"),
            between("v_positive", "v", "positive", min_value=0),
            between("v_small", "v", "small", max_value=10),
        ),
    )
    chunk_sizes: list[int] = []
    original = gx_runner._Validator.results

    def spy(self, rules, key, data):  # type: ignore[no-untyped-def]
        chunk_sizes.append(len(data))
        return original(self, rules, key, data)

    monkeypatch.setattr(gx_runner._Validator, "results", spy)

    with duckdb.connect(str(database)) as con:
        # 40 rows too large (n 7, 180 and 20..57) and one negative: 41 candidates, 1-row chunks.
        con.execute("update t set v = 50 where n in (7, 180)")
        con.execute("update t set v = 11 + n where n between 20 and 57")
        outcomes = {o.rule: o for o in run_suite(con, Suite("n", ("marts", "t"), "", (frame,)), 1)}

    assert len(chunk_sizes) > 10  # really chunked
    assert outcomes["v_positive"].failing_rows == 1
    assert outcomes["v_positive"].sample_keys == [{"n": 137, "v": -4}]
    assert outcomes["v_small"].failing_rows == 40
    assert outcomes["v_small"].rows_checked == 205
    # Each duplicate pair shares a chunk (10 candidates, 1-row chunks): split, each half of a
    # pair would look unique.
    assert outcomes["n_unique"].failing_rows == 10
    assert sorted((k["n"], k["v"]) for k in outcomes["n_unique"].sample_keys) == [
        (n, v) for n in range(1, 6) for v in (1, 2)
    ]
    assert not outcomes["n_unique"].success


# ---- event tables: only the landing dates loaded since they last passed -------------------


def _tracks_suite() -> Suite:
    """The product's raw tracks suite, plus a uniqueness rule on its event frame: how scoping
    to new landing dates treats a rule that compares rows across dates (raw keys themselves are
    extraction's to check)."""
    suite = next(s for s in raw_suites(metric_vars()) if s.name == "raw_product_tracks")
    schema, rows = suite.frames
    keyed = Frame(
        rows.sql,
        rows.key,
        (*rows.rules, unique("message_id_unique", ["message_id"], "One row per message.")),
        rows.landing_dates,
    )
    return Suite(suite.name, suite.asset_key, suite.description, (schema, keyed))


def _load_day(con: duckdb.DuckDBPyConnection, day: str, rows: list[tuple], loaded: str) -> None:
    """Replace landing date `day` of raw.product_tracks, as extraction reprocesses a date."""
    con.execute("delete from raw.product_tracks where _landing_date = ?", [day])
    for line, (message_id, event, feature) in enumerate(rows, start=1):
        con.execute(
            "insert into raw.product_tracks values (?, ?, 'u1', 'w1', ?, "
            "timestamp '2026-10-01 10:00', timestamp '2026-10-01 10:01', ?, ?, ?::timestamp, "
            "?::date)",
            [
                message_id,
                event,
                feature,
                line,
                f"product/tracks/date={day}/part-0000.jsonl",
                loaded,
                day,
            ],
        )


def _tracks_warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.product_tracks (message_id varchar, event varchar, user_id varchar, "
            "workspace_id varchar, feature_name varchar, timestamp timestamp, "
            "received_at timestamp, _source_line bigint, _source_file varchar, "
            "_loaded_at timestamp, _landing_date date)"
        )
        _load_day(
            con,
            "2026-09-30",
            [("m1", "Logged In", None), ("m2", "Feature Used", "api")],
            "2026-10-01 06:00",
        )
        _load_day(con, "2026-10-01", [("m3", "Feature Used", "reports")], "2026-10-02 06:00")
    return path


def _rows_outcomes(con: duckdb.DuckDBPyConnection) -> dict[str, RuleOutcome]:
    return {
        o.rule: o
        for o in run_suite(con, _tracks_suite())
        if o.rule not in ("required_columns_present", "column_types")
    }


def test_a_daily_run_validates_its_landing_date_and_catches_what_it_brings(tmp_path) -> None:
    database = _tracks_warehouse(tmp_path / "wh.duckdb")
    with duckdb.connect(str(database)) as con:
        first = _rows_outcomes(con)
        assert all(o.success for o in first.values())
        assert first["message_id_unique"].rows_checked == 3
        assert first["message_id_unique"].scope == "every landing date (2)"

        # Nothing new: nothing to read, and nothing fails.
        idle = _rows_outcomes(con)
        assert all(o.success and o.rows_checked == 0 for o in idle.values())

        # Day 2026-10-02 brings a Feature Used without its feature, and repeats m1 (landed on
        # 2026-09-30, which is not validated again).
        _load_day(
            con,
            "2026-10-02",
            [("m4", "Feature Used", None), ("m1", "Logged In", None), ("m5", "Signed Up", None)],
            "2026-10-03 06:00",
        )
        daily = _rows_outcomes(con)

        assert daily["feature_used_names_a_feature"].rows_checked == 1
        assert daily["feature_used_names_a_feature"].failing_rows == 1
        assert daily["feature_used_names_a_feature"].sample_keys == [
            {
                "message_id": "m4",
                "_source_file": "product/tracks/date=2026-10-02/part-0000.jsonl",
                "_source_line": 1,
            }
        ]
        assert daily["message_id_unique"].rows_checked == 3
        assert daily["message_id_unique"].failing_rows == 2  # both deliveries of m1
        assert sorted(
            (k["_source_file"], k["_source_line"]) for k in daily["message_id_unique"].sample_keys
        ) == [
            ("product/tracks/date=2026-09-30/part-0000.jsonl", 1),
            ("product/tracks/date=2026-10-02/part-0000.jsonl", 2),
        ]
        assert daily["message_id_unique"].scope.endswith("2026-10-02 (1 of 3)")

        # A failed date is not recorded as passed: the next run fails it again.
        again = _rows_outcomes(con)
        assert not again["feature_used_names_a_feature"].success

        # Reprocessing the date with the fix (a newer _loaded_at) passes, and is then settled.
        _load_day(
            con,
            "2026-10-02",
            [("m4", "Feature Used", "alerts"), ("m5", "Signed Up", None)],
            "2026-10-03 09:00",
        )
        fixed = _rows_outcomes(con)
        assert all(o.success for o in fixed.values())
        assert fixed["message_id_unique"].rows_checked == 2
        assert all(o.rows_checked == 0 for o in _rows_outcomes(con).values())


def test_a_changed_rule_validates_every_landing_date_again(tmp_path) -> None:
    database = _tracks_warehouse(tmp_path / "wh.duckdb")
    suite = _tracks_suite()
    rows = suite.frames[1]
    stricter = Frame(
        rows.sql,
        rows.key,
        (
            *rows.rules,
            Rule(
                "no_logins",
                "",
                "ExpectColumnValuesToBeInSet",
                {"column": "event", "value_set": ["Feature Used"]},
            ),
        ),
        rows.landing_dates,
    )
    with duckdb.connect(str(database)) as con:
        assert all(o.success for o in run_suite(con, suite))
        outcomes = {
            o.rule: o for o in run_suite(con, Suite(suite.name, suite.asset_key, "", (stricter,)))
        }

    assert outcomes["no_logins"].rows_checked == 3
    assert outcomes["no_logins"].failing_rows == 1
