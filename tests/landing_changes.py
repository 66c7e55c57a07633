"""Changes to a copy of the session's landing folder, as a later day brings them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb


def page_views_for(landing: Path, day: date) -> None:
    """Twenty of the initial export's page views again, as new views landed on `day`."""
    out = landing / f"marketing/page_views/date={day}/part-0000.csv"
    out.parent.mkdir(parents=True)
    duckdb.sql(
        f"copy (select * replace (view_id || '-{day}' as view_id, "
        f"'{day} 10:00:00+00:00' as occurred_at) "
        f"from read_csv('{landing}/marketing/page_views/part-*.csv', all_varchar = true) "
        "order by view_id limit 20) to '" + str(out) + "' (header)"
    )
