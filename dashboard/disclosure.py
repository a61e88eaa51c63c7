"""Small-number suppression: the one place where figures are made safe to show.

Every figure, card, table and download passes through here on the server, after
the numbers are final and before anything is sent to the browser.

Rules (data contract, "Small-number suppression"):
- local (default): a count from 1 to threshold-1 is shown as '*'; 0 is shown as 0;
  a percentage or median on fewer than `threshold` records is '*'.
- national (HES/ECDS): as local, and every other count is rounded to the nearest 5;
  percentages are computed from the rounded figures.
The threshold (default 8) and rule come from the operator's settings only; a
threshold of 0 turns suppression off.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import pandas as pd

from dashboard.settings import get_settings

SUPPRESSED = "*"


@dataclass(frozen=True)
class Policy:
    """The operator's disclosure rule."""

    threshold: int = 8
    rule: str = "local"  # 'local' or 'national'

    @classmethod
    def from_settings(cls) -> Policy:
        """Return the policy configured by the operator."""
        settings = get_settings()
        rule = settings.suppression_rule if settings.suppression_rule in ("local", "national") else "local"
        return cls(max(0, settings.suppression_threshold), rule)

    @property
    def active(self) -> bool:
        """Return whether suppression is on."""
        return self.threshold > 0

    def _round(self, n: int) -> int:
        return int(5 * math.floor(n / 5 + 0.5)) if self.rule == "national" else n

    def count(self, n: Any) -> int | str | None:
        """Return a count as it may be shown: 0, '*', or the (rounded) count."""
        if n is None or (isinstance(n, float) and math.isnan(n)):
            return None
        n = int(n)
        if self.active and 0 < n < self.threshold:
            return SUPPRESSED
        return self._round(n) if self.active else n

    def pct(self, numerator: Any, denominator: Any) -> float | str | None:
        """Return 100 × numerator / denominator as it may be shown; None when nothing to divide by."""
        den = int(denominator or 0)
        if den == 0:
            return None
        if self.active and den < self.threshold:
            return SUPPRESSED
        num = int(numerator or 0)
        if self.active and self.rule == "national":
            num, den = self._round(num), self._round(den)
            if den == 0:
                return SUPPRESSED
        return 100.0 * num / den

    def measure(self, value: Any, size: Any) -> float | str | None:
        """Return a median or other measure on `size` records as it may be shown."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if self.active and int(size or 0) < self.threshold:
            return SUPPRESSED
        return float(value)


@dataclass(frozen=True)
class Field:
    """A column of a table that leaves the server, and how to protect it.

    kind: 'label' (text, shown as is), 'count', 'pct' (from `num` / `den` columns),
    'measure' (a median or mean, with `den` the number of records behind it),
    'reference' (not about people, e.g. commissioned beds: shown as is).
    """

    name: str
    label: str
    kind: str = "label"
    num: str | None = None
    den: str | None = None
    unit: str = ""


def protect(frame: pd.DataFrame, fields: Sequence[Field], policy: Policy | None = None) -> pd.DataFrame:
    """Return only `fields` of `frame`, each value made safe to show ('*' where suppressed)."""
    policy = policy or Policy.from_settings()
    out: dict[str, list[Any]] = {}
    records = frame.to_dict("records")
    for f in fields:
        if f.kind == "count":
            out[f.name] = [policy.count(r[f.name]) for r in records]
        elif f.kind == "pct":
            out[f.name] = [policy.pct(r[f.num], r[f.den]) for r in records]
        elif f.kind == "measure":
            out[f.name] = [policy.measure(r[f.name], r[f.den]) for r in records]
        else:
            out[f.name] = [_plain(r[f.name]) for r in records]
    return pd.DataFrame(out, columns=[f.name for f in fields])


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def plottable(values: Sequence[Any]) -> list[float | None]:
    """Return values for a chart axis: '*' and missing become gaps (None)."""
    return [None if v is None or v == SUPPRESSED else float(v) for v in values]


def explain(policy: Policy | None = None) -> str:
    """Return the sentence that explains '*' on every page."""
    policy = policy or Policy.from_settings()
    if not policy.active:
        return "Small-number suppression is switched off by the operator."
    text = (f"* = suppressed to protect confidentiality: a count from 1 to {policy.threshold - 1}, "
            f"or a rate or median based on fewer than {policy.threshold} records.")
    if policy.rule == "national":
        text += " Other counts are rounded to the nearest 5 and rates are calculated from rounded figures."
    return text
