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

Secondary suppression (``protect``), so that a hidden figure cannot be worked out
from the figures shown beside it. Applied after the rules above, repeated until
nothing changes (suppression only grows, so this ends):
- Partitions: a group of count cells that add up to a total that is shown (in
  the same table, on a card, or in another chart of the page). When exactly one
  non-zero cell of a partition is hidden, the smallest other non-zero cell is
  hidden too (the first in row order on a tie), so the total minus the shown cells
  no longer gives either. Zero cells stay 0 ('*' would claim 1 or more). A chart
  declares its partitions: ``Field(..., "count", partition=True)`` when the
  column's cells over all rows add up to a total shown elsewhere (categories,
  sites, months of a period); ``partition="<label column>"`` when the rows of each
  value of that column form a partition (the links out of each Sankey stage), or a
  tuple of such columns for several groupings (links out of and into each stage);
  ``Field(total, ..., "count", parts=(a, b, …))`` when, in each row, the count
  `total` is shown beside its parts ``a + b + …`` (and is itself a partition's
  total: when it is hidden, its parts need no more hiding).
- Rates beside their counts: a percentage is hidden when its numerator or its
  denominator is a count field of the same table shown as '*' (rate × denominator
  would give the numerator back). ``Field(..., "pct", hide_small_numerator=True)``
  also hides a rate whose numerator is from 1 to threshold-1, for a rate whose
  numerator is published as a count somewhere else (delayed days, a card of its
  own, as a share of bed days).
What this does not do: it protects one table and the totals declared beside it.
Differencing between views (all ages minus the other bands, a quarter minus two of
its months, overlapping periods) can still narrow a hidden value; for figures that
leave the organisation use the national rule, whose rounding blurs differences.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import pandas as pd

from dashboard.core.rates import rate_per_100k, rate_ratio
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

    def pct(self, numerator: Any, denominator: Any, hide_small_numerator: bool = False) -> float | str | None:
        """Return 100 × numerator / denominator as it may be shown; None when nothing to divide by.

        With `hide_small_numerator`, a numerator from 1 to threshold-1 hides the rate too.
        """
        den = int(denominator or 0)
        if den == 0:
            return None
        if self.active and den < self.threshold:
            return SUPPRESSED
        num = int(numerator or 0)
        if self.active and hide_small_numerator and 0 < num < self.threshold:
            return SUPPRESSED
        if self.active and self.rule == "national":
            num, den = self._round(num), self._round(den)
            if den == 0:
                return SUPPRESSED
        return 100.0 * num / den

    def rate(self, count: Any, person_months: Any) -> float | str | None:
        """Return a rate per 100,000 a year computed from the count as shown ('*' where it is hidden)."""
        if not int(person_months or 0):
            return None
        shown = self.count(count) if count is not None else 0
        return SUPPRESSED if shown == SUPPRESSED else rate_per_100k(shown, int(person_months))

    def ratio(self, count: Any, person_months: Any, ref_count: Any, ref_person_months: Any) -> float | str | None:
        """Return a rate ratio computed from both counts as shown ('*' where either is hidden)."""
        if not int(person_months or 0) or not int(ref_person_months or 0):
            return None
        shown, ref = self.count(count or 0), self.count(ref_count or 0)
        if SUPPRESSED in (shown, ref):
            return SUPPRESSED
        return rate_ratio(shown, int(person_months), ref, int(ref_person_months))

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
    'rate' (per 100,000 a year from the shown count `num` and the person-months `den`),
    'ratio' (of two such rates: `num`/`den` over the `reference` columns),
    'reference' (not about people, e.g. commissioned beds: shown as is).
    Secondary suppression (module docstring): `partition` (count: True, or the name
    of a label column grouping the rows, or several), `parts` (count: the count fields this one
    is the total of, row by row), `hide_small_numerator` (pct).
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
    """Return only `fields` of `frame`, each value made safe to show ('*' where suppressed).

    Primary suppression cell by cell, then secondary suppression (module docstring).
    """
    policy = policy or Policy.from_settings()
    out: dict[str, list[Any]] = {}
    records = _records(frame, _referenced(fields))
    for f in fields:
        if f.kind == "count":
            out[f.name] = [policy.count(r[f.name]) for r in records]
        elif f.kind == "pct":
            out[f.name] = [policy.pct(r[f.num], r[f.den], f.hide_small_numerator) for r in records]
        elif f.kind == "measure":
            out[f.name] = [policy.measure(r[f.name], r[f.den]) for r in records]
        elif f.kind == "rate":
            out[f.name] = [policy.rate(r[f.num], r[f.den]) for r in records]
        elif f.kind == "ratio":
            out[f.name] = [policy.ratio(r[f.num], r[f.den], *(r[c] for c in f.reference)) for r in records]
        else:
            out[f.name] = [_plain(r[f.name]) for r in records]
    if policy.active and records:
        _secondary(out, records, fields)
    # A column with gaps keeps None (object dtype): pandas would turn it into NaN and counts into floats.
    return pd.DataFrame({name: pd.Series(values, dtype=object) if any(v is None for v in values) else values
                         for name, values in out.items()}, columns=[f.name for f in fields])


Cell = tuple[str, int]  # (column, row)


def partitions(records: Sequence[dict[str, Any]], fields: Sequence[Field]) -> list[tuple[list[Cell], Cell | None]]:
    """Return each declared partition: its cells and, for a row total shown in the table, that total's cell."""
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


def _secondary(out: dict[str, list[Any]], records: Sequence[dict[str, Any]], fields: Sequence[Field]) -> None:
    """Hide more cells, in place, until no hidden cell can be worked out from a total (module docstring)."""
    lines = partitions(records, fields)

    def raw(cell: Cell) -> int:
        value = records[cell[1]][cell[0]]
        return 0 if value is None or (isinstance(value, float) and math.isnan(value)) else int(value)

    changed = bool(lines)
    while changed:
        changed = False
        for cells, total in lines:
            if total is not None and out[total[0]][total[1]] == SUPPRESSED:
                continue  # the total is hidden: nothing to subtract from
            hidden = [c for c in cells if out[c[0]][c[1]] == SUPPRESSED]
            if len(hidden) != 1:
                continue
            candidates = [c for c in cells if c not in hidden and raw(c) > 0]
            if candidates:
                column, row = min(candidates, key=lambda c: (raw(c), c[1], cells.index(c)))
                out[column][row] = SUPPRESSED
            elif total is not None:
                out[total[0]][total[1]] = SUPPRESSED  # the hidden cell is the whole total
            else:
                continue
            changed = True
    # A rate is never shown beside its hidden numerator or denominator.
    counts = {f.name for f in fields if f.kind == "count"}
    for f in fields:
        if f.kind != "pct":
            continue
        for column in (f.num, f.den):
            if column in counts:
                for i, value in enumerate(out[column]):
                    if value == SUPPRESSED and out[f.name][i] is not None:
                        out[f.name][i] = SUPPRESSED


def _referenced(fields: Sequence[Field]) -> set[str]:
    """Return the columns that protecting `fields` reads."""
    names: set[str] = set()
    for f in fields:
        names.update(n for n in (f.name, f.num, f.den, *(f.reference or ())) if n)
        names.update(f.parts)
        names.update(_groupings(f))
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


def explain(policy: Policy | None = None) -> str:
    """Return the sentence that explains '*' on every page."""
    policy = policy or Policy.from_settings()
    if not policy.active:
        return "Small-number suppression is switched off by the operator."
    text = (f"* = suppressed to protect confidentiality: a count from 1 to {policy.threshold - 1}, "
            f"or a rate or median based on fewer than {policy.threshold} records; or a figure hidden "
            "so that another * cannot be worked out from a total.")
    if policy.rule == "national":
        text += " Other counts are rounded to the nearest 5 and rates are calculated from rounded figures."
    return text
