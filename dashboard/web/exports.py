"""Files that leave the app for spreadsheets: cells that a spreadsheet would run as formulas are neutralised.

A site or ward name such as ``=HYPERLINK("https://…","Royal")`` is plain text in the
extract, but Excel, LibreOffice and Google Sheets run it as a formula when the CSV is
opened (OWASP "CSV injection"). As OWASP recommends, a text cell whose first character
is ``=``, ``+``, ``-``, ``@``, tab or carriage return is prefixed with a single quote,
which spreadsheets show as text. Leading spaces or newlines before such a character are
looked through (some spreadsheets trim them), and the full-width forms are treated the same.
Numbers are left as they are: a count of -3 in a numeric column stays a number, and so
does a text cell that is nothing but a number ("-3", "1.5").
"""
from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd

FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise_cell(value: Any) -> Any:
    """Return a cell safe to open in a spreadsheet: risky text gets a leading quote; anything else is unchanged."""
    if not isinstance(value, str) or not value:
        return value
    first = value.lstrip(" \n")[:1] or value[:1]
    if (value[0] in FORMULA_STARTS or first in FORMULA_STARTS) and not _NUMBER.fullmatch(value.strip()):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of `frame` with every text cell and column name neutralised (numeric columns untouched)."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
            continue
        out[column] = values.map(neutralise_cell).astype(object)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def safe_csv(frame: pd.DataFrame) -> str:
    """Return `frame` as CSV (no index) with every cell that a spreadsheet would run neutralised."""
    buffer = io.StringIO()
    neutralise_frame(frame).to_csv(buffer, index=False)
    return buffer.getvalue()


# Decimal places a number is shown with in a table (components._cell): downloads carry the same.
SHOWN_DECIMALS = 1


def as_shown(frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with every number that is not whole rounded as the table shows it (one decimal place).

    A download holds what the page shows, not the float behind it: 85.1 where the table says 85.1%,
    never 85.12765957446808. Text ('*', labels) and whole numbers are left as they are.
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        # Python's round, as the table's format does (8.95 is 8.9: numpy's round would say 9.0).
        if pd.api.types.is_float_dtype(values.dtype):
            out[column] = [round(v, SHOWN_DECIMALS) for v in values.tolist()]
        elif values.dtype == object:
            out[column] = [round(v, SHOWN_DECIMALS) if isinstance(v, float) else v for v in values]
    return out
