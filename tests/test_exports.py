"""Downloads are safe to open in a spreadsheet: formula-like text is neutralised, numbers stay numbers."""
from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from dashboard.web.charts import Rendered, to_csv
from dashboard.web.exports import neutralise_cell, safe_csv

ATTACKS = ['=HYPERLINK("https://example.invalid/","Royal")', "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "  =1+1", "\n=1+1", "\uff1d1+1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Royal Infirmary", "*", "12.5%", "-3", "+4", "-1.5", "1e3", "", -3, -2.5, 0, None])
def test_plain_text_and_numbers_are_left_as_they_are(value):
    assert neutralise_cell(value) == value


def test_a_chart_download_neutralises_every_text_cell_and_keeps_negative_numbers_numeric():
    table = pd.DataFrame({"Site": ATTACKS[:4], "Attendances": [10, "*", 12, 0],
                          "Change": [-3, -1, 2, 0], "Share %": [-1.5, 2.0, 0.5, 1.0]})
    text = to_csv(Rendered({}, table))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Site", "Attendances", "Change", "Share %"]
    assert [r[0] for r in rows[1:]] == ["'" + a for a in ATTACKS[:4]]
    assert [r[2] for r in rows[1:]] == ["-3", "-1", "2", "0"] and [r[3] for r in rows[1:]] == ["-1.5", "2.0", "0.5", "1.0"]
    assert [r[1] for r in rows[1:]] == ["10", "*", "12", "0"]
    assert not any(cell[:1] in "=+-@\t\r" and not cell.lstrip("-").replace(".", "").isdigit()
                   for row in rows for cell in row)


def test_column_names_are_neutralised_too():
    assert safe_csv(pd.DataFrame({"=cmd": ["x"]})).splitlines()[0] == "'=cmd"
