"""The Delayed transfers page: every chart renders and is protected; delays by reason, by
organisation, by ward and those still open at the period end agree with hand-worked numbers.

Hand-made extracts use Jan-Mar 2024 ($period_end = 1 Apr 2024; February has 29 days).
"""
from __future__ import annotations

import importlib
import sys
from datetime import date, datetime

import pandas as pd
import pytest

from dashboard.web.breakdowns import CHARTED
from dashboard.web.cards import card_values
from dashboard.web.charts import render
from dashboard.store.data import clear_cache
from dashboard.store.db import Database
from dashboard.core.disclosure import SUPPRESSED, Policy
from dashboard.core.filters import Filters
from dashboard.store.cli_metrics import compute_metrics
from dashboard.core.periods import Period
from tests.builders import row, write_extracts
from tests.pagecheck import (chart_ids, check_cards, check_draws, check_message_or_figure, check_no_small_numbers,
                             check_published)

YEAR = Filters("all", Period.from_months("2025-01", "2025-12"))
NARROW = Filters("0-17", Period.from_months("2025-06", "2025-06"))
SOME_VIEWS = (YEAR, NARROW, Filters("65+", Period.from_months("2025-04", "2025-09"), "quarter"),
              Filters("18-25", Period.from_months("2025-12", "2025-12")))
Q1 = Filters("all", Period.from_months("2024-01", "2024-03"), "month")


@pytest.fixture(scope="module")
def page():
    """Return the page module (Dash needs an app with pages before a page can register)."""
    if "pages.delayed_transfers" not in sys.modules:
        import dash

        dash.Dash(__name__, use_pages=True, pages_folder="")
    return importlib.import_module("pages.delayed_transfers")


# --- the page on generated data ----------------------------------------------------------------

def test_page_is_published_with_prefixed_chart_ids(page):
    check_published(page, "pages.delayed_transfers", "/delayed-transfers", "Delayed transfers", 4, "dtoc-")
    assert page.PAGE.card_keys == ("delayed_days", "delayed_pct")


def test_every_chart_draws_a_figure_for_all_ages_over_a_year(page, app_db):
    check_draws(chart_ids(page), YEAR)


def test_a_narrow_filter_gives_a_message_or_a_figure_never_an_error(page, app_db):
    # a figure, or a plain message (no activity, or every number suppressed)
    check_message_or_figure(page, NARROW)


def test_no_small_count_and_no_rate_on_a_small_denominator_is_shown(page, app_db):
    check_no_small_numbers(page, app_db, SOME_VIEWS)


def test_cards_compute(page, app_db):
    cards = check_cards(page, app_db, YEAR)
    assert list(cards) == ["delayed_days", "delayed_pct"]
    assert all(isinstance(c.value, (int, float)) for c in cards.values())
    assert len(card_values(page.PAGE.cards, NARROW, app_db)) == 2


def test_every_breakdown_adds_up_to_the_delayed_days_metric(page, app_db):
    delayed_days = compute_metrics(app_db, YEAR)["delayed_days"]
    assert delayed_days > 0
    assert page.reason_rows(app_db, YEAR)["delayed_days"].sum() == delayed_days
    assert page.org_rows(app_db, YEAR)["delayed_days"].sum() == delayed_days
    assert page.ward_rows(app_db, YEAR)["delayed_days"].sum() == delayed_days


def test_delayed_share_uses_the_configured_local_ambition(page, app_db, monkeypatch):
    monkeypatch.setenv("MHFLOW_TARGET_DELAYED_PCT", "2.5")
    figure = render("dtoc-pct", YEAR).figure
    target = [t for t in figure["data"] if t["name"].startswith("Target")]
    assert target and set(target[0]["y"]) == {2.5}


# --- hand-worked fixtures -------------------------------------------------------------------------

@pytest.fixture()
def delays_db(tmp_path):
    """Three stays (one out of area) and delays around the edges of Jan-Mar 2024."""
    clear_cache()
    oak = row("inpatient_stays", ward="Oak", admitted_at=datetime(2023, 12, 1, 10),
              discharged_at=datetime(2024, 4, 15, 10))  # 91 nights in the period
    elm = row("inpatient_stays", ward="Elm", ward_type="older_adult", admitted_at=datetime(2024, 1, 1, 10),
              discharged_at=None, discharge_destination=None)  # 91 nights
    away = row("inpatient_stays", ward="Out of area - Cedar Vale", out_of_area=True,
               admitted_at=datetime(2024, 2, 1, 10), discharged_at=datetime(2024, 3, 1, 10))  # 29 nights

    def delay(stay, reason, org, start, end, **kw):
        return row("delayed_transfers", stay_id=stay["stay_id"], person_id=stay["person_id"], reason=reason,
                   responsible_org=org, delay_start=start, delay_end=end, **kw)

    delays = [
        delay(oak, "e_care_package_home", "social_care", date(2024, 1, 5), date(2024, 1, 11)),  # 6 days (Jan)
        delay(oak, "e_care_package_home", "nhs", date(2023, 12, 25), date(2024, 1, 3)),  # 1-2 Jan: 2 days
        delay(elm, "i_housing", "both", date(2024, 3, 20), None),  # 20-31 Mar: 12 days, open, 12 so far
        delay(elm, "i_housing", "social_care", date(2024, 3, 30), date(2024, 4, 10)),  # 2 days, open, 2 so far
        delay(away, "a_assessment", "nhs", date(2024, 2, 20), date(2024, 3, 1)),  # 20-29 Feb: 10 days
        delay(elm, "a_assessment", "nhs", date(2024, 3, 31), date(2024, 4, 1)),  # 1 day; ends on $period_end: open
        delay(elm, "a_assessment", "nhs", date(2024, 3, 30), date(2024, 3, 31)),  # 1 day; ended: not open
        delay(elm, "b_public_funding", "nhs", date(2024, 4, 2), None),  # after the period: nothing
        delay(oak, "g_patient_family_choice", "nhs", date(2024, 2, 1), date(2024, 2, 4), age=15),  # 3 days
        delay(oak, "h_disputes", "nhs", date(2023, 11, 1), date(2023, 12, 31)),  # before the period
    ]
    db = Database(write_extracts(tmp_path, inpatient_stays=[oak, elm, away], delayed_transfers=delays))
    yield db
    db.close()
    clear_cache()


def test_delays_by_reason_match_hand_worked_numbers(page, delays_db):
    rows = page.reason_rows(delays_db, Q1).set_index("reason")
    assert list(rows.index) == list(page.REASON)  # every reason A to I, zeros included
    assert rows["delayed_days"].to_dict() == {
        "a_assessment": 12, "b_public_funding": 0, "c_nhs_non_acute_care": 0, "di_residential_home": 0,
        "dii_nursing_home": 0, "e_care_package_home": 8, "f_equipment_adaptations": 0,
        "g_patient_family_choice": 3, "h_disputes": 0, "i_housing": 14}
    assert rows.loc["a_assessment", "delays"] == 3 and rows.loc["i_housing", "delays"] == 2
    assert rows["delayed_days"].sum() == compute_metrics(delays_db, Q1)["delayed_days"] == 37
    assert rows.loc["e_care_package_home", "reason_label"] == "E: Awaiting care package at home"


def test_delays_by_reason_are_protected_on_screen(page, delays_db):
    table = render("dtoc-reason", Q1, db=delays_db).table.set_index("Reason")
    assert table.loc["A: Awaiting completion of assessment", "Delayed days"] == 10  # 12, rounded to 5
    assert table.loc["G: Patient or family choice", "Delayed days"] == SUPPRESSED
    assert table.loc["H: Disputes", "Delayed days"] == 0


def test_delays_still_open_at_the_period_end(page, delays_db):
    rows = page.open_rows(delays_db, Q1).set_index("reason")
    assert rows.loc["all", "open_delays"] == 3  # housing x2 and the delay ending on 1 Apr
    assert rows.loc["all", "median_days_so_far"] == 2  # days so far 12, 2, 1
    assert rows.loc["i_housing", "open_delays"] == 2 and rows.loc["i_housing", "median_days_so_far"] == 7
    assert rows.loc["a_assessment", "open_delays"] == 1 and rows.loc["a_assessment", "median_days_so_far"] == 1
    assert rows.loc["e_care_package_home", "open_delays"] == 0  # ended within the period
    assert rows.loc["b_public_funding", "open_delays"] == 0  # starts after the period

    protected = render("dtoc-open", Q1, db=delays_db).table.set_index("Reason")
    assert protected.loc["I: Housing", "Delays open"] == SUPPRESSED
    assert protected.loc["I: Housing", "Median days delayed so far"] == SUPPRESSED
    # Every count is small: whole-number ticks from 0 to 5, not 0, 0.5, 1.
    assert render("dtoc-open", Q1, db=delays_db).figure["layout"]["xaxis"]["range"] == [0, 5]


def test_delays_by_organisation_by_month(page, delays_db):
    rows = page.org_rows(delays_db, Q1).set_index("period")
    assert rows[["nhs_days", "social_care_days", "both_days"]].to_dict("index") == {
        "Jan 2024": {"nhs_days": 2, "social_care_days": 6, "both_days": 0},
        "Feb 2024": {"nhs_days": 13, "social_care_days": 0, "both_days": 0},
        "Mar 2024": {"nhs_days": 2, "social_care_days": 2, "both_days": 12},
    }
    quarter = page.org_rows(delays_db, Filters("all", Q1.period, "quarter"))
    assert quarter["delayed_days"].tolist() == [37]


def test_delays_by_ward_with_out_of_area_placements_together(page, delays_db):
    rows = page.ward_rows(delays_db, Q1).set_index("ward")
    assert rows.loc["Oak", ["delayed_days", "bed_days"]].tolist() == [11, 91]
    assert rows.loc["Elm", ["delayed_days", "bed_days"]].tolist() == [16, 91]
    assert rows.loc["out_of_area", ["delayed_days", "bed_days"]].tolist() == [10, 29]
    assert rows.loc["out_of_area", "ward_label"] == "Out-of-area placements (all providers)"

    young = page.ward_rows(delays_db, Filters("0-17", Q1.period)).set_index("ward")
    assert young["delayed_days"].to_dict() == {"Oak": 3}
    assert young["bed_days"].to_dict() == {"Oak": 0}  # no stays of that band: the share is not shown
    shown = render("dtoc-ward", Filters("0-17", Q1.period), db=delays_db, policy=Policy(0)).table
    assert shown["Delayed days as a share of bed days (%)"].tolist() == [None]


def test_ward_chart_draws_the_most_delayed_wards_and_the_table_keeps_every_ward(page):
    wards = [f"Ward {i:02d}" for i in range(40)]
    shown = pd.DataFrame({
        "ward_label": wards, "ward_type_label": ["Adult acute", "Older adult"] * 20,
        "delayed_days": [SUPPRESSED if i == 39 else i for i in range(40)], "bed_days": [500] * 40,
    })
    drawn = page.ward_figure(shown, Q1)
    fig = drawn.figure
    charted = [label for trace in fig["data"] for label, v in zip(trace["y"], trace["x"]) if v is not None]
    assert len(fig["data"][0]["y"]) == CHARTED
    assert fig["data"][0]["y"][:3] == ["Ward 38", "Ward 37", "Ward 36"]  # most delayed first
    assert "Ward 39" not in charted  # a suppressed ward ranks last, so its rank says nothing
    assert f"The {CHARTED} wards with the most delayed days of 40" in drawn.note
