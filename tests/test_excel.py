"""The page workbook: a notes sheet, the headlines and a sheet per chart, exactly as the page shows them."""
from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pandas as pd
import pytest
from openpyxl import load_workbook

from dashboard.core.disclosure import DETAILED_MARK, SUPPRESSED, Policy
from dashboard.core.filters import Filters
from dashboard.core.periods import Period
from dashboard.web.charts import render
from dashboard.web.exports import neutralise_cell
from dashboard.web.outputs import ChartTable, ViewOutputs, page_chart_ids, page_outputs, plain_value

YEAR = Filters("all", Period.from_months("2025-01", "2025-12"))
UNDER_18S = Filters("0-17", Period.from_months("2025-06", "2025-06"))
PRODUCED = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)
STORE = {"age_band": "all", "start": "2025-01", "end": "2025-12", "grain": "month"}


@pytest.fixture(scope="module")
def app(generated_data):
    from dashboard.web.app import create_app

    return create_app(generated_data)


def read(data: bytes):
    return load_workbook(io.BytesIO(data))


def table_of(sheet, columns: int) -> list[list]:
    """Return a chart sheet's table: the rows from its header (the first row whose first cell is filled after the heading)."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r[0] is not None and r[1:columns] and all(
        v is not None for v in r[:columns]))
    return [r[:columns] for r in rows[header:]]


def expected(value):
    """Return a shown value as the workbook should hold it: text neutralised, dates as ISO text, gaps empty."""
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return None  # an empty cell
    if hasattr(value, "isoformat"):
        return plain_value(value)
    return neutralise_cell(value) if isinstance(value, str) else value


@pytest.mark.parametrize("filters", [YEAR, UNDER_18S], ids=["year", "under-18s-one-month"])
def test_every_chart_sheet_is_the_charts_table_exactly_as_the_page_shows_it(filters, app, app_db):
    from dashboard.web.excel import sheet_names, workbook_bytes

    policy = Policy.from_settings()
    outputs = page_outputs("places-of-safety", filters, policy, app_db, PRODUCED)
    book = read(workbook_bytes(outputs))
    assert book.sheetnames[:2] == ["Notes", "Headlines"]
    names = sheet_names(c.title for c in outputs.charts)
    assert book.sheetnames[2:] == names and len(names) == len(page_chart_ids("places-of-safety"))
    seen_star = False
    for name, chart_id in zip(names, page_chart_ids("places-of-safety")):
        shown = render(chart_id, filters, policy=policy).table
        sheet = book[name]
        if shown.empty:
            assert any(r[0] == "No rows to show." for r in sheet.iter_rows(values_only=True))
            continue
        rows = table_of(sheet, len(shown.columns))
        assert rows[0] == list(shown.columns), chart_id
        assert len(rows) - 1 == len(shown), chart_id
        for got, want in zip(rows[1:], shown.itertuples(index=False)):
            # Excel keeps 15 significant digits: a float comes back equal to that precision.
            assert got == [pytest.approx(expected(v), rel=1e-12) if isinstance(v, float) else expected(v)
                           for v in want], chart_id
            seen_star = seen_star or SUPPRESSED in got
    assert seen_star or filters is YEAR  # the narrow view does hide small counts, and the workbook keeps the '*'


def test_the_headlines_sheet_is_the_pages_cards(app, app_db):
    from dashboard.web.cards import card_values
    from dashboard.web.components import PAGES
    from dashboard.web.excel import workbook_bytes

    policy = Policy.from_settings()
    book = read(workbook_bytes(page_outputs("urgent-care", YEAR, policy, app_db, PRODUCED)))
    rows = table_of(book["Headlines"], 5)
    cards = card_values(PAGES["urgent-care"].cards, YEAR, app_db, policy)
    assert rows[0][:2] == ["Metric", "Value"]
    assert [(r[0], r[1]) for r in rows[1:]] == [(c.label, c.value) for c in cards]


def test_the_notes_sheet_gives_filters_data_period_rule_and_produced_on(app, app_db):
    from dashboard.web.excel import workbook_bytes

    book = read(workbook_bytes(page_outputs("recovery", YEAR, Policy.from_settings(), app_db, PRODUCED)))
    notes = {r[0]: r[1] for r in book["Notes"].iter_rows(values_only=True) if r[0]}
    assert notes["Age band"] == "All ages"
    assert notes["Period"].startswith("Jan 2025 to Dec 2025")
    assert notes["Trend by"] == "Month"
    assert notes["Data available"].endswith("to December 2025")
    assert notes["Disclosure"].startswith("* = a count from 1 to 7")
    assert notes["Produced on"] == "05 January 2026 09:30 UTC"
    assert "Marking" not in notes and DETAILED_MARK not in json.dumps(
        [list(r) for s in book for r in s.iter_rows(values_only=True)], default=str)


def test_a_workbook_made_in_the_detailed_view_is_marked_on_every_sheet_and_exact(app, app_db):
    from dashboard.web.excel import workbook_bytes, workbook_name

    policy = Policy.detailed_view()
    outputs = page_outputs("places-of-safety", UNDER_18S, policy, app_db, PRODUCED)
    book = read(workbook_bytes(outputs))
    for sheet in book:
        assert sheet["A1"].value == DETAILED_MARK, sheet.title
    assert workbook_name("places-of-safety", outputs) == "places-of-safety_2025-06_2025-06_0-17_DETAILED.xlsx"
    cells = [v for s in book.worksheets[2:] for r in s.iter_rows(values_only=True) for v in r]
    assert SUPPRESSED not in cells  # exact figures: nothing hidden


def test_formula_like_text_is_written_as_quoted_text_never_as_a_formula():
    from dashboard.web.excel import workbook_bytes

    attacks = ['=HYPERLINK("https://example.invalid/","Royal")', "+1+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]
    table = pd.DataFrame({"=Site": attacks, "Attendances": [10, SUPPRESSED, 15, 0], "Change": [-3, -1, 2, 0]})
    outputs = ViewOutputs("=Title", YEAR, Policy(), pd.DataFrame({"Metric": ["=x"], "Value": [1]}),
                          (ChartTable("c", "=cmd|' /C calc'!A0", "+desc", "-note", table, {}, False),),
                          (("Report", "=Title"),))
    book = read(workbook_bytes(outputs))
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.value[:1] not in "=+-@" or cell.value.lstrip("-").isdigit(), cell.value
    rows = table_of(book.worksheets[2], 3)
    assert [r[0] for r in rows[1:]] == ["'" + a for a in attacks]
    assert [r[2] for r in rows[1:]] == [-3, -1, 2, 0]  # numbers stay numbers
    assert [r[1] for r in rows[1:]] == [10, SUPPRESSED, 15, 0]


def test_the_excel_button_sends_the_pages_workbook_for_its_view(app, app_db):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    from dashboard.web.excel import download_workbook

    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": json.dumps(
        {"page": "urgent-care", "type": "page-excel-button"}, separators=(",", ":")) + ".n_clicks", "value": 1}]))
    sent = download_workbook(1, STORE)
    assert sent["filename"] == "urgent-care_2025-01_2025-12_all.xlsx" and sent["base64"]
    import base64

    book = read(base64.b64decode(sent["content"]))
    assert book.sheetnames[:2] == ["Notes", "Headlines"]
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": json.dumps(
        {"page": "no-such-page", "type": "page-excel-button"}, separators=(",", ":")) + ".n_clicks", "value": 1}]))
    from dash import no_update

    assert download_workbook(1, STORE) is no_update
