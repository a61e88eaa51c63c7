"""Rates per 100,000 residents a year and rate ratios: one arithmetic for the metrics and the protected view."""
from __future__ import annotations

import math


def rate_per_100k(count: int | float, person_months: int | float) -> float | None:
    """Return count per 100,000 person-years (person-years = person-months / 12); None without people."""
    if not person_months:
        return None
    return count / (person_months / 12) * 100_000


def rate_ratio(count: int | float, person_months: int | float, ref_count: int | float,
               ref_person_months: int | float) -> float | None:
    """Return one group's rate over a reference group's; None where either has no people or the reference rate is 0."""
    if not person_months or not ref_person_months or not ref_count:
        return None
    return (count / (person_months / 12)) / (ref_count / (ref_person_months / 12))


# The 95% confidence interval of a rate ratio: the log rate ratio with Poisson variance (Katz's
# log method, as for a risk ratio; Rothman & Greenland, Modern Epidemiology, ch. 14). The
# populations are taken as known, so var(ln RR) = 1/a + 1/b for the two groups' event counts a, b.
Z_95 = 1.959963984540054


def rate_ratio_interval(count: int | float, person_months: int | float, ref_count: int | float,
                        ref_person_months: int | float, z: float = Z_95) -> tuple[float, float] | None:
    """Return the (lower, upper) 95% confidence limits of a rate ratio; None where a count is 0 or there is no ratio."""
    ratio = rate_ratio(count, person_months, ref_count, ref_person_months)
    if ratio is None or not count:
        return None
    spread = z * math.sqrt(1 / count + 1 / ref_count)
    return ratio * math.exp(-spread), ratio * math.exp(spread)
