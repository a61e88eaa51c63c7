"""Checks every page test makes: the page is published, each chart draws, a narrow view gives a
figure or a plain message, no small number leaves the server, and the cards compute.

Each check asserts the stricter of the forms the page tests used to copy, and returns what it
looked at, so a test can add its page's own assertions.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import duckdb
import pandas as pd
import pytest

from dashboard.web.breakdowns import ALL_SUPPRESSED
from dashboard.web.cards import CardValue, card_values
from dashboard.web.charts import CHARTS, Rendered, render
from dashboard.store.db import Database, load_sql
from dashboard.core.disclosure import SUPPRESSED, Policy
from dashboard.core.filters import Filters
from dashboard.core.metrics import METRICS, compute_metrics

THRESHOLD = 8  # the default suppression threshold the tests run under
QUERY_PARAMS = {"period_start", "period_end", "age_min", "age_max", "grain"}


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
    values = [f.label for f in CHARTS[chart_id].fields if f.kind in ("count", "pct", "measure")]
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
        out.append(rendered)
    return out


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
