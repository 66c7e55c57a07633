"""dbt command lines, built by small pure functions (unit-tested without dbt)."""

from __future__ import annotations

from collections.abc import Sequence

from dagster_project.metric_config import dbt_crm_vars


def dbt_build_args(full_refresh: bool = False, unchanged: Sequence[str] = ()) -> list[str]:
    """`dbt build` for a run (its as-of date goes in the environment: project.dbt_run_env).

    dbt's unit tests are left out: they pin model logic on hand-written rows, so they say
    nothing about a run's data and cost a fifth of a build's dbt time; the test suite runs them
    all (tests/test_dbt_unit_tests.py). `full_refresh` rebuilds the incremental models from raw.
    `unchanged` names the models and seeds left as built (transformation/build_selection.py):
    their tests go with them, except a test that also reads a rebuilt model (a relationship
    into an unchanged one), which `cautious` indirect selection keeps. The CRM goes as a var
    when the environment chose it (metric_config.dbt_crm_vars).
    """
    args = ["build", "--exclude-resource-type", "unit_test", *dbt_crm_vars()]
    if unchanged:
        args += ["--exclude", " ".join(unchanged), "--indirect-selection", "cautious"]
    return [*args, "--full-refresh"] if full_refresh else args
