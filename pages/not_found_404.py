"""The page for an address that is not the app's: says so, and offers the way home and every page.

Dash's pages router shows the page registered from a module named ``not_found_404``. It is not
in the navigation (``app.shell`` leaves it out) nor in ``components.PAGES`` (it has no charts).
"""
from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from dashboard.web.components import APP_TITLE, PAGES

NOT_FOUND_TITLE = "Page not found"


def layout(**_query: Any) -> html.Div:
    """Return the not-found page: what happened, a link home and a link to every page."""
    pages = sorted(PAGES.values(), key=lambda p: (p.path != "/", p.title))
    return html.Div([
        html.H1(NOT_FOUND_TITLE, className="page-title"),
        html.P("There is no page at this address. It may have been typed wrongly or moved.", className="page-intro"),
        html.P(dcc.Link("Go to the overview", href="/", className="btn btn-primary home-link", id="not-found-home")),
        html.H2("Pages of this dashboard", className="not-found-list-title"),
        html.Ul([html.Li(dcc.Link(p.title, href=p.path)) for p in pages], className="not-found-list"),
        # The filter callbacks write to these on every page; here they are kept, empty and hidden.
        html.Div([dcc.Store(id="page-filters"), html.Span(id="page-context"), html.Span(id="print-filters"),
                  html.Div(id="page-notices")], hidden=True),
    ], className="page not-found")


dash.register_page(__name__, path="/404", name=NOT_FOUND_TITLE, title=f"{NOT_FOUND_TITLE} · {APP_TITLE}",
                   layout=layout)
