"""Checks every page test makes: the page is published, each chart draws, a narrow view gives a
figure or a plain message, no small number leaves the server, and the cards compute.

Each check asserts the stricter of the forms the page tests used to copy, and returns what it
looked at, so a test can add its page's own assertions.
"""
from __future__ import annotations

from pathlib import Path
from html import escape
from typing import Iterable

import duckdb
import pandas as pd
import pytest

from dashboard.web import figures
from dashboard.web.breakdowns import ALL_SUPPRESSED, CHARTED, MIX_NOTE, WHOLE_PERIOD
from dashboard.web.cards import CardValue, card_values
from dashboard.web.charts import CHARTS, ChartKind, Rendered, is_apart, render
from dashboard.store.db import Database, load_sql
from dashboard.core.disclosure import SUPPRESSED, Policy, plottable
from dashboard.core.filters import Filters
from dashboard.core.metrics import METRICS
from dashboard.store.cli_metrics import compute_metrics

THRESHOLD = 8  # the default suppression threshold the tests run under
# Counts a chart shows in its table beside the rates it draws (not drawn themselves): with every
# rate hidden the chart rightly says all is suppressed while these counts are shown.
TABLE_ONLY_COUNTS = {"uec-liaison-sites": {"referrals"}, "uec-liaison-grid": {"emergency_assessed"},
                     "rec-ward-type": {"discharges"}}
# Field kinds that hold a value a chart draws (labels and reference values are not drawn values).
VALUE_KINDS = ("count", "pct", "measure", "rate", "ratio", "ratio_lower", "ratio_upper")
QUERY_PARAMS = {"period_start", "period_end", "age_min", "age_max", "grain", "site"}  # site: the site view


def chart_ids(page) -> list[str]:
    """Return the ids of the charts laid out on the page, in row order."""
    return [chart_id for row_ in page.PAGE.rows for chart_id, _ in row_]


def extract(folder: Path, name: str) -> pd.DataFrame:
    """Return a raw extract read with pandas (independent of DuckDB and the queries)."""
    files = sorted((folder / name).rglob("*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def check_published(page, module: str, path: str, name: str, order: int, prefix: str) -> list[str]:
    """Check the page's registry entry, and that its charts are there, unique, prefixed and registered."""
    import dash

    entry = dash.page_registry[module]
    assert (entry["path"], entry["name"], entry["order"]) == (path, name, order)
    ids = chart_ids(page)
    assert ids and len(ids) == len(set(ids)), ids
    assert all(i.startswith(prefix) and i in CHARTS for i in ids), ids
    return ids


def says_all_suppressed(chart_id: str, rendered: Rendered) -> bool:
    """Return whether the chart gave the 'every number is suppressed' message, checking it is true.

    True only if the message is there and the full table backs it: every value it shows is '*' or zero.
    """
    if not rendered.note.startswith(ALL_SUPPRESSED):
        return False
    assert rendered.figure["data"] == [] and rendered.figure["layout"]["annotations"][0]["text"], chart_id
    table = rendered.table
    values = [f.label for f in CHARTS[chart_id].fields if f.kind in VALUE_KINDS]
    shown = [v for label in values if label in table for v in table[label] if not pd.isna(v)]
    assert any(v == SUPPRESSED for v in shown), chart_id
    assert all(v == SUPPRESSED or v == 0 for v in shown), (chart_id, table)
    return True


def check_draws(chart_ids_: Iterable[str], filters: Filters) -> list[Rendered]:
    """Check each chart draws a figure with traces and a table with rows (no message).

    The one message allowed is that every number is suppressed, when the table shows nothing else.
    """
    out = []
    for chart_id in chart_ids_:
        rendered = render(chart_id, filters)
        assert not rendered.empty, (chart_id, rendered.note)
        assert not rendered.table.empty, chart_id
        assert rendered.figure["data"] or says_all_suppressed(chart_id, rendered), chart_id
        check_drawn(chart_id, rendered)
        out.append(rendered)
    return out


def check_drawn(chart_id: str, rendered: Rendered) -> None:
    """Check a rendered chart draws what its table shows, as its kind says it should.

    A message (no activity, or every number suppressed) has no traces and says so. Otherwise:
    an SPC chart has a point per period, each the shown value (a gap where '*'), and a '*'
    mark at each hidden one; a trend has a bar or point per period, each trace one shown
    column; a breakdown a bar per row (or the CHARTED most telling), every bar a value of
    the table; the heatmap a cell per hour and day; the pathway a link per shown count.
    """
    chart, figure, table = CHARTS[chart_id], rendered.figure, rendered.table
    if rendered.empty or rendered.note.startswith(ALL_SUPPRESSED):
        assert figure["data"] == [], chart_id
        text = figure["layout"]["annotations"][0]["text"].replace("<br>", " ")
        assert text == (rendered.note if rendered.empty else ALL_SUPPRESSED), chart_id
        # Every value the chart would draw is '*' or 0, and one is '*'. A total shown beside its
        # parts (Field.parts) is the table's, not drawn: it may be shown when all its parts are hidden;
        # so is a trend's `records`, the base of its rate (10 referrals, 5 seen within the hour: '*').
        drawable = [v for f in chart.fields if f.kind in VALUE_KINDS and not f.parts
                    and not (chart.kind in (ChartKind.SPC, ChartKind.RARE) and f.name == "records")
                    and f.name not in TABLE_ONLY_COUNTS.get(chart_id, ())
                    and f.label in table for v in table[f.label] if v is not None and not pd.isna(v)]
        assert rendered.empty or (SUPPRESSED in drawable and set(drawable) <= {SUPPRESSED, 0}), (chart_id, table)
        return
    traces = [t for t in figure["data"] if t.get("name") != figures.SUPPRESSED_MARKS]
    marks = [t for t in figure["data"] if t.get("name") == figures.SUPPRESSED_MARKS]
    assert traces, chart_id
    values = {f.label: plottable(table[f.label]) for f in chart.fields
              if f.kind in VALUE_KINDS and f.label in table}
    shown = {v for column in values.values() for v in column if v is not None}
    if chart.kind is ChartKind.SPC:
        periods = list(table["Period"])
        column = next(f.label for f in chart.fields if f.kind in VALUE_KINDS)
        # A part bucket, or one whose follow-up window is not complete, is drawn apart.
        whole = [not is_apart(p) for p in periods]
        assert traces[0]["x"] == periods, chart_id
        assert traces[0]["y"] == [v if w else None for v, w in zip(values[column], whole)], chart_id
        apart = [(p, v) for p, v, w in zip(periods, values[column], whole) if not w and v is not None]
        drawn_apart = [(x, y) for t in traces[1:] if t.get("mode") == "markers" for x, y in zip(t["x"], t["y"])]
        assert sorted(drawn_apart, key=lambda point: periods.index(point[0])) == apart, chart_id
        hidden = [p for p, v in zip(periods, table[column]) if v == SUPPRESSED]
        assert [x for t in marks for x in t["x"]] == hidden, chart_id
        for line in (t for t in traces[1:] if t.get("mode") == "lines"):  # mean, process limits, target
            assert set(line["x"]) <= set(periods), chart_id
    elif chart.kind is ChartKind.RARE:
        # A T chart: a point per month with an event after the first, the days since the one before.
        periods = [p for p in table["Period"] if not is_apart(p)]
        months = traces[0]["x"]
        assert set(months) <= set(periods) and months == sorted(months, key=periods.index), chart_id
        assert all(d is not None and d >= 28 for d in traces[0]["y"]), chart_id
    elif chart.kind is ChartKind.TREND:
        periods = list(table["Period"])
        if WHOLE_PERIOD in periods:
            # A mix chart's table ends with the whole period (disclosure: a mix mostly hidden period
            # by period is drawn over the whole period instead, and its note says so).
            at = periods.index(WHOLE_PERIOD)
            if rendered.note.endswith(MIX_NOTE) or MIX_NOTE in rendered.note:
                assert all(t.get("orientation") == "h" for t in traces), chart_id
                return
            periods = periods[:at]
            values = {label: column[:at] for label, column in values.items()}
        for trace in traces:
            assert trace["x"] == periods, chart_id
            assert trace["y"] in values.values(), (chart_id, trace["name"])
    elif chart.kind is ChartKind.BREAKDOWN and traces[0].get("type") == "table":
        # A board drawn as a table: its cells are the table view's rows, column by column.
        cells = traces[0]["cells"]["values"]
        assert cells == [[escape(str(v)) for v in table[label]] for label in table.columns], chart_id
    elif chart.kind is ChartKind.BREAKDOWN:
        for trace in traces:
            horizontal = trace.get("orientation") == "h"
            categories, drawn = (trace["y"], trace["x"]) if horizontal else (trace["x"], trace["y"])
            assert len(categories) == min(len(table), CHARTED), (chart_id, trace["name"])
            # Every value drawn is one the table shows ('*' drawn at zero, as a labelled gap, is 0).
            assert {v for v in drawn if v is not None} <= shown | {0.0}, (chart_id, trace["name"])
    elif chart.kind is ChartKind.GRID:
        # The cells drawn first are the chart's first measure (a count, or a rate such as liaison's).
        z = traces[0]["z"]
        label = next(f.label for f in chart.fields if f.kind in ("count", "pct"))
        cells = {(day, int(hour)): value for day, hour, value in zip(table["Day"], table["Hour"], table[label])}
        assert len(cells) == len(z) * len(z[0]), chart_id
        for (day, hour), value in cells.items():
            assert z[traces[0]["y"].index(day)][hour] == (None if value == SUPPRESSED else value), chart_id
    elif chart.kind is ChartKind.CURVE:
        # A cumulative curve from day 0: a point per row at its "Up to day", the value its last column
        # (worked out from the shown counts, Chart.derive), a gap where that is '*' or no one is left.
        assert traces[0]["x"] == [0.0] + [float(d) for d in table["Up to day"]], chart_id
        assert traces[0]["y"] == [0.0] + plottable(table[table.columns[-1]]), chart_id
        hidden = [float(d) for d, v in zip(table["Up to day"], table[table.columns[-1]]) if v == SUPPRESSED]
        assert [float(x) for t in marks for x in t["x"]] == hidden, chart_id
    elif chart.kind is ChartKind.FLOW:
        people = [float(v) for v in table["People"] if v != SUPPRESSED]
        assert traces[0]["link"]["value"] == people, chart_id
    else:
        raise AssertionError(f"{chart_id}: no check for the kind {chart.kind}")


def check_message_or_figure(page, filters: Filters) -> None:
    """Check each chart gives a figure, or a message with no traces, never an error.

    A message says there is no activity, or (checked against the table) that every number is suppressed.
    """
    for chart_id in chart_ids(page):
        rendered = render(chart_id, filters)
        figure = rendered.figure
        if rendered.empty:
            assert figure["data"] == [] and figure["layout"]["annotations"][0]["text"], chart_id
        else:
            assert figure["data"] or says_all_suppressed(chart_id, rendered), chart_id
        check_drawn(chart_id, rendered)


def check_no_small_numbers(page, db: Database, views: Iterable[Filters]) -> int:
    """Check no count from 1 to 7, and no rate or median on fewer than 8 records, is shown.

    Compares each chart's table with its raw rows (the chart's own data function). Returns how
    many cells on a small denominator were checked.
    """
    threshold = Policy.from_settings().threshold
    assert threshold == THRESHOLD
    checked = 0
    for filters in views:
        for chart_id in chart_ids(page):
            chart = CHARTS[chart_id]
            rendered = render(chart_id, filters)
            if rendered.empty:
                continue
            raw = chart.data(db, filters).reset_index(drop=True)
            assert len(raw) == len(rendered.table), chart_id
            for field in chart.fields:
                cells = list(rendered.table[field.label])
                if field.kind == "count":
                    assert not any(isinstance(v, (int, float)) and 0 < v < threshold for v in cells), \
                        (chart_id, field.name)
                elif field.kind in ("pct", "measure"):
                    for den, cell in zip(raw[field.den], cells):
                        if 0 < int(den) < threshold:
                            assert cell == SUPPRESSED, (chart_id, field.name, den, cell)
                            checked += 1
    return checked


def check_national_rounding(page, filters: Filters) -> None:
    """Check every count shown under the national rule is '*', empty or a multiple of 5."""
    national = Policy(THRESHOLD, "national")
    for chart_id in chart_ids(page):
        table = render(chart_id, filters, policy=national).table
        for field in CHARTS[chart_id].fields:
            if field.kind == "count":
                assert all(v in (SUPPRESSED, None) or v % 5 == 0 for v in table[field.label]), chart_id


def check_cards(page, db: Database, filters: Filters) -> dict[str, CardValue]:
    """Check the page's cards compute, in order, and each shown value agrees with the metrics."""
    cards = {c.key: c for c in card_values(page.PAGE.cards, filters, db)}
    assert list(cards) == list(page.PAGE.card_keys)
    truth = compute_metrics(db, filters)
    # The detailed view shows the metrics exactly; the protected view shows counts rounded.
    for card in card_values(page.PAGE.cards, filters, db, Policy.detailed_view()):
        if card.value is not None:
            assert card.value == pytest.approx(truth[card.key]), card.key
    protected = Policy.from_settings()
    for key, card in cards.items():
        if card.value not in (SUPPRESSED, None) and METRICS[key].kind == "count":
            assert card.value == protected.count(truth[key]), key
    return cards


def check_queries(names: Iterable[str]) -> None:
    """Check each query documents what it returns, takes only the standard parameters and is one statement."""
    for name in names:
        sql = load_sql(name)
        assert "Returns:" in sql.doc, name
        assert sql.params <= QUERY_PARAMS, name
        assert len(duckdb.extract_statements(sql.sql)) == 1, name
