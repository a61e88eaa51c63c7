"""Contract metrics computed from the store, and the metrics command's work.

``compute_metrics`` runs the period queries and applies core's metric definitions
(``core.metrics``, which stay pure); ``metrics_json`` turns the command's arguments
into one JSON object of every metric. Both are unsuppressed: the analyst already
holds the extracts (the pages protect what they show through ``core.disclosure``).
"""
from __future__ import annotations

from pathlib import Path

from dashboard.store.data import PERIOD_QUERIES, data_bounds, flow_table
from dashboard.store.db import Database
from dashboard.core.filters import Filters
from dashboard.core.metrics import empty_metrics, metric_values
from dashboard.core.periods import Period, add_months, parse_month
from dashboard.settings import AGE_BANDS


def compute_metrics(db: Database, filters: Filters) -> dict[str, int | float | None]:
    """Return every contract metric for the period and age band, unsuppressed."""
    table = flow_table(db, filters, grain="period", queries=PERIOD_QUERIES)
    return metric_values(table.iloc[0].to_dict(), filters.age_band)


def check_data(data: Path) -> None:
    """Raise ValueError naming the first broken rule when `data` breaks the contract."""
    from dashboard.extracts.validate import validate_dir

    if not data.is_dir():
        raise FileNotFoundError(f"no data folder at {data}")
    problems = validate_dir(data, future=False)
    if problems:
        more = f" (and {len(problems) - 1} more; run python -m dashboard validate {data})" if len(problems) > 1 else ""
        raise ValueError(f"bad extract: {problems[0].message()}{more}")


def metrics_json(data: Path, start: str | None, end: str | None, age_band: str) -> dict:
    """Return every metric for the arguments, unsuppressed; ValueError for a bad argument or extract."""
    if age_band not in AGE_BANDS:
        raise ValueError(f"--age-band must be one of {', '.join(AGE_BANDS)}, not {age_band!r}")
    start_month = parse_month(start) if start else None
    end_month = parse_month(end) if end else None
    if start_month and end_month and end_month < start_month:
        raise ValueError(f"--end {end} is before --start {start}")
    check_data(data)
    db = Database(data)
    try:
        bounds = data_bounds(db)
        if bounds is None:
            return empty_metrics()
        last = bounds[1]
        end_month = end_month or last
        start_month = start_month or add_months(min(end_month, last), -11)
        period = Period(start_month, end_month).clamp_end(last)
        if period is None:  # the whole period lies after the data: nothing happened in it
            return empty_metrics()
        return compute_metrics(db, Filters(age_band, period))
    finally:
        db.close()
