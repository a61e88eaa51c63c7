"""Data functions the pages and the metrics command call: filters in, tidy DataFrames out.

Each function runs one named query from ``queries/`` through ``Database`` and
completes its trend buckets so that a month with no activity is a zero, not a
gap. Results are memoised per process on the normalised parameters and the data
version, so a repeated filter choice costs no query.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache, partial
from typing import Any, Callable, TypeVar

import numpy as np
import pandas as pd

from dashboard.store.db import Database, Snapshot
from dashboard.core.filters import Filters
from dashboard.core.periods import Period, add_months, financial_year_start

# Every trend query returns one row per bucket; these are their names.
PERIOD_QUERIES = (
    "ae_by_period", "ae_median_by_period", "liaison_by_period", "s136_by_period", "s136_median_by_period",
    "admissions_by_period", "bed_days_by_period", "delayed_days_by_period", "discharges_by_period",
    "discharges_median_by_period", "population_by_period",
)
# Columns that are medians (left empty, not zero, when a bucket has no records).
MEDIAN_COLUMNS = frozenset({"median_minutes", "median_hours", "median_los_days", "median_hours_to_assessment"})
# Monthly trend queries whose month rows do not depend on the period asked (a stay still open is
# counted to the period's end, but only in months before it; a month's median is its own): their
# answer over all the data's months is sliced for any period inside it (by_period), at monthly
# grain. tests/test_data_cache.py proves each.
SLICED_QUERIES = frozenset({
    "ae_by_period", "liaison_by_period", "s136_by_period", "s136_under18_by_period", "admissions_by_period",
    "bed_days_by_period", "delayed_days_by_period", "delays_by_org_by_period", "discharges_by_period",
    "population_by_period", "ae_median_by_period", "s136_median_by_period", "discharges_median_by_period"})
# Trend queries that return only a median: it must be computed over each bucket from the records.
MEDIAN_QUERIES = frozenset({"ae_median_by_period", "s136_median_by_period", "discharges_median_by_period"})

_CACHE_SIZE = 1024
_cache: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
_inflight: dict[tuple, Future] = {}
_cache_lock = threading.Lock()
_bounds: dict[tuple[int, str], tuple[date, date] | None] = {}  # data_bounds' answer for the current data
_changes: dict[tuple[int, str], tuple] = {}  # service_changes' parsed register for the current data
_sites: dict[tuple[int, str], tuple[str, ...]] = {}  # data_sites' answer for the current data


def cached_query(db: Database, name: str, params: dict[str, Any]) -> pd.DataFrame:
    """Return the named query's rows, memoised on (data, query, parameters).

    A page's charts are drawn by parallel requests that often need the same query (a
    trend and its cards); the first runs it and the others wait for its answer rather
    than run it again at the same time. The key and the query come from one snapshot of the data
    (the caller's, when it pinned one), so an answer is never filed under another data version.
    """
    snap = db.snapshot()
    return _memoised(_key(snap, name, params), partial(snap.query, name, params))


def _key(snap: Snapshot, name: str, params: dict[str, Any], *more: str) -> tuple:
    """Return the memo key of a query's answer (or of a form of it, named by `more`) on this data."""
    return (snap.cache_id, snap.version(), name, tuple(sorted(params.items())), *more)


def _memoised(key: tuple, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Return a copy of compute()'s frame, memoised on `key`; concurrent callers of one key share one call."""
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key].copy()
        pending = _inflight.get(key)
        if pending is None:
            _inflight[key] = future = Future()
    if pending is not None:
        return pending.result().copy()
    try:
        frame = compute()
    except BaseException as exc:
        with _cache_lock:
            _inflight.pop(key, None)
        future.set_exception(exc)
        raise
    with _cache_lock:
        _cache[key] = frame
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
        _inflight.pop(key, None)
    future.set_result(frame)
    return frame.copy()


def clear_cache() -> None:
    """Forget every memoised result (tests, and after a load)."""
    with _cache_lock:
        _cache.clear()
        _bounds.clear()
        _changes.clear()
        _sites.clear()


@lru_cache(maxsize=1024)
def _buckets(period: Period, grain: str) -> tuple[tuple[date, ...], np.ndarray]:
    """Return the period's bucket starts, and the same as a sorted datetime64[D] array (kept: asked per trend)."""
    if grain == "period":
        starts = [period.start]
    else:
        starts = []
        for i in range(period.months):
            month = _bucket_of(add_months(period.start, i), grain, period)
            if not starts or starts[-1] != month:
                starts.append(month)
    index = np.array(starts, dtype="datetime64[D]")
    index.flags.writeable = False
    return tuple(starts), index


def _as_counts(values: np.ndarray) -> np.ndarray:
    """Return a count column as int64, a missing count (NULL) as 0."""
    if values.dtype.kind in "iub":
        return values.astype("int64", copy=False)
    if values.dtype.kind == "f":
        return np.nan_to_num(values, nan=0.0).astype("int64")
    return pd.Series(values).fillna(0).to_numpy(dtype="int64")


def _as_measures(values: np.ndarray) -> np.ndarray:
    """Return a median column as float64, a missing median as NaN."""
    if values.dtype.kind in "iuf":
        return values.astype("float64", copy=False)
    return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def complete_buckets(frame: pd.DataFrame, period: Period, grain: str) -> pd.DataFrame:
    """Return `frame` with one row for every bucket of the period: counts 0, medians empty.

    Rows whose bucket is not one of the period's are dropped. Built with numpy: it runs
    for every trend a page draws, and pandas' reindex and per-column casts cost ~5 ms.
    """
    starts, index = _buckets(period, grain)
    n = len(starts)
    got = frame["bucket"].to_numpy().astype("datetime64[D]") if len(frame) else np.array([], "datetime64[D]")
    where = np.searchsorted(index, got)
    found = where < n
    found[found] = index[where[found]] == got[found]
    slots = where[found]
    columns: dict[str, Any] = {"bucket": pd.Series(starts, dtype=object)}
    for column in frame.columns:
        if column == "bucket":
            continue
        values = frame[column].to_numpy()[found]
        if column in MEDIAN_COLUMNS:
            out = np.full(n, np.nan)
            out[slots] = _as_measures(values)
        else:
            out = np.zeros(n, dtype="int64")
            out[slots] = _as_counts(values)
        columns[column] = out
    return pd.DataFrame(columns)


def by_period(db: Database, name: str, filters: Filters, grain: str | None = None) -> pd.DataFrame:
    """Return a trend query's rows for every bucket of the chosen period and grain.

    Every column of a trend query but a median is a count that adds up over months (the
    contract's definitions are monthly sums), so a quarter's or a year's row is the sum of its
    months: asked once by month, the answer serves every grain of the period (and the cards,
    which read months), not one DuckDB query per grain. Medians are asked at their grain: over the
    whole data once, then only for a bucket the period cuts (``_pieced_medians``).
    """
    grain = grain or filters.grain
    params = filters.sql_params(grain)
    snap = db.snapshot()
    if grain != "month" and name not in MEDIAN_QUERIES:
        monthly = replace(filters, grain="month")
        return _memoised(_key(snap, name, params, "summed"),
                         lambda: sum_months(by_period(snap, name, monthly), filters.period, grain))
    if grain == "month" and name in SLICED_QUERIES:
        # A month's counts do not depend on the period asked for (a test checks it for each query), so
        # one answer over all the data's months serves every period inside them, by slicing.
        bounds = data_bounds(snap)
        if bounds is not None and bounds[0] <= filters.period.start and filters.period.end <= bounds[1] \
                and (filters.period.start, filters.period.end) != bounds:
            whole = by_period(snap, name, replace(filters, period=Period(*bounds), grain="month"))
            inside = (whole["bucket"] >= filters.period.start) & (whole["bucket"] <= filters.period.end)
            return whole[inside.to_numpy()].reset_index(drop=True)

    if grain in ("quarter", "fy") and name in MEDIAN_QUERIES:
        bounds = data_bounds(snap)
        if bounds is not None and bounds[0] <= filters.period.start and filters.period.end <= bounds[1] \
                and (filters.period.start, filters.period.end) != bounds:
            return _memoised(_key(snap, name, params, "pieced"),
                             lambda: _pieced_medians(snap, name, filters, grain, bounds))

    def completed() -> pd.DataFrame:
        return complete_buckets(cached_query(snap, name, params), filters.period, grain)

    # Kept completed: a trend's rows feed several charts and the cards of a page.
    return _memoised(_key(snap, name, params, "completed"), completed)


def _pieced_medians(snap: Snapshot, name: str, filters: Filters, grain: str, bounds: tuple[date, date]) -> pd.DataFrame:
    """Return a median trend by quarter or year from the whole data's answer, asking only for cut buckets.

    A quarter's or a year's median does not add up from its months, but it does not depend on the
    period asked for either when the period holds the same months of it as the whole data do: the
    buckets are the calendar's (queries/_macros.sql, bucket_start). So only a bucket the period
    cuts (at its start or its end, where the data do not) is asked for on its own months: at most
    two small queries, where a trend over the data's history read every record of it.
    """
    whole = by_period(snap, name, replace(filters, period=Period(*bounds)), grain)
    row_of = {b: i for i, b in enumerate(whole["bucket"])}
    pieces: list[pd.DataFrame] = []
    for bucket in _buckets(filters.period, grain)[0]:
        last = add_months(bucket, (3 if grain == "quarter" else 12) - 1)
        held = (max(bucket, filters.period.start), min(last, filters.period.end))
        if held == (max(bucket, bounds[0]), min(last, bounds[1])):
            pieces.append(whole.iloc[[row_of[bucket]]])
        else:  # cut by the period: its own months (one bucket, as DuckDB buckets them)
            cut = replace(filters, period=Period(*held))
            pieces.append(complete_buckets(cached_query(snap, name, cut.sql_params(grain)), cut.period, grain))
    return pd.concat(pieces, ignore_index=True)


def sum_months(months: pd.DataFrame, period: Period, grain: str) -> pd.DataFrame:
    """Return a completed monthly trend frame summed into the period's buckets of `grain` (counts only)."""
    starts, _ = _buckets(period, grain)
    # Months are in order and each bucket is a run of them: where each run begins.
    firsts = [0] + [i for i in range(1, period.months) if _bucket_of(add_months(period.start, i), grain, period)
                    != _bucket_of(add_months(period.start, i - 1), grain, period)]
    columns: dict[str, Any] = {"bucket": pd.Series(starts, dtype=object)}
    for column in months.columns:
        if column == "bucket":
            continue
        if column in MEDIAN_COLUMNS:
            raise ValueError(f"{column} is a median: it cannot be summed over months")
        columns[column] = np.add.reduceat(months[column].to_numpy(dtype="int64"), firsts) if firsts else \
            np.zeros(0, dtype="int64")
    return pd.DataFrame(columns)


def _bucket_of(month: date, grain: str, period: Period) -> date:
    """Return the start of the bucket that holds `month` (bucket_start in queries/_macros.sql)."""
    if grain == "period":
        return period.start
    if grain == "quarter":
        return date(month.year, (month.month - 1) // 3 * 3 + 1, 1)
    if grain == "fy":
        return financial_year_start(month)
    return month


log = logging.getLogger(__name__)
T = TypeVar("T")
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_side_by_side = True


def run_queries_side_by_side(on: bool) -> None:
    """Choose whether side_by_side runs its calls side by side (the app) or one by one (the benchmark's floor)."""
    global _side_by_side
    _side_by_side = on


def _query_pool() -> ThreadPoolExecutor:
    """Return this process's pool for running a callback's queries side by side (made after any fork)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="query")
        return _pool


def side_by_side(calls: list[Callable[[], T]]) -> list[T]:
    """Return the answers of independent query calls, run side by side (DuckDB releases the GIL).

    Not for calls that themselves call side_by_side: the pool is small and shared.
    """
    if len(calls) > 1 and _side_by_side:
        return list(_query_pool().map(lambda call: call(), calls))
    return [call() for call in calls]


def flow_table(db: Database, filters: Filters, grain: str | None = None,
               queries: tuple[str, ...] = PERIOD_QUERIES) -> pd.DataFrame:
    """Return the named trend queries side by side, one row per bucket (all columns).

    The queries run side by side (DuckDB releases the GIL), as the cards' do, all on one snapshot.
    """
    snap = db.snapshot()
    return side_by_side_buckets(side_by_side([partial(by_period, snap, name, filters, grain) for name in queries]))


def side_by_side_buckets(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Return trend frames of the same buckets as one frame: a row per bucket, every frame's columns.

    Completed trends of one period and grain have the same buckets in the same order, so their
    columns are laid side by side as they are; anything else is aligned on the bucket.
    """
    if len(frames) == 1:  # one query (most trends): its frame, already the caller's own copy
        return frames[0]
    buckets = frames[0]["bucket"]
    names = [name for f in frames for name in f.columns if name != "bucket"]
    if len(set(names)) == len(names) and all(f["bucket"].equals(buckets) for f in frames[1:]):
        columns = {"bucket": buckets.array}  # arrays, not Series: nothing to align, half the time
        for f in frames:
            columns.update((name, f[name].array) for name in f.columns if name != "bucket")
        return pd.DataFrame(columns)
    return pd.concat([f.set_index("bucket") for f in frames], axis=1).reset_index()


def breakdown(db: Database, name: str, filters: Filters, **extra: Any) -> pd.DataFrame:
    """Return a breakdown query's rows (by site, hour, reason…) for the chosen filters."""
    return cached_query(db, name, {**filters.sql_params("period"), **extra})


@dataclass(frozen=True)
class ServiceChange:
    """One row of the partnership's register of service changes."""

    change_id: str
    starts_on: date
    month: date  # starts_on's month, the first month after the change (the contract)
    title: str
    metrics: tuple[str, ...]  # the metric keys it is expected to move; ('all',) for every metric
    recalculate: bool
    description: str | None

    def applies_to(self, metric: str) -> bool:
        """Return True when the change names `metric` (or all metrics)."""
        return "all" in self.metrics or metric in self.metrics


def service_changes(db: Database, metric: str | None = None) -> list[ServiceChange]:
    """Return the service changes, oldest first (those naming `metric`, when given); [] without the table.

    Every trend asks (the SPC summary 31 times a redraw), so the parsed register is kept per data
    version, as data_bounds is, rather than rebuilt from the memoised frame each time.
    """
    snap = db.snapshot()
    key = (snap.cache_id, snap.version())
    changes = _changes.get(key)
    if changes is None:
        frame = cached_query(snap, "service_changes", {})
        changes = tuple(
            ServiceChange(str(r.change_id), pd.Timestamp(r.starts_on).date(), pd.Timestamp(r.month).date(),
                          str(r.title), tuple(k.strip() for k in str(r.metrics).split(",") if k.strip()),
                          bool(r.recalculate), None if pd.isna(r.description) else str(r.description))
            for r in frame.itertuples(index=False))
        with _cache_lock:
            _changes.clear()  # only the current data's register is worth keeping
            _changes[key] = changes
    return [c for c in changes if metric is None or c.applies_to(metric)]


def data_sites(db: Database) -> tuple[str, ...]:
    """Return the emergency departments in the data, in name order (what a site view may choose).

    Every callback asks (to validate the site it is sent), so the answer is kept per data version.
    """
    snap = db.snapshot()
    key = (snap.cache_id, snap.version())
    sites = _sites.get(key)
    if sites is None:
        sites = tuple(str(site) for site in cached_query(snap, "ae_sites", {})["site"])
        with _cache_lock:
            _sites.clear()  # only the current data's answer is worth keeping
            _sites[key] = sites
    return sites


def data_bounds(db: Database) -> tuple[date, date] | None:
    """Return the first and last months with any event, or None when there is no data.

    Every callback asks (to validate the filters it is sent), so the answer is kept per
    data version rather than re-read from the memoised frame each time.
    """
    snap = db.snapshot()
    key = (snap.cache_id, snap.version())
    if key in _bounds:
        return _bounds[key]
    frame = cached_query(snap, "data_bounds", {})
    first, last = frame["first_event"].iloc[0], frame["last_event"].iloc[0]
    if pd.isna(first) or pd.isna(last):
        bounds = None
    else:
        bounds = pd.Timestamp(first).date().replace(day=1), pd.Timestamp(last).date().replace(day=1)
    with _cache_lock:
        _bounds.clear()  # only the current data's answer is worth keeping
        _bounds[key] = bounds
    return bounds


def warm_up(db: Database, grains: tuple[str, ...] = ("month",)) -> int:
    """Fill the memo with every trend query's answer over the whole data, per age band; return how many.

    A view's trends are slices of these (or, for medians by quarter or year, pieces of the whole
    data's answer at that grain: add "quarter", "fy" to `grains` to ask those too); the first view
    of an age band in a worker otherwise asked for all of them at once, which made it the slowest
    view of its page by ~100-250 ms. Run once by each gunicorn worker before it takes requests
    (``wsgi``): in the background, it slowed the first views it overlapped as much as it saved.
    """
    from dashboard.settings import AGE_BANDS

    bounds = data_bounds(db)
    if bounds is None:
        return 0
    snap = db.snapshot()
    asked = 0
    for grain in grains:
        names = SLICED_QUERIES if grain == "month" else MEDIAN_QUERIES  # other grains sum the months
        for band in AGE_BANDS:
            whole = Filters(band, Period(*bounds), "month")
            for name in sorted(names):
                try:
                    by_period(snap, name, whole, grain)
                except Exception as exc:  # noqa: BLE001 (a view asking it will report it; warming must not stop)
                    log.warning("warm-up: %s (%s, %s) failed: %s", name, band, grain, exc)
                    continue
                asked += 1
    return asked
