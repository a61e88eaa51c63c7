"""People: the pool of pseudonymised people who may touch crisis services."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard.extracts.generate.constants import ETH, ETH_MULT, ETH_P, POOL_SHARE, SEX, _ix
from dashboard.extracts.generate.helpers import Window, _cat, _month_start, _ymd

def age_shares(age: np.ndarray) -> np.ndarray:
    """Return the relative number of residents at each age: a rough English pyramid, flat to 60, then thinning."""
    return np.interp(age, [0, 60, 70, 80, 90, 100, 112], [1.0, 1.0, 0.9, 0.65, 0.3, 0.05, 0.0])


@dataclass
class People:
    """A pool of pseudonymised people who may touch crisis services."""

    birth_day: np.ndarray
    sex: np.ndarray
    ethnic: np.ndarray  # index into ETH, -1 = null
    home_site: np.ndarray
    number: np.ndarray  # pseudonymised id number (a shuffled index)
    bin_start: np.ndarray
    bin_end: np.ndarray
    y_min: int
    n_years: int
    cum: dict[str, np.ndarray]

    def pick(self, rng: np.random.Generator, kind: str, age: np.ndarray, day: np.ndarray,
             male: np.ndarray) -> np.ndarray:
        """Pick people of about the target age at `day`, weighted by their propensity for `kind`."""
        n = len(age)
        birth = day - ((age + rng.random(n)) * 365.2425).astype(np.int64)
        year = np.clip(_ymd(birth)[0], self.y_min, self.y_min + self.n_years - 1)
        b = male.astype(np.int64) * self.n_years + (year - self.y_min)
        lo, hi = self.bin_start[b], self.bin_end[b]
        cum = self.cum[kind]
        u = cum[lo] + rng.random(n) * (cum[hi] - cum[lo])
        return np.clip(np.searchsorted(cum, u, side="right") - 1, lo, hi - 1)

    def age_at(self, person: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Age in whole years on `day`."""
        by, bm, bd = _ymd(self.birth_day[person])
        ey, em, ed = _ymd(day)
        age = ey - by - ((em < bm) | ((em == bm) & (ed < bd)))
        return np.clip(age, 0, 120).astype(np.int32)


def _make_people(rng: np.random.Generator, population: int, win: Window, n_sites: int,
                 site_w: np.ndarray) -> People:
    """Build the pool: births by year for two sex groups, sex, ethnicity, home ED, propensities."""
    ref_year = int(_ymd(np.array([win.extract_day]))[0][0])
    y_min, n_years = ref_year - 112, 113
    age = ref_year - (y_min + np.arange(n_years))
    share = age_shares(age)
    size = max(2_000, int(population * POOL_SHARE))
    per_bin = np.maximum(3, np.rint(share / share.sum() * size / 2)).astype(np.int64)
    counts = np.concatenate([per_bin, per_bin])  # female-group bins, then male-group bins
    bin_end = np.cumsum(counts)
    bin_start = bin_end - counts
    n = int(bin_end[-1])
    bin_of = np.repeat(np.arange(2 * n_years), counts)
    male = bin_of >= n_years
    year = y_min + bin_of % n_years
    jan1 = np.array([_month_start(int(y), 1) for y in range(y_min, y_min + n_years + 1)])
    y0 = year - y_min
    birth = jan1[y0] + (rng.random(n) * (jan1[y0 + 1] - jan1[y0])).astype(np.int64)
    # Recorded sex: the sex group, with a few 'other' and 'not_known'.
    u = rng.random(n)
    sex = np.where(male, _ix(SEX, "male"), _ix(SEX, "female"))
    sex = np.where(u < 0.002, _ix(SEX, "other"), np.where(u < 0.006, _ix(SEX, "not_known"), sex))
    ethnic = _cat(rng, ETH_P, n)
    ethnic = np.where(ethnic == len(ETH), -1, ethnic)
    # Heavy-tailed propensity: most people come once, a few come very often.
    propensity = rng.lognormal(0.0, 0.9, n) * np.where(rng.random(n) < 0.015, 8.0, 1.0)
    cum = {}
    for kind, mult in ETH_MULT.items():
        w = propensity * mult[ethnic]
        cum[kind] = np.concatenate(([0.0], np.cumsum(w)))
    return People(
        birth_day=birth, sex=sex.astype(np.int8), ethnic=ethnic.astype(np.int8),
        home_site=_cat(rng, site_w, n), number=rng.permutation(n) + 1,
        bin_start=bin_start, bin_end=bin_end, y_min=y_min, n_years=n_years, cum=cum,
    )
