"""The issue-20 metrics worked by hand: waits from decision to admit, time to assessment, rates per 100,000.

The period is Jan-Mar 2024 (three months) unless a test says otherwise. Person-years are
the sum over the period's months of the band's residents, divided by 12.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dashboard.core.rates import rate_per_100k, rate_ratio
from dashboard.core.periods import Period
from tests.builders import row
from tests.test_metrics import T, _fresh_cache, metrics  # noqa: F401  (_fresh_cache: the autouse fixture)

RATE_KEYS = ("ae_attendances_per_100k", "s136_per_100k", "admissions_per_100k", "bed_days_per_100k")


def ae_dta(dta_to_departure: float | None, arrival_at: datetime = T, dta: bool = True) -> dict:
    """An attendance whose decision to admit comes an hour after arrival, departing `dta_to_departure` minutes later."""
    decided = arrival_at + timedelta(hours=1) if dta else None
    departure = None if dta_to_departure is None or not dta else decided + timedelta(minutes=dta_to_departure)
    if not dta:
        departure = arrival_at + timedelta(hours=2)
    return row("ae_attendances", arrival_at=arrival_at, decision_to_admit_at=decided, departure_at=departure)


def detention(to_assessment: float | None, **kw) -> dict:
    """A detention whose assessment starts `to_assessment` minutes after detention (None: not recorded)."""
    detained = kw.pop("detained_at", T)
    assessed = None if to_assessment is None else detained + timedelta(minutes=to_assessment)
    return row("s136_detentions", detained_at=detained, assessment_at=assessed,
               ended_at=detained + timedelta(hours=30), **kw)


def people(year: int, count: int, age: int = 30, ethnic_group: str | None = None, sex: str = "female") -> dict:
    return row("population", year=year, age=age, sex=sex, ethnic_group=ethnic_group, people=count)


class TestDecisionToAdmit:
    def test_counts_departures_more_than_12_hours_after_the_decision_by_month_of_arrival(self, tmp_path):
        m = metrics(tmp_path, ae_attendances=[
            ae_dta(720),  # exactly 12 hours: not "more than 12 hours"
            ae_dta(720 + 1 / 60),  # one second over: counted
            ae_dta(13 * 60),  # counted
            ae_dta(None),  # decision recorded, departure not: out of numerator and denominator
            ae_dta(0, dta=False),  # no decision to admit: out
            ae_dta(14 * 60, arrival_at=datetime(2023, 12, 31, 23, 0)),  # arrived in December: not this period
            ae_dta(14 * 60, arrival_at=datetime(2024, 3, 31, 22, 0)),  # arrived in March, left in April: counted
        ])
        assert m["ae_12h_from_dta"] == 3
        assert m["ae_attendances"] == 6

    def test_no_decision_to_admit_is_zero_waits(self, tmp_path):
        assert metrics(tmp_path, ae_attendances=[ae_dta(0, dta=False)])["ae_12h_from_dta"] == 0


class TestTimeToAssessment:
    def test_within_3_hours_is_at_most_180_minutes_and_unrecorded_assessments_are_left_out(self, tmp_path):
        m = metrics(tmp_path, s136_detentions=[
            detention(180),  # exactly 3 hours: within
            detention(180 + 1 / 60),  # one second over: not within
            detention(60),
            detention(None),  # not assessed (or not recorded): out of numerator and denominator
            detention(30, detained_at=datetime(2023, 12, 31, 23, 59)),  # before the period
        ])
        assert m["s136_detentions"] == 4
        assert m["s136_assessed_3h_pct"] == pytest.approx(100 * 2 / 3)
        # minutes 60, 180, 180.0167 -> median 180 minutes = 3 hours
        assert m["s136_median_hours_to_assessment"] == pytest.approx(3.0)

    def test_median_of_an_even_count_is_the_mean_of_the_middle_two(self, tmp_path):
        m = metrics(tmp_path, s136_detentions=[detention(60), detention(120), detention(240), detention(600)])
        assert m["s136_median_hours_to_assessment"] == pytest.approx((120 + 240) / 2 / 60)
        assert m["s136_assessed_3h_pct"] == pytest.approx(50.0)

    def test_no_assessment_recorded_is_null_not_zero(self, tmp_path):
        m = metrics(tmp_path, s136_detentions=[detention(None)])
        assert m["s136_assessed_3h_pct"] is None
        assert m["s136_median_hours_to_assessment"] is None

    def test_an_age_band_counts_only_its_own_detentions(self, tmp_path):
        m = metrics(tmp_path, band="0-17", s136_detentions=[detention(60, age=16), detention(300)])
        assert m["s136_assessed_3h_pct"] == pytest.approx(100.0)
        assert m["s136_median_hours_to_assessment"] == pytest.approx(1.0)


class TestRatesPer100k:
    def events(self, n: int = 3) -> dict:
        return dict(
            s136_detentions=[detention(60) for _ in range(n)],
            ae_attendances=[row("ae_attendances") for _ in range(n)],
            # the default stay: 1 Jan 12:00 to 11 Jan 12:00, 10 nights
            inpatient_stays=[row("inpatient_stays")],
        )

    def test_without_a_population_table_every_rate_is_null(self, tmp_path):
        m = metrics(tmp_path, **self.events())
        assert all(m[key] is None for key in (*RATE_KEYS, "s136_black_white_rate_ratio"))

    def test_rates_use_person_years_of_the_period_months(self, tmp_path):
        # 1,200 residents aged 30 in 2024: three months = 3,600 person-months = 300 person-years.
        m = metrics(tmp_path, **self.events(), population=[people(2024, 1200)])
        assert m["s136_per_100k"] == pytest.approx(3 / 300 * 100_000)
        assert m["ae_attendances_per_100k"] == pytest.approx(3 / 300 * 100_000)
        assert m["admissions_per_100k"] == pytest.approx(1 / 300 * 100_000)
        assert m["bed_days_per_100k"] == pytest.approx(10 / 300 * 100_000)

    def test_a_month_without_its_own_estimate_uses_the_nearest_year(self, tmp_path):
        # 2024 is missing: 2025 (one year away) beats 2022 (two away). Band all: 3,000 + 500 residents.
        population = [people(2022, 1000), people(2025, 3000), people(2025, 500, age=70)]
        m = metrics(tmp_path, **self.events(), population=population)
        assert m["s136_per_100k"] == pytest.approx(3 / (3 * 3500 / 12) * 100_000)
        # 26-64: 3,000 residents -> 750 person-years
        m = metrics(tmp_path / "band", band="26-64", **self.events(), population=population)
        assert m["s136_per_100k"] == pytest.approx(3 / 750 * 100_000)

    def test_two_equally_near_years_take_the_earlier(self, tmp_path):
        population = [people(2023, 1200), people(2025, 2400)]
        m = metrics(tmp_path, **self.events(), population=population)
        assert m["s136_per_100k"] == pytest.approx(3 / 300 * 100_000)  # 2023's 1,200: 300 person-years

    def test_each_month_uses_its_own_calendar_year(self, tmp_path):
        # Dec 2023 - Feb 2024: 1,200 (2023) + 2 x 2,400 (2024) = 6,000 person-months = 500 person-years.
        period = Period.from_months("2023-12", "2024-02")
        m = metrics(tmp_path, period=period, population=[people(2023, 1200), people(2024, 2400)],
                    s136_detentions=[detention(60) for _ in range(5)])
        assert m["s136_per_100k"] == pytest.approx(5 / 500 * 100_000)

    def test_rows_of_one_year_age_and_sex_are_added_and_sexes_summed(self, tmp_path):
        population = [people(2024, 600), people(2024, 400), people(2024, 200, sex="male")]
        m = metrics(tmp_path, **self.events(), population=population)
        assert m["s136_per_100k"] == pytest.approx(3 / 300 * 100_000)


class TestBlackWhiteRateRatio:
    population = [people(2024, 12000, ethnic_group="white"), people(2024, 1200, ethnic_group="black"),
                  people(2024, 600, ethnic_group="asian")]

    def test_ratio_of_detentions_per_person_year(self, tmp_path):
        # white 2 / 3,000 person-years, black 1 / 300 -> (1/300) / (2/3000) = 5
        detentions = [detention(60, ethnic_group="white"), detention(60, ethnic_group="white"),
                      detention(60, ethnic_group="black"), detention(60, ethnic_group="asian"),
                      detention(60, ethnic_group=None)]
        m = metrics(tmp_path, population=self.population, s136_detentions=detentions)
        assert m["s136_black_white_rate_ratio"] == pytest.approx(5.0)
        assert m["s136_per_100k"] == pytest.approx(5 / (3 * 13800 / 12) * 100_000)

    def test_no_white_detentions_is_null(self, tmp_path):
        m = metrics(tmp_path, population=self.population, s136_detentions=[detention(60, ethnic_group="black")])
        assert m["s136_black_white_rate_ratio"] is None

    def test_no_black_detentions_is_zero(self, tmp_path):
        m = metrics(tmp_path, population=self.population, s136_detentions=[detention(60, ethnic_group="white")])
        assert m["s136_black_white_rate_ratio"] == 0.0

    def test_a_population_without_ethnicity_gives_no_ratio(self, tmp_path):
        detentions = [detention(60, ethnic_group="white"), detention(60, ethnic_group="black")]
        m = metrics(tmp_path, population=[people(2024, 13800)], s136_detentions=detentions)
        assert m["s136_black_white_rate_ratio"] is None
        assert m["s136_per_100k"] == pytest.approx(2 / (3 * 13800 / 12) * 100_000)

    def test_no_black_residents_gives_no_ratio(self, tmp_path):
        population = [people(2024, 12000, ethnic_group="white")]
        detentions = [detention(60, ethnic_group="white"), detention(60, ethnic_group="black")]
        assert metrics(tmp_path, population=population, s136_detentions=detentions)[
            "s136_black_white_rate_ratio"] is None


def test_rate_helpers_follow_the_contract():
    assert rate_per_100k(3, 3600) == pytest.approx(1000.0)
    assert rate_per_100k(3, 0) is None
    assert rate_ratio(1, 3600, 2, 36000) == pytest.approx(5.0)
    assert rate_ratio(1, 3600, 0, 36000) is None
    assert rate_ratio(1, 0, 2, 36000) is None
