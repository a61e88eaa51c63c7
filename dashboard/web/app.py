"""Composition root: create the Dash app, make sure there is data, run it.

Pages are imported explicitly (``pages_folder=""``) after the app exists, so each
page module is imported once under one name (``pages.overview``) whether the app
or a test imports it first, and its callbacks are registered once.
"""
from __future__ import annotations

import importlib
import logging
from pathlib import Path

import dash
from dash import Dash, dcc, html
from flask import Flask, Response, g, request

from dashboard.store import runtime
from dashboard.web import api, hardening, security
from dashboard.web.charts import CHARTS
from dashboard.web.components import APP_TITLE, PAGES, filter_bar, footer_content, header
from dashboard.store.data import data_bounds
from dashboard.settings import ROOT, get_settings

NOT_FOUND_PATH = "/404"  # Dash's pages router shows the page registered from a module named not_found_404
PAGE_MODULES = ("overview", "urgent_care", "places_of_safety", "inpatient", "delayed_transfers", "recovery",
                "spc_summary", "journeys")
# Reference pages: no cards or trends of their own (a Page in PAGES has both), registered with Dash directly.
REFERENCE_MODULES = ("definitions",)
log = logging.getLogger(__name__)

# Dash's own page, with two changes for accessibility: the document says its language (screen
# readers pick their voice from it; axe: html-has-lang), and Dash's scripts are not wrapped in
# a <footer>, which made a second contentinfo landmark beside the app's footer.
INDEX = """<!DOCTYPE html>
<html lang="en-GB">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        {%config%}
        {%scripts%}
        {%renderer%}
    </body>
</html>"""


def import_pages() -> None:
    """Import every page module (each calls dash.register_page and declares its charts)."""
    import dashboard.web.callbacks  # noqa: F401  (registers the generic callbacks)
    import dashboard.web.excel  # noqa: F401  (the page workbook download)
    import dashboard.web.pack  # noqa: F401  (the page meeting pack download)

    for name in (*PAGE_MODULES, *REFERENCE_MODULES):
        try:
            importlib.import_module(f"pages.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"pages.{name}":
                raise
    importlib.import_module("pages.not_found_404")  # the router's page for an unknown address (not in the nav)


def shell() -> html.Div:
    """Return the app shell: header, filter bar, the page, footer (built per page load)."""
    pages = [p for p in dash.page_registry.values() if p["path"] != NOT_FOUND_PATH]
    return html.Div([
        # refresh=False: a filter change rewrites the query string without telling the pages
        # router (its own Location only hears links and back/forward), so the router is not
        # asked on every filter change; redraw_in_place gives the page the new view.
        dcc.Location(id="url", refresh=False),
        html.A("Skip to content", href="#main", className="skip-link"),
        header(pages),
        html.Main([filter_bar(data_bounds(runtime.get_db())), dash.page_container], id="main"),
        html.Footer(footer_content(), className="app-footer"),
    ], className="app")


def create_app(data_dir: Path | str | None = None) -> Dash:
    """Return the Dash app serving `data_dir` (default: the configured data folder).

    Every operator setting is checked first (security.check_configuration): one not allowed
    raises SettingError, and the app is not made.
    """
    auth = security.check_configuration()
    runtime.use_app_pandas_options()
    runtime.configure(data_dir or get_settings().data_dir)
    remove_leftovers_of_crashes(Path(data_dir or get_settings().data_dir))
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ROOT / "assets"),
        title=APP_TITLE,
        update_title=None,
        serve_locally=True,
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        compress=True,  # gzip responses: plotly.js alone is ~4.6 MB raw, ~1.4 MB gzipped
    )
    security.install(app, auth, known_ids={"chart": CHARTS, "page": PAGES})  # filled by import_pages below
    hardening.install(app.server)
    api.install(app.server)  # behind the authentication and hardening installed above
    pin_one_data_version(app.server)
    import_pages()
    answer_unknown_pages_with_404(app)
    app.layout = shell
    app.index_string = INDEX
    return app


def remove_leftovers_of_crashes(data_dir: Path) -> None:
    """Remove what killed loads and catalog builds left behind (never the served data, never a running load)."""
    from dashboard.store.loading import remove_crash_leftovers

    try:
        removed = remove_crash_leftovers(data_dir)
    except OSError as exc:  # tidying must never stop the app from starting
        log.warning("could not remove leftovers of earlier crashes: %s", exc)
        return
    if removed:
        log.info("removed %d leftover(s) of interrupted loads or catalog builds", len(removed))


def answer_unknown_pages_with_404(app: Dash) -> None:
    """Serve the not-found page with HTTP status 404 at an address that is no page of the app's.

    Dash serves its index (the browser then draws the not-found page) at any path it does not
    own, with 200: a link checker, a monitoring probe or a search engine took a mistyped link for
    a page. Only a page load changes: Dash's own routes, assets and the API answer as before.
    """
    known = {app.get_relative_path(p["path"]).rstrip("/") or "/" for p in dash.page_registry.values()
             if p["path"] != NOT_FOUND_PATH}

    @app.server.after_request
    def not_found_status(response: Response) -> Response:
        if (request.method in ("GET", "HEAD") and response.status_code == 200 and response.mimetype == "text/html"
                and (request.path.rstrip("/") or "/") not in known):
            response.status_code = 404
        return response


def pin_one_data_version(server: Flask) -> None:
    """Make every request read one data version: its queries share one snapshot (a load may swap mid-answer)."""

    @server.before_request
    def pin() -> None:
        g.mhflow_pin = runtime.pin_data_version()

    @server.teardown_request
    def unpin(_error: BaseException | None) -> None:
        token = g.pop("mhflow_pin", None)
        if token is not None:
            try:
                runtime.unpin_data_version(token)
            except ValueError:  # set in another context (cannot happen under Flask; never fail a response)
                pass


def prepare(app: Dash) -> Dash:
    """Do Dash's first-request setup now, once, before the process serves anyone; return the app.

    Dash registers its script paths and gathers the callbacks (and the pages router's)
    on the first request of each process, behind a flag it sets before the work is
    done. Under a threaded server (gunicorn's gthread workers, Dash's dev server) a
    second first request arriving meanwhile skipped the setup: scripts failed with
    '"dash" is not a registered library' and callbacks were refused as unknown, so
    the page never drew. Running the hooks here makes every request see a set-up app.
    """
    with app.server.test_request_context("/"):
        app.server.preprocess_request()
    return app


def run(data_dir: Path, host: str = "127.0.0.1", port: int = 8050, debug: bool = False) -> None:
    """Serve the app with Dash's development server (use gunicorn for a team: see README)."""
    app = prepare(create_app(data_dir))
    print(f"Mental health flow dashboard on http://{host}:{port}/ (data: {data_dir})", flush=True)
    app.run(host=host, port=port, debug=debug)
