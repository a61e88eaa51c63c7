"""A trend's SPC reading: which buckets count, where the changes fall, and MDC's XmR chart of them.

One function (`trend_reading`) reads a metric's shown series for its chart and for its
card, so the card's icons always come from the chart's own series, grain and segment.

A trend chart runs over the data's history up to the end of the chosen period, so that
even the default twelve months give enough points for process limits; the chosen period is
shaded on it and the cards summarise it. A point is a whole bucket: a quarter or financial
year not wholly inside the data and the chart's months (before the data's first month, or
past the period's end) is not part of the calculation; it is drawn apart and labelled. A
month before the data's first month is never drawn at all (the chart starts at the data).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Sequence

from dashboard.core.disclosure import SUPPRESSED
from dashboard.core.periods import add_months
from dashboard.core.spc import SpcResult, spc

GRAIN_MONTHS = {"month": 1, "quarter": 3, "fy": 12}


@dataclass(frozen=True)
class Change:
    """A service change as a trend needs it: its first month, its title, whether limits restart there."""

    month: date
    title: str
    recalculate: bool


@dataclass(frozen=True)
class TrendReading:
    """The SPC reading of a trend's buckets."""

    whole: tuple[bool, ...]  # per bucket: wholly inside the data and the chart's months (part of the calculation)
    in_period: tuple[bool, ...]  # per bucket: starts inside the chosen period (shaded)
    changes: tuple[tuple[int, Change], ...]  # (index of the first bucket after it, change) within the chart
    result: SpcResult


def bucket_end(bucket: date, grain: str) -> date:
    """Return the first day of a bucket's last month."""
    return add_months(bucket, GRAIN_MONTHS[grain] - 1)


def trend_reading(buckets: Sequence[date], shown: Sequence[Any], *, grain: str, first: date, last: date,
                  period_start: date, changes: Sequence[Change] = (), better: str | None = None,
                  target: float | None = None, percent: bool = False, count: bool = False,
                  open_from: date | None = None) -> TrendReading:
    """Return the reading of shown values by bucket ('*' where suppressed) between the months `first` and `last`.

    `first` is the data's first month; `last` the last month the chart may show (the period's end,
    never past the data's). A change with `recalculate` starts a new segment at its first bucket.
    `open_from`: the first month whose follow-up window is not complete (dashboard.core.windows): a
    bucket reaching it is not part of the calculation either.
    """
    whole = tuple(first <= b and bucket_end(b, grain) <= last
                  and (open_from is None or bucket_end(b, grain) < open_from) for b in buckets)
    values: list[float | None] = []
    hidden = 0
    for ok, v in zip(whole, shown):
        plain = v if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v else None
        values.append(plain if ok else None)
        hidden += ok and v == SUPPRESSED
    placed: list[tuple[int, Change]] = []
    for change in changes:
        at = next((i for i, b in enumerate(buckets) if b >= change.month), None)
        if at is not None and at > 0 and buckets[0] < change.month <= last:
            placed.append((at, change))
    recalc = sorted({i for i, c in placed if c.recalculate})
    bounds = {"lower_bound": 0.0, "upper_bound": 100.0} if percent else {"lower_bound": 0.0}
    result = spc(values, better, target, **bounds, suppressed_counts=hidden if count else 0, recalc_at=recalc)
    return TrendReading(whole, tuple(b >= period_start for b in buckets), tuple(placed), result)
