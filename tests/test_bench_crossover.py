"""The fitted costs and the crossover of bench/crossover.py, on numbers worked by hand."""

from __future__ import annotations

import pytest

from bench.crossover import Costs, crossover_rows, fit_two_points


def test_two_points_give_the_fixed_and_the_per_row_cost() -> None:
    # 100 statements: 1M rows in 60 s, 11M rows in 110 s -> 5 s per 1M rows, 55 s fixed.
    costs = fit_two_points(100, (1_000_000, 11_000_000), (60.0, 110.0))
    assert costs.per_million_rows_s == pytest.approx(5.0)
    assert costs.per_statement_s == pytest.approx(0.55)


def test_the_cluster_overtakes_where_its_rows_pay_for_its_statements() -> None:
    duckdb = Costs(per_statement_s=0.1, per_million_rows_s=16.0)  # 1 s per 1M rows on 16 cores
    spark = Costs(per_statement_s=1.1, per_million_rows_s=64.0)  # 0.5 s on 64 cores at 0.5
    # 800 statements, 4 at a time: 200 s more fixed; 0.5 s less per 1M rows -> 400M rows.
    rows = crossover_rows(800, duckdb, spark, 16, 256, 0.5, 4)
    assert rows == pytest.approx(400e6)
    # Statements twice as dear on the cluster: 800 x (2.2 - 0.1) / 4 = 420 s -> 840M rows.
    assert crossover_rows(800, duckdb, spark, 16, 256, 0.5, 4, fixed_factor=2) == pytest.approx(
        840e6
    )
    # A cluster no faster per row never catches up.
    assert crossover_rows(800, duckdb, spark, 16, 64, 0.25, 4) is None
