"""Helpers for breakdown charts: rows per known category, and what to say about suppressed values.

The pages' data functions use ``categories`` and ``in_type_order`` to list every known
category (zeros included) in a fixed order; their figure functions use
``has_suppressed``, ``drawable``, ``noted`` and ``all_suppressed`` to tell the reader
where a value is hidden ('*') rather than draw an empty or misleading chart.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from dashboard.web import figures
from dashboard.web.figures import Drawn
from dashboard.core.disclosure import SUPPRESSED, plottable

# Ward types in the order charts list them, with their short labels (axes, legends, tables)...
WARD_TYPES = {"adult_acute": "Adult acute", "picu": "PICU", "older_adult": "Older adult",
              "camhs_tier4": "CAMHS tier 4"}
# ...and in full, where a chart has room for a reader who does not know the abbreviations.
WARD_TYPES_IN_FULL = {"adult_acute": "Adult acute", "picu": "Psychiatric intensive care (PICU)",
                      "older_adult": "Older adult", "camhs_tier4": "Children and young people (CAMHS tier 4)"}

# The message of a chart with nothing to draw: every number is zero or small and suppressed.
ALL_SUPPRESSED = "Every number here is zero, or small and suppressed (*): see the table."
# The note under a chart that draws '*' where a value is suppressed.
SUPPRESSED_NOTE = "* marks a value too small to show (suppressed); the table view lists every value."


def categories(frame: pd.DataFrame, column: str, labels: Mapping[str, str],
               measures: Sequence[str] = ()) -> pd.DataFrame:
    """Return a breakdown with one row per known category in `labels` order (zeros included), labelled.

    Unknown categories follow the known ones, in the frame's order. Every other column is a
    whole-number count (missing: 0), except `measures` (medians, person-time), kept as numbers
    (missing: NaN). Built in one step: this runs on every redraw of six charts.
    """
    found = frame[column].tolist()
    codes = list(labels) + [c for c in found if c not in labels]
    row_of = {c: i for i, c in enumerate(found)}
    rows = np.array([row_of.get(c, -1) for c in codes], dtype="int64")
    out: dict[str, Any] = {column: codes}
    for name in frame.columns:
        if name != column:
            values = np.append(frame[name].to_numpy(dtype="float64", na_value=np.nan), np.nan)  # row -1: none
            out[name] = values[rows] if name in measures else np.nan_to_num(values[rows], nan=0.0).astype("int64")
    out["label"] = [labels.get(c, c.replace("_", " ").capitalize()) for c in codes]
    return pd.DataFrame(out)


def in_type_order(rows: pd.DataFrame, types: Sequence[str], column: str = "ward_type",
                  then: str = "ward") -> pd.DataFrame:
    """Return the rows sorted by `column` in the order of `types` (unknown types last), then by `then`."""
    order = {t: i for i, t in enumerate(types)}
    rows = rows.assign(type_order=rows[column].map(order).fillna(len(order)))
    return rows.sort_values(["type_order", then]).reset_index(drop=True)


def has_suppressed(shown: pd.DataFrame, columns: Sequence[str]) -> bool:
    """Return whether any shown value in `columns` is suppressed."""
    return any(v == SUPPRESSED for c in columns for v in shown[c])


def drawable(*columns: Sequence[Any]) -> bool:
    """Return whether any value of the shown columns can be drawn (not all zero or '*')."""
    return any(v for column in columns for v in plottable(column))


def all_suppressed(note: str = "") -> Drawn:
    """Return the message figure for a chart whose every number is suppressed; its note, then `note`.

    `note` is what the chart would have said (how to read it), less its line about '*'.
    """
    kept = note.replace(SUPPRESSED_NOTE, "").strip()
    return Drawn(figures.message_figure(ALL_SUPPRESSED), f"{ALL_SUPPRESSED} {kept}".strip())


def noted(fig: dict, shown: pd.DataFrame, columns: Sequence[str], *sentences: str,
          suppressed_note: str = SUPPRESSED_NOTE) -> Drawn:
    """Return the figure with its note: the sentences, then `suppressed_note` if any of `columns` is '*'."""
    notes = [s for s in sentences if s]
    if has_suppressed(shown, columns):
        notes.append(suppressed_note)
    return Drawn(fig, " ".join(notes))


# A regional or national extract has hundreds of sites and wards: a chart draws the most telling.
CHARTED = 25


def most_telling(shown: pd.DataFrame, column: str, *, lowest: bool = False, n: int = CHARTED) -> pd.DataFrame:
    """Return the rows to chart from a long breakdown: all of them when few, else `n` ranked on `column`.

    Ranked highest first (or lowest first), on the shown values only: a suppressed or empty
    value ranks last, so a row's place says nothing about a hidden value. The table and CSV
    keep every row.
    """
    if len(shown) <= n:
        return shown
    values = plottable(shown[column])
    order = sorted(range(len(shown)), key=lambda i: (values[i] is None,
                                                     0 if values[i] is None else (values[i] if lowest else -values[i])))
    return shown.iloc[order[:n]]


def charted_note(shown: pd.DataFrame, charted: pd.DataFrame, what: str, how: str) -> str:
    """Return 'The 25 <what> with <how> of 224; the table and CSV list every one.' when rows were left out."""
    if len(charted) == len(shown):
        return ""
    return f"The {len(charted)} {what} with {how} of {len(shown):,}; the table and CSV list every one."


# --- a per-period mix that would be mostly hidden: show the mix over the whole period ------------

WHOLE_PERIOD = "Whole period"
MIX_NOTE = ("Most periods' figures here are too small to show (*), so the chart shows the mix over the whole "
            "period instead; the table lists each period and the whole period.")


def with_whole_period(frame: pd.DataFrame, columns: Sequence[str], label: str = "period") -> pd.DataFrame:
    """Return a per-period frame with a last row for the whole period: each count column's total.

    The row goes through the same protection as the others (rounded, or '*'), so the mix over the
    whole period is there to draw when most periods' cells would be hidden.
    """
    total = {c: int(pd.to_numeric(frame[c], errors="coerce").fillna(0).sum()) for c in columns}
    row = pd.DataFrame([{**{c: None for c in frame.columns}, **total, label: WHOLE_PERIOD}])
    return pd.concat([frame, row.astype({c: "int64" for c in columns})], ignore_index=True)


def split_whole_period(shown: pd.DataFrame, label: str = "period") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (the periods' rows, the whole period's row) of a protected frame made with with_whole_period."""
    whole = shown[label] == WHOLE_PERIOD
    return shown[~whole].reset_index(drop=True), shown[whole].reset_index(drop=True)


def mostly_hidden(shown: pd.DataFrame, columns: Sequence[str]) -> bool:
    """Return whether more of the non-zero cells of `columns` are hidden ('*') than shown."""
    cells = [v for c in columns for v in shown[c]]
    hidden = sum(v == SUPPRESSED for v in cells)
    visible = sum(1 for v in plottable(cells) if v)
    return hidden > visible


def whole_period_mix(whole: pd.DataFrame, series: Mapping[str, tuple[str, str]], unit: str) -> Drawn:
    """Return horizontal bars of each category over the whole period, with its share of the shown total.

    Shares come from the shown (rounded) counts; a hidden category is marked '*', never left out.
    """
    row = whole.iloc[0]
    values = [row[c] for c in series]
    drawn = plottable(values)
    total = sum(v for v in drawn if v)
    labels = [label for label, _ in series.values()]
    text = ["*" if v == SUPPRESSED else (f"{v:,.0f} ({100 * v / total:.0f}%)" if total else f"{v:,.0f}")
            for v in values]
    fig = figures.bar_figure(labels, [(unit, drawn)], horizontal=True)
    fig["data"][0]["marker"] = {**fig["data"][0].get("marker", {}), "color": [colour for _, colour in series.values()]}
    fig["data"][0]["text"] = text
    fig["data"][0]["textposition"] = "outside"
    fig["data"][0]["cliponaxis"] = False
    fig = figures.mark_suppressed(fig, {"label": labels, **{"value": values}}, "label", ["value"], horizontal=True)
    return Drawn(fig, MIX_NOTE)
