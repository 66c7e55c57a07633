"""Whatever its dates, size and seed, a generated company keeps the landing contract.

Running every dbt test and check on many companies would take minutes, so the property is
checked in two tiers: every company below is loaded into raw by the real loader, whose row
rules (keys, foreign keys, enumerations, currencies, timestamps) must reject nothing; one of
them, a history from 2017 ending mid-month, is also built through staging with every staging
test (tests/dbt_runs.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from generator import generate
from generator.generate import MIN_HISTORY_DAYS, IncompleteCompany
from tests.dbt_runs import dbt_build, load_raw, warehouse_file


@dataclass(frozen=True)
class Config:
    start: date
    end: date
    size: int
    seed: int

    def __str__(self) -> str:
        return f"{self.start}..{self.end}-size{self.size}-seed{self.seed}"


# Histories of 90 days to three years, from 2017 on; starts and ends on the first, mid-month and
# last day of a month, across a leap day and a year end; sizes from the minimum up.
MID_MONTH_END = Config(date(2023, 10, 1), date(2026, 9, 5), 20, 42)
FROM_2017 = Config(date(2017, 8, 1), date(2018, 3, 5), 20, 42)
CONFIGS = (
    MID_MONTH_END,
    FROM_2017,
    Config(date(2024, 2, 29), date(2024, 11, 17), 12, 7),
    Config(date(2019, 1, 15), date(2019, 6, 30), 15, 3),
    Config(date(2020, 12, 20), date(2021, 3, 19), 25, 12),
)


@dataclass(frozen=True)
class Company:
    database: Path
    generated: dict[str, int]


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Config], Company]:
    """A generated company loaded into raw, once per configuration."""
    made: dict[Config, Company] = {}

    def make(config: Config) -> Company:
        if config not in made:
            root = tmp_path_factory.mktemp("company")
            generated = generate(
                root / "landing", config.size, config.seed, config.start, config.end
            )
            database = root / "company.duckdb"
            load_raw(database, root / "landing", datetime(2027, 1, 1), as_of=config.end)
            made[config] = Company(database, generated)
        return made[config]

    return make


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_every_generated_row_loads_and_no_row_rule_rejects_one(
    company: Callable[[Config], Company], config: Config
) -> None:
    loaded = company(config)

    with duckdb.connect(str(loaded.database), read_only=True) as con:
        rejected = con.execute(
            "select source_table, reason, count(*) from quarantine.rejected_rows group by all"
        ).fetchall()
        counted = dict(
            con.execute(
                "select source_table, sum(rows_loaded) from meta.loaded_files group by 1"
            ).fetchall()
        )
        last_campaign_start = con.execute(
            "select max(start_date) from raw.marketing_campaigns"
        ).fetchone()[0]
    assert rejected == []
    assert counted == loaded.generated
    assert all(rows > 0 for rows in counted.values())
    # Campaigns start within the history, also when it ends mid-month.
    assert date.fromisoformat(last_campaign_start) <= config.end


@pytest.mark.e2e  # a real dbt build: out of the inner loop
def test_staging_builds_and_passes_every_staging_test(
    company: Callable[[Config], Company], tmp_path: Path
) -> None:
    database = warehouse_file(tmp_path, "company")
    shutil.copyfile(company(FROM_2017).database, database)

    dbt_build(
        database,
        FROM_2017.end.isoformat(),
        "--select",
        "path:models/staging",
        # The CRM layer over staging, which the other systems' relationship tests point at.
        "path:models/intermediate/crm",
    )


def test_too_short_a_history_or_an_empty_table_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=f"shorter than {MIN_HISTORY_DAYS} days"):
        generate(tmp_path, 20, 1, date(2024, 1, 1), date(2024, 3, 29))
    # This small company over a year draws no deal at all.
    with pytest.raises(IncompleteCompany, match=r"size 10, seed 310, .*no records for crm_deals"):
        generate(tmp_path, 10, 310, date(2017, 7, 24), date(2018, 7, 23))
