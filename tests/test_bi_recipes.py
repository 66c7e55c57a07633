"""The connection recipes of docs/bi.md work: each Python block runs against the session's
published warehouse, laid out as the recipes expect (`data/warehouse/...` under the working
directory), and the Superset URI's settings open the file read-only."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import duckdb
import pytest

from dagster_project.publishing.parquet_export import CURRENT, parquet_dir

BI_DOC = Path(__file__).resolve().parent.parent / "docs" / "bi.md"


def _blocks(language: str) -> list[str]:
    text = BI_DOC.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def repository_layout(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bi")
    served = root / "data" / "warehouse"
    served.mkdir(parents=True)
    (served / "revops.duckdb").symlink_to(warehouse)
    (served / "parquet").symlink_to(parquet_dir(warehouse), target_is_directory=True)
    return root


def test_the_doc_has_the_python_recipes() -> None:
    imports = [
        re.findall(r"^import (\w+)", block, flags=re.MULTILINE) for block in _blocks("python")
    ]
    assert imports == [["duckdb"], ["duckdb"], ["polars"], ["pandas"]]


@pytest.mark.parametrize("index", range(4))
def test_each_python_recipe_reads_the_published_warehouse(
    index: int, repository_layout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repository_layout)
    namespace: dict[str, object] = {}
    exec(_blocks("python")[index], namespace)
    rows = {
        "mrr": lambda value: len(value),
        "revenue": lambda value: len(value),
        "leads": lambda value: len(value),
        "won": lambda value: value,
    }
    read = [name for name in rows if name in namespace]
    assert read, "the recipe names none of the documented results"
    for name in read:
        assert rows[name](namespace[name]) > 0, name


def test_the_parquet_recipes_read_one_published_version(warehouse: Path) -> None:
    current = parquet_dir(warehouse) / CURRENT
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()
        marts = {
            table: con.execute(f"select count(*) from marts.{table}").fetchone()[0]
            for (table,) in tables
        }
        exported = {
            path.stem: con.execute(f"select count(*) from '{path}'").fetchone()[0]
            for path in current.glob("*.parquet")
        }
    assert exported == marts


def test_the_superset_uri_opens_the_served_file_read_only(warehouse: Path) -> None:
    (uri,) = [block.strip() for block in _blocks("text")]
    settings = dict(parse_qsl(urlsplit(uri).query))
    assert settings == {"access_mode": "read_only"}
    with duckdb.connect(str(warehouse), config=settings) as con:
        assert con.execute("select count(*) from meta.warehouse_version").fetchone() == (1,)
        with pytest.raises(duckdb.InvalidInputException, match="read-only"):
            con.execute("create table marts.scratch as select 1")


def test_every_served_table_and_column_carries_its_description(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        undescribed = con.execute(
            "select schema_name, table_name, null from duckdb_tables() where comment is null "
            "union all select schema_name, table_name, column_name from duckdb_columns() "
            "where schema_name = 'marts' and comment is null"
        ).fetchall()
        described = con.execute(
            "select comment from duckdb_columns() "
            "where table_name = 'fct_mrr' and column_name = 'mrr_eur'"
        ).fetchone()
    assert undescribed == []
    assert described[0].startswith("**MRR (monthly recurring revenue).**")
