"""The app's few, generic callbacks: filters <-> URL, charts, tables, downloads, cards.

Each callback body reads the filters, calls a data function and hands the rows
to a figure or component function; the work lives in functions that tests call
directly (``charts.render``, ``cards.render_cards``, ``sync_filters``).
"""
from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlencode

from dash import ALL, MATCH, Input, Output, State, callback, clientside_callback, ctx, dcc, no_update, set_props

from dashboard.web.cards import render_cards
from dashboard.web.charts import CHARTS, download_name, render, to_csv
from dashboard.web.security import request_policy
from dashboard.web.components import (PAGES, describe, filters_from_store, filters_to_store, notice_alerts,
                                   period_presets, table_component, view_search)
from dashboard.store.data import data_bounds, data_sites
from dashboard.core.filters import Filters, parse_filters
from dashboard.core.periods import Period, month_label
from dashboard.store.runtime import get_db


def url_query(search: str | None) -> dict[str, str]:
    """Return a URL query string as {name: first value} (what parse_filters reads)."""
    return {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items()}


def sync_filters(trigger: str | None, search: str | None, age_band: Any, preset: Any, start: Any, end: Any,
                 grain: Any) -> tuple[Any, Any, Any, Any, Any, Any]:
    """Return (age_band, preset, start, end, grain, search) after the URL or a control changed.

    The URL is the single source of truth: a pasted link sets the controls; a
    control sets the URL (the page then redraws from it).
    """
    bounds = data_bounds(get_db())
    if bounds is None:
        return (no_update,) * 6
    first, last = bounds
    if trigger in (None, "url"):
        filters = parse_filters(url_query(search), first, last).filters
        start_m, end_m = month_label(filters.period.start), month_label(filters.period.end)
        return filters.age_band, preset_of(filters.period, first, last), start_m, end_m, filters.grain, no_update
    if trigger == "filter-preset" and isinstance(preset, str) and preset.count("|") == 1:
        start, end = preset.split("|")
    # The site view's choice lives in the URL alone (its control is the urgent care page's): keep it.
    parsed = parse_filters({"age_band": age_band, "start": start, "end": end, "grain": grain,
                            "site": url_query(search).get("site")}, first, last, data_sites(get_db()))
    filters: Filters = parsed.filters
    start_m, end_m = month_label(filters.period.start), month_label(filters.period.end)
    new_search = view_search(filters.query_string(), url_query(search))  # a page's own choice stays
    return (filters.age_band, preset_of(filters.period, first, last), start_m, end_m, filters.grain,
            no_update if new_search == search else new_search)


def preset_of(period: Period, first: date, last: date) -> str:
    """Return the Period control's value for a period: its preset, or 'custom' for any other range."""
    value = f"{month_label(period.start)}|{month_label(period.end)}"
    return value if any(o["value"] == value for o in period_presets(first, last)) else "custom"


def clean_selection(selection: Any, chart_id: str | None = None) -> dict[str, Any]:
    """Return a drill-down selection from the browser as whole numbers only (anything else: none).

    A chart whose selection is its page's own choice checks it itself (``Chart.selection_check``).
    """
    chart = CHARTS.get(chart_id) if chart_id else None
    if chart is not None and chart.selection_check is not None:
        return chart.selection_check(selection)
    if not isinstance(selection, dict):
        return {}
    clean = {}
    for key in ("hour", "weekday"):
        value = selection.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and -1 <= value <= 23:
            clean[key] = value
    return clean


def order_period(trigger: str | None, start: Any, end: Any) -> tuple[Any, Any, str]:
    """Return (start, end, message) after the user chose From or To: a period that ends before it starts is mended.

    The month just chosen is kept and the other moves to it (a one-month period), and the
    message says so: resetting to the default period, as a link with such a period does,
    threw the choice away without a word.
    """
    if trigger not in ("filter-start", "filter-end") or not (_month(start) and _month(end)) or end >= start:
        return start, end, ""
    if trigger == "filter-end":
        return end, end, (f"To ({_month(end)}) was before From ({_month(start)}): "
                          f"From moved to {_month(end)}, so the period is that one month.")
    return start, start, (f"From ({_month(start)}) was after To ({_month(end)}): "
                          f"To moved to {_month(start)}, so the period is that one month.")


def _month(value: Any) -> str | None:
    """Return a 'YYYY-MM' control value as 'Jun 2024' (None if it is not one)."""
    try:
        if isinstance(value, str) and len(value) == 7:
            return date.fromisoformat(f"{value}-01").strftime("%b %Y")
        return None
    except ValueError:
        return None


@callback(
    Output("filter-age-band", "value"), Output("filter-preset", "value"), Output("filter-start", "value"),
    Output("filter-end", "value"), Output("filter-grain", "value"), Output("url", "search"),
    Input("url", "search"), Input("filter-age-band", "value"), Input("filter-preset", "value"),
    Input("filter-start", "value"), Input("filter-end", "value"), Input("filter-grain", "value"),
)
def on_filter_change(search, age_band, preset, start, end, grain):
    """Keep the filter controls and the URL's query string in step (and say when a period was mended)."""
    start, end, message = order_period(ctx.triggered_id, start, end)
    if ctx.triggered_id not in (None, "url"):  # a control changed: say what was mended, or clear the last word
        set_props("filter-message", {"children": message})
    return sync_filters(ctx.triggered_id, search, age_band, preset, start, end, grain)


def filters_view(search: str | None) -> tuple[dict[str, str], str, list[Any]] | None:
    """Return (page-filters store, filters in words, notices) for a URL query string; None without data."""
    bounds = data_bounds(get_db())
    if bounds is None:
        return None
    parsed = parse_filters(url_query(search), *bounds, data_sites(get_db()))
    return filters_to_store(parsed.filters), describe(parsed.filters), notice_alerts(parsed.notices)


@callback(
    Output("page-filters", "data"), Output("page-context", "children"), Output("print-filters", "children"),
    Output("page-notices", "children"),
    Input("url", "search"), State("page-filters", "data"),
    prevent_initial_call=True,
)
def redraw_in_place(search, current):
    """Give the page the URL's filters when only the query string changed (the page is not rebuilt)."""
    view = filters_view(search)
    if view is None:
        return (no_update,) * 4
    store, words, notices = view
    # A link's notices stay (dismissable) when the app then rewrites its query string to the view shown.
    return (no_update if store == current else store), words, words, notices or no_update


@callback(Output({"type": "nav-link", "path": ALL}, "href"), Input("url", "search"),
          State({"type": "nav-link", "path": ALL}, "id"))
def carry_filters_in_nav(search, ids):
    """Give every page link the current query string, so the view carries across pages."""
    return [f"{i['path']}{search or ''}" for i in ids]


def rendered_for(chart_id: str, filters_data: Any, selection: Any, table: bool = True):
    """Return a chart rendered for the page's filters store and drill-down selection, both as the browser sent them.

    Under the request's policy (protected, or detailed for a user the operator named), resolved on
    the server: nothing the browser sends chooses it. `table` False: the table view is closed, so
    only the figure and note are needed.
    """
    return render(chart_id, filters_from_store(filters_data), policy=request_policy(),
                  selection=clean_selection(selection, chart_id), table=table)


def table_shown(n_clicks: Any) -> bool:
    """Return whether a chart's table view is open (its toggle was pressed an odd number of times)."""
    return isinstance(n_clicks, int) and n_clicks % 2 == 1


@callback(
    Output({"type": "chart-graph", "chart": MATCH}, "figure"),
    Output({"type": "chart-table", "chart": MATCH}, "children"),
    Output({"type": "chart-note", "chart": MATCH}, "children"),
    Input("page-filters", "data"), Input({"type": "chart-selection", "chart": MATCH}, "data"),
    State({"type": "chart-graph", "chart": MATCH}, "id"), State({"type": "chart-toggle", "chart": MATCH}, "n_clicks"),
)
def draw_chart(filters_data, selection, graph_id, toggled=0):
    """Draw one chart (figure and SPC reading) for the page's filters, and its table if it is open.

    A table is as many components as cells: drawing every chart's table on every filter
    change cost seconds in the browser for tables nobody had opened, so a closed table is
    left empty and drawn by ``draw_table`` when it is opened.
    """
    shown = table_shown(toggled)
    rendered = rendered_for(graph_id["chart"], filters_data, selection, table=shown)
    # A closed table is emptied (no rows sent), so reopening it never flashes an earlier view's rows.
    table = table_component(rendered.table, CHARTS[graph_id["chart"]].title) if shown else []
    return rendered.figure, table, rendered.note


@callback(
    Output({"type": "chart-table", "chart": MATCH}, "children", allow_duplicate=True),
    Input({"type": "chart-toggle", "chart": MATCH}, "n_clicks"),
    State("page-filters", "data"), State({"type": "chart-selection", "chart": MATCH}, "data"),
    State({"type": "chart-toggle", "chart": MATCH}, "id"),
    prevent_initial_call=True,
)
def draw_table(toggled, filters_data, selection, toggle_id):
    """Draw a chart's table view when it is opened (for the filters and selection of the moment)."""
    if not table_shown(toggled):
        return no_update
    chart_id = toggle_id["chart"]
    return table_component(rendered_for(chart_id, filters_data, selection).table, CHARTS[chart_id].title)


@callback(
    Output({"type": "chart-download", "chart": MATCH}, "data"),
    Input({"type": "chart-download-button", "chart": MATCH}, "n_clicks"),
    State("page-filters", "data"), State({"type": "chart-selection", "chart": MATCH}, "data"),
    prevent_initial_call=True,
)
def download_chart(n_clicks, filters_data, selection):
    """Send the chart's table as CSV, exactly as shown ('*' where suppressed; marked in the detailed view)."""
    # The pressed button names the chart; a request naming no button (forged) gets nothing.
    if not n_clicks or not isinstance(ctx.triggered_id, dict) or ctx.triggered_id.get("chart") not in CHARTS:
        return no_update
    chart_id = ctx.triggered_id["chart"]
    filters = filters_from_store(filters_data)
    policy = request_policy()
    name = download_name(chart_id, filters, policy) + ".csv"
    rendered = render(chart_id, filters, policy=policy, selection=clean_selection(selection, chart_id))
    return dcc.send_string(to_csv(rendered, policy), name)


@callback(Output({"type": "cards", "page": MATCH}, "children"), Input("page-filters", "data"),
          State({"type": "cards", "page": MATCH}, "id"))
def draw_cards(filters_data, cards_id):
    """Draw the page's headline cards for its filters (one site's on a page with a site view)."""
    page = PAGES[cards_id["page"]]
    filters = filters_from_store(filters_data)
    return render_cards(page.cards, filters if page.site_view else filters.all_sites(), policy=request_policy())


CELL = "cell"  # the URL parameter of a drill-down's heatmap cell: "<weekday 1-7>-<hour 0-23>"


def with_param(search: str | None, name: str, value: Any) -> str:
    """Return the URL query string with `name` set to `value` ('' or None: removed), the rest kept in order."""
    args = url_query(search)
    args.pop(name, None)
    if isinstance(value, str) and value:
        args[name] = value
    return "?" + urlencode(args)


def with_site(search: str | None, site: Any) -> str:
    """Return the URL query string with the site view's choice in it ('' or None: every site)."""
    return with_param(search, "site", site)


def cell_of(search: str | None) -> dict[str, int] | None:
    """Return the drill-down cell a URL names ({'weekday', 'hour'}), or None (none, or not a cell)."""
    text = url_query(search).get(CELL, "")
    day, _, hour = text.partition("-")
    if not (day.isdigit() and hour.isdigit()):
        return None
    cell = {"weekday": int(day), "hour": int(hour)}
    return cell if 1 <= cell["weekday"] <= 7 and 0 <= cell["hour"] <= 23 else None


@callback(Output("url", "search", allow_duplicate=True), Input("filter-site", "value"), State("url", "search"),
          prevent_initial_call=True)
def on_site_change(site, search):
    """Put the chosen emergency department in the URL (the page then redraws from it, as for any filter)."""
    new = with_site(search, site)
    return no_update if new == (search or "?") else new


clientside_callback(
    """
    function(n) {
        const table = (n || 0) % 2 === 1;
        return [table, !table, table ? 'Chart' : 'Table', table ? 'true' : 'false'];
    }
    """,
    Output({"type": "chart-graph-wrap", "chart": MATCH}, "hidden"),
    Output({"type": "chart-table", "chart": MATCH}, "hidden"),
    Output({"type": "chart-toggle", "chart": MATCH}, "children"),
    Output({"type": "chart-toggle", "chart": MATCH}, "aria-pressed"),
    Input({"type": "chart-toggle", "chart": MATCH}, "n_clicks"),
)

clientside_callback(
    "function(n) { if (n) { window.print(); } return window.dash_clientside.no_update; }",
    Output("print-page", "title"), Input("print-page", "n_clicks"), prevent_initial_call=True,
)

clientside_callback(
    """
    function(n) {
        // Copy the exact view's address; fall back where the Clipboard API is unavailable (plain http).
        const url = window.location.href;
        const fallback = () => {
            const area = document.createElement('textarea');
            area.value = url; document.body.appendChild(area); area.select();
            try { document.execCommand('copy'); } finally { area.remove(); }
        };
        if (navigator.clipboard && window.isSecureContext) {
            navigator.clipboard.writeText(url).catch(fallback);
        } else {
            fallback();
        }
        // Back to 'Copy link' after a moment, so the button is ready for the next view's link.
        clearTimeout(window.mhflowCopyReset);
        window.mhflowCopyReset = setTimeout(
            () => window.dash_clientside.set_props('copy-link', {children: 'Copy link'}), 2500);
        return 'Link copied';
    }
    """,
    Output("copy-link", "children"), Input("copy-link", "n_clicks"), prevent_initial_call=True,
)
