"""The result cache: a query asked for by parallel requests at once runs once; a failure is not kept."""
from __future__ import annotations

import threading
import time

import pandas as pd
import pytest

from dashboard.store.data import cached_query, clear_cache


class SlowDatabase:
    """A stand-in for Database whose query takes a while and counts its calls."""

    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail
        self.lock = threading.Lock()

    def version(self) -> str:
        return "v1"

    def snapshot(self) -> SlowDatabase:  # one version only: its own snapshot
        return self

    @property
    def cache_id(self) -> int:
        return id(self)

    def query(self, name, params):
        with self.lock:
            self.calls += 1
        time.sleep(0.2)
        if self.fail:
            raise RuntimeError("query failed")
        return pd.DataFrame({"n": [params["x"]]})


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_cache()
    yield
    clear_cache()


def run_together(fn, n: int = 6) -> list:
    results: list = [None] * n

    def one(i):
        try:
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results


def test_parallel_requests_for_the_same_query_run_it_once():
    db = SlowDatabase()
    results = run_together(lambda: cached_query(db, "q", {"x": 1}))
    assert db.calls == 1
    assert all(r.equals(pd.DataFrame({"n": [1]})) for r in results)
    results[0].loc[0, "n"] = 99  # each caller gets its own copy
    assert cached_query(db, "q", {"x": 1}).loc[0, "n"] == 1


def test_different_parameters_are_different_queries():
    db = SlowDatabase()
    counter = iter(range(100))
    results = run_together(lambda: cached_query(db, "q", {"x": next(counter) % 2}), n=4)
    assert db.calls == 2
    assert sorted(r.loc[0, "n"] for r in results) == [0, 0, 1, 1]


def test_a_failed_query_reaches_every_waiter_and_is_not_cached():
    db = SlowDatabase(fail=True)
    results = run_together(lambda: cached_query(db, "q", {"x": 1}))
    assert db.calls == 1 and all(isinstance(r, RuntimeError) for r in results)
    db.fail = False
    assert cached_query(db, "q", {"x": 1}).loc[0, "n"] == 1
    assert db.calls == 2


SUMMED = ("ae_by_period", "liaison_by_period", "s136_by_period", "s136_under18_by_period", "admissions_by_period",
          "bed_days_by_period", "delayed_days_by_period", "delays_by_org_by_period", "discharges_by_period",
          "population_by_period")


@pytest.mark.slow
@pytest.mark.parametrize("grain", ["quarter", "fy", "period"])
def test_a_quarter_or_a_year_is_the_sum_of_its_months_exactly_as_duckdb_buckets_them(app_db, grain):
    """by_period sums its monthly answer into buckets; DuckDB's own bucketed answer must be the same rows."""
    from datetime import date

    from dashboard.core.filters import Filters
    from dashboard.core.periods import Period
    from dashboard.store.data import by_period, cached_query, complete_buckets

    # Periods that start and end mid-quarter and mid-year, and one before the data begins.
    periods = [Period(date(2024, 2, 1), date(2026, 9, 1)), Period(date(2025, 5, 1), date(2025, 8, 1)),
               Period(date(2019, 11, 1), date(2026, 12, 1))]
    for name in SUMMED:
        for period in periods:
            for band in ("all", "0-17", "65+"):
                filters = Filters(band, period, "month")  # 'period' is a query grain, not a filter's
                summed = by_period(app_db, name, filters, grain)
                direct = complete_buckets(cached_query(app_db, name, filters.sql_params(grain)), period, grain)
                pd.testing.assert_frame_equal(summed, direct, check_dtype=True, obj=f"{name} {band} {period}")
                assert len(summed) >= 1


def test_a_months_counts_do_not_depend_on_the_period_asked_so_the_whole_datas_answer_is_sliced(app_db):
    """by_period slices one answer over all the data's months; DuckDB's answer for the period itself must match."""
    from datetime import date

    from dashboard.core.filters import Filters
    from dashboard.core.periods import Period, add_months
    from dashboard.store.data import SLICED_QUERIES, by_period, cached_query, complete_buckets, data_bounds

    first, last = data_bounds(app_db)
    periods = [Period(add_months(first, 3), add_months(last, -4)), Period(add_months(last, -11), last),
               Period(first, add_months(first, 5)), Period(last, last), Period(date(2025, 3, 1), date(2025, 3, 1))]
    assert set(SLICED_QUERIES) <= set(SUMMED) | {"ae_median_by_period", "s136_median_by_period",
                                                 "discharges_median_by_period"}
    for name in sorted(SLICED_QUERIES):
        for period in periods:
            for band in ("all", "0-17", "65+"):
                filters = Filters(band, period, "month")
                sliced = by_period(app_db, name, filters)
                direct = complete_buckets(cached_query(app_db, name, filters.sql_params()), period, "month")
                pd.testing.assert_frame_equal(sliced, direct, check_dtype=True, obj=f"{name} {band} {period}")
                for grain in ("quarter", "fy", "period"):  # summed (counts), or pieced from the whole (medians)
                    other = by_period(app_db, name, filters, grain)
                    direct = complete_buckets(cached_query(app_db, name, filters.sql_params(grain)), period, grain)
                    pd.testing.assert_frame_equal(other, direct, check_dtype=True, obj=f"{name} {band} {period} {grain}")


def test_after_the_warm_up_no_trend_of_any_age_band_or_grain_asks_duckdb(app_db, monkeypatch):
    """A worker's warm-up asks the whole data's trend answers, so a view's trends only slice, sum or piece them."""
    from datetime import date

    from dashboard.core.filters import Filters
    from dashboard.core.periods import Period
    from dashboard.settings import AGE_BANDS
    from dashboard.store.data import SLICED_QUERIES, by_period, data_bounds, warm_up
    from dashboard.store.db import Database

    assert warm_up(app_db, ("month", "quarter", "fy")) == len(AGE_BANDS) * (len(SLICED_QUERIES) + 2 * 3)
    asked: list[str] = []
    real = Database.execute
    monkeypatch.setattr(Database, "execute", lambda self, con, name, params=None: asked.append(name)
                        or real(self, con, name, params))
    # Whole financial years inside the data (a median's bucket cut by the period is asked on its own).
    first, last = data_bounds(app_db)
    start = date(first.year + (first.month > 4), 4, 1)
    period = Period(start, date(last.year - (last.month < 3), 3, 1))
    assert first < period.start < period.end < last
    for band in AGE_BANDS:
        for name in sorted(SLICED_QUERIES):
            for grain in ("month", "quarter", "fy"):
                by_period(app_db, name, Filters(band, period, grain))
    assert asked == []
