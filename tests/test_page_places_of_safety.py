"""The Places of safety page: every chart renders, suppression holds, and the numbers match the extract."""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest

from dashboard.web.charts import render
from dashboard.store.data import clear_cache
from dashboard.store.db import Database, load_sql
from dashboard.core.disclosure import SUPPRESSED
from dashboard.core.filters import Filters
from dashboard.core.periods import Period
from tests.builders import row, write_extracts
from tests.pagecheck import (chart_ids, check_cards, check_draws, check_message_or_figure, check_national_rounding,
                             check_no_small_numbers, check_published, check_queries, extract)

YEAR = Filters("all", Period.from_months("2025-01", "2025-12"))
NARROW = Filters("0-17", Period.from_months("2025-06", "2025-06"))
FILTER_SETS = (
    YEAR, NARROW,
    Filters("18-25", Period.from_months("2025-01", "2025-12"), "quarter"),
    Filters("all", Period.from_months("2023-04", "2025-03"), "fy"),
)
QUERIES = ("s136_by_period", "s136_median_by_period", "s136_under18_by_period", "s136_outcomes", "s136_by_ethnicity",
           "s136_repeat_detentions")


@pytest.fixture(scope="module")
def page(generated_data):
    """Return the page module, imported by the app (Dash pages must be registered after the app exists)."""
    from dashboard.web.app import create_app

    create_app(generated_data)
    import pages.places_of_safety as module

    return module


def s136_extract(folder) -> pd.DataFrame:
    """Return the raw s136 extract read with pandas (independent of DuckDB and the queries)."""
    return extract(folder, "s136_detentions")


def in_year(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[(frame["detained_at"] >= "2025-01-01") & (frame["detained_at"] < "2026-01-01")]


# --- the page -------------------------------------------------------------------------------

def test_page_is_published_with_its_path_nav_and_prefixed_unique_charts(page):
    check_published(page, "pages.places_of_safety", "/places-of-safety", "Places of safety", 2, "pos-")
    assert "s136_under18_custody" in page.PAGE.card_keys


@pytest.mark.parametrize("chart_id", ["pos-detentions", "pos-under18", "pos-place-mix", "pos-conveyance",
                                      "pos-over-limit", "pos-outcomes", "pos-intoxication", "pos-ethnicity",
                                      "pos-repeat"])
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
    assert cards["s136_under18_custody"].value in (0, SUPPRESSED)


def test_under18_chart_says_zero_in_custody_and_sends_adult_bands_a_message(page, app_db):
    rendered = render("pos-under18", YEAR)
    custody = rendered.table["Under-18s taken to police custody"]
    if all(v == 0 for v in custody):
        assert "No under-18s were taken to police custody" in rendered.note
    adult = render("pos-under18", Filters("26-64", YEAR.period))
    assert adult.empty and "under-18s" in adult.note.lower()


def test_charts_render_under_the_national_rounding_rule(page, app_db):
    check_national_rounding(page, YEAR)


# --- the numbers against the extract ------------------------------------------------------

def test_repeat_detentions_match_a_pandas_count_of_the_extract(page, generated_data, app_db):
    s136 = in_year(s136_extract(generated_data))
    per_person = s136.groupby("person_id").size()
    times = per_person.map(lambda n: "4+" if n >= 4 else str(n))
    expected_people = times.value_counts()
    expected_detentions = per_person.groupby(times).sum()
    rows = page.repeat_rows(app_db, YEAR).set_index("times")
    assert list(rows.index) == ["1", "2", "3", "4+"]
    for times_ in rows.index:
        assert rows.loc[times_, "people"] == expected_people.get(times_, 0)
        assert rows.loc[times_, "detentions"] == expected_detentions.get(times_, 0)
    assert rows["detentions"].sum() == len(s136)


def test_outcome_ethnicity_and_under18_counts_match_the_extract(page, generated_data, app_db):
    s136 = in_year(s136_extract(generated_data))
    outcomes = page.outcome_rows(app_db, YEAR).set_index("outcome")["detentions"]
    expected = s136["outcome"].fillna("not_recorded").value_counts()
    assert outcomes[outcomes > 0].sort_index().to_dict() == expected.sort_index().to_dict()

    ethnicity = page.ethnicity_rows(app_db, YEAR).set_index("ethnic_group")
    expected = s136["ethnic_group"].fillna("not_recorded").value_counts()
    assert ethnicity["detentions"].sum() == len(s136)
    for group, n in expected.items():
        assert ethnicity.loc[group, "detentions"] == n
    custody = s136[s136["place_of_safety"] == "police_custody"]["ethnic_group"].fillna("not_recorded").value_counts()
    assert ethnicity["police_custody"].sum() == custody.sum()

    under18 = page.under18_rows(app_db, YEAR)
    young = s136[s136["age"] < 18]
    assert under18["under18_detentions"].sum() == len(young)
    assert under18["under18_custody"].sum() == (young["place_of_safety"] == "police_custody").sum()
    assert under18["detentions"].sum() == len(s136)


def test_over_limit_table_matches_the_extract_and_its_figure_needs_no_median(page, generated_data, app_db):
    from dashboard.core.disclosure import Policy

    s136 = in_year(s136_extract(generated_data)).copy()
    s136["minutes"] = (s136["ended_at"] - s136["detained_at"]) / pd.Timedelta(minutes=1)
    s136["month"] = s136["detained_at"].dt.strftime("%b %Y")
    limit = s136["extended"].map({True: 36 * 60, False: 24 * 60})
    expected = s136.assign(over=s136["minutes"] > limit).groupby("month", sort=False).agg(
        detentions=("minutes", "size"), recorded=("minutes", "count"), over=("over", "sum"),
        median=("minutes", "median"))
    table = render("pos-over-limit", YEAR, policy=Policy(0)).table.set_index("Period")
    for month, want in expected.iterrows():
        got = table.loc[month]
        assert (got["Detentions"], got["End time recorded"], got["Over the legal limit"]) == (
            want["detentions"], want["recorded"], want["over"]), month
        assert got["Median hours detained"] == pytest.approx(want["median"] / 60), month
    # With the table view closed the chart reads counts only, and draws the same figure.
    closed = render("pos-over-limit", YEAR, table=False)
    assert closed.figure == render("pos-over-limit", YEAR).figure and closed.table.empty


# --- the queries on hand-made rows (edge cases the generated data may not have) -------------

def test_queries_follow_the_house_rules():
    check_queries(QUERIES)
    for name in QUERIES:
        assert load_sql(name).doc.startswith(("Section 136", "People", "Median time detained")), name


def test_hand_made_edge_cases(tmp_path):
    t = datetime(2024, 2, 10, 22, 0)
    detentions = [
        # P1: four detentions (4+); one under-18 in custody with no outcome and no ethnicity recorded.
        *[row("s136_detentions", person_id="P1", detained_at=t + timedelta(days=i)) for i in range(4)],
        row("s136_detentions", person_id="P2", age=16, place_of_safety="police_custody", outcome=None,
            ethnic_group=None),
        row("s136_detentions", person_id="P2", age=16, ethnic_group="not_stated"),
        # Outside the period: not counted.
        row("s136_detentions", person_id="P3", detained_at=datetime(2024, 4, 1, 0, 0)),
    ]
    clear_cache()
    db = Database(write_extracts(tmp_path, s136_detentions=detentions))
    try:
        params = Filters("all", Period.from_months("2024-01", "2024-03")).sql_params("period")
        repeat = db.query("s136_repeat_detentions", params).set_index("times")
        assert repeat.to_dict("index") == {"2": {"people": 1, "detentions": 2}, "4+": {"people": 1, "detentions": 4}}
        outcomes = db.query("s136_outcomes", params).set_index("outcome")["detentions"].to_dict()
        assert outcomes == {"crisis_team": 5, "not_recorded": 1}
        ethnic = db.query("s136_by_ethnicity", params).set_index("ethnic_group")
        assert ethnic["detentions"].to_dict() == {"white": 4, "not_recorded": 1, "not_stated": 1}
        assert ethnic.loc["not_recorded", "police_custody"] == 1
        under18 = db.query("s136_under18_by_period", params).iloc[0]
        assert (under18["detentions"], under18["under18_detentions"], under18["under18_custody"]) == (6, 2, 1)
        adults = db.query("s136_under18_by_period", Filters("18-25", Period.from_months("2024-01", "2024-03"))
                          .sql_params("month"))
        assert adults["under18_detentions"].sum() == 0
    finally:
        db.close()
        clear_cache()
