"""One Excel workbook per page: a notes sheet, the headlines, and a sheet per chart as its table shows it.

Built from ``outputs.page_outputs``, the same protected rows the page and its CSV downloads show
('*' where suppressed, rounded in the protected view), so the disclosure walk covers it. Every
text cell is neutralised against formula injection as in the CSV (``exports.neutralise_cell``)
and written as text, never as a formula; numbers stay numbers. In the detailed view the marking
("Detailed figures: not for onward sharing") is the first row of every sheet and the file name
ends ``_DETAILED.xlsx``.
"""
from __future__ import annotations

import io
import re
from typing import Any, Iterable

import pandas as pd
from dash import MATCH, Input, Output, State, callback, dcc, no_update
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dashboard.core.disclosure import DETAILED_MARK
from dashboard.web.exports import neutralise_cell
from dashboard.web.outputs import ViewOutputs, file_stem, page_outputs, plain_value, pressed_page

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(bold=True)
_MARK = Font(bold=True, color="DA291C")
_HEADER_FILL = PatternFill("solid", fgColor="005EB8")
_HEADER_FONT = Font(bold=True, color="FFFFFF")


def cell_value(value: Any) -> Any:
    """Return a value as a workbook cell holds it: numbers as numbers, text neutralised, gaps empty."""
    value = plain_value(value)
    if not isinstance(value, str):
        return value
    return neutralise_cell(ILLEGAL_CHARACTERS_RE.sub("", value))  # control characters are not allowed in xlsx


def _put(sheet: Worksheet, row: int, column: int, value: Any) -> Any:
    cell = sheet.cell(row=row, column=column)
    value = cell_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # text is text: openpyxl would take a leading '=' as a formula
    return cell


def sheet_names(titles: Iterable[str]) -> list[str]:
    """Return unique Excel sheet names (31 characters, none of []:*?/\\) for the given titles."""
    names: list[str] = []
    for title in titles:
        base = _SHEET_FORBIDDEN.sub(" ", title).strip().strip("'")[:31].rstrip() or "Sheet"
        name, n = base, 2
        while name.lower() in (x.lower() for x in names) or name.lower() in ("notes", "headlines"):
            suffix = f" ({n})"
            name, n = base[:31 - len(suffix)].rstrip() + suffix, n + 1
        names.append(name)
    return names


def _write_table(sheet: Worksheet, start: int, table: pd.DataFrame) -> int:
    """Write a table's header and rows from row `start`; return the next free row."""
    for j, column in enumerate(table.columns, 1):
        cell = _put(sheet, start, j, column)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    for i, row in enumerate(table.itertuples(index=False), start + 1):
        for j, value in enumerate(row, 1):
            cell = _put(sheet, i, j, value)
            if value == "*":
                cell.alignment = Alignment(horizontal="right")
    for j, column in enumerate(table.columns, 1):
        widest = max([len(str(column))] + [len(str(v)) for v in table.iloc[:, j - 1].tolist()[:500]])
        sheet.column_dimensions[get_column_letter(j)].width = min(60, max(10, widest + 2))
    return start + len(table) + 1


def _heading(sheet: Worksheet, outputs: ViewOutputs, lines: Iterable[tuple[str, Any]]) -> int:
    """Write the marking (detailed view) and heading lines at the top of a sheet; return the next free row."""
    row = 1
    if outputs.detailed:
        _put(sheet, row, 1, DETAILED_MARK).font = _MARK
        row += 1
    for style, text in lines:
        if text:
            cell = _put(sheet, row, 1, text)
            if style == "title":
                cell.font = Font(bold=True, size=13)
            row += 1
    return row + 1


def workbook_bytes(outputs: ViewOutputs) -> bytes:
    """Return the view's workbook (.xlsx): notes, headlines, then one sheet per chart."""
    book = Workbook()
    notes = book.active
    notes.title = "Notes"
    row = _heading(notes, outputs, [("title", f"{outputs.title}: notes")])
    for label, text in outputs.notes:
        _put(notes, row, 1, label).font = _BOLD
        _put(notes, row, 2, text)
        row += 1
    row += 1
    _put(notes, row, 1, "Sheets").font = _BOLD
    names = sheet_names(chart.title for chart in outputs.charts)
    _put(notes, row, 2, "Headlines: the page's cards")
    for name, chart in zip(names, outputs.charts):
        row += 1
        _put(notes, row, 2, f"{name}: {chart.title}")
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 110
    for line in notes.iter_rows(min_col=2, max_col=2):
        line[0].alignment = Alignment(wrap_text=True, vertical="top")

    headlines = book.create_sheet("Headlines")
    start = _heading(headlines, outputs, [("title", f"{outputs.title}: headlines"),
                                          ("text", f"{outputs.note('Period')} · {outputs.note('Age band')}")])
    _write_table(headlines, start, outputs.headlines)
    headlines.freeze_panes = headlines.cell(row=start + 1, column=1)

    for name, chart in zip(names, outputs.charts):
        sheet = book.create_sheet(name)
        start = _heading(sheet, outputs, [("title", chart.title), ("text", chart.description),
                                          ("text", chart.note)])
        if chart.table.empty:
            _put(sheet, start, 1, "No rows to show.")
            continue
        _write_table(sheet, start, chart.table)
        sheet.freeze_panes = sheet.cell(row=start + 1, column=1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook_name(page_id: str, outputs: ViewOutputs) -> str:
    """Return the workbook's file name: page, period, band ('_DETAILED' in the detailed view)."""
    return file_stem(page_id, outputs.filters, outputs.policy) + ".xlsx"


@callback(
    Output({"type": "page-excel", "page": MATCH}, "data"),
    Input({"type": "page-excel-button", "page": MATCH}, "n_clicks"),
    State("page-filters", "data"),
    prevent_initial_call=True,
)
def download_workbook(n_clicks, filters_data):
    """Send the page's workbook for its filters, under the request's policy (marked in the detailed view)."""
    from dashboard.web.components import filters_from_store
    from dashboard.web.security import request_policy

    page_id = pressed_page(n_clicks)
    if page_id is None:
        return no_update
    outputs = page_outputs(page_id, filters_from_store(filters_data), policy=request_policy())
    return dcc.send_bytes(workbook_bytes(outputs), workbook_name(page_id, outputs), type=MIME)
