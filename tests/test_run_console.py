"""The console of a command-line run: phases and problems on screen, everything in the log."""

from __future__ import annotations

import io
import re
import warnings

import dagster as dg

from dagster_project.cli.console import RunConsole, captured, console_logger, log_file, step_phases


@dg.asset(group_name="extract_crm")
def raw_table() -> None:
    pass


@dg.asset(deps=[raw_table], group_name="marts_revenue")
def mart() -> None:
    dg.get_dagster_logger().warning("2 landing days wait for a later run")


@dg.asset_check(asset=raw_table)
def raw_table_rows() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


@dg.asset(deps=[mart], group_name="publish")
def published() -> None:
    pass


TINY = dg.Definitions(
    assets=[raw_table, mart, published],
    asset_checks=[raw_table_rows],
    jobs=[dg.define_asset_job("all", selection=dg.AssetSelection.all())],
)


def _console(verbose: bool = False) -> tuple[RunConsole, io.StringIO, io.StringIO]:
    out, log = io.StringIO(), io.StringIO()
    return RunConsole(out, log, verbose=verbose), out, log


def test_steps_are_phased_by_asset_group_and_checks() -> None:
    assert step_phases(TINY) == {
        "raw_table": "extract",
        "mart": "transform",
        "published": "publish",
        "raw_table_raw_table_rows": "checks",
    }


def test_a_real_run_shows_its_phases_and_warnings_and_logs_every_event() -> None:
    console, out, log = _console()
    console.expect(step_phases(TINY))
    job = TINY.resolve_job_def("all").with_logger_defs({"console": console_logger(console)})

    run = job.execute_in_process(run_config={"loggers": {"console": {}}})

    assert run.success

    shown = out.getvalue().splitlines()
    phases = [line.split()[:3] for line in shown if "done" in line]
    # A phase's line comes when its last step ends: publish, downstream of all, comes last.
    assert sorted(phases) == [
        ["checks", "done", "1"],
        ["extract", "done", "1"],
        ["publish", "done", "1"],
        ["transform", "done", "1"],
    ]
    assert phases[-1][0] == "publish"
    assert "warning: mart: 2 landing days wait for a later run" in shown
    assert "STEP_START" not in out.getvalue()
    # The log has Dagster's events, one per line of each record, and what the console showed.
    assert log.getvalue().count("STEP_SUCCESS") == 4
    assert all(line in log.getvalue() for line in shown)


def test_dbt_lines_go_to_the_log_and_its_problems_to_the_console() -> None:
    console, out, log = _console()
    console.expect({"revops_dbt_assets": "transform"})
    dbt_output = [
        "Running with dbt=1.11.16",
        "1 of 3 OK created sql table model staging.stg_crm__deals ..... [OK in 0.10s]",
        "2 of 3 WARN 4 test not_null_fct_mrr_mrr_eur ..... [WARN 4 in 0.02s]",
        "3 of 3 PASS unique_fct_mrr_mrr_key ..... [PASS in 0.02s]",
        "Completed with 1 warning:",
        "Warning in test not_null_fct_mrr_mrr_eur (models/marts/_marts__models.yml)",
        "Got 4 results, configured to warn if != 0",
        "Done. PASS=2 WARN=1 ERROR=0 SKIP=0 NO-OP=0 TOTAL=3",
        "Finished dbt command.",
    ]
    with captured(console):
        print("\n".join(dbt_output))

    assert out.getvalue().splitlines() == [
        "  dbt: 2 of 3 WARN 4 test not_null_fct_mrr_mrr_eur ..... [WARN 4 in 0.02s]",
        "  dbt: Completed with 1 warning:",
        "  dbt: Warning in test not_null_fct_mrr_mrr_eur (models/marts/_marts__models.yml)",
        "  dbt: Got 4 results, configured to warn if != 0",
        "  dbt: Done. PASS=2 WARN=1 ERROR=0 SKIP=0 NO-OP=0 TOTAL=3",
    ]
    assert all(line in log.getvalue() for line in dbt_output)
    assert console.progress["transform"].nodes == (3, 3)


def test_library_notices_are_logged_other_warnings_shown() -> None:
    console, out, log = _console()
    with captured(console), warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("`backfill_policy` is currently in beta", dg.BetaWarning, stacklevel=1)
        warnings.warn(
            "`dagster dev` is superseded by `dg dev`", dg.SupersessionWarning, stacklevel=1
        )
        warnings.warn("a landing file has no rows", UserWarning, stacklevel=1)

    assert "beta" not in out.getvalue() and "superseded" not in out.getvalue()
    assert "UserWarning: a landing file has no rows" in out.getvalue()
    assert "BetaWarning" in log.getvalue() and "SupersessionWarning" in log.getvalue()


def test_verbose_shows_the_log_on_the_console() -> None:
    console, out, log = _console(verbose=True)
    with captured(console):
        print("1 of 3 OK created sql table model staging.stg_crm__deals")

    assert (
        out.getvalue()
        == log.getvalue()
        == ("1 of 3 OK created sql table model staging.stg_crm__deals\n")
    )


def test_a_new_log_file_keeps_the_last_ones(tmp_path) -> None:
    for stamp in ("20261001T000000Z", "20261002T000000Z", "20261003T000000Z"):
        log_file(tmp_path, stamp, keep=2).write_text("x")

    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "run-20261002T000000Z.log",
        "run-20261003T000000Z.log",
    ]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_bar_follows_the_running_phase_and_gives_way_to_lines() -> None:
    out, log = _Terminal(), io.StringIO()
    console = RunConsole(out, log)
    console.expect({"raw__crm_deals": "extract", "revops_dbt_assets": "transform"})
    console.step_started("revops_dbt_assets")
    with captured(console):
        print("350 of 700 OK created sql table model marts.fct_mrr")

    bar = "[" + "#" * 14 + "-" * 14 + "] 350/700 dbt nodes"
    assert f"\r\x1b[K  transform  {bar}" in out.getvalue()
    console.say("warning: a day waits")
    # The bar is wiped before the line and drawn again under it.
    assert re.search(
        re.escape(f"\r\x1b[Kwarning: a day waits\n\r\x1b[K  transform  {bar}  ") + r"\d+s$",
        out.getvalue(),
    )
    assert "#" not in log.getvalue()
