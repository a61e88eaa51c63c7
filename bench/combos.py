"""The fixed, seeded filter combinations the benchmark replays (age band x period x grain)."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from dashboard.core.filters import Filters
from dashboard.core.periods import Period, add_months, financial_years, last_12_months, month_label
from dashboard.settings import AGE_BANDS, GRAINS

PERIOD_KINDS = ("last12", "fy", "range")


@dataclass(frozen=True)
class Combo:
    """One filter choice as a user makes it: age band, period (and how it was chosen), grain."""

    age_band: str
    start: str  # YYYY-MM
    end: str  # YYYY-MM
    grain: str
    kind: str  # last12 | fy | range

    def filters(self) -> Filters:
        """Return the app's Filters for this choice."""
        return Filters(self.age_band, Period.from_months(self.start, self.end), self.grain)

    def query_string(self) -> str:
        """Return the URL query string, in the app's own order (Filters.query_string)."""
        return "?" + urlencode({"age_band": self.age_band, "start": self.start, "end": self.end,
                                "grain": self.grain})

    def store(self) -> dict[str, str]:
        """Return the page-filters store value the page holds for this choice."""
        return {"age_band": self.age_band, "start": self.start, "end": self.end, "grain": self.grain}

    def label(self) -> str:
        """Return a short label such as '18-25 2024-04..2025-03 quarter (fy)'."""
        return f"{self.age_band} {self.start}..{self.end} {self.grain} ({self.kind})"


def _period(rng: random.Random, kind: str, first: date, last: date) -> Period:
    if kind == "last12":
        p = last_12_months(last)
        return Period(max(p.start, first), p.end)
    if kind == "fy":
        return rng.choice(financial_years(first, last))
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    a, b = sorted(rng.randrange(months) for _ in range(2))
    return Period(add_months(first, a), add_months(first, b))


def make_combos(first: date, last: date, n: int, seed: int, exclude: set[Combo] | None = None) -> list[Combo]:
    """Return `n` distinct combinations, a third each of last-12-months, financial years and random ranges.

    Deterministic for a given (data extent, n, seed). Bounded: gives up after 200 * n draws.
    """
    rng = random.Random(seed)
    bands, grains = list(AGE_BANDS), list(GRAINS)
    out: list[Combo] = []
    seen = set(exclude or ())
    for attempt in range(200 * n):
        if len(out) >= n:
            break
        kind = PERIOD_KINDS[attempt % len(PERIOD_KINDS)]  # a kind that runs out of new choices just yields
        period = _period(rng, kind, first, last)
        combo = Combo(rng.choice(bands), month_label(period.start), month_label(period.end), rng.choice(grains), kind)
        if combo in seen:
            continue
        seen.add(combo)
        out.append(combo)
    return out
