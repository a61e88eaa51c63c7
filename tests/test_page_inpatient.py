"""The Inpatient care page: every chart renders and is protected; ward occupancy and length of stay
agree with hand-worked numbers.

Hand-made extracts use Jan-Mar 2024 (91 nights: 2024 is a leap year) unless a test says otherwise.
"""
from __future__ import annotations

import importlib
import sys
from datetime import date, datetime

import pandas as pd
import pytest

from dashboard.web.cards import card_values
from dashboard.web.charts import render
from dashboard.store.data import clear_cache, flow_table
from dashboard.store.db import Database
from dashboard.core.disclosure import SUPPRESSED, Policy
from dashboard.core.filters import Filters
from dashboard.store.cli_metrics import compute_metrics
from dashboard.core.periods import Period
from tests.builders import row, write_extracts
from tests.pagecheck import (chart_ids, check_cards, check_drawn, check_draws, check_message_or_figure,
                             check_no_small_numbers, check_published)

YEAR = Filters("all", Period.from_months("2025-01", "2025-12"))
NARROW = Filters("0-17", Period.from_months("2025-06", "2025-06"))
SOME_VIEWS = (YEAR, NARROW, Filters("65+", Period.from_months("2025-04", "2025-09"), "quarter"),
              Filters("18-25", Period.from_months("2025-12", "2025-12")))
Q1 = Period.from_months("2024-01", "2024-03")


@pytest.fixture(scope="module")
def page():
    """Return the page module (Dash needs an app with pages before a page can register)."""
    if "pages.inpatient" not in sys.modules:
        import dash

        dash.Dash(__name__, use_pages=True, pages_folder="")
    return importlib.import_module("pages.inpatient")


@pytest.fixture()
def fresh_cache():
    clear_cache()
    yield
    clear_cache()


def hand_made(tmp_path, **tables) -> Database:
    return Database(write_extracts(tmp_path, **tables))


# --- the page on generated data ----------------------------------------------------------------

def test_page_is_published_with_prefixed_chart_ids(page):
    check_published(page, "pages.inpatient", "/inpatient", "Inpatient care", 3, "ip-")
    assert page.PAGE.card_keys == ("admissions", "bed_days", "occupancy_pct", "out_of_area_bed_days", "median_los_days")


def test_every_chart_draws_a_figure_for_all_ages_over_a_year(page, app_db):
    check_draws(chart_ids(page), YEAR)


def test_a_narrow_filter_gives_a_message_or_a_figure_never_an_error(page, app_db):
    # a figure, or a plain message (no activity, or every number suppressed)
    check_message_or_figure(page, NARROW)


def test_occupancy_charts_show_the_plain_message_under_an_age_band(page, app_db):
    for chart_id in ("ip-occupancy", "ip-ward-occupancy"):
        rendered = render(chart_id, NARROW)
        assert rendered.empty
        assert "all ages only" in rendered.figure["layout"]["annotations"][0]["text"]


def test_no_small_count_and_no_rate_on_a_small_denominator_is_shown(page, app_db):
    check_no_small_numbers(page, app_db, SOME_VIEWS)


def test_cards_compute_for_all_ages_and_under_a_band(page, app_db):
    cards = check_cards(page, app_db, YEAR)
    assert all(isinstance(c.value, (int, float)) for c in cards.values())
    narrow = {c.key: c.value for c in card_values(page.PAGE.cards, NARROW, app_db)}
    assert narrow["occupancy_pct"] is None  # occupancy is shown for all ages only


def test_ward_bed_days_add_up_to_the_in_area_metric(page, app_db):
    rows = page.ward_occupancy_rows(app_db, YEAR)
    metrics = compute_metrics(app_db, YEAR)
    assert rows["bed_days"].sum() + metrics["out_of_area_bed_days"] == metrics["bed_days"]
    assert 100 * rows["bed_days"].sum() / rows["available_bed_days"].sum() == pytest.approx(metrics["occupancy_pct"])


def test_length_of_stay_bands_count_every_stay_discharged(page, app_db):
    rows = page.length_of_stay_rows(app_db, YEAR)
    table = flow_table(app_db, YEAR, "period", ("discharges_by_period",))
    assert rows["all_stays"].sum() == table["stays_discharged"].iloc[0] > 0


# --- hand-worked fixtures -------------------------------------------------------------------------

def ward_fixture() -> dict[str, list[dict]]:
    """Three wards over Jan-Mar 2024, one changing its beds, one closing and one opening mid-period."""
    capacity = [
        # Oak: 10 beds to 31 Jan, then 12 beds: 31 x 10 + 60 x 12 = 1,030 bed days
        row("ward_capacity", ward="Oak", beds=10, valid_from=date(2020, 1, 1), valid_to=date(2024, 1, 31)),
        row("ward_capacity", ward="Oak", beds=12, valid_from=date(2024, 2, 1), valid_to=None),
        # Elm closes mid-period: open 1 Jan to 15 Feb inclusive = 46 days x 6 beds = 276
        row("ward_capacity", ward="Elm", ward_type="older_adult", beds=6, valid_from=date(2020, 1, 1),
            valid_to=date(2024, 2, 15)),
        # Ash opens 11 Mar: 21 days x 4 beds = 84
        row("ward_capacity", ward="Ash", ward_type="picu", beds=4, valid_from=date(2024, 3, 11), valid_to=None),
        # Birch closed before the period: not shown
        row("ward_capacity", ward="Birch", beds=8, valid_from=date(2020, 1, 1), valid_to=date(2023, 12, 31)),
    ]
    stays = [
        # Oak: nights 1-10 Jan = 10
        row("inpatient_stays", ward="Oak", admitted_at=datetime(2023, 12, 20, 10),
            discharged_at=datetime(2024, 1, 11, 9)),
        # Oak, still in hospital: nights 25-31 Mar = 7
        row("inpatient_stays", ward="Oak", admitted_at=datetime(2024, 3, 25, 22), discharged_at=None,
            discharge_destination=None),
        # Oak, same-day discharge: 0 nights
        row("inpatient_stays", ward="Oak", admitted_at=datetime(2024, 2, 10, 9),
            discharged_at=datetime(2024, 2, 10, 17)),
        # Oak, age 15 (all ages still counts it): nights 1-5 Feb = 5
        row("inpatient_stays", ward="Oak", age=15, admitted_at=datetime(2024, 2, 1, 14),
            discharged_at=datetime(2024, 2, 6, 11)),
        # Oak, admitted after the period: not counted
        row("inpatient_stays", ward="Oak", admitted_at=datetime(2024, 4, 1, 0, 30), discharged_at=None,
            discharge_destination=None),
        # Oak name but placed out of area: 20 nights, never counted against Oak's beds
        row("inpatient_stays", ward="Oak", out_of_area=True, admitted_at=datetime(2024, 1, 1, 8),
            discharged_at=datetime(2024, 1, 21, 8)),
        # an out-of-area provider's ward: 30 nights, not a home-system ward
        row("inpatient_stays", ward="Out of area - Cedar Vale", out_of_area=True, admitted_at=datetime(2024, 1, 1, 8),
            discharged_at=datetime(2024, 1, 31, 8)),
        # Elm: nights 1-14 Feb = 14
        row("inpatient_stays", ward="Elm", ward_type="older_adult", admitted_at=datetime(2024, 2, 1, 12),
            discharged_at=datetime(2024, 2, 15, 12)),
        # Ash: nights 29-31 Mar = 3 (discharged after the period)
        row("inpatient_stays", ward="Ash", ward_type="picu", admitted_at=datetime(2024, 3, 29, 12),
            discharged_at=datetime(2024, 4, 5, 12)),
    ]
    return {"ward_capacity": capacity, "inpatient_stays": stays}


def test_ward_occupancy_matches_hand_worked_numbers(page, tmp_path, fresh_cache):
    db = hand_made(tmp_path, **ward_fixture())
    try:
        rows = page.ward_occupancy_rows(db, Filters("all", Q1)).set_index("ward")
        assert sorted(rows.index) == ["Ash", "Elm", "Oak"]
        assert rows.loc["Oak", ["beds", "available_bed_days", "bed_days"]].tolist() == [12, 1030, 22]
        assert rows.loc["Elm", ["beds", "available_bed_days", "bed_days"]].tolist() == [6, 276, 14]
        assert rows.loc["Ash", ["beds", "available_bed_days", "bed_days"]].tolist() == [4, 84, 3]

        table = render("ip-ward-occupancy", Filters("all", Q1), db=db, policy=Policy(0)).table.set_index("Ward")
        assert table.loc["Oak", "Occupancy (%)"] == pytest.approx(100 * 22 / 1030)
        assert table.loc["Elm", "Occupancy (%)"] == pytest.approx(100 * 14 / 276)
        assert table.loc["Ash", "Occupancy (%)"] == pytest.approx(100 * 3 / 84)

        protected = render("ip-ward-occupancy", Filters("all", Q1), db=db).table.set_index("Ward")
        assert protected.loc["Ash", "Occupied bed days"] == SUPPRESSED  # 3 bed days
        assert protected.loc["Oak", "Occupied bed days"] == 20  # 22, rounded to 5

        # the wards add up to the contract's occupancy: (22 + 14 + 3) / (1030 + 276 + 84)
        metrics = compute_metrics(db, Filters("all", Q1))
        assert metrics["occupancy_pct"] == pytest.approx(100 * 39 / 1390)
        assert metrics["bed_days"] == 39 + 20 + 30
    finally:
        db.close()


def test_ward_occupancy_has_no_rows_under_an_age_band(page, tmp_path, fresh_cache):
    db = hand_made(tmp_path, **ward_fixture())
    try:
        assert page.ward_occupancy_rows(db, Filters("0-17", Q1)).empty
        rendered = render("ip-ward-occupancy", Filters("0-17", Q1), db=db)
        assert rendered.empty and "all ages only" in rendered.note
    finally:
        db.close()


def test_length_of_stay_bands_have_the_right_edges(page, tmp_path, fresh_cache):
    def stay(nights: int, ward_type: str = "adult_acute") -> dict:
        discharged = datetime(2024, 2, 10, 12)
        return row("inpatient_stays", ward_type=ward_type, admitted_at=discharged - pd.Timedelta(days=nights),
                   discharged_at=discharged)

    stays = [stay(0), stay(1), stay(7), stay(8, "picu"), stay(14), stay(15), stay(365, "older_adult"),
             stay(366, "older_adult"), stay(400)]
    db = hand_made(tmp_path, inpatient_stays=stays)
    try:
        rows = page.length_of_stay_rows(db, Filters("all", Q1)).set_index("band")
        assert rows["all_stays"].to_dict() == {"0 nights": 1, "1-7": 2, "8-14": 2, "15-28": 1, "29-60": 0,
                                               "61-90": 0, "91-180": 0, "181-365": 1, "Over 365": 2}
        assert rows.loc["8-14", "picu"] == 1 and rows.loc["Over 365", "older_adult"] == 1
    finally:
        db.close()


def test_admissions_by_source_list_every_source_and_split_by_legal_status(page, tmp_path, fresh_cache):
    stays = [row("inpatient_stays", admission_source="s136", legal_status="detained"),
             row("inpatient_stays", admission_source="s136", legal_status="detained"),
             row("inpatient_stays", admission_source="community", legal_status="informal"),
             row("inpatient_stays", admission_source="community", legal_status="informal",
                 admitted_at=datetime(2023, 12, 31, 23, 59))]  # before the period
    db = hand_made(tmp_path, inpatient_stays=stays)
    try:
        rows = page.admission_source_rows(db, Filters("all", Q1)).set_index("source")
        assert list(rows.index) == list(page.ADMISSION_SOURCE.values())
        assert rows.loc["Section 136", ["informal", "detained", "admissions"]].tolist() == [0, 2, 2]
        assert rows.loc["Community team", ["informal", "detained", "admissions"]].tolist() == [1, 0, 1]
        assert rows["admissions"].sum() == 3

        rendered = render("ip-admissions-source", Filters("all", Q1), db=db)  # 2 and 1: both suppressed
        assert rendered.figure["data"] == [] and "suppressed" in rendered.note
        unsuppressed = render("ip-admissions-source", Filters("all", Q1), db=db, policy=Policy(0))
        assert unsuppressed.figure["data"]
        check_drawn("ip-admissions-source", unsuppressed)
        detained = unsuppressed.figure["data"][1]  # stacked: informal, then detained, by source
        assert detained["name"] == "Detained" and detained["x"][detained["y"].index("Section 136")] == 2
    finally:
        db.close()
