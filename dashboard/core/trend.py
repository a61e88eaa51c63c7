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

import math
from dataclasses import dataclass
from datetime import date
from typing import Any, Sequence

from dashboard.core.disclosure import SUPPRESSED, interval
from dashboard.core.periods import add_months
from dashboard.core.spc import SpcResult, spc
from dashboard.settings import get_settings

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
                  rate: bool = False, bases: Sequence[Any] | None = None,
                  open_from: date | None = None) -> TrendReading:
    """Return the reading of shown values by bucket ('*' where suppressed) between the months `first` and `last`.

    `first` is the data's first month; `last` the last month the chart may show (the period's end,
    never past the data's). A change with `recalculate` starts a new segment at its first bucket.
    `open_from`: the first month whose follow-up window is not complete (dashboard.core.windows): a
    bucket reaching it is not part of the calculation either.
    A hidden count, or a percentage (with its shown denominators, `bases`) or a rate hidden for
    its small numerator, can withhold the limits (`hidden_ranges`).
    """
    whole = tuple(first <= b and bucket_end(b, grain) <= last
                  and (open_from is None or bucket_end(b, grain) < open_from) for b in buckets)
    values: list[float | None] = []
    hidden = 0
    for ok, v in zip(whole, shown):
        values.append(v if ok and _number(v) else None)
        hidden += ok and v == SUPPRESSED
    placed: list[tuple[int, Change]] = []
    for change in changes:
        at = next((i for i, b in enumerate(buckets) if b >= change.month), None)
        if at is not None and at > 0 and buckets[0] < change.month <= last:
            placed.append((at, change))
    recalc = sorted({i for i, c in placed if c.recalculate})
    bounds = {"lower_bound": 0.0, "upper_bound": 100.0} if percent else {"lower_bound": 0.0}
    ranges = hidden_ranges(shown, whole, bases=bases, percent=percent, rate=rate)
    result = spc(values, better, target, **bounds, suppressed_counts=hidden if count else 0,
                 hidden_ranges=ranges, recalc_at=recalc)
    return TrendReading(whole, tuple(b >= period_start for b in buckets), tuple(placed), result)


def hidden_ranges(shown: Sequence[Any], counted: Sequence[bool], *, bases: Sequence[Any] | None = None,
                  percent: bool = False, rate: bool = False) -> list[tuple[float, float]]:
    """Return the values each counted point hidden for its small numerator could take (dashboard.core.spc).

    A percentage shown '*' beside a shown denominator d had a numerator from 1 to threshold - 1
    over a true denominator in d's rounding interval; one whose denominator is hidden too is
    hidden for its base and is a plain gap. A rate is hidden only for its count, so it lay
    between 0 and the smallest non-zero rate shown (a shown rate stands for at least the
    threshold). Counts have their own rule (`suppressed_counts`).
    """
    if not (percent or rate):
        return []
    hidden = [i for i, (ok, v) in enumerate(zip(counted, shown)) if ok and v == SUPPRESSED]
    if not hidden:
        return []
    if rate:
        top = min((v for v in shown if _number(v) and v > 0), default=math.inf)  # none shown: no bound
        return [(0.0, float(top))] * len(hidden)
    if bases is None:
        return []
    settings = get_settings()  # the protected view's threshold and base
    low, high = interval(SUPPRESSED, settings.suppression_threshold, settings.rounding_base)
    ranges = []
    for i in hidden:
        d = bases[i]
        if _number(d) and d > 0:
            d_low, d_high = interval(d, settings.suppression_threshold, settings.rounding_base)
            ranges.append((100.0 * low / d_high, min(100.0, 100.0 * high / d_low)))
    return ranges


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v
