"""What every export of a view is made from: the page's protected tables, headlines and notes.

The Excel workbook (``excel``), the HTTP API (``api``) and the meeting pack (``pack``) all take a
page's figures from here, and here takes them from the render path the page itself uses
(``charts.render`` for each chart, ``cards.card_values`` for the headlines) under the policy of
the request. So an export holds exactly what the page shows — '*' where suppressed, rounded in
the protected view, exact and marked in the detailed view — and the disclosure walk that proves
the page's tables safe covers every export too. All of one export is read from one data version.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any, Sequence

import pandas as pd

from dashboard.core.disclosure import DETAILED_MARK, Policy, explain
from dashboard.core.filters import Filters
from dashboard.core.metrics import METRICS
from dashboard.core.periods import month_label
from dashboard.core.spc import ASSURANCE_TEXT, VARIATION_TEXT
from dashboard.settings import GRAINS
from dashboard.store.data import data_bounds
from dashboard.store.db import Database, one_version
from dashboard.store.runtime import get_db
from dashboard.web.cards import Card, card_values
from dashboard.web.charts import CHARTS, band_text, render

HEADLINE_COLUMNS = ("Metric", "Value", "Unit", "Previous equal period", "Change", "Variation", "Assurance", "Note")


@dataclass(frozen=True)
class ChartTable:
    """One chart as the page shows it: title, description, note, protected table and figure."""

    chart_id: str
    title: str
    description: str
    note: str
    table: pd.DataFrame
    figure: dict[str, Any]
    empty: bool


@dataclass(frozen=True)
class ViewOutputs:
    """A view's protected figures for export: its headlines, its charts and the notes that go with them."""

    title: str
    filters: Filters
    policy: Policy
    headlines: pd.DataFrame
    charts: tuple[ChartTable, ...]
    notes: tuple[tuple[str, str], ...]

    @property
    def detailed(self) -> bool:
        """Return whether the figures are the detailed view's (exact, to be marked)."""
        return self.policy.detailed

    def note(self, label: str) -> str:
        """Return the text of the note called `label` (empty if there is none)."""
        return next((text for name, text in self.notes if name == label), "")


def chart_table(chart_id: str, filters: Filters, policy: Policy, db: Any) -> ChartTable:
    """Return one chart rendered for the view by the page's own render path (table included)."""
    chart = CHARTS[chart_id]
    rendered = render(chart_id, filters, db=db, policy=policy)
    return ChartTable(chart_id, chart.title, chart.description, rendered.note, rendered.table, rendered.figure,
                      rendered.empty)


def headline_table(cards: Sequence[Card], filters: Filters, policy: Policy, db: Any) -> pd.DataFrame:
    """Return the headlines of `cards` as the cards show them (protected values, MDC icons in words)."""
    rows = []
    for value in card_values(cards, filters, db, policy):
        metric = METRICS[value.key]
        rows.append((value.label, value.value, metric.unit, value.previous, value.change,
                     VARIATION_TEXT.get(value.variation or "", ""), ASSURANCE_TEXT.get(value.assurance or "", ""),
                     value.note))
    # object dtype: a column of counts and gaps must keep its whole numbers and None (not floats and NaN).
    return pd.DataFrame(rows, columns=list(HEADLINE_COLUMNS), dtype=object)


def view_notes(title: str, filters: Filters, policy: Policy, db: Any, produced: datetime | None = None
               ) -> tuple[tuple[str, str], ...]:
    """Return the notes every export carries: what it is, the filters, the data period, the rule, when made."""
    bounds = data_bounds(db)
    produced = produced or datetime.now(timezone.utc)
    notes: list[tuple[str, str]] = []
    if policy.detailed:
        notes.append(("Marking", DETAILED_MARK))
    notes += [
        ("Report", title),
        ("Age band", band_text(filters).capitalize()),
        ("Period", f"{filters.period.label()} ({month_label(filters.period.start)} to "
                   f"{month_label(filters.period.end)})"),
        ("Trend by", GRAINS[filters.grain]),
        ("View in the app", filters.query_string()),
        ("Data available", f"{bounds[0]:%B %Y} to {bounds[1]:%B %Y}" if bounds else "no data loaded"),
        ("Disclosure", explain(policy)),
        ("Produced on", f"{produced:%d %B %Y %H:%M} UTC"),
    ]
    return tuple(notes)


def view_outputs(title: str, chart_ids: Sequence[str], cards: Sequence[Card], filters: Filters,
                 policy: Policy | None = None, db: Database | None = None,
                 produced: datetime | None = None) -> ViewOutputs:
    """Return the protected headlines and charts of a view, read from one data version, with their notes."""
    policy = policy or Policy.from_settings()
    snap = one_version(db or get_db())
    return ViewOutputs(
        title=title, filters=filters, policy=policy,
        headlines=headline_table(cards, filters, policy, snap),
        charts=tuple(chart_table(chart_id, filters, policy, snap) for chart_id in chart_ids),
        notes=view_notes(title, filters, policy, snap, produced),
    )


def page_outputs(page_id: str, filters: Filters, policy: Policy | None = None, db: Database | None = None,
                 produced: datetime | None = None) -> ViewOutputs:
    """Return a page's exports for the view: its cards' headlines and every chart it lays out."""
    from dashboard.web.components import PAGES

    page = PAGES[page_id]
    return view_outputs(page.title, page_chart_ids(page_id), page.cards, filters, policy, db, produced)


def page_chart_ids(page_id: str) -> tuple[str, ...]:
    """Return the ids of a page's charts in the order the page lays them out."""
    from dashboard.web.components import PAGES

    return tuple(chart_id for row in PAGES[page_id].rows for chart_id, _ in row)


def file_stem(name: str, filters: Filters, policy: Policy) -> str:
    """Return a download's file name without its extension: what, period, band; '_DETAILED' when detailed."""
    stem = f"{name}_{month_label(filters.period.start)}_{month_label(filters.period.end)}_{filters.age_band}"
    return stem + ("_DETAILED" if policy.detailed else "")


def plain_value(value: Any) -> Any:
    """Return a shown cell as a plain value for a file or an answer: numbers, text ('*' too), None, ISO dates.

    numpy numbers become Python numbers, a missing value None, a date (or a timestamp at midnight, as
    trend buckets are) 'YYYY-MM-DD', any other timestamp ISO text.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # a numpy scalar from a frame
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) and value.tzinfo is None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def pressed_page(n_clicks: Any) -> str | None:
    """Return the page whose export button was pressed in this callback (None: no press, or a page not made here).

    The pressed button's id names the page; a request naming no page the server declared (forged)
    gets nothing.
    """
    from dash import ctx

    from dashboard.web.components import PAGES

    triggered = ctx.triggered_id
    if not n_clicks or not isinstance(triggered, dict) or triggered.get("page") not in PAGES:
        return None
    return triggered["page"]
