"""Rates per 100,000 residents a year and rate ratios: one arithmetic for the metrics and the protected view."""
from __future__ import annotations


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
