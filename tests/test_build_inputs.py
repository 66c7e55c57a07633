"""A run whose inputs are those the published warehouse was built from has nothing to do: the
digest of a build's inputs changes with what a build reads, and only with that."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dagster_project.extraction.ledger import LEDGER, LEDGER_DDL, RULES_LEDGER, RULES_LEDGER_DDL
from dagster_project.publishing.warehouse import publish_file, record_version
from dagster_project.transformation.build_inputs import inputs_digest, published_inputs_digest

AS_OF = "2026-09-30"


@pytest.fixture
def build(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A build warehouse whose ledger holds one loaded file and whose rules are recorded."""
    connection = duckdb.connect(str(tmp_path / "build.duckdb"))
    for statement in (*LEDGER_DDL, *RULES_LEDGER_DDL):
        connection.execute(statement)
    connection.execute(
        f"insert into {LEDGER} values ('crm_deals', 'crm/deals/part-0000.jsonl', "
        "'2026-09-30', 812, 1700000000000000000, 3, 3, 0, '2026-10-01 06:00:00')"
    )
    connection.execute(f"insert into {RULES_LEDGER} values ('crm_deals', 'abc', '2026-10-01')")
    connection.execute("create schema raw")
    connection.execute("create table raw.crm_reps (email varchar, role varchar)")
    connection.execute("insert into raw.crm_reps values ('ae@example.com', 'ae')")
    yield connection
    connection.close()


def test_the_same_files_loaded_again_later_are_the_same_inputs(build) -> None:
    before = inputs_digest(build, AS_OF)
    build.execute(f"update {LEDGER} set loaded_at = '2026-10-02 06:00:00'")

    assert inputs_digest(build, AS_OF) == before


@pytest.mark.parametrize(
    "change",
    [
        # A new landing file, a file changed since, rules changed, a rep's role changed.
        f"insert into {LEDGER} values ('crm_deals', 'crm/deals/date=2026-10-01/part-0000.jsonl', "
        "'2026-10-01', 90, 1700000000000000001, 1, 1, 0, '2026-10-02 06:00:00')",
        f"update {LEDGER} set size_bytes = 813, modified_ns = modified_ns + 1",
        f"update {RULES_LEDGER} set rules_digest = 'abd'",
        "update raw.crm_reps set role = 'am'",
    ],
)
def test_what_a_build_reads_changes_the_digest(build, change: str) -> None:
    before = inputs_digest(build, AS_OF)
    build.execute(change)

    assert inputs_digest(build, AS_OF) != before


def test_another_as_of_date_is_another_build(build) -> None:
    assert inputs_digest(build, "2026-10-01") != inputs_digest(build, AS_OF)


def test_the_published_version_keeps_the_digest_it_was_built_from(build, tmp_path: Path) -> None:
    served = tmp_path / "served" / "revops.duckdb"
    assert published_inputs_digest(served) is None
    record_version(build, "run-7", AS_OF)
    built_from = inputs_digest(build, AS_OF)
    build.close()  # publishing attaches the build file, read-only

    publish_file(tmp_path / "build.duckdb", served, "run-7")

    assert published_inputs_digest(served) == (built_from, "run-7")


def test_a_version_published_before_digests_were_kept_has_none(tmp_path: Path) -> None:
    served = tmp_path / "revops.duckdb"
    with duckdb.connect(str(served)) as con:
        con.execute("create schema meta")
        con.execute("create table meta.warehouse_version as select 'run-1' as run_id")

    assert published_inputs_digest(served) is None
