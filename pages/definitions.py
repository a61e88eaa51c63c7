"""Definitions (/definitions): what each metric means, how good the loaded data are, and what they cannot say.

Not a dashboard page (no cards, no trends): a reference the filters do not change. Its one table
of counts, the data quality of the loaded extracts, is a registered chart drawn through the render
path under the request's policy, so its counts are protected like any other and the disclosure walk
covers it. The metric definitions are text from ``dashboard.core.definitions``.
"""
from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import html

from dashboard.core.definitions import CAVEATS, metric_definitions
from dashboard.core.disclosure import Field, explain
from dashboard.core.filters import Filters
from dashboard.store.data import data_bounds
from dashboard.store.quality import QUALITY_QUERY, data_quality, loaded_at
from dashboard.store.runtime import get_db
from dashboard.web import figures
from dashboard.web.charts import Chart, ChartKind, register, render
from dashboard.web.components import (APP_TITLE, detailed_banner, filters_changed_in_place, filters_from_store,
                                      table_component)
from dashboard.web.figures import Drawn

PATH = "/definitions"
TITLE = "Definitions and data quality"
QUALITY_FIELDS = (
    Field("extract", "Extract"), Field("field", "Field"),
    Field("records", "Records", "count"), Field("not_recorded", "Empty", "count"),
    Field("empty_pct", "Empty %", "pct", num="not_recorded", den="records", unit="%"),
    Field("meaning", "What an empty field means"), Field("first_month", "First month"),
    Field("last_month", "Last month"),
)


def quality_rows(db: Any, filters: Filters) -> pd.DataFrame:
    """Return the data quality rows of the loaded extracts (the whole extracts: the view does not apply)."""
    return data_quality(db)


def quality_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return the data quality table as drawn (every column as the table view shows it)."""
    return Drawn(figures.table_figure([f.label for f in QUALITY_FIELDS],
                                      [list(shown[f.name]) for f in QUALITY_FIELDS]),
                 "Every field the data contract lets be empty, in the whole of each extract as loaded. "
                 "An empty field is not always missing data: the last column says what it means.")


QUALITY = Chart(
    id="def-quality", kind=ChartKind.BREAKDOWN, title="Data quality of the loaded extracts", data=quality_rows,
    queries=(QUALITY_QUERY,), fields=QUALITY_FIELDS, figure=quality_figure,
    description="Empty (not recorded) fields, and the months each extract spans",
    activity="records", empty_text="No extracts loaded.",
)
register(QUALITY)


def definitions_content(policy: Any, db: Any = None) -> list[Any]:
    """Return the page's sections: metric definitions, data quality (protected), what the figures cannot tell."""
    db = db or get_db()
    bounds = data_bounds(db)
    filters = filters_from_store(None)
    quality = render(QUALITY.id, filters, db=db, policy=policy)
    loaded = loaded_at(db)
    return [
        html.H2("Metrics", className="section-title"),
        html.P("Each metric as the data contract defines it. Durations are end minus start; 'within N hours' "
               "means N × 60 minutes or less."),
        table_component(metric_definitions()),
        html.H2(QUALITY.title, className="section-title"),
        html.P([
            f"Data available {bounds[0]:%B %Y} to {bounds[1]:%B %Y}. " if bounds else "No data loaded. ",
            f"Loaded {loaded:%d %B %Y %H:%M} UTC. " if loaded else "",
            quality.note,
        ]),
        table_component(quality.table),
        html.H2("What the figures cannot tell you", className="section-title"),
        html.Ul([html.Li(text) for text in CAVEATS], className="definitions-caveats"),
    ]


def layout(**query: Any) -> Any:
    """Return the definitions page (the same for every view; its counts under the request's policy)."""
    if filters_changed_in_place():
        return dash.no_update
    from dashboard.web.security import request_policy

    policy = request_policy()
    return html.Div([
        detailed_banner(policy),
        html.Div([
            html.H1(TITLE, className="page-title"),
            html.P("What each figure in this dashboard means, how complete the loaded extracts are, and what the "
                   "figures cannot tell you. For everyone who reads the figures.", className="page-intro"),
        ], className="page-head"),
        *definitions_content(policy),
        html.P(explain(policy), className="suppression-note"),
    ], className="page definitions-page" + (" page-detailed" if policy.detailed else ""))


dash.register_page(__name__, path=PATH, name="Definitions", title=f"{TITLE} · {APP_TITLE}", order=95,
                   layout=layout, description="Metric definitions, data quality and limits of the figures")
