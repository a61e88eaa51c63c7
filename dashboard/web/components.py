"""Layout pieces every page shares: header, filter bar, page frame, cards, chart cards, footer.

Pages look alike because they are built from these, not because code is copied.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping, Sequence
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.web import figures
from dashboard.web.exports import SHOWN_DECIMALS
from dashboard.web.cards import Card
from dashboard.web.charts import CHARTS, Chart, view_text
from dashboard.store.data import data_bounds, data_sites
from dashboard.core.disclosure import DETAILED_MARK, Policy, explain
from dashboard.core.filters import Filters, parse_filters
from dashboard.core.periods import (Period, add_months, financial_year_start, financial_years, last_12_months,
                               month_label)
from dashboard.store.runtime import get_db
from dashboard.settings import AGE_BANDS, GRAINS

APP_TITLE = "Mental health flow"


@dataclass(frozen=True, kw_only=True)
class Page:
    """A page declared as data: its cards (declarations) and rows of charts (ids, widths)."""

    id: str
    path: str
    title: str
    intro: str
    cards: tuple[Card, ...]
    rows: tuple[tuple[tuple[str, int], ...], ...]
    audience: str = ""
    extra: Any = None  # page-specific components placed after the cards
    # A page with a site view (urgent care): one emergency department for the whole page, chosen
    # in a control above the cards and carried in the URL (?site=...); other pages read every site.
    site_view: bool = False
    # URL parameters of the page's own choice (beyond the shared filters), kept in the URL when a
    # shared filter changes: e.g. the Journeys page's index event. Checked by the page's own callback.
    params: tuple[str, ...] = ()

    @property
    def card_keys(self) -> tuple[str, ...]:
        """Return the keys of the page's cards (their metrics), in order."""
        return tuple(card.key for card in self.cards)


PAGES: dict[str, Page] = {}
PAGE_PARAMS: dict[str, None] = {}  # every page's own URL parameters, in the order a URL lists them


def publish(page: Page, module: str, nav: str, order: int) -> Page:
    """Register a declared page with Dash (path, title, layout) and with the card callback."""
    import dash

    def layout(**query: Any) -> Any:
        if filters_changed_in_place():
            return dash.no_update  # callbacks.redraw_in_place updates the page's filters
        return page_frame(page, query)

    layout.__doc__ = f"Return the {page.title} page for the URL's query string."
    PAGES[page.id] = page
    PAGE_PARAMS.update(dict.fromkeys(page.params))
    dash.register_page(module, path=page.path, name=nav, title=f"{page.title} · {APP_TITLE}", order=order,
                       layout=layout, description=page.intro)
    return page


def filters_changed_in_place() -> bool:
    """Return whether the pages router runs because only the URL's query string changed.

    The filters live in the query string, so every filter change used to rebuild the
    whole page: every chart was destroyed, recreated and drawn from scratch in the
    browser. When only the query string changes (a filter, or back/forward between
    two views of the page), the page stays and its filters store is updated instead,
    so each chart is redrawn in place. A new page or a first load is laid out afresh.
    """
    from dash import ctx

    try:
        changed = set(ctx.triggered_prop_ids)
    except Exception:  # noqa: BLE001 - called outside a callback (e.g. Dash's validation layout)
        return False
    return changed == {"_pages_location.search"}


# --- shell ---------------------------------------------------------------------------------

def nav_links(pages: Sequence[Mapping[str, Any]]) -> dbc.Nav:
    """Return the page navigation (hrefs get the current query string by callback)."""
    return dbc.Nav(
        [dbc.NavItem(dbc.NavLink(p["name"], href=p["path"], id={"type": "nav-link", "path": p["path"]},
                                 active="exact", class_name="nav-page-link"))
         for p in pages],
        class_name="app-nav", pills=True, navbar=True,
    )


def header(pages: Sequence[Mapping[str, Any]]) -> html.Header:
    """Return the NHS-blue header with the app title and page navigation."""
    return html.Header([
        html.Div([
            html.A(APP_TITLE, href="/", className="app-title"),
            html.Span("Crisis to recovery: whole-system mental health flow", className="app-subtitle"),
        ], className="app-brand"),
        nav_links(pages),
    ], className="app-header no-print")


def period_presets(first: date, last: date) -> list[dict[str, str]]:
    """Return the period preset options: last 12 months, then each financial year."""
    options = [{"label": "Last 12 months", "value": _preset_value(last_12_months(last))}]
    for fy in financial_years(first, last):
        label = f"{fy.start.year}/{(fy.start.year + 1) % 100:02d}"
        if fy.months < 12:
            label += " (to date)"
        options.append({"label": f"Financial year {label}", "value": _preset_value(fy)})
    options.append({"label": "Custom", "value": "custom"})
    return options


def _preset_value(period: Period) -> str:
    return f"{month_label(period.start)}|{month_label(period.end)}"


def month_options(first: date, last: date) -> list[dict[str, str]]:
    """Return every month from the start of the data's first financial year, newest first.

    The financial-year presets start in April, possibly before the data's first month;
    each of their months must be an option, or choosing one would blank the control.
    """
    months, month = [], last
    while month >= financial_year_start(first):
        months.append({"label": month.strftime("%b %Y"), "value": month_label(month)})
        month = add_months(month, -1)
    return months


def filter_bar(bounds: tuple[date, date] | None) -> html.Div:
    """Return the filter bar: age band, period preset, from/to months, trend grain, link and print."""
    first, last = bounds or (date.today().replace(day=1), date.today().replace(day=1))
    months = month_options(first, last)

    def labelled(label: str, control: Any, width: str) -> html.Div:
        return html.Div([html.Label(label, htmlFor=control.id, className="filter-label"), control],
                        className=f"filter-item {width}")

    return html.Div([
        labelled("Age band", dcc.Dropdown(
            id="filter-age-band", options=[{"label": "All ages" if b == "all" else b, "value": b} for b in AGE_BANDS],
            value="all", clearable=False, searchable=False), "w-age"),
        labelled("Period", dcc.Dropdown(id="filter-preset", options=period_presets(first, last),
                                        value="custom", clearable=False, searchable=False), "w-preset"),
        # Months are many: type-ahead ('jun 24' then Enter) rather than scrolling five years of them.
        labelled("From", dcc.Dropdown(id="filter-start", options=months, clearable=False, searchable=True,
                                      search_order="original"), "w-month"),
        labelled("To", dcc.Dropdown(id="filter-end", options=months, clearable=False, searchable=True,
                                    search_order="original"), "w-month"),
        html.Div([
            html.Span("Trend by", className="filter-label", id="grain-label"),
            dbc.RadioItems(id="filter-grain", options=[{"label": v, "value": k} for k, v in GRAINS.items()],
                           value="month", inline=True, class_name="grain-radios"),
        ], className="filter-item w-grain", role="group", **{"aria-labelledby": "grain-label"}),
        html.Div([
            html.Button("Copy link", id="copy-link", className="btn btn-outline-primary btn-sm", n_clicks=0,
                        title="Copy a link to this exact view (filters included)"),
            html.Button("Print", id="print-page", className="btn btn-outline-primary btn-sm", n_clicks=0,
                        title="Print this page as an A4 landscape meeting paper"),
        ], className="filter-item filter-actions"),
        # Says what the app did with a choice it could not take as it was (To before From).
        html.Div(id="filter-message", className="filter-message", role="status"),
    ], className="filter-bar no-print", role="search", **{"aria-label": "Filters"})


# --- page frame ----------------------------------------------------------------------------

def view_search(filters_search: str, query: Mapping[str, Any]) -> str:
    """Return the URL query string of a view: the shared filters', then the pages' own parameters set in `query`.

    One order (the filters, then PAGE_PARAMS as registered), so the same view is always the same
    URL and a filter change never drops a page's choice.
    """
    extra = [(name, query[name]) for name in PAGE_PARAMS if isinstance(query.get(name), str) and query[name]]
    return filters_search + ("&" + urlencode(extra) if extra else "")


def filters_to_store(filters: Filters) -> dict[str, str]:
    """Return filters as the JSON the page store holds."""
    return {"age_band": filters.age_band, "start": month_label(filters.period.start),
            "end": month_label(filters.period.end), "grain": filters.grain, "site": filters.site}


def filters_from_store(data: Mapping[str, Any] | None) -> Filters:
    """Return filters from the page store (re-validated: the browser can send anything)."""
    db = get_db()
    bounds = data_bounds(db)
    first, last = bounds or (date(2000, 1, 1), date.today().replace(day=1))
    return parse_filters(data or {}, first, last, data_sites(db) if bounds else ()).filters


def describe(filters: Filters) -> str:
    """Return the chosen filters in words, for print headers and downloads."""
    return view_text(filters)


ALL_SITES = "All emergency departments"


def site_control(filters: Filters, sites: Sequence[str]) -> html.Div:
    """Return the site view's control: every emergency department of the data, or all of them."""
    options = [{"label": ALL_SITES, "value": ""}] + [{"label": site, "value": site} for site in sites]
    return html.Div([
        html.Label("Emergency department", htmlFor="filter-site", className="filter-label"),
        dcc.Dropdown(id="filter-site", options=options, value=filters.site, clearable=False,
                     placeholder=ALL_SITES),
        html.P("Cards, trends, the heatmap and liaison show the department chosen; the charts by "
               "department compare every one, the chosen one darker.", className="site-hint"),
    ], className="site-view no-print")


def page_frame(page: Page, query: Mapping[str, Any]) -> html.Div:
    """Return a page's layout for the URL's query: print header, notices, cards and charts."""
    bounds = data_bounds(get_db())
    if bounds is None:
        return html.Div([html.H1(page.title), dbc.Alert(
            "There is no data to show yet. Load extracts with `python -m dashboard load DIR`.", color="warning")],
            className="page")
    sites = data_sites(get_db())
    parsed = parse_filters(query, *bounds, sites)
    filters = parsed.filters
    policy = _policy()
    return html.Div([
        detailed_banner(policy),
        dcc.Store(id="page-filters", data=filters_to_store(filters)),
        html.Div([
            html.Div(APP_TITLE, className="print-app"),
            html.Div([f"{page.title}: ", html.Span(describe(filters), id="print-filters")], className="print-filters"),
            html.Div(f"Data available {bounds[0].strftime('%b %Y')} to {bounds[1].strftime('%b %Y')}",
                     className="print-data"),
        ], className="print-only print-header"),
        html.Div(notice_alerts(parsed.notices), id="page-notices"),
        html.Div([
            html.H1(page.title, className="page-title"),
            html.P([page.intro, html.Span(f" For {page.audience}." if page.audience else "", className="audience")],
                   className="page-intro"),
            html.P(describe(filters), className="page-context", id="page-context"),
            page_downloads(page.id),
        ], className="page-head"),
        *([site_control(filters, sites)] if page.site_view else []),
        dcc.Loading(html.Div(id={"type": "cards", "page": page.id}, className="card-row"), type="dot",
                    delay_show=300),
        *( [page.extra] if page.extra is not None else [] ),
        *[dbc.Row([dbc.Col(chart_card(CHARTS[chart_id]), lg=width, class_name="chart-col")
                   for chart_id, width in row], class_name="chart-row") for row in page.rows],
        html.P(explain(policy), className="suppression-note"),
    ], className="page" + (" page-detailed" if policy.detailed else ""))


def page_downloads(page_id: str) -> html.Div:
    """Return the page's export buttons for the view shown: an Excel workbook of its tables, a meeting pack (PDF)."""
    key = {"page": page_id}
    return html.Div([
        html.Button("Excel", id={"type": "page-excel-button", **key}, className="btn btn-outline-primary btn-sm",
                    n_clicks=0, title="Download this page's headlines and chart tables with notes (Excel workbook)"),
        dcc.Download(id={"type": "page-excel", **key}),
        html.Button("Meeting pack (PDF)", id={"type": "page-pack-button", **key},
                    className="btn btn-outline-primary btn-sm", n_clicks=0,
                    title="Make a PDF of this page for a meeting: cover, headlines, every chart with its table and "
                          "note, the SPC summary and the definitions (takes a few seconds)"),
        dcc.Loading(dcc.Download(id={"type": "page-pack", **key}), type="circle", delay_show=200),
    ], className="page-downloads no-print")


def _policy() -> Policy:
    """Return the request's disclosure policy (protected unless the operator granted this user the detailed view)."""
    from dashboard.web.security import request_policy

    return request_policy()


def detailed_banner(policy: Policy) -> html.Div | None:
    """Return the banner that marks a page made in the detailed view, on screen and in print (None: protected)."""
    if not policy.detailed:
        return None
    return html.Div([html.Strong(DETAILED_MARK), " — exact figures, shown to you as a manager of these services. "
                     "Share only the protected view outside your team."],
                    className="detailed-banner", id="detailed-banner", role="alert")


def notice_alerts(notices: Sequence[str]) -> list[dbc.Alert]:
    """Return the notices about a link's filters (what was wrong, what is shown instead)."""
    return [dbc.Alert(n, color="info", class_name="notice", dismissable=True) for n in notices]


def chart_card(chart: Chart) -> dbc.Card:
    """Return a chart's card: title, chart and table views, the SPC reading and a CSV download."""
    key = {"chart": chart.id}
    return dbc.Card([
        dbc.CardHeader([
            html.Div([html.H2(chart.title, className="chart-title"),
                      html.P(chart.description, className="chart-description") if chart.description else None]),
            html.Div([
                html.Button("Table", id={"type": "chart-toggle", **key}, className="btn btn-link btn-sm no-print",
                            n_clicks=0, title="Show this chart as a table", **{"aria-pressed": "false"}),
                html.Button("CSV", id={"type": "chart-download-button", **key}, className="btn btn-link btn-sm no-print",
                            n_clicks=0, title="Download exactly what the chart shows (CSV)"),
                dcc.Download(id={"type": "chart-download", **key}),
                dcc.Store(id={"type": "chart-selection", **key}, data=None),
            ], className="chart-actions"),
        ], class_name="chart-header"),
        dbc.CardBody([
            dcc.Loading(html.Div([
                html.Div(dcc.Graph(id={"type": "chart-graph", **key}, config=figures.graph_config(chart.id),
                                   figure=figures.message_figure("Loading…")),
                         id={"type": "chart-graph-wrap", **key}),
                html.Div(id={"type": "chart-table", **key}, className="chart-table", hidden=True),
            ]), type="default", delay_show=400),
            html.P(id={"type": "chart-note", **key}, className="chart-note"),
        ]),
    ], class_name="chart-card")


def table_component(frame, label: str = "") -> html.Div:
    """Return an accessible HTML table of a chart's protected rows, in a region the keyboard can scroll.

    The region takes focus (tabindex 0) so a table taller or wider than its box can be scrolled
    with the arrow keys; its name says which chart's table it is.
    """
    if frame.empty:
        return html.P("No rows to show.")
    header = html.Thead(html.Tr([html.Th(c, scope="col") for c in frame.columns]))
    body = html.Tbody([html.Tr([html.Td(_cell(v)) for v in row]) for row in frame.itertuples(index=False)])
    name = f"{label}: table" if label else "Table"
    return html.Div(html.Table([html.Caption(name, className="visually-hidden"), header, body],
                               className="table table-sm table-striped data-table"),
                    className="table-scroll", tabIndex="0", role="region", **{"aria-label": name})


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{SHOWN_DECIMALS}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def shown_count(policy: Policy, value: Any) -> str:
    """Return a count as the footer shows it: protected by the policy, with thousands separators."""
    shown = policy.count(value)
    return shown if isinstance(shown, str) else f"{shown:,}"


def footer_content() -> list[Any]:
    """Return the footer: data period, extract row counts, records with times not recorded, the disclosure rule."""
    from dashboard.store.data import cached_query
    db = get_db()
    bounds = data_bounds(db)
    if bounds is None:
        return [html.P("No data loaded.")]
    policy = _policy()
    summary = cached_query(db, "extract_summary", {})
    items = []
    for row in summary.itertuples(index=False):
        text = f"{row.extract.replace('_', ' ')}: {shown_count(policy, row.row_count)} rows"
        if row.not_recorded:
            text += f" ({shown_count(policy, row.not_recorded)} with {row.not_recorded_what} not recorded)"
        items.append(html.Li(text))
    # The rule itself, not a pointer to a document: a printed page goes to meetings without the README.
    return [
        html.P(f"Data available {bounds[0].strftime('%B %Y')} to {bounds[1].strftime('%B %Y')}.",
               className="footer-period"),
        html.Ul(items, className="footer-extracts"),
        html.P(f"{FOOTER_SOURCE} {explain(policy)}", className="footer-note"),
    ]


FOOTER_SOURCE = ("Figures are counted from the local extracts of A&E, liaison psychiatry, section 136, "
                 "inpatient, delayed transfer and ward capacity records.")
