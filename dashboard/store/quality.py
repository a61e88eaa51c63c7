"""The loaded extracts' own quality: empty fields, the months each extract spans, when it was loaded.

Read by the definitions page and the meeting pack (through a chart's data function, so the counts
are protected like any other); the whole extracts, whatever the view.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard.core.definitions import EMPTY_MEANS, EXTRACT_LABELS
from dashboard.store.data import cached_query

QUALITY_QUERY = "data_quality"


def data_quality(db: Any) -> pd.DataFrame:
    """Return a row per nullable column of the required extracts: names, records, empty, meaning, months.

    In the order the definitions declare (the SQL's UNION ALL gives no order of its own).
    """
    raw = cached_query(db, QUALITY_QUERY, {})
    order = {key: i for i, key in enumerate(EMPTY_MEANS)}
    raw = raw.assign(_order=[order.get((e, f), len(order)) for e, f in zip(raw["extract"], raw["field"])])
    raw = raw.sort_values("_order", kind="stable").reset_index(drop=True)
    return pd.DataFrame({
        "extract": [EXTRACT_LABELS.get(e, e) for e in raw["extract"]],
        "field": list(raw["field"]),
        "records": raw["records"].astype("int64").tolist(),
        "not_recorded": raw["not_recorded"].astype("int64").tolist(),
        "meaning": [EMPTY_MEANS.get((e, f), "") for e, f in zip(raw["extract"], raw["field"])],
        "first_month": [_month(v) for v in raw["first_month"]],
        "last_month": [_month(v) for v in raw["last_month"]],
    })


def _month(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return "–"
    return pd.Timestamp(value).strftime("%b %Y")


def loaded_at(db: Any) -> datetime | None:
    """Return when the served data was loaded (its release folder's time, UTC); None if it cannot be read.

    `load` writes each release to a new folder and swaps the served link to it, so the folder's
    time is the load's; a folder written in place (generated data) gives the time it was written.
    """
    folder = Path(os.path.realpath(getattr(db, "data_dir", "") or "."))
    try:
        return datetime.fromtimestamp(folder.stat().st_mtime, timezone.utc)
    except OSError:
        return None
