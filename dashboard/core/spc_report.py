"""`python -m dashboard spc`: an analyst's own series in, MDC's reading of it out as JSON.

The analyst already holds the series, so nothing here is suppressed (the contract's
"Metrics on the command line"). Every problem with the input is a ValueError whose message
is one line, for the command line to print.
"""
from __future__ import annotations

import csv
import io
import math
import re
from typing import Any, Sequence

from dashboard.core.spc import SpcOptions, spc

BETTER = {"higher": "up", "lower": "down", "neither": None}
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def read_series(text: str) -> tuple[list[str], list[float | None]]:
    """Return the periods and values of CSV text with a `period,value` header (empty value = missing)."""
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise ValueError("no input: expected CSV with a header 'period,value'")
    header = [cell.strip().lower().lstrip("\ufeff") for cell in rows[0]]
    if header != ["period", "value"]:
        raise ValueError(f"the header must be 'period,value', not {','.join(rows[0])!r}")
    periods: list[str] = []
    values: list[float | None] = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 2:
            raise ValueError(f"line {line}: expected 2 fields (period,value), found {len(row)}")
        period, raw = row[0].strip(), row[1].strip()
        if not period:
            raise ValueError(f"line {line}: the period is empty")
        if period in periods:
            raise ValueError(f"line {line}: period {period!r} appears twice")
        if raw == "":
            value = None
        else:
            try:
                value = float(raw)
            except ValueError:
                raise ValueError(f"line {line}: value {raw!r} is not a number") from None
            if not math.isfinite(value):
                raise ValueError(f"line {line}: value {raw!r} is not a finite number")
        periods.append(period)
        values.append(value)
    if not periods:
        raise ValueError("no rows after the header 'period,value'")
    return periods, values


def recalc_indexes(periods: Sequence[str], recalc_at: Sequence[str]) -> list[int]:
    """Return the index of each --recalc-at month in `periods` (a period that starts with the month)."""
    indexes = []
    for month in recalc_at:
        if not _MONTH.match(month):
            raise ValueError(f"--recalc-at {month!r} is not a month YYYY-MM")
        found = [i for i, p in enumerate(periods) if p == month or p.startswith(month + "-")]
        if not found:
            raise ValueError(f"--recalc-at {month}: no period {month} in the series")
        indexes.append(found[0])
    return indexes


def spc_report(text: str, *, better: str = "neither", target: float | None = None,
               recalc_at: Sequence[str] = (), baseline: int | None = None,
               options: SpcOptions | None = None) -> dict[str, Any]:
    """Return the contract's JSON object for CSV `text`: points with mean, limits, signal, rules; icons."""
    if better not in BETTER:
        raise ValueError(f"--better must be one of {', '.join(BETTER)}, not {better!r}")
    if target is not None and not math.isfinite(target):
        raise ValueError("--target must be a finite number")
    periods, values = read_series(text)
    result = spc(values, BETTER[better], target, recalc_at=recalc_indexes(periods, recalc_at),
                 baseline=baseline, options=options)
    points = []
    for i, period in enumerate(periods):
        points.append({
            "period": period,
            "value": values[i],
            "mean": result.means[i],
            "lower": result.lowers[i],
            "upper": result.uppers[i],
            "signal": result.signals[i],
            "rules": [rule for rule in ("limit", "two_of_three", "shift", "trend") if rule in result.rules[i]],
        })
    return {
        "points": points,
        "variation": result.variation_icon,
        "assurance": result.assurance_icon,
        "enough_points": result.enough_points,
        "warnings": list(result.warnings),
    }
