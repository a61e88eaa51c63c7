"""The Recovery page: every chart renders, suppression holds, and the numbers match the extract."""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest

from dashboard.web.charts import render
from dashboard.store.data import by_period, clear_cache
from dashboard.store.db import Database
from dashboard.core.disclosure import Policy
from dashboard.core.filters import Filters
from dashboard.store.cli_metrics import compute_metrics
from dashboard.core.periods import Period
from tests.builders import row, write_extracts
from tests.pagecheck import (chart_ids, check_cards, check_draws, check_message_or_figure, check_national_rounding,
                             check_no_small_numbers, check_published, check_queries, extract)

YEAR = Filters("all", Period.from_months("2025-01", "2025-12"))
NARROW = Filters("0-17", Period.from_months("2025-06", "2025-06"))
FILTER_SETS = (
    YEAR, NARROW,
    Filters("65+", Period.from_months("2025-01", "2025-12"), "quarter"),
    Filters("all", Period.from_months("2023-04", "2025-03"), "fy"),
)
QUERIES = ("discharge_destinations", "recovery_followup_timing", "recovery_by_ward_type")
NOT_COUNTED = ("died", "other_hospital")


@pytest.fixture(scope="module")
def page(generated_data):
    """Return the page module, imported by the app (Dash pages must be registered after the app exists)."""
    from dashboard.web.app import create_app

    create_app(generated_data)
    import pages.recovery as module

    return module


def discharged_in_year(stays: pd.DataFrame) -> pd.DataFrame:
    return stays[(stays["discharged_at"] >= "2025-01-01") & (stays["discharged_at"] < "2026-01-01")]


def counted(stays: pd.DataFrame) -> pd.DataFrame:
    """Return the stays that count as discharges (not died, not moved to another hospital)."""
    return stays[~stays["discharge_destination"].isin(NOT_COUNTED)]


# --- the page -------------------------------------------------------------------------------

def test_page_is_published_with_its_path_nav_and_prefixed_unique_charts(page):
    check_published(page, "pages.recovery", "/recovery", "Recovery", 5, "rec-")


@pytest.mark.parametrize("chart_id", ["rec-followup", "rec-readmit", "rec-discharges", "rec-returned-ae",
                                      "rec-destinations", "rec-followup-timing", "rec-ward-type"])
def test_every_chart_draws_a_figure_for_all_ages_over_a_year(chart_id, page, app_db):
    assert chart_id in chart_ids(page)
    check_draws([chart_id], YEAR)


def test_a_narrow_selection_gives_a_message_or_a_figure_never_an_error(page, app_db):
    check_message_or_figure(page, NARROW)


def test_no_small_count_or_rate_on_a_small_denominator_leaves_the_server(page, app_db):
    checked = check_no_small_numbers(page, app_db, FILTER_SETS)
    assert checked > 0  # the small generated population does produce small denominators


def test_cards_compute_and_agree_with_the_metrics_where_shown(page, app_db):
    cards = check_cards(page, app_db, YEAR)
    assert list(cards) == ["discharges", "followup_72h_pct", "readmit_30d_pct", "median_los_days"]


def test_return_to_ae_is_a_rate_of_discharges_with_spc_reading(page, app_db):
    rendered = render("rec-returned-ae", YEAR, policy=Policy(0))
    trend = by_period(app_db, "discharges_by_period", YEAR)
    rates = rendered.table["Returned to A&E within 30 days (%)"]
    for rate, returned, discharges in zip(rates, trend["returned_ae_30d"], trend["discharges"]):
        assert rate == (None if discharges == 0 else pytest.approx(100 * returned / discharges))
    assert "SPC" in rendered.note or "variation" in rendered.note


def test_charts_render_under_the_national_rounding_rule(page, app_db):
    check_national_rounding(page, YEAR)


# --- the numbers against the extract ------------------------------------------------------

def test_destination_counts_match_a_pandas_count_of_the_extract(page, generated_data, app_db):
    stays = discharged_in_year(extract(generated_data, "inpatient_stays"))
    expected = stays["discharge_destination"].fillna("not_recorded").value_counts()
    rows = page.destination_rows(app_db, YEAR).set_index("destination")
    assert rows["stays_discharged"].sum() == len(stays)
    for destination, n in expected.items():
        assert rows.loc[destination, "stays_discharged"] == n
    assert (rows.loc[list(NOT_COUNTED), "discharges"] == 0).all()
    assert rows["discharges"].sum() == len(counted(stays))


def test_follow_up_timing_matches_pandas_and_the_72_hour_metric(page, generated_data, app_db):
    stays = counted(discharged_in_year(extract(generated_data, "inpatient_stays")))
    hours = (stays["followed_up_at"] - stays["discharged_at"]).dt.total_seconds() / 3600
    expected = {
        "within_24h": ((hours >= 0) & (hours <= 24)).sum(),
        "after_24h_to_72h": ((hours > 24) & (hours <= 72)).sum(),
        "after_72h_to_7d": ((hours > 72) & (hours <= 168)).sum(),
        "after_7d": (hours > 168).sum(),
        "none": (hours.isna() | (hours < 0)).sum(),
    }
    rows = page.timing_rows(app_db, YEAR).set_index("timing")["discharges"]
    assert list(rows.index) == list(expected)
    assert rows.to_dict() == {k: int(v) for k, v in expected.items()}
    metrics = compute_metrics(app_db, YEAR)
    assert 100 * (rows["within_24h"] + rows["after_24h_to_72h"]) / rows.sum() == pytest.approx(
        metrics["followup_72h_pct"])


def test_ward_type_follow_up_and_readmission_match_pandas(page, generated_data, app_db):
    all_stays = extract(generated_data, "inpatient_stays")
    stays = counted(discharged_in_year(all_stays))
    later = all_stays[all_stays["admission_source"] != "transfer"][["person_id", "admitted_at"]]
    pairs = stays[["stay_id", "person_id", "discharged_at"]].merge(later, on="person_id")
    gap = pairs["admitted_at"] - pairs["discharged_at"]
    readmitted = set(pairs[(gap > pd.Timedelta(0)) & (gap <= pd.Timedelta(days=30))]["stay_id"])
    followed = (stays["followed_up_at"] >= stays["discharged_at"]) & (
        stays["followed_up_at"] <= stays["discharged_at"] + pd.Timedelta(hours=72))
    expected = pd.DataFrame({
        "discharges": stays.groupby("ward_type").size(),
        "followed_up_72h": followed.groupby(stays["ward_type"]).sum(),
        "readmitted_30d": stays["stay_id"].isin(readmitted).groupby(stays["ward_type"]).sum(),
    })
    rows = page.ward_type_rows(app_db, YEAR).set_index("ward_type")
    for ward_type, want in expected.iterrows():
        got = rows.loc[ward_type]
        assert (got["discharges"], got["followed_up_72h"], got["readmitted_30d"]) == tuple(int(v) for v in want)
    whole_period = by_period(app_db, "discharges_by_period", YEAR, grain="period").iloc[0]
    assert rows["readmitted_30d"].sum() == whole_period["readmitted_30d"] == len(readmitted)
    assert rows["followed_up_72h"].sum() == whole_period["followed_up_72h"]


# --- the queries on hand-made rows (boundaries the generated data may not hit) --------------

def test_queries_follow_the_house_rules():
    check_queries(QUERIES)


def test_follow_up_bands_are_inclusive_at_their_upper_end(tmp_path):
    out = datetime(2024, 2, 1, 12, 0)

    def stay(after: timedelta | None, **kw):
        return row("inpatient_stays", discharged_at=out, followed_up_at=None if after is None else out + after, **kw)

    stays = [
        stay(timedelta(0)), stay(timedelta(hours=24)),                               # within 24 hours
        stay(timedelta(hours=24, minutes=1)), stay(timedelta(hours=72)),             # 24 to 72 hours
        stay(timedelta(hours=72, seconds=1)), stay(timedelta(days=7)),               # 3 to 7 days
        stay(timedelta(days=7, minutes=1)),                                          # over 7 days
        stay(None), stay(timedelta(hours=-1)),                                       # none after discharge
        stay(timedelta(hours=1), discharge_destination="died"),                      # not a discharge
        stay(None, discharge_destination=None),                                      # destination not recorded
    ]
    clear_cache()
    db = Database(write_extracts(tmp_path, inpatient_stays=stays))
    try:
        params = Filters("all", Period.from_months("2024-01", "2024-03")).sql_params("period")
        timing = db.query("recovery_followup_timing", params).set_index("timing")["discharges"].to_dict()
        assert timing == {"within_24h": 2, "after_24h_to_72h": 2, "after_72h_to_7d": 2, "after_7d": 1, "none": 3}
        destinations = db.query("discharge_destinations", params).set_index("destination")
        assert destinations["stays_discharged"].to_dict() == {"home": 9, "died": 1, "not_recorded": 1}
        assert destinations.loc["died", "discharges"] == 0
        assert destinations.loc["home", "followed_up_72h"] == 4
        ward = db.query("recovery_by_ward_type", params).iloc[0]
        assert (ward["ward_type"], ward["discharges"], ward["followed_up_72h"]) == ("adult_acute", 10, 4)
    finally:
        db.close()
        clear_cache()
