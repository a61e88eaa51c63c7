"""The floor: DuckDB alone running the SQL a page redraw needs, for the same filters.

For each page and filter combination the app's own data functions are called
(every chart's data function as a redraw calls it, table views closed, and the
cards' ``card_values``, their data function and protection) with the result cache cleared, through a ``Database`` that
times each ``query()`` call. The floor is the sum of those DuckDB calls (statement +
fetch into a DataFrame), run one after the other on the app's DuckDB settings.
Filter-independent queries (``data_bounds``, ``extract_summary``, ``ae_sites``) are left out: every
worker keeps them from its first request.

Because the cache is cleared per combination, a query shared by several charts of
the page runs once, as it does in a worker.

The same pass records, with the cache then warm, the in-process cost of the app's
layers above DuckDB: ``charts.render`` (protect + figure) and ``cards.render_cards``
(headlines + card components), and the Dash table component: no HTTP, no JSON.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dashboard.web.cards import card_values, render_cards
from dashboard.web.charts import CHARTS, render
from dashboard.web.components import PAGES, filters_from_store
from dashboard.store.data import clear_cache, data_bounds, run_queries_side_by_side
from dashboard.store.db import Database, load_sql

from combos import Combo

FILTER_INDEPENDENT = frozenset({"data_bounds", "extract_summary", "ae_sites"})


class TimedDatabase(Database):
    """A Database that records every query it runs: (name, params, seconds of DuckDB work).

    The timed part is exactly what ``Database.query`` asks of DuckDB: execute the
    named SQL file with its parameters and fetch the result as a DataFrame, on a
    cursor of the process's connection. Opening the connection and the data-version
    check happen before the clock starts (they are the app's overhead, not DuckDB's).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.log: list[tuple[str, dict[str, Any], float]] = []

    def execute(self, con: Any, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        # Every query of the app (its snapshots' too) runs here, on the connection it pinned.
        sql = load_sql(name)
        params = params or {}
        bound = {key: params[key] for key in sql.params}
        t0 = time.perf_counter()
        cursor = con.cursor()
        try:
            frame = cursor.execute(sql.sql, bound).df()
        finally:
            cursor.close()
        self.log.append((name, dict(params), time.perf_counter() - t0))
        return frame


@dataclass
class FloorResult:
    """DuckDB's time for one page redraw, and the calls behind it."""

    page: str
    combo: Combo
    ms: float  # sum of DuckDB query calls (filter-dependent)
    data_fns_ms: float  # wall time of all data functions (DuckDB + their pandas tidying)
    render_ms: float  # in-process render() of every chart + cards, cache warm (no DuckDB)
    render_parts: dict[str, float] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any], float]] = field(default_factory=list)
    render_errors: dict[str, str] = field(default_factory=dict)  # chart id -> exception (app bugs)
    cards_ms: float = 0.0  # card_values() with the cache as the charts left it (queries not shared: cold)
    cards_db_ms: float = 0.0  # the DuckDB part of it


def page_chart_ids(page_id: str) -> list[str]:
    """Return the chart ids of a page in layout order."""
    return [chart_id for row in PAGES[page_id].rows for chart_id, _ in row]


def measure_floor(db: TimedDatabase, page_id: str, combo: Combo) -> FloorResult:
    """Return DuckDB's time to answer every query the page needs for `combo` (cache cleared first)."""
    page = PAGES[page_id]
    run_queries_side_by_side(False)  # the floor times each query alone, one after the other
    clear_cache()
    data_bounds(db)  # filter-independent: a worker holds it from its first request
    filters = filters_from_store(combo.store())
    db.log.clear()
    t0 = time.perf_counter()
    for chart_id in page_chart_ids(page_id):
        CHARTS[chart_id].source(table=False)[0](db, filters)  # what a redraw runs: table views closed
    n_chart_calls = len(db.log)
    t_cards = time.perf_counter()
    if page.cards:
        card_values(page.cards, filters, db)
    cards_ms = (time.perf_counter() - t_cards) * 1000
    cards_db_ms = sum(c[2] for c in db.log[n_chart_calls:] if c[0] not in FILTER_INDEPENDENT) * 1000
    data_fns_ms = (time.perf_counter() - t0) * 1000
    calls = [c for c in db.log if c[0] not in FILTER_INDEPENDENT]
    floor_ms = sum(c[2] for c in calls) * 1000

    # The layers above DuckDB, every result now memoised: what render() and the cards cost alone.
    parts: dict[str, float] = {}
    errors: dict[str, str] = {}
    for chart_id in page_chart_ids(page_id):
        t = time.perf_counter()
        try:
            render(chart_id, filters, db=db, table=False)  # the table view is drawn only when opened
        except Exception as exc:  # noqa: BLE001 - an app bug is reported, not fatal to the benchmark
            errors[chart_id] = f"{type(exc).__name__}: {exc}"
        parts[chart_id] = (time.perf_counter() - t) * 1000
    if page.cards:
        t = time.perf_counter()
        render_cards(page.cards, filters, db)
        parts["cards"] = (time.perf_counter() - t) * 1000
    return FloorResult(page_id, combo, floor_ms, data_fns_ms, sum(parts.values()), parts,
                       [(n, p, s * 1000) for n, p, s in calls], errors, cards_ms, cards_db_ms)
