"""A data error in a run's console log is its message, without a stack trace; a bug keeps its."""

from __future__ import annotations

import dagster as dg

from dagster_project.automation.console_log import console_logger


@dg.asset
def reads_a_bad_file() -> None:
    try:
        raise ValueError("DuckDB's own error")
    except ValueError as error:
        raise dg.Failure(
            description="ExtractionError: f.csv: cannot be parsed: line 3", allow_retries=False
        ) from error


@dg.asset
def has_a_bug() -> None:
    raise KeyError("a bug")


def _console(asset: dg.AssetsDefinition, capfd) -> str:
    defs = dg.Definitions(assets=[asset], jobs=[dg.define_asset_job("job")])
    job = defs.resolve_job_def("job").with_logger_defs({"console": console_logger})
    result = job.execute_in_process(raise_on_error=False, run_config={"loggers": {"console": {}}})
    assert not result.success
    return capfd.readouterr().err


def test_a_data_error_is_logged_as_its_message_alone(capfd) -> None:
    console = _console(reads_a_bad_file, capfd)
    assert "Failure: ExtractionError: f.csv: cannot be parsed: line 3" in console
    assert "Stack Trace" not in console and "DuckDB's own error" not in console


def test_a_bug_keeps_its_stack_trace(capfd) -> None:
    console = _console(has_a_bug, capfd)
    assert "KeyError: 'a bug'" in console and "Stack Trace" in console
