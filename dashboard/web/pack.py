"""The meeting pack: a titled PDF of chosen pages for one view, rendered offline with Debian's Chromium.

``pack_html`` builds one self-contained HTML document — a cover (filters, data period, produced-on
date, the disclosure rule, contents), then for each page its headlines and every chart with its
title, figure, note and table, then the SPC summary and the definitions — with the figures drawn
by the plotly.js that ships inside the plotly package (no network). ``pack_pdf`` opens it in
headless Chromium (selenium and chromedriver, as the browser tests use them) and prints it with
``Page.printToPDF``: A4 landscape, page numbers in the footer and, in the detailed view, the
marking "Detailed figures: not for onward sharing" at the top of every sheet.

Every figure comes from ``outputs`` — the page's own render path and cards under the policy of
whoever makes the pack — so a pack holds exactly what that user's pages show. The command line
(``python -m dashboard pack``) makes the protected view unless asked for the detailed one; the
button on each page makes it for the requesting user's own view.
"""
from __future__ import annotations

import base64
import html
import shutil
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import pandas as pd
from dash import MATCH, Input, Output, State, callback, dcc, no_update

from dashboard.core.definitions import CAVEATS, metric_definitions
from dashboard.core.disclosure import DETAILED_MARK, Policy
from dashboard.core.filters import Filters
from dashboard.store.db import Database, one_version
from dashboard.store.quality import loaded_at
from dashboard.store.runtime import get_db
from dashboard.web.components import APP_TITLE, PAGES
from dashboard.web.components import _cell as table_cell  # the table view's own cell format
from dashboard.web.outputs import (ChartTable, ViewOutputs, chart_table, file_stem, page_outputs, plain_value,
                                   pressed_page, view_notes)

SUMMARY_CHARTS = ("spc-board", "spc-changes")  # the SPC summary page's two tables
QUALITY_CHART = "def-quality"
PACK_PAGES = ("overview", "urgent-care", "places-of-safety", "inpatient", "delayed-transfers", "recovery")
PRINT_SECONDS = 180  # how long a pack may take to draw before Chromium is given up on
# One pack at a time per process: each starts a Chromium, and the machine has few cores to share.
_printing = threading.BoundedSemaphore(1)


class PackError(RuntimeError):
    """The pack could not be made (no Chromium, or it did not finish drawing): the message says why."""


def _cell(value: Any) -> str:
    """Return a shown value as the pages' table views print it: '–' for none, thousands separated, one decimal."""
    return table_cell(plain_value(value))


def table_html(frame: pd.DataFrame, caption: str = "") -> str:
    """Return a table of shown values as HTML (every cell escaped: names come from the extracts)."""
    if frame.empty:
        return "<p class='muted'>No rows to show.</p>"
    head = "".join(f"<th scope='col'>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _period_rows(table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Return a trend table's rows for the chosen period (its history is on the chart), and a caption."""
    if "Part of chart" not in table.columns:
        return table, ""
    chosen = table[table["Part of chart"] == "Chosen period"]
    earlier = len(table) - len(chosen)
    caption = f"The chosen period's rows; the {earlier} earlier rows of the chart are in the Excel workbook." \
        if earlier else ""
    return chosen, caption


def _is_table_figure(figure: dict[str, Any]) -> bool:
    return any(trace.get("type") == "table" for trace in figure.get("data", []))


def chart_html(chart: ChartTable, plots: list[dict[str, Any]]) -> str:
    """Return one chart's block: title, description, the figure (queued in `plots`), note and table."""
    # Title, figure and note stay on one sheet; a long table may run on to the next.
    parts = [f"<section class='chart'><div class='chart-head'><h3>{html.escape(chart.title)}</h3>"]
    if chart.description:
        parts.append(f"<p class='description'>{html.escape(chart.description)}</p>")
    if not chart.empty and not _is_table_figure(chart.figure) and chart.figure.get("data"):
        plot_id = f"plot-{len(plots)}"
        plots.append({"id": plot_id, "figure": chart.figure})
        parts.append(f"<div class='plot' id='{plot_id}' role='img' aria-label='{html.escape(chart.title)}'></div>")
    if chart.note:
        parts.append(f"<p class='note'>{html.escape(chart.note)}</p>")
    parts.append("</div>")
    if not chart.empty:
        rows, caption = _period_rows(chart.table)
        parts.append(table_html(rows, caption))
    parts.append("</section>")
    return "".join(parts)


def page_html(outputs: ViewOutputs, intro: str, plots: list[dict[str, Any]], anchor: str) -> str:
    """Return a page's section of the pack: title, intro, headlines, then each chart."""
    headlines = outputs.headlines.drop(columns=["Note"], errors="ignore")
    return (f"<section class='page' id='{anchor}'><h2>{html.escape(outputs.title)}</h2>"
            f"<p class='intro'>{html.escape(intro)}</p><h3>Headlines</h3>{table_html(headlines)}"
            + "".join(chart_html(chart, plots) for chart in outputs.charts) + "</section>")


CSS = """
@page { size: A4 landscape; }
body { font-family: Arial, "Helvetica Neue", Helvetica, sans-serif; color: #212B32; font-size: 10pt; margin: 0; }
h1 { color: #005EB8; font-size: 24pt; margin: 0 0 4mm; }
h2 { color: #005EB8; font-size: 16pt; border-bottom: 2px solid #005EB8; padding-bottom: 1mm; margin: 0 0 3mm; }
h3 { font-size: 12pt; margin: 4mm 0 1mm; }
.cover { min-height: 160mm; }
.cover .subtitle { font-size: 14pt; color: #425563; margin-bottom: 8mm; }
.page, .summary, .definitions { break-before: page; }
.chart { margin-bottom: 5mm; }
.chart-head { break-inside: avoid; }
h2, h3 { break-after: avoid; }
.description, .muted, caption { color: #425563; }
.note { font-style: italic; margin: 1mm 0 2mm; }
.plot { width: 260mm; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 1mm 0 3mm; }
caption { caption-side: bottom; text-align: left; font-size: 8pt; }
th { background: #005EB8; color: white; text-align: left; padding: 1mm 1.5mm;
     -webkit-print-color-adjust: exact; print-color-adjust: exact; }
td { border-bottom: 1px solid #E8EDEE; padding: .6mm 1.5mm; vertical-align: top; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
.notes th { width: 45mm; background: none; color: #212B32; }
.marking { color: #DA291C; font-weight: bold; font-size: 13pt; border: 2px solid #DA291C; padding: 2mm 3mm;
           margin-bottom: 5mm; }
.contents li { margin-bottom: 1mm; }
"""

# Draw every queued figure as a static plot at the printed width, then tell the printer it may print.
DRAW = """
(function () {
  const plots = JSON.parse(document.getElementById('pack-figures').textContent);
  const drawn = plots.map(function (p) {
    const given = (p.figure.layout || {}).height || 360;
    const layout = Object.assign({}, p.figure.layout || {}, {autosize: false, width: 980, height: Math.min(given, 420)});
    return Plotly.newPlot(p.id, p.figure.data || [], layout, {staticPlot: true, displayModeBar: false});
  });
  Promise.all(drawn).then(function () { window.packReady = true; },
                          function (e) { window.packFailed = String(e); });
})();
"""


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def pack_html(page_ids: Sequence[str], filters: Filters, policy: Policy | None = None, db: Database | None = None,
              produced: datetime | None = None, with_plotly: bool = True) -> str:
    """Return the pack as one HTML document: cover, each page, the SPC summary and the definitions.

    All of it from one data version, under `policy` (the protected view unless given). `with_plotly`
    False leaves the plotly.js library out (tests that read the document, not print it).
    """
    from plotly.io.json import to_json_plotly

    policy = policy or Policy.from_settings()
    snap = one_version(db or get_db())
    produced = produced or datetime.now(timezone.utc)
    unknown = [p for p in page_ids if p not in PAGES]
    if unknown:
        raise PackError(f"no page {unknown[0]!r}: choose from {', '.join(PAGES)}")
    title = "Meeting pack: " + ", ".join(PAGES[p].title for p in page_ids)
    plots: list[dict[str, Any]] = []
    sections = [page_html(page_outputs(p, filters, policy, snap, produced), PAGES[p].intro, plots, f"page-{p}")
                for p in page_ids]
    summary = [chart_table(c, filters, policy, snap) for c in SUMMARY_CHARTS]
    quality = chart_table(QUALITY_CHART, filters, policy, snap)
    notes = view_notes(title, filters, policy, snap, produced)
    loaded = loaded_at(snap)
    marking = f"<p class='marking'>{html.escape(DETAILED_MARK)}</p>" if policy.detailed else ""
    contents = "".join(f"<li>{html.escape(PAGES[p].title)}</li>" for p in page_ids)
    cover = (f"<section class='cover'>{marking}<h1>{html.escape(APP_TITLE)}: meeting pack</h1>"
             f"<p class='subtitle'>Crisis to recovery: whole-system mental health flow</p>"
             f"<table class='notes'><tbody>"
             + "".join(f"<tr><th scope='row'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                       for k, v in notes if k != "Report")
             + "</tbody></table><h3>Contents</h3><ol class='contents'>" + contents
             + "<li>SPC summary</li><li>Definitions and data quality</li></ol></section>")
    spc = ("<section class='summary'><h2>SPC summary</h2><p class='intro'>Making Data Count's board table for "
           "every headline metric, and what followed each service change.</p>"
           + "".join(chart_html(chart, plots) for chart in summary) + "</section>")
    definitions = ("<section class='definitions'><h2>Definitions and data quality</h2>"
                   + table_html(metric_definitions())
                   + "<h3>" + html.escape(quality.title) + "</h3>"
                   + (f"<p>Loaded {loaded:%d %B %Y %H:%M} UTC.</p>" if loaded else "")
                   + (f"<p class='note'>{html.escape(quality.note)}</p>" if quality.note else "")
                   + table_html(quality.table)
                   + "<h3>What the figures cannot tell you</h3><ul>"
                   + "".join(f"<li>{html.escape(c)}</li>" for c in CAVEATS) + "</ul></section>")
    figures_json = to_json_plotly(plots).replace("</", "<\\/")  # never closes the script element early
    script = f"<script>{_plotly_js()}</script>" if with_plotly else ""
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{CSS}</style>{script}</head><body>"
            + cover + "".join(sections) + spc + definitions
            + f"<script type='application/json' id='pack-figures'>{figures_json}</script>"
            + (f"<script>{DRAW}</script>" if with_plotly else "<script>window.packReady = true;</script>")
            + "</body></html>")


def _browser_paths() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        raise PackError("making a meeting pack needs Debian's chromium and chromium-driver "
                        "(apt-get install chromium chromium-driver)")
    return chromium, driver


def print_pdf(document: str, header: str, footer: str) -> bytes:
    """Return `document` printed to PDF by headless Chromium (A4 landscape; `header`/`footer` on every sheet)."""
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    chromium, driver_path = _browser_paths()
    if not _printing.acquire(timeout=PRINT_SECONDS):
        raise PackError("another meeting pack is being made: try again in a minute")
    try:
        with tempfile.TemporaryDirectory(prefix="mhflow-pack-") as folder:
            page = Path(folder) / "pack.html"
            page.write_text(document, encoding="utf-8")
            options = Options()
            for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--disable-dev-shm-usage", "--window-size=1200,900", f"--user-data-dir={folder}/profile"):
                options.add_argument(arg)
            options.binary_location = chromium
            try:
                driver = webdriver.Chrome(service=Service(driver_path), options=options)
            except WebDriverException as exc:
                raise PackError(f"Chromium did not start: {str(exc).splitlines()[0]}") from exc
            try:
                driver.get(page.as_uri())
                try:
                    WebDriverWait(driver, PRINT_SECONDS, poll_frequency=0.2).until(
                        lambda d: d.execute_script("return window.packReady === true || !!window.packFailed"))
                except TimeoutException as exc:
                    raise PackError("the pack's charts did not finish drawing") from exc
                failed = driver.execute_script("return window.packFailed || null")
                if failed:
                    raise PackError(f"a chart could not be drawn: {failed}")
                result = driver.execute_cdp_cmd("Page.printToPDF", {
                    "landscape": True, "printBackground": True, "paperWidth": 11.69, "paperHeight": 8.27,
                    "marginTop": 0.55, "marginBottom": 0.5, "marginLeft": 0.4, "marginRight": 0.4,
                    "displayHeaderFooter": True, "headerTemplate": header, "footerTemplate": footer,
                })
            finally:
                driver.quit()
    finally:
        _printing.release()
    return base64.b64decode(result["data"])


def pack_pdf(page_ids: Sequence[str], filters: Filters, policy: Policy | None = None, db: Database | None = None,
             produced: datetime | None = None) -> bytes:
    """Return the meeting pack of `page_ids` for the view as PDF bytes (PackError if it cannot be made)."""
    policy = policy or Policy.from_settings()
    produced = produced or datetime.now(timezone.utc)
    document = pack_html(page_ids, filters, policy, db, produced)
    small = "font-size:8px;width:100%;margin:0 10mm;font-family:Arial,sans-serif;"
    header = (f"<div style='{small}text-align:center;color:#DA291C;font-weight:bold'>{html.escape(DETAILED_MARK)}</div>"
              if policy.detailed else "<div></div>")
    footer = (f"<div style='{small}color:#425563;display:flex;justify-content:space-between'>"
              f"<span>{html.escape(APP_TITLE)} · {html.escape(filters.period.label())} · "
              f"{'All ages' if filters.age_band == 'all' else 'Ages ' + html.escape(filters.age_band)} · produced "
              f"{produced:%d %b %Y}</span><span><span class='pageNumber'></span> of "
              f"<span class='totalPages'></span></span></div>")
    return print_pdf(document, header, footer)


def pack_name(page_ids: Sequence[str], filters: Filters, policy: Policy) -> str:
    """Return the pack's file name: 'meeting-pack' or its one page, period, band ('_DETAILED' when detailed)."""
    name = f"meeting-pack_{page_ids[0]}" if len(page_ids) == 1 else "meeting-pack"
    return file_stem(name, filters, policy) + ".pdf"


@callback(
    Output({"type": "page-pack", "page": MATCH}, "data"),
    Input({"type": "page-pack-button", "page": MATCH}, "n_clicks"),
    State("page-filters", "data"),
    prevent_initial_call=True,
)
def download_pack(n_clicks, filters_data):
    """Send the meeting pack of this page (with the SPC summary and definitions) for the requesting user's view."""
    from dashboard.web.components import filters_from_store
    from dashboard.web.security import request_policy

    page_id = pressed_page(n_clicks)
    if page_id is None:
        return no_update
    filters = filters_from_store(filters_data)
    policy = request_policy()
    pages = PACK_PAGES if page_id == "spc-summary" else (page_id,)  # the SPC summary's pack: every page
    return dcc.send_bytes(pack_pdf(pages, filters, policy), pack_name(pages, filters, policy),
                          type="application/pdf")
