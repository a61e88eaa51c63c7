"""Every contract metric against small hand-made extracts, boundary cases included.

Expected values are worked out by hand in the comments; the period is Jan-Mar 2024
(91 days) unless a test says otherwise.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from dashboard.store.data import clear_cache
from dashboard.store.db import Database
from dashboard.core.filters import Filters
from dashboard.core.metrics import METRICS
from dashboard.store.cli_metrics import compute_metrics
from dashboard.core.periods import Period
from tests.builders import row, write_extracts

Q1 = Period.from_months("2024-01", "2024-03")
T = datetime(2024, 1, 10, 10, 0)


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


def metrics(tmp_path, band="all", period=Q1, **tables):
    db = Database(write_extracts(tmp_path, **tables))
    try:
        return compute_metrics(db, Filters(band, period))
    finally:
        db.close()


def ae(minutes, **kw):
    departure = None if minutes is None else T + timedelta(minutes=minutes)
    return row("ae_attendances", arrival_at=kw.pop("arrival_at", T), departure_at=departure, **kw)


def test_metric_keys_match_the_contract_table():
    assert list(METRICS) == [
        "ae_attendances", "ae_4h_pct", "ae_12h_from_arrival", "ae_median_minutes", "liaison_referrals",
        "liaison_1h_pct", "liaison_24h_pct", "s136_detentions", "s136_police_custody_pct",
        "s136_under18_custody", "s136_ambulance_pct", "s136_over_limit", "s136_admitted_pct", "admissions",
        "bed_days", "occupancy_pct", "out_of_area_bed_days", "median_los_days", "delayed_days", "delayed_pct",
        "discharges", "followup_72h_pct", "readmit_30d_pct", "ae_12h_from_dta", "s136_assessed_3h_pct",
        "s136_median_hours_to_assessment", "ae_attendances_per_100k", "s136_per_100k", "admissions_per_100k",
        "bed_days_per_100k", "s136_black_white_rate_ratio",
    ]


class TestAE:
    def rows(self):
        return [
            ae(240),  # exactly 4 hours: within
            ae(240 + 1 / 60),  # one second over 4 hours: not within
            ae(720),  # exactly 12 hours: not "over 12 hours"
            ae(721),  # over 12 hours
            ae(None),  # departure not recorded: out of the duration metrics
            ae(60, age=17),
            ae(60, arrival_at=datetime(2023, 12, 31, 23, 59)),  # before the period
            ae(60, arrival_at=datetime(2024, 3, 31, 23, 59, 59)),  # last second of the period
        ]

    def test_counts_rates_and_median(self, tmp_path):
        m = metrics(tmp_path, ae_attendances=self.rows())
        assert m["ae_attendances"] == 7
        # 6 with a departure; within 4h: 240, 60 (age 17), 60 (31 Mar) -> 3/6
        assert m["ae_4h_pct"] == pytest.approx(50.0)
        assert m["ae_12h_from_arrival"] == 1
        # minutes 60, 60, 240, 240.0167, 720, 721 -> median (240 + 240.0167) / 2
        assert m["ae_median_minutes"] == pytest.approx(240 + 1 / 120)

    @pytest.mark.parametrize("minutes", [
        [10, 20],  # the two middle values in different 16-minute bins: 15
        [16, 15.999, 0, -5, 400, 3000, 7],  # odd count, a bin edge, a negative time (data error)
        [30.5] * 4 + [31, 47.9, 48, 1e-6],  # ties, and a value just above zero
        [5],
    ])
    def test_median_is_exactly_the_middle_value_of_the_times(self, tmp_path, minutes):
        import statistics

        m = metrics(tmp_path, ae_attendances=[ae(x) for x in minutes] + [ae(None)])
        exact = sorted(float(x) for x in minutes)
        mid = len(exact) // 2
        # DuckDB's median interpolates the two middle values as lo + (hi - lo) * 0.5 (same bits).
        expected = exact[mid] if len(exact) % 2 else exact[mid - 1] + (exact[mid] - exact[mid - 1]) * 0.5
        assert m["ae_median_minutes"] == pytest.approx(statistics.median(exact))
        assert m["ae_median_minutes"] == pytest.approx(expected, rel=0, abs=1e-9)

    def test_age_band_uses_the_attendance_age(self, tmp_path):
        m = metrics(tmp_path, band="0-17", ae_attendances=self.rows())
        assert (m["ae_attendances"], m["ae_4h_pct"], m["ae_12h_from_arrival"]) == (1, 100.0, 0)

    def test_age_band_with_no_records_gives_zero_and_null(self, tmp_path):
        m = metrics(tmp_path, band="65+", ae_attendances=self.rows())
        assert m["ae_attendances"] == 0
        assert m["ae_4h_pct"] is None and m["ae_median_minutes"] is None

    def test_only_unrecorded_departures_give_null_rate(self, tmp_path):
        m = metrics(tmp_path, ae_attendances=[ae(None), ae(None)])
        assert m["ae_attendances"] == 2 and m["ae_4h_pct"] is None and m["ae_12h_from_arrival"] == 0


def test_liaison_response_times(tmp_path):
    def ref(urgency, minutes, **kw):
        assessed = None if minutes is None else T + timedelta(minutes=minutes)
        return row("liaison_referrals", urgency=urgency, referred_at=T, assessed_at=assessed,
                   outcome=None if minutes is None else "gp_discharge", **kw)

    m = metrics(tmp_path, liaison_referrals=[
        ref("emergency", 60), ref("emergency", 61), ref("emergency", None),
        ref("urgent", 1440), ref("urgent", 1441), ref("urgent", 30),
    ])
    assert m["liaison_referrals"] == 6
    assert m["liaison_1h_pct"] == pytest.approx(50.0)  # 1 of 2 assessed emergencies
    assert m["liaison_24h_pct"] == pytest.approx(200 / 3)  # 2 of 3 urgent


def test_s136_limits_custody_and_outcomes(tmp_path):
    start = datetime(2024, 2, 1, 22, 0)

    def det(hours, extended=False, **kw):
        ended = None if hours is None else start + timedelta(hours=hours)
        return row("s136_detentions", detained_at=start, ended_at=ended, extended=extended,
                   assessment_at=start + timedelta(hours=1), **kw)

    m = metrics(tmp_path, s136_detentions=[
        det(24, conveyance="ambulance", outcome="admitted_informal"),  # exactly 24h: within the limit
        det(24 + 1 / 60, conveyance="ambulance", outcome="admitted_detained"),  # over
        det(36, extended=True, conveyance="ambulance"),  # exactly 36h extended: within
        det(36 + 1 / 60, extended=True, conveyance="ambulance"),  # over
        det(30, extended=True, conveyance="police_vehicle"),  # extended: within
        det(None, conveyance="police_vehicle"),  # end not recorded: not counted
        det(5, age=17, place_of_safety="police_custody", conveyance="police_vehicle"),
        det(5, age=18, place_of_safety="police_custody", conveyance="police_vehicle", outcome=None),
    ])
    assert m["s136_detentions"] == 8
    assert m["s136_over_limit"] == 2
    assert m["s136_under18_custody"] == 1
    assert m["s136_police_custody_pct"] == pytest.approx(25.0)
    assert m["s136_ambulance_pct"] == pytest.approx(50.0)
    assert m["s136_admitted_pct"] == pytest.approx(200 / 7)  # 2 admitted of 7 with an outcome


class TestBedDays:
    def stays(self):
        return [
            # crosses the period start: nights 1-4 Jan
            row("inpatient_stays", admitted_at=datetime(2023, 12, 20, 9), discharged_at=datetime(2024, 1, 5, 11)),
            # same-day discharge: 0 nights
            row("inpatient_stays", admitted_at=datetime(2024, 2, 10, 10), discharged_at=datetime(2024, 2, 10, 18)),
            # still in hospital: 25-31 Mar = 7 nights, up to the period end
            row("inpatient_stays", stay_id="OPEN", admitted_at=datetime(2024, 3, 25, 9), discharged_at=None,
                discharge_destination=None),
            # out of area: 10 nights
            row("inpatient_stays", admitted_at=datetime(2024, 1, 10, 9), discharged_at=datetime(2024, 1, 20, 9),
                out_of_area=True, ward="Out of area - Elsewhere"),
            # crosses the period end: 30-31 Mar = 2 nights
            row("inpatient_stays", admitted_at=datetime(2024, 3, 30, 9), discharged_at=datetime(2024, 4, 10, 9)),
            # 65+: 2 nights
            row("inpatient_stays", age=70, ward="Birch", ward_type="older_adult",
                admitted_at=datetime(2024, 1, 1, 9), discharged_at=datetime(2024, 1, 3, 9)),
        ]

    def capacity(self):
        return [
            row("ward_capacity", ward="Oak", beds=10, valid_from=date(2020, 1, 1), valid_to=None),  # 91 x 10
            # closes mid-period: valid through 31 Jan -> 31 x 5
            row("ward_capacity", ward="Elm", beds=5, valid_from=date(2023, 6, 1), valid_to=date(2024, 1, 31)),
            # opens 2 Mar -> 30 x 4
            row("ward_capacity", ward="Ash", beds=4, valid_from=date(2024, 3, 2), valid_to=None),
        ]

    def delays(self, stays):
        return [
            # still delayed: 28-31 Mar = 4 days
            row("delayed_transfers", stay_id="OPEN", delay_start=date(2024, 3, 28), delay_end=None),
            # crosses the period start: 1-4 Jan = 4 days
            row("delayed_transfers", stay_id=stays[0]["stay_id"], delay_start=date(2023, 12, 30),
                delay_end=date(2024, 1, 5)),
        ]

    def test_bed_days_occupancy_and_delays(self, tmp_path):
        stays = self.stays()
        m = metrics(tmp_path, inpatient_stays=stays, ward_capacity=self.capacity(), delayed_transfers=self.delays(stays))
        assert m["bed_days"] == 4 + 0 + 7 + 10 + 2 + 2
        assert m["out_of_area_bed_days"] == 10
        assert m["occupancy_pct"] == pytest.approx(100 * 15 / (910 + 155 + 120))
        assert m["delayed_days"] == 8
        assert m["delayed_pct"] == pytest.approx(100 * 8 / 25)

    def test_age_band_counts_only_its_stays_and_hides_occupancy(self, tmp_path):
        stays = self.stays()
        m = metrics(tmp_path, band="65+", inpatient_stays=stays, ward_capacity=self.capacity(),
                    delayed_transfers=self.delays(stays))
        assert m["bed_days"] == 2 and m["occupancy_pct"] is None
        assert m["delayed_days"] == 0 and m["delayed_pct"] == 0.0

    def test_one_month_trend_buckets_add_up(self, tmp_path):
        from dashboard.store.data import by_period

        db = Database(write_extracts(tmp_path, inpatient_stays=self.stays(), ward_capacity=self.capacity()))
        frame = by_period(db, "bed_days_by_period", Filters("all", Q1, "month"))
        assert frame["bed_days"].tolist() == [4 + 10 + 2, 0, 7 + 2]
        assert frame["available_bed_days"].tolist() == [31 * 15, 29 * 10, 31 * 10 + 30 * 4]
        db.close()


class TestDischarges:
    def stays(self):
        S = "inpatient_stays"
        return [
            # S1: followed up at exactly 72h; readmitted exactly 30 days later (S2)
            row(S, person_id="P10", admitted_at=datetime(2024, 1, 1, 12), discharged_at=datetime(2024, 1, 11, 12),
                followed_up_at=datetime(2024, 1, 14, 12)),
            # S2: followed up 72h + 1s (no); next stay 30 days + 1s later (not a readmission)
            row(S, person_id="P10", admitted_at=datetime(2024, 2, 10, 12), discharged_at=datetime(2024, 2, 20, 12),
                followed_up_at=datetime(2024, 2, 23, 12, 0, 1)),
            row(S, person_id="P10", admitted_at=datetime(2024, 3, 21, 12, 0, 1), discharged_at=None,
                discharge_destination=None),
            # S4: contact before discharge is not a follow-up; the next stay is a transfer (not a readmission)
            row(S, person_id="P11", admitted_at=datetime(2024, 1, 3, 9), discharged_at=datetime(2024, 1, 15, 9),
                followed_up_at=datetime(2024, 1, 14, 9)),
            # S5: transfer; died -> not a discharge
            row(S, person_id="P11", admitted_at=datetime(2024, 1, 16, 9), discharged_at=datetime(2024, 3, 1, 9),
                admission_source="transfer", discharge_destination="died"),
            # S6: to another hospital -> not a discharge
            row(S, person_id="P12", age=17, ward_type="camhs_tier4", admitted_at=datetime(2024, 1, 1, 9),
                discharged_at=datetime(2024, 2, 1, 9), discharge_destination="other_hospital"),
            # S7 (age 40): followed up; readmitted by a stay in another age band (S8, age 66)
            row(S, person_id="P13", age=40, admitted_at=datetime(2024, 3, 1, 9), discharged_at=datetime(2024, 3, 10, 9),
                followed_up_at=datetime(2024, 3, 11, 9)),
            row(S, person_id="P13", age=66, admitted_at=datetime(2024, 3, 20, 9), discharged_at=datetime(2024, 3, 20, 15)),
        ]

    def test_all_ages(self, tmp_path):
        m = metrics(tmp_path, inpatient_stays=self.stays())
        assert m["admissions"] == 8
        assert m["discharges"] == 5  # S1, S2, S4, S7, S8
        assert m["followup_72h_pct"] == pytest.approx(40.0)  # S1, S7
        assert m["readmit_30d_pct"] == pytest.approx(40.0)  # S1, S7
        # nights of every stay discharged: 10, 10, 12, 45, 31, 9, 0 -> median 10
        assert m["median_los_days"] == pytest.approx(10.0)

    def test_readmission_is_found_in_any_age_band(self, tmp_path):
        m = metrics(tmp_path, band="26-64", inpatient_stays=self.stays())
        assert m["discharges"] == 4  # S1, S2, S4, S7
        assert m["followup_72h_pct"] == pytest.approx(50.0)
        assert m["readmit_30d_pct"] == pytest.approx(50.0)


def test_empty_period_gives_zero_counts_and_null_rates(tmp_path):
    m = metrics(tmp_path, period=Period.from_months("2024-06", "2024-06"),
                ae_attendances=[ae(60), ae(60, arrival_at=datetime(2024, 8, 1, 9))])
    for key, metric in METRICS.items():
        if metric.kind == "count":
            assert m[key] == 0, key
        elif key != "occupancy_pct":  # capacity exists even in an empty month
            assert m[key] is None, key
