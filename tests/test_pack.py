"""The meeting pack: a titled PDF of chosen pages for one view, made offline by Debian's Chromium.

The document is checked as HTML (what it holds, and that it holds the pages' own protected tables);
the PDF is made for real by the command line, as a person would, and needs chromium and chromedriver
(installed by .ci/run), like the browser tests.
"""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from dashboard.core.definitions import CAVEATS
from dashboard.core.disclosure import DETAILED_MARK, SUPPRESSED, Policy
from dashboard.core.filters import Filters
from dashboard.core.periods import Period

NARROW = Filters("0-17", Period.from_months("2025-06", "2025-06"))
ONE_MONTH = Filters("all", Period.from_months("2025-06", "2025-06"))  # small counts met in every chart
YEAR = Filters("all", Period.from_months("2025-01", "2025-12"))
PRODUCED = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)
STORE = {"age_band": "0-17", "start": "2025-06", "end": "2025-06", "grain": "month"}


@pytest.fixture(scope="module")
def app(generated_data):
    from dashboard.web.app import create_app

    return create_app(generated_data)


def document(pages, filters, policy, db) -> str:
    from dashboard.web.pack import pack_html

    return pack_html(pages, filters, policy, db, PRODUCED, with_plotly=False)


def test_the_pack_has_a_cover_each_page_the_spc_summary_and_the_definitions(app, app_db):
    from dashboard.web.components import PAGES
    from dashboard.web.outputs import page_outputs

    text = document(["urgent-care", "recovery"], YEAR, Policy.from_settings(), app_db)
    cover = text.split("<section class='page'")[0]
    for words in ("meeting pack", "All ages", "Jan 2025 to Dec 2025", "Data available", "December 2025",
                  "Produced on", "05 January 2026 09:30 UTC", "* = a count from 1 to 7", "Contents"):
        assert html.escape(words, quote=False) in cover, words
    assert DETAILED_MARK not in text
    for page_id in ("urgent-care", "recovery"):
        outputs = page_outputs(page_id, YEAR, Policy.from_settings(), app_db, PRODUCED)
        assert f"<h2>{html.escape(PAGES[page_id].title)}</h2>" in text
        for chart in outputs.charts:
            assert f"<h3>{html.escape(chart.title)}</h3>" in text, chart.chart_id
            assert html.escape(chart.note) in text, chart.chart_id
        for label in outputs.headlines["Metric"]:
            assert html.escape(label) in text
    assert "<h2>SPC summary</h2>" in text and "Making Data Count summary" in text
    assert "<h2>Definitions and data quality</h2>" in text and "Data quality of the loaded extracts" in text
    assert all(html.escape(c) in text for c in CAVEATS)
    assert text.index("SPC summary</h2>") < text.index("Definitions and data quality</h2>")
    figures = json.loads(re.search(r"id='pack-figures'>(.*?)</script>", text, re.S).group(1))
    assert figures and all(f["figure"]["data"] for f in figures)


def test_the_pack_shows_the_protected_view_with_small_counts_hidden(app, app_db):
    from dashboard.web.charts import render

    text = document(["places-of-safety"], ONE_MONTH, Policy.from_settings(), app_db)
    shown = render("pos-outcomes", ONE_MONTH, policy=Policy.from_settings()).table
    assert SUPPRESSED in list(shown["Detentions"])
    block = text.split("<h3>Outcome of the detention</h3>")[1].split("</section>")[0]
    assert "<td>*</td>" in block


def test_a_pack_made_in_the_detailed_view_is_marked_on_the_cover_and_every_sheet(app, app_db, monkeypatch):
    from dashboard.web import pack

    text = document(["places-of-safety"], ONE_MONTH, Policy.detailed_view(), app_db)
    assert text.count(DETAILED_MARK) >= 2  # the cover's marking and its notes
    assert "<td>*</td>" not in text.split("<section class='summary'>")[0]  # exact figures on the page's tables
    printed = {}
    monkeypatch.setattr(pack, "print_pdf", lambda doc, header, footer: printed.update(header=header,
                                                                                       footer=footer) or b"%PDF")
    pack.pack_pdf(["places-of-safety"], NARROW, Policy.detailed_view(), app_db, PRODUCED)
    assert DETAILED_MARK in printed["header"] and "pageNumber" in printed["footer"]
    pack.pack_pdf(["places-of-safety"], NARROW, Policy.from_settings(), app_db, PRODUCED)
    assert DETAILED_MARK not in printed["header"]


def test_text_from_the_extracts_is_escaped_in_the_pack():
    import pandas as pd

    from dashboard.web.pack import table_html

    cell = table_html(pd.DataFrame({"Site": ["<script>alert(1)</script>"], "Attendances": [10]}))
    assert "<script>" not in cell and "&lt;script&gt;" in cell


def test_an_unknown_page_is_refused(app, app_db):
    from dashboard.web.pack import PackError, pack_html

    with pytest.raises(PackError, match="no page 'nowhere'"):
        pack_html(["nowhere"], YEAR, Policy.from_settings(), app_db)


def test_the_button_makes_the_pack_of_its_page_for_the_requesting_users_view(app, app_db, monkeypatch):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    from dashboard.web import pack

    made = {}

    def fake_pack(pages, filters, policy, db=None, produced=None):
        made.update(pages=pages, filters=filters, policy=policy)
        return b"%PDF-1.4 fake"

    monkeypatch.setattr(pack, "pack_pdf", fake_pack)
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": json.dumps(
        {"page": "recovery", "type": "page-pack-button"}, separators=(",", ":")) + ".n_clicks", "value": 1}]))
    sent = pack.download_pack(1, STORE)
    assert sent["filename"] == "meeting-pack_recovery_2025-06_2025-06_0-17.pdf"
    assert made["pages"] == ("recovery",) and made["filters"] == NARROW and not made["policy"].detailed


CHROMIUM = shutil.which("chromium") and shutil.which("chromedriver")


@pytest.mark.skipif(not CHROMIUM, reason="chromium / chromedriver not installed (CI installs them)")
def test_the_pack_command_writes_a_pdf_of_the_chosen_pages(generated_data, tmp_path):
    out = tmp_path / "pack.pdf"
    done = subprocess.run([sys.executable, "-m", "dashboard", "pack", "--data", str(generated_data),
                           "--pages", "overview,places-of-safety", "--start", "2025-01", "--end", "2025-12",
                           "--age-band", "all", "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= 6, pages  # cover, two pages of charts at least, the SPC summary, the definitions


def test_the_pack_command_refuses_a_bad_view_or_page_with_one_line(generated_data, tmp_path):
    for args, says in ((["--age-band", "old"], "Age band 'old'"), (["--start", "2025-13"], "start month"),
                       (["--pages", "nowhere"], "no page 'nowhere'")):
        done = subprocess.run([sys.executable, "-m", "dashboard", "pack", "--data", str(generated_data),
                               "--out", str(tmp_path / "x.pdf"), *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, (args, done.stderr)
        assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert not (tmp_path / "x.pdf").exists()
