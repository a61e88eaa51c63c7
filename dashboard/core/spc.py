"""Statistical process control, as NHS England's "Making Data Count" (MDC) draws it.

XmR chart: centre line at the mean; process limits at mean ± 2.66 × the mean
moving range. Special cause variation is signalled by any of:

1. a single point outside the process limits;
2. a shift: a run of 7 or more consecutive points on one side of the mean;
3. a trend: a run of 6 or more consecutive points all rising or all falling;
4. two out of three consecutive points close to a process limit (beyond two
   thirds of the way from the mean to the limit, i.e. beyond 2 sigma), on the
   same side.

A special cause point is "improvement" or "concern" by the metric's better
direction, "neither" when the metric has none. The variation icon reads the
latest point; the assurance icon compares the target with the process limits.
With fewer than 12 points MDC advises against limits: the result says so and
carries no limits or signals.

A count series with suppressed points gets no limits either, however many points
are left, when the hidden points could move its mean by more than a tenth: they are
the small ones (each from 1 to 7, or, hidden so that another cannot be worked out,
no larger than the smallest non-zero point shown), so the mean and limits of the
rest are biased and their signals mislead. Ages 0-17 by month in a small system once
showed only the zero months, a mean and limits of 0 and "no significant change",
for a series whose hidden months held every detention. A few gaps in a long series
of large counts are skipped. A rate or median is suppressed for its small base, not
for its value, so its other points still make a chart (the gaps are skipped).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

MIN_POINTS = 12
SHIFT_RUN = 7
TREND_RUN = 6
LIMIT_FACTOR = 2.66
MAX_MEAN_BIAS = 0.1  # how far suppressed counts may move a series' mean and it still gets limits


@dataclass(frozen=True)
class SpcResult:
    """An XmR chart: limits, a signal per point, and the MDC icons."""

    values: tuple[float | None, ...]
    mean: float | None
    upper: float | None
    lower: float | None
    # Per point: None (common cause or no value), 'improvement', 'concern' or 'neither'.
    signals: tuple[str | None, ...]
    # Which rules each point broke ('limit', 'shift', 'trend', 'two_of_three').
    rules: tuple[frozenset[str], ...]
    # 'common', 'improvement_high', 'improvement_low', 'concern_high', 'concern_low',
    # 'neither_high', 'neither_low'; None with too few points.
    variation: str | None
    # 'pass' (consistently meets target), 'fail' (consistently misses), 'hit_and_miss'; None: no target.
    assurance: str | None
    enough_points: bool
    # Why there are no limits: 'few_points', or 'counts_suppressed' (see the module docstring).
    withheld: str | None = None

    @property
    def sigma(self) -> float | None:
        """Return one sigma (a third of the distance from the mean to a limit)."""
        return None if self.mean is None or self.upper is None else (self.upper - self.mean) / 3


def _clean(values: Sequence[float | None]) -> list[float | None]:
    out: list[float | None] = []
    for v in values:
        out.append(None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v))
    return out


def xmr_limits(values: Sequence[float]) -> tuple[float, float]:
    """Return (mean, mean moving range) of an XmR chart over the values (at least two)."""
    mean = sum(values) / len(values)
    moving = [abs(b - a) for a, b in zip(values, values[1:])]
    return mean, sum(moving) / len(moving)


def _runs(flags: list[int], length: int) -> set[int]:
    """Return indexes in runs of `length` or more equal non-zero flags."""
    marked: set[int] = set()
    start = 0
    for i in range(1, len(flags) + 1):
        if i == len(flags) or flags[i] != flags[start]:
            if flags[start] != 0 and i - start >= length:
                marked.update(range(start, i))
            start = i
    return marked


def _signal_rules(series: list[float], mean: float, lower: float, upper: float,
                  sigma: float) -> tuple[list[set[str]], list[int]]:
    """Return, per point, the MDC rules it breaks and the direction (+1 high, -1 low) of the signal."""
    rules: list[set[str]] = [set() for _ in series]
    direction = [0] * len(series)

    def mark(j: int, rule: str, sign: int) -> None:
        rules[j].add(rule)
        direction[j] = direction[j] or sign  # the first (strongest) rule decides the direction

    side = [1 if v > mean else -1 if v < mean else 0 for v in series]
    for j, v in enumerate(series):
        if v > upper or v < lower:
            mark(j, "limit", side[j])
    for j in sorted(_runs(side, SHIFT_RUN)):
        mark(j, "shift", side[j])
    near = [1 if v > mean + 2 * sigma else -1 if v < mean - 2 * sigma else 0 for v in series]
    for j in range(len(series) - 2):
        for sign in (1, -1):
            if near[j:j + 3].count(sign) >= 2:
                for k in range(j, j + 3):
                    if near[k] == sign:
                        mark(k, "two_of_three", sign)
    # A trend counts points, so 6 points are 5 consecutive rises; a tie breaks the run.
    steps = [1 if b > a else -1 if b < a else 0 for a, b in zip(series, series[1:])]
    for j in sorted(_runs(steps, TREND_RUN - 1)):
        for k in (j, j + 1):
            mark(k, "trend", steps[j])
    return rules, direction


def mean_bias(series: Sequence[float], hidden: int) -> float:
    """Return how far, at most, the mean of `series` is from the mean with `hidden` more counts.

    Each hidden count is at least 1 and at most the smallest non-zero count shown: a shown count
    is 0 or at least the suppression threshold, and secondary suppression hides the smallest
    other cell. (With only zeros shown the bound does not matter: the distance is the whole mean.)
    A relative distance: 0.1 is a tenth; infinite when nothing is shown.
    """
    if not hidden:
        return 0.0
    if not series:
        return math.inf
    total, n = sum(series), len(series) + hidden
    shown = total / len(series)
    largest = max(1, min((v for v in series if v > 0), default=0))
    return max(abs(shown - true) / true for true in ((total + hidden) / n, (total + hidden * largest) / n))


def spc(values: Sequence[float | None], better: str | None = None, target: float | None = None,
        *, lower_bound: float | None = None, upper_bound: float | None = None,
        suppressed_counts: int = 0) -> SpcResult:
    """Return the XmR chart of `values` (None = a missing or suppressed point, skipped).

    `better` is 'up', 'down' or None; `target` enables the assurance icon;
    bounds clip the limits to what the measure can take (0-100 for a percentage).
    `suppressed_counts`: how many of the values are counts suppressed as small numbers;
    no limits if they could move the mean by more than a tenth (module docstring).
    """
    clean = _clean(values)
    present = [i for i, v in enumerate(clean) if v is not None]
    series = [clean[i] for i in present]
    biased = mean_bias(series, suppressed_counts) > MAX_MEAN_BIAS
    if biased or len(series) < MIN_POINTS:
        return SpcResult(tuple(clean), None, None, None, tuple(None for _ in clean),
                         tuple(frozenset() for _ in clean), None, None, False,
                         "counts_suppressed" if biased else "few_points")

    mean, mr_bar = xmr_limits(series)
    sigma = LIMIT_FACTOR * mr_bar / 3
    lower, upper = mean - 3 * sigma, mean + 3 * sigma
    if lower_bound is not None:
        lower = max(lower, lower_bound)
    if upper_bound is not None:
        upper = min(upper, upper_bound)
    rules, direction = _signal_rules(series, mean, lower, upper, sigma)

    signals: list[str | None] = [None] * len(clean)
    point_rules: list[frozenset[str]] = [frozenset()] * len(clean)
    for j, i in enumerate(present):
        point_rules[i] = frozenset(rules[j])
        if rules[j]:
            signals[i] = _judge(direction[j] > 0, better)

    last = present[-1]
    if signals[last] is None:
        variation = "common"
    else:
        variation = f"{signals[last]}_{'high' if direction[-1] > 0 else 'low'}"
    return SpcResult(tuple(clean), mean, upper, lower, tuple(signals), tuple(point_rules), variation,
                     _assurance(lower, upper, target, better), True)


def _judge(high: bool, better: str | None) -> str:
    if better is None:
        return "neither"
    return "improvement" if (better == "up") == high else "concern"


def _assurance(lower: float, upper: float, target: float | None, better: str | None) -> str | None:
    if target is None or better is None:
        return None
    if lower <= target <= upper:
        return "hit_and_miss"
    meets = lower > target if better == "up" else upper < target
    return "pass" if meets else "fail"


VARIATION_TEXT = {
    "common": "Common cause variation: no significant change",
    "improvement_high": "Special cause: improvement (higher)",
    "improvement_low": "Special cause: improvement (lower)",
    "concern_high": "Special cause: concern (higher)",
    "concern_low": "Special cause: concern (lower)",
    "neither_high": "Special cause: higher (neither better nor worse)",
    "neither_low": "Special cause: lower (neither better nor worse)",
}
ASSURANCE_TEXT = {
    "pass": "Consistently meets the target",
    "fail": "Consistently misses the target",
    "hit_and_miss": "Hits and misses the target at random",
}
