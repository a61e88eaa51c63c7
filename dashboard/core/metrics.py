"""Every metric of the data contract, defined once: what it counts and how it is shown.

A metric is a function of one row of the flow table (``store.data.flow_table``):
the same definition gives the headline for the period (grain 'period') and each
point of a trend (grain month, quarter, financial year). The definitions are pure:
running the queries is the store's (``store.cli_metrics.compute_metrics``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from dashboard.core.rates import rate_per_100k, rate_ratio


@dataclass(frozen=True)
class Metric:
    """One contract metric: its source columns, kind, and which direction is better."""

    key: str
    label: str
    kind: str  # 'count', 'pct', 'median', 'rate' (per 100,000 a year) or 'ratio' (of two rates)
    query: str
    value: str  # count or median column; numerator for pct; the count of a rate
    denominator: str | None = None  # pct: denominator column; median: the n behind it; rate: person-months
    better: str | None = None  # 'up', 'down' or None (neither)
    unit: str = ""
    not_recorded: str | None = None  # column counting records whose end time is missing
    band_all_only: bool = False  # shown only for age band 'all' (capacity is not split by band)
    note: str = ""
    also: tuple[str, ...] = ()  # further queries whose columns the metric reads
    reference: tuple[str, str] | None = None  # ratio: the reference group's (count, person-months) columns

    @property
    def queries(self) -> tuple[str, ...]:
        """Return every query whose columns this metric reads."""
        return (self.query, *self.also)

    def shown_for(self, age_band: str) -> bool:
        """Return whether the metric has a value for the age band (the rule of `band_all_only`, written once)."""
        return age_band == "all" or not self.band_all_only

    def compute(self, row: Mapping[str, Any], age_band: str = "all") -> int | float | None:
        """Return the metric's value for one flow-table row (None: no denominator or n/a)."""
        if not self.shown_for(age_band):
            return None
        if self.kind == "count":
            return int(row[self.value])
        if self.kind == "median":
            value = row[self.value]
            return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
        if self.kind == "rate":
            return rate_per_100k(int(row[self.value]), int(row[self.denominator]))
        if self.kind == "ratio":
            count, months = self.reference
            return rate_ratio(int(row[self.value]), int(row[self.denominator]), int(row[count]), int(row[months]))
        denominator = int(row[self.denominator])
        if denominator == 0:
            return None
        return 100.0 * int(row[self.value]) / denominator

    @property
    def base(self) -> str | None:
        """Return the column counting the records behind the figure (None for a count)."""
        return self.value if self.kind in ("rate", "ratio") else self.denominator


_PER_100K = "per 100,000 residents a year (population table)"
_M = Metric
METRICS: dict[str, Metric] = {m.key: m for m in (
    _M("ae_attendances", "A&E mental health attendances", "count", "ae_by_period", "attendances"),
    _M("ae_4h_pct", "Left A&E within 4 hours", "pct", "ae_by_period", "within_4h", "departure_recorded",
       better="up", unit="%", not_recorded="departure_not_recorded"),
    _M("ae_12h_from_arrival", "12-hour waits from arrival", "count", "ae_by_period", "over_12h",
       better="down", not_recorded="departure_not_recorded"),
    _M("ae_median_minutes", "Median time in A&E", "median", "ae_median_by_period", "median_minutes",
       "departure_recorded", better="down", unit="min", not_recorded="departure_not_recorded",
       also=("ae_by_period",)),
    _M("liaison_referrals", "Liaison referrals", "count", "liaison_by_period", "referrals"),
    _M("liaison_1h_pct", "Emergency referrals seen within 1 hour", "pct", "liaison_by_period",
       "emergency_within_1h", "emergency_assessed", better="up", unit="%",
       not_recorded="emergency_not_recorded"),
    _M("liaison_24h_pct", "Urgent referrals seen within 24 hours", "pct", "liaison_by_period",
       "urgent_within_24h", "urgent_assessed", better="up", unit="%", not_recorded="urgent_not_recorded"),
    _M("s136_detentions", "Section 136 detentions", "count", "s136_by_period", "detentions"),
    _M("s136_police_custody_pct", "Taken to police custody", "pct", "s136_by_period", "police_custody",
       "detentions", better="down", unit="%"),
    _M("s136_under18_custody", "Under-18s taken to police custody", "count", "s136_by_period",
       "under18_custody", better="down", note="should be 0"),
    _M("s136_ambulance_pct", "Conveyed by ambulance", "pct", "s136_by_period", "ambulance", "detentions",
       better="up", unit="%"),
    _M("s136_over_limit", "Detentions over the legal limit", "count", "s136_by_period", "over_limit",
       better="down", not_recorded="ended_not_recorded", note="over 24 hours, or 36 if extended"),
    _M("s136_admitted_pct", "Admitted after detention", "pct", "s136_by_period", "admitted", "with_outcome",
       unit="%"),
    _M("admissions", "Admissions", "count", "admissions_by_period", "admissions"),
    _M("bed_days", "Occupied bed days", "count", "bed_days_by_period", "bed_days"),
    _M("occupancy_pct", "Bed occupancy", "pct", "bed_days_by_period", "in_area_bed_days",
       "available_bed_days", better="down", unit="%", band_all_only=True,
       note="in-area bed days / commissioned bed days; all ages only"),
    _M("out_of_area_bed_days", "Out-of-area bed days", "count", "bed_days_by_period", "out_of_area_bed_days",
       better="down"),
    _M("median_los_days", "Median length of stay", "median", "discharges_median_by_period", "median_los_days",
       "stays_discharged", unit="nights", also=("discharges_by_period",)),
    _M("delayed_days", "Delayed days", "count", "delayed_days_by_period", "delayed_days", better="down"),
    _M("delayed_pct", "Delayed days as a share of bed days", "pct", "delayed_days_by_period",
       "delayed_days", "bed_days", better="down", unit="%", also=("bed_days_by_period",)),
    _M("discharges", "Discharges", "count", "discharges_by_period", "discharges",
       note="excluding died and transfers to another hospital"),
    _M("followup_72h_pct", "Followed up within 72 hours", "pct", "discharges_by_period", "followed_up_72h",
       "discharges", better="up", unit="%"),
    _M("readmit_30d_pct", "Readmitted within 30 days", "pct", "discharges_by_period", "readmitted_30d",
       "discharges", better="down", unit="%"),
    _M("ae_12h_from_dta", "12-hour waits from decision to admit", "count", "ae_by_period", "dta_over_12h",
       "dta_departure_recorded", better="down", not_recorded="dta_departure_not_recorded",
       note="departed over 12 hours after the decision to admit"),
    _M("s136_assessed_3h_pct", "Assessed within 3 hours of detention", "pct", "s136_by_period", "assessed_3h",
       "assessment_recorded", better="up", unit="%", not_recorded="assessment_not_recorded"),
    _M("s136_median_hours_to_assessment", "Median time to Mental Health Act assessment", "median",
       "s136_median_by_period", "median_hours_to_assessment", "assessment_recorded", better="down",
       unit="hours", not_recorded="assessment_not_recorded", also=("s136_by_period",)),
    _M("ae_attendances_per_100k", "A&E mental health attendances per 100,000", "rate", "ae_by_period",
       "attendances", "population_months", unit="per 100k", note=_PER_100K, also=("population_by_period",)),
    _M("s136_per_100k", "Section 136 detentions per 100,000", "rate", "s136_by_period", "detentions",
       "population_months", unit="per 100k", note=_PER_100K, also=("population_by_period",)),
    _M("admissions_per_100k", "Admissions per 100,000", "rate", "admissions_by_period", "admissions",
       "population_months", unit="per 100k", note=_PER_100K, also=("population_by_period",)),
    _M("bed_days_per_100k", "Occupied bed days per 100,000", "rate", "bed_days_by_period", "bed_days",
       "population_months", unit="per 100k", note=_PER_100K, also=("population_by_period",)),
    _M("s136_black_white_rate_ratio", "Detention rate ratio, Black to White residents", "ratio",
       "s136_by_period", "black", "population_black_months", unit="x",
       note="detentions per resident, Black over White (population table with ethnic groups)",
       also=("population_by_period",), reference=("white", "population_white_months")),
)}


def metric_values(row: Mapping[str, Any], age_band: str, keys: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Return {metric key: value} for one flow-table row."""
    return {key: METRICS[key].compute(row, age_band) for key in (keys or tuple(METRICS))}


def empty_metrics() -> dict[str, int | None]:
    """Return every metric for a period with no data: counts 0, everything else null."""
    return {key: 0 if m.kind == "count" else None for key, m in METRICS.items()}
