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
