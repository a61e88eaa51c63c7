"""Helpers for breakdown charts: rows per known category, and what to say about suppressed values.

The pages' data functions use ``categories`` and ``in_type_order`` to list every known
category (zeros included) in a fixed order; their figure functions use
``has_suppressed``, ``drawable``, ``noted`` and ``all_suppressed`` to tell the reader
where a value is hidden ('*') rather than draw an empty or misleading chart.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from dashboard import figures
from dashboard.disclosure import SUPPRESSED, plottable

# The message of a chart whose every number is small and suppressed.
ALL_SUPPRESSED = "Every number here is small and suppressed (*): see the table."
# The note under a chart that draws '*' where a value is suppressed.
SUPPRESSED_NOTE = "* marks a value too small to show (suppressed); the table view lists every value."


def categories(frame: pd.DataFrame, column: str, labels: Mapping[str, str]) -> pd.DataFrame:
    """Return a breakdown with one row per known category in `labels` order (zeros included), labelled."""
    codes = list(labels) + [c for c in frame[column] if c not in labels]
    out = frame.set_index(column).reindex(codes).fillna(0).astype("int64")
    out = out.rename_axis(column).reset_index()
    return out.assign(label=[labels.get(c, c.replace("_", " ").capitalize()) for c in out[column]])


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


def all_suppressed() -> dict:
    """Return the message figure (with its note) for a chart whose every number is suppressed."""
    return {**figures.message_figure(ALL_SUPPRESSED), "note": ALL_SUPPRESSED}


def noted(fig: dict, shown: pd.DataFrame, columns: Sequence[str], *sentences: str,
          suppressed_note: str = SUPPRESSED_NOTE) -> dict:
    """Return the figure with its note: the sentences, then `suppressed_note` if any of `columns` is '*'."""
    notes = [s for s in sentences if s]
    if has_suppressed(shown, columns):
        notes.append(suppressed_note)
    fig["note"] = " ".join(notes)
    return fig
