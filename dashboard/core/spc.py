"""Statistical process control, as NHS England's "Making Data Count" (MDC) tools apply it.

The reference is MDC's current tools: the Single Chart Tool v5.0 and its XmR test pack, and
the SPC SQL query v2.6 (the README's "Making Data Count" section lists where they, and the
NHS-R community's NHSRplotthedots, differ, and which this module follows).

XmR chart: centre line at the mean; process limits at mean ± 2.66 × the mean moving range
(the moving range of consecutive points; no moving-range outliers are removed). Special cause
variation is signalled by any of:

1. a single point outside the process limits ('limit');
2. a shift: a run of `shift_run` (MDC: 6) or more consecutive points all above, or all
   below, the mean; a point on the mean breaks it ('shift');
3. a trend: a run of `trend_run` (MDC: 6) or more consecutive points, each higher (or each
   lower) than the one before, the first point included; a tie breaks it ('trend');
4. two or three of three consecutive points beyond two sigma (two thirds of the way from
   the mean to a limit) on one side, with all three points on that side of the mean; a point
   beyond the limit itself counts for rule 1, not here ('two_of_three').

A special cause point is "improvement" or "concern" by the measure's better direction,
"neither" when it has none. A point can break rules in both directions (a trend crosses the
mean): which one it shows is the operator's `spc_conflict` setting: 'improvement' (MDC's
Single Chart Tool shows the improvement colour), 'concern', or 'rank' (the rule highest in
trend > shift > two of three > single point decides; a tie shows improvement).

The variation icon reads the last point; the assurance icon compares the target with the last
segment's process limits (a target on a limit passes or fails). With fewer than `min_points`
(MDC: 13) points the chart has its mean but no limits, signals or icons.

Missing points (None) are skipped, as MDC advises for dates without a value: they are not
points, so they neither count towards the minimum nor take part in a moving range or a run.
A `baseline` of N fixes the mean and limits from the first N points (runs still span its
end); `recalc_at` starts a new segment at each given index: mean, limits and rules are
computed per segment and no run crosses a change.

A count series with suppressed points gets no limits (nor a mean) when the hidden points
could move its mean by more than a tenth: they are the small ones (each from 1 to 7, or,
hidden so that another cannot be worked out, no larger than the smallest non-zero point
shown), so the mean and limits of the rest are biased and their signals mislead. Ages 0-17 by
month in a small system once showed only the zero months, a mean and limits of 0 and "no
significant change", for a series whose hidden months held every detention. A few gaps in a
long series of large counts are skipped. The same holds for a percentage or a rate hidden
because its numerator is small (`hidden_ranges`: the values each such point could take, from
its shown denominator): the hidden points are the low ones, so the points left drift above
the true mean, and runs of them read as improvement or concern that the data do not show. A
median, or a percentage whose denominator is itself small, is hidden for its base, not for
its value, so its other points still make a chart (the gaps are skipped).

Rare events are charted as the time between them (a T chart, `t_chart`): the days between
consecutive events are transformed by t ** (1 / 3.6), an XmR chart is drawn on the
transformed values, and its mean and limits are transformed back (MDC's SQL query).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
from typing import Sequence

MIN_POINTS = 13  # MDC: 12 points or fewer show no process limits or icons
SHIFT_RUN = 6
TREND_RUN = 6
CONFLICT = "improvement"
CONFLICTS = ("improvement", "concern", "rank")
RUN_RANGE = (3, 15)  # allowed run lengths (MDC advises 6 to 8)
MIN_POINTS_RANGE = (2, 100)
LIMIT_FACTOR = 2.66
T_EXPONENT = 3.6  # MDC's T chart: transform days between events by t ** (1 / 3.6)
MAX_MEAN_BIAS = 0.1  # how far suppressed counts may move a series' mean and it still gets limits
RULES = ("limit", "two_of_three", "shift", "trend")  # in MDC's 'rank' order, lowest first
_RANK = {rule: i + 1 for i, rule in enumerate(RULES)}

# MDC's icon names (SQL query v2.6 and the Single Chart Tool)
VARIATION_ICONS = {
    "common": "Common Cause",
    "improvement_high": "Improvement (High)",
    "improvement_low": "Improvement (Low)",
    "concern_high": "Concern (High)",
    "concern_low": "Concern (Low)",
    "neither_high": "Neither (High)",
    "neither_low": "Neither (Low)",
}
ASSURANCE_ICONS = {"pass": "Pass", "fail": "Fail", "hit_and_miss": "Hit or Miss"}


@dataclass(frozen=True)
class SpcOptions:
    """The rule settings of an SPC chart (operator settings; MDC's defaults)."""

    shift_run: int = SHIFT_RUN
    trend_run: int = TREND_RUN
    min_points: int = MIN_POINTS
    conflict: str = CONFLICT

    def __post_init__(self) -> None:
        for name in ("shift_run", "trend_run"):
            check_int(name, getattr(self, name), *RUN_RANGE)
        check_int("min_points", self.min_points, *MIN_POINTS_RANGE)
        if self.conflict not in CONFLICTS:
            raise ValueError(f"conflict must be one of {', '.join(CONFLICTS)}, not {self.conflict!r}")


def check_int(name: str, value: object, low: int, high: int) -> int:
    """Return `value` if it is an integer from `low` to `high`, else raise ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return value


def default_options() -> SpcOptions:
    """Return the SPC options the operator's settings give."""
    from dashboard.settings import get_settings

    s = get_settings()
    return SpcOptions(s.spc_shift_run, s.spc_trend_run, s.spc_min_points, s.spc_conflict)


@dataclass(frozen=True)
class SpcResult:
    """An XmR chart: limits per point, a signal per point, and the MDC icons."""

    values: tuple[float | None, ...]
    # The last segment's mean and process limits (the ones the icons read).
    mean: float | None
    upper: float | None
    lower: float | None
    # Per point: None (common cause or no value), 'improvement', 'concern' or 'neither'.
    signals: tuple[str | None, ...]
    # Which rules each point broke ('limit', 'shift', 'trend', 'two_of_three').
    rules: tuple[frozenset[str], ...]
    # 'common', 'improvement_high', 'improvement_low', 'concern_high', 'concern_low',
    # 'neither_high', 'neither_low' (VARIATION_ICONS gives MDC's names); None with too few points.
    variation: str | None
    # 'pass' (consistently meets target), 'fail' (consistently misses), 'hit_and_miss'; None: no target.
    assurance: str | None
    enough_points: bool
    # Why there are no limits: 'few_points', or 'counts_suppressed' (see the module docstring).
    withheld: str | None = None
    # Per point: the mean and limits of its segment (None where the chart has none).
    means: tuple[float | None, ...] = ()
    uppers: tuple[float | None, ...] = ()
    lowers: tuple[float | None, ...] = ()
    # Per point: its segment (0, 1, ... from each recalculation).
    segments: tuple[int, ...] = ()
    # Things an analyst should know (e.g. a segment shorter than MDC advises).
    warnings: tuple[str, ...] = ()

    @property
    def sigma(self) -> float | None:
        """Return one sigma of the last segment (a third of the distance from the mean to a limit)."""
        return None if self.mean is None or self.upper is None else (self.upper - self.mean) / 3

    @property
    def variation_icon(self) -> str | None:
        """Return MDC's name for the variation icon ('Common Cause', 'Improvement (High)', ...)."""
        return VARIATION_ICONS.get(self.variation or "")

    @property
    def assurance_icon(self) -> str | None:
        """Return MDC's name for the assurance icon ('Pass', 'Fail', 'Hit or Miss')."""
        return ASSURANCE_ICONS.get(self.assurance or "")


def _clean(values: Sequence[float | None]) -> list[float | None]:
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in values]


def xmr_limits(values: Sequence[float]) -> tuple[float, float]:
    """Return (mean, mean moving range) of an XmR chart over the values (at least two)."""
    mean = sum(values) / len(values)
    moving = [abs(b - a) for a, b in zip(values, values[1:])]
    return mean, sum(moving) / len(moving)


def _runs(flags: Sequence[int], length: int) -> set[int]:
    """Return indexes in runs of `length` or more equal non-zero flags."""
    marked: set[int] = set()
    start = 0
    for i in range(1, len(flags) + 1):
        if i == len(flags) or flags[i] != flags[start]:
            if flags[start] != 0 and i - start >= length:
                marked.update(range(start, i))
            start = i
    return marked


@dataclass(frozen=True)
class _Lines:
    mean: float
    upper: float | None
    lower: float | None

    @property
    def sigma(self) -> float | None:
        return None if self.upper is None else (self.upper - self.mean) / 3


def _segment_rules(series: list[float], lines: list[_Lines], options: SpcOptions) -> list[set[tuple[str, int]]]:
    """Return, per point of one segment, the rules it breaks with their direction (+1 high, -1 low)."""
    hits: list[set[tuple[str, int]]] = [set() for _ in series]
    side = [1 if v > ln.mean else -1 if v < ln.mean else 0 for v, ln in zip(series, lines)]
    for j, (v, ln) in enumerate(zip(series, lines)):
        if ln.upper is not None and v > ln.upper:
            hits[j].add(("limit", 1))
        elif ln.lower is not None and v < ln.lower:
            hits[j].add(("limit", -1))
    for j in _runs(side, options.shift_run):
        hits[j].add(("shift", side[j]))
    # Beyond two sigma but not beyond the limit: a point past the limit is a single-point signal.
    near = []
    for v, ln in zip(series, lines):
        sig = ln.sigma
        if sig is None:
            near.append(0)
        elif ln.mean + 2 * sig < v <= ln.upper:  # type: ignore[operator]
            near.append(1)
        elif ln.lower is not None and ln.lower <= v < ln.mean - 2 * sig:
            near.append(-1)
        else:
            near.append(0)
    for j in range(len(series) - 2):
        for sign in (1, -1):
            if side[j:j + 3] == [sign] * 3 and near[j:j + 3].count(sign) >= 2:
                for k in range(j, j + 3):
                    if near[k] == sign:
                        hits[k].add(("two_of_three", sign))
    # A trend counts points, so 6 points are 5 consecutive rises; a tie breaks the run.
    steps = [1 if b > a else -1 if b < a else 0 for a, b in zip(series, series[1:])]
    for j in _runs(steps, options.trend_run - 1):
        for k in (j, j + 1):
            hits[k].add(("trend", steps[j]))
    return hits


def _resolve(hits: set[tuple[str, int]], better: str | None, conflict: str) -> tuple[str | None, int]:
    """Return the signal a point shows and its direction (+1 high, -1 low), by the conflict setting."""
    if not hits:
        return None, 0
    if better is None:
        return "neither", 1 if any(d > 0 for _, d in hits) else -1  # MDC: 'Neither (High)' first
    good = 1 if better == "up" else -1
    kinds = {d == good for _, d in hits}
    if kinds == {True}:
        return "improvement", good
    if kinds == {False}:
        return "concern", -good
    if conflict == "concern":
        return "concern", -good
    if conflict == "rank":
        top_good = max(_RANK[r] for r, d in hits if d == good)
        top_bad = max(_RANK[r] for r, d in hits if d != good)
        if top_bad > top_good:
            return "concern", -good
    return "improvement", good


def mean_bias(series: Sequence[float], hidden: int, ranges: Sequence[tuple[float, float]] = ()) -> float:
    """Return how far, at most, the mean of `series` is from the mean with the hidden points put back.

    `hidden` counts: each at least 1 and at most the smallest non-zero count shown (a shown count
    is 0 or at least the suppression threshold). `ranges`: for other hidden points (a percentage
    or rate hidden for its small numerator), the lowest and highest value each could take.
    The mean moves monotonically with each hidden value, so its extremes are all-lowest and
    all-highest. (With only zeros shown the bound does not matter: the distance is the whole mean.)
    A relative distance: 0.1 is a tenth; infinite when nothing is shown.
    """
    if not hidden and not ranges:
        return 0.0
    if not series:
        return math.inf
    total, n = sum(series), len(series) + hidden + len(ranges)
    shown = total / len(series)
    largest = max(1, min((v for v in series if v > 0), default=0))
    lowest = total + hidden + sum(lo for lo, _ in ranges)
    highest = total + hidden * largest + sum(hi for _, hi in ranges)
    if math.isinf(highest):
        return math.inf
    return max(abs(shown - t / n) / (t / n) if t > 0 else (0.0 if shown == 0 else math.inf)
               for t in (lowest, highest))


def _segment_bounds(n: int, recalc_at: Sequence[int]) -> list[tuple[int, int]]:
    cuts = sorted({i for i in recalc_at if 0 < i < n})
    for i in recalc_at:
        if not 0 <= i < n:
            raise ValueError(f"a recalculation at point {i + 1} is outside the series of {n} points")
    starts = [0, *cuts]
    return list(zip(starts, [*cuts, n]))


def spc(values: Sequence[float | None], better: str | None = None, target: float | None = None,
        *, lower_bound: float | None = None, upper_bound: float | None = None,
        suppressed_counts: int = 0, hidden_ranges: Sequence[tuple[float, float]] = (),
        recalc_at: Sequence[int] = (), baseline: int | None = None,
        options: SpcOptions | None = None) -> SpcResult:
    """Return the XmR chart of `values` (None = a missing or suppressed point, skipped).

    `better` is 'up', 'down' or None; `target` enables the assurance icon;
    bounds clip the limits reported to what the measure can take (0-100 for a percentage), but
    the signals and icons read MDC's unclipped limits.
    `suppressed_counts`: how many of the values are counts suppressed as small numbers;
    no limits if they could move the mean by more than a tenth (module docstring).
    `hidden_ranges`: (lowest, highest) of each point hidden for its small numerator, the same test.
    `recalc_at`: indexes of `values` where a new segment starts; `baseline`: limits of the first
    segment from its first N points. `options`: rule settings (default: the operator's).
    """
    if better not in (None, "up", "down"):
        raise ValueError(f"better must be 'up', 'down' or None, not {better!r}")
    options = options or default_options()
    clean = _clean(values)
    n = len(clean)
    bounds = _segment_bounds(n, recalc_at)
    present = [i for i, v in enumerate(clean) if v is not None]
    series_all = [clean[i] for i in present]
    segment_of = [0] * n
    for s, (a, b) in enumerate(bounds):
        segment_of[a:b] = [s] * (b - a)
    if baseline is not None:
        check_int("baseline", baseline, 2, 10**9)
        first = [i for i in present if i < bounds[0][1]]
        if baseline > len(first):
            raise ValueError(f"the baseline of {baseline} points is longer than the {len(first)} points "
                             "before the first recalculation" if len(bounds) > 1 else
                             f"the baseline of {baseline} points is longer than the series ({len(first)} points)")
    nothing: SpcResult = SpcResult(tuple(clean), None, None, None, (None,) * n, (frozenset(),) * n, None, None,
                                   False, None, (None,) * n, (None,) * n, (None,) * n, tuple(segment_of))
    if mean_bias(series_all, suppressed_counts, hidden_ranges) > MAX_MEAN_BIAS:
        return replace(nothing, withheld="counts_suppressed")
    if not series_all:
        return replace(nothing, withheld="few_points")

    enough = len(series_all) >= options.min_points
    means: list[float | None] = [None] * n
    uppers: list[float | None] = [None] * n
    lowers: list[float | None] = [None] * n
    raw_upper: list[float | None] = [None] * n
    raw_lower: list[float | None] = [None] * n
    signals: list[str | None] = [None] * n
    rules: list[frozenset[str]] = [frozenset()] * n
    direction = [0] * n
    warnings: list[str] = []
    for s, (a, b) in enumerate(bounds):
        idx = [i for i in present if a <= i < b]
        if not idx:
            continue
        seg = [clean[i] for i in idx]  # type: ignore[misc]
        basis = seg[:baseline] if (s == 0 and baseline is not None) else seg
        mean = sum(basis) / len(basis)
        lines = _Lines(mean, None, None)
        if enough and len(basis) >= 2:
            _, mr_bar = xmr_limits(basis)
            lines = _Lines(mean, mean + LIMIT_FACTOR * mr_bar, mean - LIMIT_FACTOR * mr_bar)
            if len(basis) < 12:
                warnings.append(f"segment {s + 1} has {len(basis)} points for its limits; MDC advises at least 12")
        for i in range(a, b):
            means[i] = lines.mean
            raw_upper[i], raw_lower[i] = lines.upper, lines.lower
            uppers[i] = None if lines.upper is None else min(lines.upper, upper_bound) if upper_bound is not None \
                else lines.upper
            lowers[i] = None if lines.lower is None else max(lines.lower, lower_bound) if lower_bound is not None \
                else lines.lower
        if not enough:
            continue
        for j, hits in enumerate(_segment_rules(seg, [lines] * len(seg), options)):
            i = idx[j]
            rules[i] = frozenset(r for r, _ in hits)
            signals[i], direction[i] = _resolve(hits, better, options.conflict)

    last_segment = segment_of[present[-1]] if present else len(bounds) - 1
    last_at = bounds[last_segment][0]
    mean, upper, lower = means[last_at], uppers[last_at], lowers[last_at]
    if not enough:
        return replace(nothing, mean=mean, means=tuple(means), withheld="few_points")
    last = present[-1]
    if signals[last] is None:
        variation = "common"
    else:
        variation = f"{signals[last]}_{'high' if direction[last] > 0 else 'low'}"
    assurance = _assurance(raw_lower[last], raw_upper[last], target, better)
    return SpcResult(tuple(clean), mean, upper, lower, tuple(signals), tuple(rules), variation, assurance, True,
                     None, tuple(means), tuple(uppers), tuple(lowers), tuple(segment_of), tuple(warnings))


def _assurance(lower: float | None, upper: float | None, target: float | None, better: str | None) -> str | None:
    """Return MDC's assurance: a target on a limit passes or fails; inside the limits, hit and miss."""
    if target is None or better is None or lower is None or upper is None:
        return None
    passes, fails = (target <= lower, target >= upper) if better == "up" else (target >= upper, target <= lower)
    return "pass" if passes else "fail" if fails else "hit_and_miss"


@dataclass(frozen=True)
class TChartResult:
    """A T chart of rare events: days between consecutive events, limits transformed back."""

    events: tuple[date, ...]
    # Per event after the first: days since the one before, and its XmR reading.
    days: tuple[float, ...]
    chart: SpcResult
    last_event: date | None

    @property
    def mean(self) -> float | None:
        """Return the mean days between events (transformed back)."""
        return self.chart.mean


def t_chart(events: Sequence[date], *, recalc_at: Sequence[int] = (), options: SpcOptions | None = None) -> TChartResult:
    """Return the T chart of event dates (sorted here; an event per entry, several on a day allowed).

    Longer between adverse events is better, so the chart's better direction is 'up'. MDC's rare
    event method: an XmR chart on days ** (1 / 3.6), its mean and limits raised back to the 3.6th
    power (a lower limit below zero before that is dropped). `recalc_at` indexes the gaps.
    """
    ordered = sorted(events)
    days = [float((b - a).days) for a, b in zip(ordered, ordered[1:])]
    transformed = [d ** (1 / T_EXPONENT) for d in days]
    xmr = spc(transformed, "up", recalc_at=recalc_at, options=options)

    def back(v: float | None) -> float | None:
        return None if v is None or v < 0 else v ** T_EXPONENT

    chart = replace(
        xmr, values=tuple(days), mean=back(xmr.mean), upper=back(xmr.upper), lower=back(xmr.lower),
        means=tuple(back(v) for v in xmr.means), uppers=tuple(back(v) for v in xmr.uppers),
        lowers=tuple(back(v) for v in xmr.lowers))
    return TChartResult(tuple(ordered), tuple(days), chart, ordered[-1] if ordered else None)


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
