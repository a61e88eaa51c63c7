"""The HTTP API for Power BI, Power Query and R: every chart's table and the headlines, as JSON or CSV.

``install(server)`` adds read-only routes under ``/api/v1`` to the app's Flask server, so they sit
behind the same authentication (``security``: basic or the sign-on header, with its throttling of
failed sign-ins), the same no-store and security headers (``hardening``) and the same pinned data
version per request as the pages. The view is given in the query string with the page URLs' own
names (``age_band``, ``start``, ``end``, ``grain``) plus ``format`` (``json``, the default, or
``csv``). Where a page quietly falls back to defaults for a bad value, the API answers 400 with a
JSON message saying what was wrong and what is allowed: a refresh that silently changed the view
would be worse than one that fails.

Every figure comes from ``outputs`` (the page's own render path and cards) under the request's
policy: '*' where suppressed and rounded in the protected view; exact and marked in the detailed
view (a ``marking`` field in JSON, the first line of a CSV, and an ``X-Figures-View`` header).

Routes: ``/api/v1`` (an index of pages, charts and metrics with their definitions),
``/api/v1/charts/<chart>``, ``/api/v1/headlines`` (every metric, or ``page=<page>``'s cards) and
``/api/v1/pages/<page>`` (a page's headlines and charts, JSON only).
"""
from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, Mapping

import pandas as pd
from flask import Flask, Response, request

from dashboard.core.definitions import DEFINITIONS, KINDS
from dashboard.core.disclosure import DETAILED_MARK, Policy, explain
from dashboard.core.filters import Filters, parse_filters
from dashboard.core.metrics import METRICS
from dashboard.core.periods import month_label
from dashboard.settings import AGE_BANDS, GRAINS
from dashboard.store.data import data_bounds
from dashboard.store.db import one_version
from dashboard.store.runtime import get_db
from dashboard.web.cards import Card
from dashboard.web.charts import CHARTS, band_text
from dashboard.web.exports import as_shown, safe_csv
from dashboard.web.outputs import ChartTable, chart_table, file_stem, headline_table, page_chart_ids, plain_value

PREFIX = "/api/v1"
VIEW_PARAMETERS = ("age_band", "start", "end", "grain")
FORMATS = ("json", "csv")
MAX_PARAMETER_LENGTH = 40


class BadView(ValueError):
    """A query string that does not name a view: the problems, each one line, for the 400 answer."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _json(body: Mapping[str, Any], status: int = 200, policy: Policy | None = None) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False, default=plain_value), status,
                        mimetype="application/json")
    if policy is not None:
        response.headers["X-Figures-View"] = policy.view
    return response


def _error(status: int, message: str, **more: Any) -> Response:
    return _json({"error": message, **more}, status)


def allowed_values(bounds: tuple[date, date] | None) -> dict[str, Any]:
    """Return what each view parameter may be, for the index and for every 400 answer."""
    months = f"YYYY-MM from {month_label(bounds[0])} to {month_label(bounds[1])}" if bounds else "YYYY-MM"
    return {"age_band": list(AGE_BANDS), "start": months, "end": months, "grain": list(GRAINS),
            "format": list(FORMATS)}


def parse_view(args: Mapping[str, list[str]], bounds: tuple[date, date] | None,
               extra: tuple[str, ...] = ()) -> tuple[Filters, str]:
    """Return (filters, format) from a query string given as {name: [values]}; BadView listing every problem.

    Missing parameters take the pages' defaults (the last 12 months of data, all ages, by month);
    anything else a page would correct with a notice is refused here.
    """
    if bounds is None:
        raise BadView(["No data is loaded."])
    problems = []
    for name, values in args.items():
        if name not in (*VIEW_PARAMETERS, "format", *extra):
            problems.append(f"Unknown parameter '{name[:MAX_PARAMETER_LENGTH]}': use "
                            f"{', '.join((*VIEW_PARAMETERS, 'format', *extra))}.")
        elif len(values) != 1:
            problems.append(f"Parameter '{name}' is given {len(values)} times: give it once.")
        elif len(values[0]) > MAX_PARAMETER_LENGTH:
            problems.append(f"Parameter '{name}' is too long.")
    one = {name: values[0] for name, values in args.items() if values}
    fmt = one.get("format", "json")
    if fmt not in FORMATS:
        problems.append(f"Format '{fmt[:MAX_PARAMETER_LENGTH]}' is not one of {', '.join(FORMATS)}.")
    view = {name: one[name] for name in VIEW_PARAMETERS if name in one}
    parsed = parse_filters(view, *bounds)
    # A page's notice says what it shows instead; the API shows nothing instead, so only the problem is kept.
    problems.extend(re.sub(r": (showing|using|the period was cut)[^:]*$", ".", notice) for notice in parsed.notices)
    if problems:
        raise BadView(problems)
    return parsed.filters, fmt


def _view_body(filters: Filters, policy: Policy, bounds: tuple[date, date] | None) -> dict[str, Any]:
    return {
        "view": {"age_band": filters.age_band, "start": month_label(filters.period.start),
                 "end": month_label(filters.period.end), "grain": filters.grain},
        "view_text": f"{filters.period.label()}, {band_text(filters)}, by {GRAINS[filters.grain].lower()}",
        "data_available": {"first": month_label(bounds[0]), "last": month_label(bounds[1])} if bounds else None,
        "detailed": policy.detailed,
        "marking": DETAILED_MARK if policy.detailed else None,
        "disclosure": explain(policy),
    }


def _rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    columns = list(table.columns)
    return [{c: plain_value(v) for c, v in zip(columns, row)} for row in table.itertuples(index=False)]


def _table_json(chart: ChartTable) -> dict[str, Any]:
    return {"id": chart.chart_id, "title": chart.title, "description": chart.description, "note": chart.note,
            "columns": [str(c) for c in chart.table.columns], "rows": _rows(chart.table)}


def _headlines(cards: tuple[Card, ...], filters: Filters, policy: Policy, snap: Any) -> pd.DataFrame:
    """Return the cards' headlines with each metric's key beside its label (for joining in Power BI or R)."""
    table = headline_table(cards, filters, policy, snap)
    table.insert(1, "Key", [card.metric for card in cards])
    return table


def _csv(table: pd.DataFrame, policy: Policy, name: str) -> Response:
    """Return a table as the CSV download gives it: numbers as shown, neutralised cells, the marking first when detailed."""
    text = safe_csv(as_shown(table))
    if policy.detailed:
        text = f"{DETAILED_MARK}\n{text}"
    response = Response(text, 200, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'inline; filename="{name}.csv"'
    response.headers["X-Figures-View"] = policy.view
    return response


def _request_view(extra: tuple[str, ...] = ()) -> tuple[Filters, str, Policy, Any, tuple[date, date] | None]:
    from dashboard.web.security import request_policy

    snap = one_version(get_db())
    bounds = data_bounds(snap)
    filters, fmt = parse_view(request.args.to_dict(flat=False), bounds, extra)
    return filters, fmt, request_policy(), snap, bounds


def _bad_view(problem: BadView) -> Response:
    return _error(400, "Bad view: " + " ".join(problem.problems), problems=problem.problems,
                  allowed=allowed_values(data_bounds(get_db())))


def index() -> Response:
    """Return the API's index: its routes and parameters, the pages and charts, the metrics defined."""
    from dashboard.web.components import PAGES
    from dashboard.web.security import request_policy

    bounds = data_bounds(get_db())
    policy = request_policy()
    return _json({
        "routes": {"charts": f"{PREFIX}/charts/<chart>", "headlines": f"{PREFIX}/headlines",
                   "page": f"{PREFIX}/pages/<page>"},
        "parameters": allowed_values(bounds),
        "defaults": "the last 12 months of data, all ages, by month, JSON",
        "detailed": policy.detailed, "marking": DETAILED_MARK if policy.detailed else None,
        "disclosure": explain(policy),
        "pages": [{"id": p.id, "title": p.title, "path": p.path,
                   "charts": [{"id": c, "title": CHARTS[c].title, "url": f"{PREFIX}/charts/{c}"}
                              for c in page_chart_ids(p.id)]} for p in PAGES.values()],
        "other_charts": [{"id": c.id, "title": c.title, "url": f"{PREFIX}/charts/{c.id}"} for c in CHARTS.values()
                         if not any(c.id in page_chart_ids(p) for p in PAGES)],
        "metrics": [{"key": k, "label": m.label, "kind": KINDS[m.kind], "unit": m.unit,
                     "definition": DEFINITIONS.get(k, "")} for k, m in METRICS.items()],
    }, policy=policy)


def chart(chart_id: str) -> Response:
    """Return one chart's table for the view in the query string, as its table view and CSV show it."""
    if chart_id not in CHARTS:
        return _error(404, f"No chart '{chart_id[:MAX_PARAMETER_LENGTH]}': see {PREFIX} for the charts.")
    try:
        filters, fmt, policy, snap, bounds = _request_view()
    except BadView as problem:
        return _bad_view(problem)
    shown = chart_table(chart_id, filters, policy, snap)
    if fmt == "csv":
        return _csv(shown.table, policy, file_stem(chart_id, filters, policy))
    return _json({**_view_body(filters, policy, bounds), "chart": _table_json(shown)}, policy=policy)


def headlines() -> Response:
    """Return the headline metrics for the view: every contract metric, or one page's cards (``page=``)."""
    from dashboard.web.components import PAGES

    page_id = request.args.get("page")
    if page_id is not None and page_id not in PAGES:
        return _error(404, f"No page '{page_id[:MAX_PARAMETER_LENGTH]}': one of {', '.join(PAGES)}.")
    try:
        filters, fmt, policy, snap, bounds = _request_view(extra=("page",))
    except BadView as problem:
        return _bad_view(problem)
    cards = PAGES[page_id].cards if page_id else tuple(Card(metric=key) for key in METRICS)
    table = _headlines(cards, filters, policy, snap)
    if fmt == "csv":
        return _csv(table, policy, file_stem(f"headlines_{page_id}" if page_id else "headlines", filters, policy))
    return _json({**_view_body(filters, policy, bounds), "page": page_id,
                  "columns": list(table.columns), "rows": _rows(table)}, policy=policy)


def page(page_id: str) -> Response:
    """Return a page's headlines and every chart's table for the view (JSON)."""
    from dashboard.web.components import PAGES

    if page_id not in PAGES:
        return _error(404, f"No page '{page_id[:MAX_PARAMETER_LENGTH]}': one of {', '.join(PAGES)}.")
    try:
        filters, fmt, policy, snap, bounds = _request_view()
    except BadView as problem:
        return _bad_view(problem)
    if fmt != "json":
        return _error(400, "Bad view: a page is given as JSON only; ask each chart for CSV.",
                      problems=["format=csv is for charts and headlines"], allowed=allowed_values(bounds))
    table = _headlines(PAGES[page_id].cards, filters, policy, snap)
    charts = [_table_json(chart_table(c, filters, policy, snap)) for c in page_chart_ids(page_id)]
    return _json({**_view_body(filters, policy, bounds), "page": {"id": page_id, "title": PAGES[page_id].title},
                  "headlines": {"columns": list(table.columns), "rows": _rows(table)}, "charts": charts},
                 policy=policy)


def install(server: Flask) -> None:
    """Add the API's routes (GET only) to the app's server, behind everything installed in front of it."""
    server.add_url_rule(PREFIX, "api_index", index, methods=["GET"])
    server.add_url_rule(f"{PREFIX}/", "api_index_slash", index, methods=["GET"])
    server.add_url_rule(f"{PREFIX}/charts/<chart_id>", "api_chart", chart, methods=["GET"])
    server.add_url_rule(f"{PREFIX}/headlines", "api_headlines", headlines, methods=["GET"])
    server.add_url_rule(f"{PREFIX}/pages/<page_id>", "api_page", page, methods=["GET"])
