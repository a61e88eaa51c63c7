"""Journeys' data functions: a cohort's choice and the filters in, tidy frames out.

Each reads a ``queries/journeys_*.sql`` over the catalog's ``person_events`` timelines, on which
the catalog worked out once what a cohort needs (memoised like every query, on the data
version and the parameters). A cohort smaller
than the disclosure threshold gives no rows at all, in either view: the page then shows
its note and nothing else, so a tiny cohort's outcomes never leave the server.
"""
from __future__ import annotations

from functools import partial

import pandas as pd

from dashboard.core.filters import Filters
from dashboard.core.journeys import ANY, DEFAULT_INDEX, DEFAULT_SPAN, OUTCOMES, WINDOWS
from dashboard.settings import get_settings
from dashboard.store.data import cached_query, complete_buckets, side_by_side
from dashboard.store.db import Database


def journey_params(filters: Filters, index: str, narrow: str) -> dict[str, object]:
    """Return the parameters of a journeys query: the period and band of the filters, the index event and narrowing."""
    return {**filters.sql_params("period"), "index_kind": index, "narrow": narrow}


def too_small(cohort: int) -> bool:
    """Return whether a cohort is too small to show anything of (fewer people than the disclosure threshold)."""
    return cohort < get_settings().suppression_threshold


def next_rows(db: Database, filters: Filters, index: str = DEFAULT_INDEX, narrow: str = ANY) -> pd.DataFrame:
    """Return what happened next: a row per outcome, people with it and people followed, per window (7, 30, 90 days).

    Columns: outcome, label, cohort, then for each window N: people_N (with the outcome within N
    days, of those followed that long) and followed_N (people whose N-day window ended by the
    data's end). No rows for a cohort below the threshold.
    """
    windows = cached_query(db, "journeys_next", journey_params(filters, index, narrow)).set_index("window_days")
    cohort = int(windows["cohort"].max()) if len(windows) else 0
    if too_small(cohort):
        return pd.DataFrame()
    rows: dict[str, list] = {"outcome": list(OUTCOMES), "label": list(OUTCOMES.values()),
                             "cohort": [cohort] * len(OUTCOMES)}
    for days in WINDOWS:
        window = windows.loc[days]
        rows[f"people_{days}"] = [int(window[outcome]) for outcome in OUTCOMES]
        rows[f"followed_{days}"] = [int(window["followed"])] * len(OUTCOMES)
    return pd.DataFrame(rows)


def return_rows(db: Database, filters: Filters, index: str = DEFAULT_INDEX, narrow: str = ANY) -> pd.DataFrame:
    """Return the life table of the time to a first return to A&E or s136 over 90 days (journeys_return).

    Columns: step, interval ('0–7': over 0, up to 7 days), day_to, at_risk, returned, censored. No rows for a cohort
    below the threshold.
    """
    table = cached_query(db, "journeys_return", journey_params(filters, index, narrow))
    if table.empty or too_small(int(table["at_risk"].iloc[0])):
        return pd.DataFrame()
    return pd.DataFrame({
        "step": table["step"].astype("int64"),
        "interval": [f"{a}–{b}" for a, b in zip(table["day_from"], table["day_to"])],
        "day_to": table["day_to"].astype("int64"),
        "at_risk": table["at_risk"].astype("int64"),
        "returned": table["returned"].astype("int64"),
        "censored": table["censored"].astype("int64"),
    })


def details(db: Database) -> dict[str, list[str]]:
    """Return the values each index event can be narrowed by in the data (sites, places of safety…), by kind."""
    frame = cached_query(db, "journeys_details", {})
    out: dict[str, list[str]] = {}
    for kind, detail in zip(frame["kind"], frame["detail"]):
        out.setdefault(str(kind), []).append(str(detail))
    return out


# Before and after: what each row counts (journeys_before_after columns <measure>_before, _after) -> label.
MEASURES = {"ae": "A&E attendances", "s136": "Section 136 detentions", "admissions": "Admissions",
            "bed_days": "Bed days"}


def before_after_rows(db: Database, filters: Filters, index: str = DEFAULT_INDEX, narrow: str = ANY,
                      span: int = DEFAULT_SPAN) -> pd.DataFrame:
    """Return the cohort's use of services in the `span` days before and after the index event, and a reference group's.

    A row per measure (A&E attendances, s136 detentions, admissions, bed days): before and after
    for the cohort and for the reference group, chosen the same way from the previous equal
    period; people included (both windows inside the data) and left out, for each group. No rows
    for a cohort below the threshold; a reference group below it has no values (None).
    """
    def windows(frame: pd.DataFrame) -> tuple[int, pd.Series | None]:
        frame = frame.set_index("window_days")
        cohort = int(frame["cohort"].max()) if len(frame) else 0
        return cohort, (None if too_small(cohort) else frame.loc[span])

    snap = db.snapshot() if hasattr(db, "snapshot") else db  # both groups from one data version
    frames = side_by_side([partial(cached_query, snap, "journeys_before_after", journey_params(f, index, narrow))
                           for f in (filters, filters.with_period(filters.period.previous()))])
    cohort, now = windows(frames[0])
    if now is None:
        return pd.DataFrame()
    _, before = windows(frames[1])
    n = len(MEASURES)
    rows: dict[str, list] = {"measure": list(MEASURES), "label": list(MEASURES.values()), "cohort": [cohort] * n}
    for prefix, row in (("", now), ("ref_", before)):
        for when in ("before", "after"):
            rows[f"{prefix}{when}"] = [None if row is None else int(row[f"{m}_{when}"]) for m in MEASURES]
        for column in ("people", "left_out"):
            rows[f"{prefix}{column}"] = [None if row is None else int(row[column])] * n
    return pd.DataFrame(rows)


def frequent_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return frequent attenders for each month of the period (12 months to its end), every month listed.

    Columns: bucket (the month), attendances, frequent, frequent_attendances, frequent_cared
    (journeys_frequent; the threshold is the operator's MHFLOW_FREQUENT_ATTENDER_MIN).
    """
    params = {**filters.sql_params("period"), "min_attendances": get_settings().frequent_attender_min}
    frame = cached_query(db, "journeys_frequent", params).rename(columns={"month": "bucket"})
    return complete_buckets(frame, filters.period, "month")
