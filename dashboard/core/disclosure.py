"""Disclosure control: the one place where figures are made safe to show.

Every figure, card, table and download passes through here on the server, after
the numbers are final and before anything is sent to the browser, under the
request's ``Policy``: the protected view (everyone, by default) or the detailed
view (users the operator names, behind authentication: exact figures, marked).

The protected view is the national publication rule (data contract, "Disclosure control"):
- a count from 1 to threshold-1 (default 7) is '*'; 0 is 0; every other count is
  rounded to the nearest multiple of the base (default 5), halves up;
- a percentage is computed from the ROUNDED numerator and denominator and shown to
  one decimal place; it is '*' where either of them is '*' or the denominator is
  below the threshold;
- a median or other statistic of fewer than threshold records is '*';
- a rate per 100,000 or a ratio of rates is computed from the rounded counts ('*'
  where a count is '*'); population is not about people in crisis and is exact.

Why no secondary suppression: it was there so that a total minus its shown parts
could not give a hidden part. Under rounding every shown count stands for an
interval of true values (``interval``), and the difference of two answers spans
2 × base - 1 values, which always leaves a hidden count two or more candidates
(``differencing_problem`` checks the operator's threshold and base for exactly this,
at start-up). So cells are no longer hidden to protect other cells, and a large
category is never hidden. The residual risk (many overlapping answers intersected
as interval constraints) is described in the README, "Disclosure control".

``Field.partition`` / ``Field.parts`` remain as declarations of which shown cells add
up to which totals: they drive no hiding any more, and the attack tests use them as
a map of the sums a reader can form.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence

import pandas as pd

from dashboard.core.rates import rate_ratio_interval
from dashboard.settings import SUPPRESSION_RULES, SettingError, get_settings

SUPPRESSED = "*"
PROTECTED, DETAILED = "protected", "detailed"
VIEWS = (PROTECTED, DETAILED)
# The contract's visible marking of everything made in the detailed view.
DETAILED_MARK = "Detailed figures: not for onward sharing"


def round_to(n: int, base: int) -> int:
    """Return n rounded to the nearest multiple of base, halves up (12 -> 10, 13 -> 15; base 10: 15 -> 20)."""
    return (n + base // 2) // base * base


def interval(shown: Any, threshold: int = 8, base: int = 5) -> tuple[int, int]:
    """Return the (lowest, highest) true counts that the protected view shows as `shown` ('*', 0 or a multiple)."""
    if shown == SUPPRESSED:
        return 1, threshold - 1
    value = int(shown)
    if value == 0:
        return 0, 0
    return max(threshold, value - base // 2), value + base - 1 - base // 2


@lru_cache(maxsize=64)
def differencing_problem(threshold: int, base: int) -> str | None:
    """Return why a threshold and base let a hidden count be worked out from two answers (None: they do not).

    Two answers a reader can always get: a count S (a period, a band, the other categories) and
    S + x, where x is hidden ('*', so 1..threshold-1). Their shown values bound x to an interval;
    x is given away when that interval holds one value. Checked for every pair of shown values up
    to where the threshold stops mattering (beyond it only the difference of the two matters).
    """
    if threshold < 2 or base < 1:
        return "the threshold must be 2 or more and the base 1 or more"
    if round_to(threshold, base) == 0:
        return f"a count of {threshold} would be rounded to 0"
    top = threshold + 3 * base
    shown_values: list[Any] = [0, SUPPRESSED] + sorted({round_to(n, base) for n in range(threshold, top + 1)})
    for s in shown_values:
        s_low, s_high = interval(s, threshold, base)
        for total in shown_values + [round_to(n, base) for n in range(top + 1, top + threshold + 2 * base)]:
            t_low, t_high = interval(total, threshold, base)
            low, high = max(1, t_low - s_high), min(threshold - 1, t_high - s_low)
            if low == high:
                return (f"a count shown as {s} and another shown as {total} give a hidden count of {low} "
                        "back by difference")
    return None


@dataclass(frozen=True)
class Policy:
    """How figures are shown: the protected view (threshold, national rule, base) or the detailed view.

    A threshold of 0 shows exact figures too (tests compare with true totals this way); the
    operator's settings never allow it: exact figures are the detailed view, behind authentication.
    """

    threshold: int = 8
    rule: str = "national"
    base: int = 5
    view: str = PROTECTED

    def __post_init__(self) -> None:
        if self.rule not in SUPPRESSION_RULES:
            raise ValueError(f"disclosure rule {self.rule!r} is not offered (only {', '.join(SUPPRESSION_RULES)})")
        if self.view not in VIEWS:
            raise ValueError(f"view {self.view!r} is not one of {', '.join(VIEWS)}")

    @classmethod
    def from_settings(cls) -> Policy:
        """Return the protected view as the operator configured it (SettingError if not allowed)."""
        settings = get_settings()
        threshold, base = settings.suppression_threshold, settings.rounding_base
        problem = differencing_problem(threshold, base)
        if problem:
            raise SettingError("MHFLOW_SUPPRESSION_THRESHOLD", str(threshold),
                               f"with MHFLOW_ROUNDING_BASE={base}, {problem}; choose another pair, e.g. 8 and 5")
        return cls(threshold, settings.suppression_rule, base)

    @classmethod
    def detailed_view(cls) -> Policy:
        """Return the detailed view: exact figures (only ever for users the operator names)."""
        settings = get_settings()
        return cls(settings.suppression_threshold, settings.suppression_rule, settings.rounding_base, DETAILED)

    @property
    def detailed(self) -> bool:
        """Return whether this is the detailed view (exact figures, to be marked as such)."""
        return self.view == DETAILED

    @property
    def active(self) -> bool:
        """Return whether figures are protected (suppressed and rounded)."""
        return self.view == PROTECTED and self.threshold > 0

    def count(self, n: Any) -> int | str | None:
        """Return a count as it may be shown: 0, '*', or the rounded count."""
        if n is None or (isinstance(n, float) and math.isnan(n)):
            return None
        n = int(n)
        if not self.active or n == 0:
            return n
        if n < self.threshold:
            return SUPPRESSED
        return round_to(n, self.base)

    def pct(self, numerator: Any, denominator: Any, hide_small_numerator: bool = False) -> float | str | None:
        """Return 100 × numerator / denominator as it may be shown; None when nothing to divide by.

        Protected: from the rounded counts, one decimal place; '*' where either count is '*' (so a
        small numerator is always hidden: `hide_small_numerator` is kept for callers and implied).
        """
        den = int(denominator or 0)
        if den == 0:
            return None
        num = int(numerator or 0)
        if not self.active:
            return 100.0 * num / den
        shown_num, shown_den = self.count(num), self.count(den)
        if SUPPRESSED in (shown_num, shown_den):
            return SUPPRESSED
        return round(100.0 * shown_num / shown_den, 1)

    def measure(self, value: Any, size: Any) -> float | str | None:
        """Return a median or other statistic of `size` records as it may be shown."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if self.active and int(size or 0) < self.threshold:
            return SUPPRESSED
        return float(value)

    def rate(self, count: Any, person_years: Any, per: int = 100_000) -> float | str | None:
        """Return count per `per` person-years as it may be shown: from the shown (rounded) count, 1 d.p.

        A rate from the exact count would give the hidden count back (rate × person-years / per).
        """
        years = float(person_years or 0)
        if years <= 0:
            return None
        shown = self.count(count)
        if shown is None or shown == SUPPRESSED:
            return shown
        value = shown * per / years
        return round(value, 1) if self.active else value

    def rate_ratio(self, count_a: Any, years_a: Any, count_b: Any, years_b: Any) -> float | str | None:
        """Return the rate of a over the rate of b, from the shown counts ('*' where one is hidden; None: no rate)."""
        shown = self._two_shown(count_a, years_a, count_b, years_b)
        if not isinstance(shown, tuple):
            return shown
        a, b = shown
        if b == 0:
            return None
        ratio = (a / float(years_a)) / (b / float(years_b))
        return round(ratio, 2) if self.active else ratio

    def rate_ratio_interval(self, count_a: Any, years_a: Any, count_b: Any,
                            years_b: Any) -> tuple[float, float] | str | None:
        """Return the 95% confidence limits of rate_ratio, from the shown counts ('*' where one is hidden).

        The method is ``rates.rate_ratio_interval`` (log rate ratio, Poisson variance); None where
        there is no ratio or a count is 0 (no interval on the log scale).
        """
        shown = self._two_shown(count_a, years_a, count_b, years_b)
        if not isinstance(shown, tuple):
            return shown
        bounds = rate_ratio_interval(shown[0], float(years_a), shown[1], float(years_b))
        if bounds is None:
            return None
        return (round(bounds[0], 2), round(bounds[1], 2)) if self.active else bounds

    def _two_shown(self, count_a: Any, years_a: Any, count_b: Any, years_b: Any) -> tuple[int, int] | str | None:
        """Return the shown counts of two groups to compare; None without people or a count, '*' where one is hidden."""
        if float(years_a or 0) <= 0 or float(years_b or 0) <= 0:
            return None
        a, b = self.count(count_a), self.count(count_b)
        if a is None or b is None:
            return None
        if SUPPRESSED in (a, b):
            return SUPPRESSED
        return a, b


@dataclass(frozen=True)
class Field:
    """A column of a table that leaves the server, and how to protect it.

    kind: 'label' (text, shown as is), 'count', 'pct' (from `num` / `den` columns),
    'measure' (a median or mean, with `den` the number of records behind it),
    'rate' (per 100,000 a year from the shown count `num` and the person-months `den`),
    'ratio' (of two such rates: `num`/`den` over the `reference` columns), 'ratio_lower' and
    'ratio_upper' (its 95% confidence limits, from the same shown counts),
    'reference' (not about people, e.g. commissioned beds: shown as is).
    `partition` (count: True, or the label column(s) grouping the rows) and `parts` (the count
    fields this one is the row total of) declare the sums a reader can form from the table
    (module docstring); `hide_small_numerator` is implied by the rule and kept for callers.
    """

    name: str
    label: str
    kind: str = "label"
    num: str | None = None
    den: str | None = None
    unit: str = ""
    partition: bool | str | tuple[str, ...] = False
    parts: tuple[str, ...] = ()
    hide_small_numerator: bool = False
    reference: tuple[str, str] | None = None  # ratio: the reference group's (count, person-months) columns


def protect(frame: pd.DataFrame, fields: Sequence[Field], policy: Policy | None = None) -> pd.DataFrame:
    """Return only `fields` of `frame`, each value as the policy shows it ('*' where suppressed)."""
    policy = policy or Policy.from_settings()
    out: dict[str, list[Any]] = {}
    records = _records(frame, _referenced(fields))
    for f in fields:
        if f.kind == "count":
            out[f.name] = [policy.count(r[f.name]) for r in records]
        elif f.kind == "pct":
            out[f.name] = [policy.pct(r[f.num], r[f.den]) for r in records]
        elif f.kind == "measure":
            out[f.name] = [policy.measure(r[f.name], r[f.den]) for r in records]
        elif f.kind == "rate":  # `den` holds person-months (the metrics' population column): / 12 for years
            out[f.name] = [policy.rate(r[f.num], (r[f.den] or 0) / 12) for r in records]
        elif f.kind == "ratio":
            ref_count, ref_months = f.reference
            out[f.name] = [policy.rate_ratio(r[f.num], (r[f.den] or 0) / 12, r[ref_count], (r[ref_months] or 0) / 12)
                           for r in records]
        elif f.kind in ("ratio_lower", "ratio_upper"):
            ref_count, ref_months = f.reference
            end = 0 if f.kind == "ratio_lower" else 1
            limits = [policy.rate_ratio_interval(r[f.num], (r[f.den] or 0) / 12, r[ref_count],
                                                 (r[ref_months] or 0) / 12) for r in records]
            out[f.name] = [v[end] if isinstance(v, tuple) else v for v in limits]
        else:
            out[f.name] = [_plain(r[f.name]) for r in records]
    # A column with gaps keeps None (object dtype): pandas would turn it into NaN and counts into floats.
    return pd.DataFrame({name: pd.Series(values, dtype=object) if any(v is None for v in values) else values
                         for name, values in out.items()}, columns=[f.name for f in fields])


Cell = tuple[str, int]  # (column, row)


def partitions(records: Sequence[dict[str, Any]], fields: Sequence[Field]) -> list[tuple[list[Cell], Cell | None]]:
    """Return each declared sum: its cells and, for a row total shown in the table, that total's cell."""
    lines: list[tuple[list[Cell], Cell | None]] = []
    for f in fields:
        if f.kind != "count":
            continue
        if f.partition is True:
            lines.append(([(f.name, i) for i in range(len(records))], None))
        elif f.partition:
            for by in _groupings(f):
                groups: dict[Any, list[Cell]] = {}
                for i, r in enumerate(records):
                    groups.setdefault(r[by], []).append((f.name, i))
                lines.extend((cells, None) for cells in groups.values())
        if f.parts:
            lines.extend(([(p, i) for p in f.parts], (f.name, i)) for i in range(len(records)))
    return lines


def _referenced(fields: Sequence[Field]) -> set[str]:
    """Return the columns that protecting `fields` reads."""
    names: set[str] = set()
    for f in fields:
        names.update(n for n in (f.name, f.num, f.den, *(f.reference or ())) if n)
    return names


def _groupings(f: Field) -> tuple[str, ...]:
    """Return the label columns whose values group a count field's rows into partitions (none: whole column)."""
    if f.partition is True or not f.partition:
        return ()
    return (f.partition,) if isinstance(f.partition, str) else tuple(f.partition)


def _records(frame: pd.DataFrame, names: set[str]) -> list[dict[str, Any]]:
    """Return the rows of `frame`'s columns `names` as dicts of Python values.

    As ``to_dict("records")`` but several times faster, and only the columns needed.
    """
    kept = [name for name in frame.columns if name in names]
    columns = []
    for name in kept:
        series = frame[name]
        values = series.tolist()
        if isinstance(series.dtype, pd.api.extensions.ExtensionDtype):
            values = [None if v is pd.NA else v for v in values]  # as to_dict: a nullable column's NA is None
        columns.append(values)
    if not kept:
        return [{} for _ in range(len(frame))]
    return [dict(zip(kept, row)) for row in zip(*columns)]


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def plottable(values: Sequence[Any]) -> list[float | None]:
    """Return values for a chart axis: '*' and missing (None, NaN) become gaps (None)."""
    return [None if v is None or v == SUPPRESSED or (isinstance(v, float) and math.isnan(v)) else float(v)
            for v in values]


def caption(policy: Policy | None = None) -> str:
    """Return the disclosure rule in one line, for a chart's image (``explain`` is the full sentence)."""
    policy = policy or Policy.from_settings()
    if policy.detailed:
        return f"{DETAILED_MARK}: exact counts, not suppressed or rounded."
    if not policy.active:
        return "Figures are exact."
    return (f"* = 1 to {policy.threshold - 1} (suppressed); other counts rounded to the nearest {policy.base}; "
            "percentages and rates from the rounded counts.")


def explain(policy: Policy | None = None) -> str:
    """Return the sentence that explains '*' and rounding (or the detailed view's marking) on every page."""
    policy = policy or Policy.from_settings()
    if policy.detailed:
        return (f"{DETAILED_MARK}. Counts, rates and medians are exact (not suppressed or rounded), "
                "for the managers of these services.")
    if not policy.active:
        return "Figures are exact."
    return (f"* = a count from 1 to {policy.threshold - 1}, or a rate or median based on fewer than "
            f"{policy.threshold} records, suppressed to protect confidentiality. Other counts are rounded to "
            f"the nearest {policy.base}, and rates are calculated from the rounded counts, so totals may not "
            "match the sum of their parts exactly.")
