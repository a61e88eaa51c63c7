"""Small helpers: the data window, calendar arithmetic, random draws, interval clashes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from dashboard.extracts.generate.constants import BIG, DAY, HOUR, WARMUP_MONTHS

@dataclass(frozen=True)
class Window:
    """The months of data: first day, extract date (first day after end_month), warm-up start."""

    start_day: int
    extract_day: int
    warm_day: int

    @property
    def n_days(self) -> int:
        """Number of days in the data window."""
        return self.extract_day - self.start_day

    @property
    def extract_min(self) -> int:
        """The extract date in minutes: nothing may happen at or after it."""
        return self.extract_day * DAY


def _month_start(year: int, month: int) -> int:
    return int(np.datetime64(f"{year:04d}-{month:02d}-01", "D").astype(np.int64))


def _add_months(year: int, month: int, k: int) -> tuple[int, int]:
    m = year * 12 + (month - 1) + k
    return m // 12, m % 12 + 1


def make_window(end_month: str | None, years: int) -> Window:
    """Return the data window ending with `end_month` ('YYYY-MM'; default last complete month)."""
    if end_month is None:
        last = date.today().replace(day=1) - timedelta(days=1)
        end_month = f"{last.year:04d}-{last.month:02d}"
    year, month = (int(x) for x in end_month.split("-"))
    if not 1 <= month <= 12 or years < 1:
        raise ValueError(f"bad end_month {end_month!r} or years {years}")
    start = _add_months(year, month, -(12 * years - 1))
    warm = _add_months(*start, -WARMUP_MONTHS)
    return Window(_month_start(*start), _month_start(*_add_months(year, month, 1)), _month_start(*warm))


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = months.astype(np.int64) % 12 + 1
    dd = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, dd


def month_at(win: Window, frac: float) -> int:
    """Return the first day of the month a fraction `frac` of the way through the window."""
    y, m, _ = _ymd(np.array([win.start_day + int(frac * win.n_days)]))
    return _month_start(int(y[0]), int(m[0]))


def _month(days: np.ndarray) -> np.ndarray:
    """Month number 1..12 of each day."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1


def _dow(days: np.ndarray) -> np.ndarray:
    """Day of week, Monday = 0 (1970-01-01 was a Thursday)."""
    return (np.asarray(days, dtype=np.int64) + 3) % 7


def _cat(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    """Draw n category indices with probabilities p (need not sum to 1)."""
    cum = np.cumsum(p, dtype=np.float64)
    return np.minimum(np.searchsorted(cum / cum[-1], rng.random(n), side="right"), len(p) - 1)


def _cat_by(rng: np.random.Generator, table: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Draw one category per element, with probabilities from table[row]."""
    cum = np.cumsum(table, axis=1, dtype=np.float64)
    cum /= cum[:, -1:]
    u = rng.random(len(row))
    out = np.zeros(len(row), dtype=np.int64)
    for k in range(table.shape[1] - 1):  # few categories: one pass each
        out += u >= cum[row, k]
    return out


def _ln(rng: np.random.Generator, median: float | np.ndarray, sigma: float, n: int) -> np.ndarray:
    """Lognormal draws with the given median."""
    return median * np.exp(sigma * rng.standard_normal(n))


def _age_pmf(parts: list[tuple[float, float, float]], lo: int = 0, hi: int = 100) -> np.ndarray:
    """Probability of each age 0..120 from a mixture of (mean, sd, weight) bumps."""
    ages = np.arange(121, dtype=np.float64)
    w = sum(wt * np.exp(-0.5 * ((ages - mu) / sd) ** 2) / sd for mu, sd, wt in parts)
    w[(ages < lo) | (ages > hi)] = 0.0
    return w / w.sum()


AE_AGE = [
    _age_pmf([(19, 4, 0.5), (32, 10, 0.4), (55, 12, 0.1)], lo=8),  # self_harm
    _age_pmf([(24, 6, 0.4), (40, 12, 0.5), (68, 10, 0.1)], lo=10),  # suicidal_ideation
    _age_pmf([(30, 9, 0.7), (50, 12, 0.3)], lo=14),  # psychosis
    _age_pmf([(25, 7, 0.5), (45, 12, 0.5)], lo=13),  # intoxication
    _age_pmf([(22, 6, 0.4), (40, 14, 0.5), (75, 8, 0.1)], lo=10),  # anxiety_depression
    _age_pmf([(30, 12, 0.5), (80, 8, 0.5)], lo=5),  # other_mh (incl. dementia, delirium)
]
S136_AGE = _age_pmf([(28, 6.5, 0.5), (42, 11, 0.47), (70, 6, 0.03)], lo=12, hi=95)
IP_AGE = _age_pmf([(15.5, 1.3, 0.05), (29, 8, 0.40), (47, 11, 0.33), (79, 7, 0.22)], lo=11)
WARD_REF_AGE = _age_pmf([(40, 15, 0.35), (79, 8, 0.65)], lo=16)


def _daily_lambda(first_day: int, n_days: int, per_day: float, growth: float,
                  month_f: np.ndarray, dow_f: np.ndarray) -> np.ndarray:
    """Expected events per day: trend x season x weekday, averaging `per_day`."""
    days = first_day + np.arange(n_days)
    t = (days - days.mean()) / 365.25
    lam = np.exp(np.log(growth) * t) * month_f[_month(days) - 1] * dow_f[_dow(days)]
    return lam * (per_day / lam.mean())


def _event_times(rng: np.random.Generator, first_day: int, lam: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """Poisson counts per day, each event at a whole minute drawn from the hour profile."""
    counts = rng.poisson(lam)
    day = np.repeat(first_day + np.arange(len(lam), dtype=np.int64), counts)
    hour = _cat(rng, hours, len(day))
    return day * DAY + hour * HOUR + rng.integers(0, 60, len(day))


def _whole(x: np.ndarray, lo: float = 1.0) -> np.ndarray:
    """Round to whole minutes (or days), at least `lo`."""
    return np.maximum(np.rint(x), lo).astype(np.int64)


def _overlaps(person: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each interval, whether it starts before an earlier one of the same person ended.

    Returns (clash, previous): `previous` is the index of the interval just before it
    in (person, start) order. The running maximum of person*BIG+end finds overlaps
    with any earlier interval, not just the previous one, without a loop.
    """
    order = np.lexsort((start, person))
    p = person[order].astype(np.int64)
    key_end = np.maximum.accumulate(p * BIG + end[order])
    prev_end = np.concatenate(([np.int64(-1)], key_end[:-1]))
    clash = np.zeros(len(person), dtype=bool)
    clash[order] = (p * BIG + start[order]) < prev_end
    previous = np.full(len(person), -1, dtype=np.int64)
    previous[order[1:]] = order[:-1]
    return clash, previous


def _clashing(person: np.ndarray, start: np.ndarray, end: np.ndarray, changeable: np.ndarray) -> np.ndarray:
    """Indices of changeable intervals to move so that nobody is in two places at once.

    Of each overlapping pair the later one is chosen, or the earlier if the later is fixed.
    """
    clash, prev = _overlaps(person, start, end)
    later = np.flatnonzero(clash)
    pick = np.where(changeable[later], later, prev[later])
    return np.unique(pick[(pick >= 0) & changeable[np.maximum(pick, 0)]])


def _next_within(person_a: np.ndarray, time_a: np.ndarray, person_b: np.ndarray, time_b: np.ndarray,
                 window: int) -> np.ndarray:
    """Whether each event a has an event b of the same person with 0 < b - a <= window."""
    if len(person_b) == 0:
        return np.zeros(len(person_a), dtype=bool)
    kb = np.sort(person_b.astype(np.int64) * BIG + time_b)
    ka = person_a.astype(np.int64) * BIG + time_a
    pos = np.searchsorted(kb, ka, side="right")
    nxt = kb[np.minimum(pos, len(kb) - 1)]
    return (pos < len(kb)) & (nxt - ka > 0) & (nxt - ka <= window)
