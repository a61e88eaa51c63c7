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
           "s136_repeat_detentions", "s136_hours_by_place")


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
                                      "pos-repeat", "pos-rate", "pos-assessed-3h", "pos-median-assessment",
                                      "pos-assessment-hours", "pos-detained-hours",
                                      "pos-age-rates", "pos-ethnicity-rates", "pos-ethnicity-ratio"])
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
    check_queries((*QUERIES, "population_by_ethnicity"))
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


# --- issue 20: time to assessment, rates per 100,000, the rate ratio, under-18s' places -----------

Q1 = Filters("all", Period.from_months("2024-01", "2024-03"))
T0 = datetime(2024, 1, 10, 22, 0)


def detained(to_assessment: float | None, held: float | None = 5 * 60, **kw) -> dict:
    """A detention at T0 whose assessment starts `to_assessment` minutes and ends `held` minutes later."""
    at = kw.pop("detained_at", T0)
    return row("s136_detentions", detained_at=at,
               assessment_at=None if to_assessment is None else at + timedelta(minutes=to_assessment),
               ended_at=None if held is None else at + timedelta(minutes=held), **kw)


def resident(year: int, people: int, ethnic_group: str | None = None, age: int = 30) -> dict:
    return row("population", year=year, age=age, sex="female", ethnic_group=ethnic_group, people=people)


def test_hours_bands_put_exactly_3_hours_within_3_and_exactly_24_hours_within_the_limit(hand_db):
    one_second = 1 / 60
    db = hand_db(s136_detentions=[
        detained(60, held=6 * 60),  # 1 hour exactly: within 1 hour; 6 hours exactly: within 6
        detained(180, held=24 * 60),  # 3 hours exactly: 2-3 hours (within 3); 24 hours: 12-24 (within the limit)
        detained(180 + one_second, held=24 * 60 + one_second),  # a second over each: 3-6 hours; 24-36 hours
        detained(None, held=36 * 60, extended=True),  # not recorded; 36 hours exactly: 24-36
        detained(25 * 60, held=None),  # over 24 hours to assessment; end not recorded
        detained(30, held=37 * 60, place_of_safety="police_custody"),
        detained(30, detained_at=datetime(2024, 4, 1, 0, 0)),  # after the period
    ])
    rows = db.query("s136_hours_by_place", Q1.sql_params("period")).set_index("place_of_safety")
    health = rows.loc["health_based"]
    assert health["detentions"] == 5
    assert [health[c] for c in ("assess_0_1", "assess_1_2", "assess_2_3", "assess_3_6", "assess_6_12",
                                "assess_12_24", "assess_over_24", "assess_not_recorded",
                                "assessment_recorded")] == [1, 0, 1, 1, 0, 0, 1, 1, 4]
    assert [health[c] for c in ("held_0_6", "held_6_12", "held_12_24", "held_24_36", "held_over_36",
                                "held_not_recorded", "ended_recorded")] == [1, 0, 1, 2, 0, 1, 4]
    # minutes 60, 180, 180.0167, 1500 -> median (180 + 180.0167) / 2; held 360, 1440, 1440.0167, 2160
    assert health["median_hours_to_assessment"] == pytest.approx((180 + 180 + one_second) / 2 / 60)
    assert health["median_hours"] == pytest.approx((1440 + 1440 + one_second) / 2 / 60)
    custody = rows.loc["police_custody"]
    assert (custody["detentions"], custody["assess_0_1"], custody["held_over_36"]) == (1, 1, 1)


def test_the_hours_chart_lists_every_place_and_shares_come_from_the_shown_counts(page, hand_db):
    from dashboard.core.disclosure import Policy

    # 20 at a health-based place: 10 within an hour, 10 at 4 hours; 9 at an emergency department at 2 hours.
    db = hand_db(s136_detentions=[detained(30) for _ in range(10)] + [detained(240) for _ in range(10)]
                 + [detained(120, place_of_safety="emergency_department") for _ in range(9)])
    table = render("pos-assessment-hours", Q1, db=db, policy=Policy()).table.set_index("First place of safety")
    assert list(table.index) == ["Health-based place of safety", "Emergency department", "Police custody",
                                 "Other place of safety"]
    health, ed = table.loc["Health-based place of safety"], table.loc["Emergency department"]
    assert (health["Detentions"], health["Within 1 hour"], health["3 to 6 hours"]) == (20, 10, 10)
    assert (health["Within 1 hour (%)"], health["3 to 6 hours (%)"], health["1 to 2 hours (%)"]) == (50.0, 50.0, 0.0)
    # 9 detentions are shown as 10 (rounded): 9 at 1-2 hours is 10 of 10, 100%.
    assert (ed["Detentions"], ed["1 to 2 hours"], ed["1 to 2 hours (%)"]) == (10, 10, 100.0)
    assert table.loc["Police custody", "Detentions"] == 0 and table.loc["Police custody", "Within 1 hour (%)"] is None


def test_population_by_ethnic_group_uses_the_nearest_year_for_a_month_without_an_estimate(hand_db):
    # No 2024 estimate: 2025 (one year away) beats 2022 (two away); rows without a group are left out.
    db = hand_db(population=[resident(2022, 1000, "white"), resident(2025, 3000, "white"),
                             resident(2025, 500, "black"), resident(2025, 700, "black", age=70)],
                 s136_detentions=[detained(60)])
    rows = db.query("population_by_ethnicity", Q1.sql_params("period")).set_index("ethnic_group")
    assert rows["population_months"].to_dict() == {"black": 3 * 1200, "white": 3 * 3000}
    adults = db.query("population_by_ethnicity", Filters("26-64", Q1.period).sql_params("period"))
    assert adults.set_index("ethnic_group")["population_months"].to_dict() == {"black": 1500, "white": 9000}
    # Two equally near years (2023 and 2025 for 2024): the earlier.
    db = hand_db(population=[resident(2023, 1200, "white"), resident(2025, 2400, "white")])
    assert db.query("population_by_ethnicity", Q1.sql_params("period"))["population_months"].tolist() == [3600]


def test_the_rate_ratio_interval_is_the_log_method_worked_by_hand():
    from dashboard.core.rates import rate_ratio_interval

    # 40 detentions in 10,000 person-years (120,000 person-months) against 100 in 100,000: RR = 4.
    # ln 4 +/- 1.96 x sqrt(1/40 + 1/100) = ln 4 +/- 0.36668; exp(0.36668) = 1.44293.
    low, high = rate_ratio_interval(40, 120_000, 100, 1_200_000)
    assert (low, high) == (pytest.approx(2.77213, abs=1e-4), pytest.approx(5.77172, abs=1e-4))
    assert rate_ratio_interval(0, 120_000, 100, 1_200_000) is None  # no interval around 0 on the log scale
    assert rate_ratio_interval(40, 120_000, 0, 1_200_000) is None  # no reference rate
    assert rate_ratio_interval(40, 0, 100, 1_200_000) is None


def test_the_protected_interval_comes_from_the_rounded_counts():
    from dashboard.core.disclosure import Field, Policy, protect

    frame = pd.DataFrame({"a": [42, 5, 0], "pm": [120_000] * 3, "b": [98] * 3, "ref": [1_200_000] * 3})
    fields = [Field(name, name, kind, num="a", den="pm", reference=("b", "ref"))
              for name, kind in (("ratio", "ratio"), ("low", "ratio_lower"), ("high", "ratio_upper"))]
    shown = protect(frame, fields, Policy())
    # 42 -> 40 and 98 -> 100: the worked example above, to two decimal places; 5 is hidden; 0 has no interval.
    assert shown.to_dict("list") == {"ratio": [4.0, SUPPRESSED, 0.0], "low": [2.77, SUPPRESSED, None],
                                     "high": [5.77, SUPPRESSED, None]}


def test_rates_and_the_ratio_by_ethnic_group_worked_by_hand(page, hand_db):
    from dashboard.core.disclosure import Policy

    # Jan-Mar 2024, one year's estimate: white 12,000 residents (3,000 person-years), black 1,200 (300).
    db = hand_db(population=[resident(2024, 12_000, "white"), resident(2024, 1_200, "black")],
                 s136_detentions=[detained(60, ethnic_group="white") for _ in range(20)]
                 + [detained(60, ethnic_group="black") for _ in range(10)]
                 + [detained(60, ethnic_group="asian") for _ in range(3)])
    rates = render("pos-ethnicity-rates", Q1, db=db, policy=Policy()).table.set_index("Ethnic group")
    white, black = rates.loc["White"], rates.loc["Black or Black British"]
    assert (white["Detentions"], white["Residents (average over the period)"]) == (20, 12_000)
    # Shown to one decimal place: 666.7 and 3,333.3 per 100,000 a year.
    assert white["Detentions per 100,000 residents a year"] == 666.7
    assert black["Detentions per 100,000 residents a year"] == 3333.3
    # Asian: 3 detentions are hidden, and there are no Asian residents in this table: no rate.
    assert rates.loc["Asian or Asian British", "Detentions"] == SUPPRESSED
    assert rates.loc["Asian or Asian British", "Detentions per 100,000 residents a year"] is None
    ratio = render("pos-ethnicity-ratio", Q1, db=db, policy=Policy())
    table = ratio.table.set_index("Ethnic group")
    # (10 / 300) / (20 / 3000) = 5; ln 5 +/- 1.96 x sqrt(1/10 + 1/20) = ln 5 +/- 0.75910 -> x / 2.13635
    assert table.loc["Black or Black British", "Rate ratio to White"] == 5.0
    assert (table.loc["Black or Black British", "95% CI lower"],
            table.loc["Black or Black British", "95% CI upper"]) == (2.34, 10.68)
    assert table.loc["White", "Rate ratio to White"] is None  # the reference is not compared with itself
    assert "Katz" in ratio.note and "Poisson" in ratio.note
    drawn = ratio.figure["data"][0]
    assert drawn["x"][drawn["y"].index("Black or Black British")] == 5.0


def test_without_the_population_table_rate_charts_and_cards_say_how_to_add_it(page, hand_db):
    from dashboard.web.cards import Card, card_values
    from dashboard.web.charts import POPULATION_NEEDED

    db = hand_db(s136_detentions=[detained(60, ethnic_group="white") for _ in range(20)])
    for chart_id in ("pos-rate", "pos-age-rates", "pos-ethnicity-rates", "pos-ethnicity-ratio"):
        rendered = render(chart_id, Q1, db=db)
        assert rendered.empty and rendered.note.startswith(POPULATION_NEEDED), chart_id
        assert "Loading real extracts" in rendered.figure["layout"]["annotations"][0]["text"].replace("<br>", " ")
    for card in card_values((Card(metric="s136_per_100k"), Card(metric="s136_black_white_rate_ratio")), Q1, db):
        assert card.value is None and card.note == POPULATION_NEEDED, card.key
    # A population without ethnic groups gives the overall rate, not the rates by group.
    db = hand_db(s136_detentions=[detained(60, ethnic_group="white") for _ in range(20)],
                 population=[resident(2024, 12_000)])
    assert not render("pos-age-rates", Q1, db=db).empty
    assert render("pos-ethnicity-ratio", Q1, db=db).empty


def test_age_band_rates_list_the_bands_inside_the_chosen_one(page, hand_db):
    from dashboard.core.disclosure import Policy

    db = hand_db(population=[resident(2024, 1_200, age=16), resident(2024, 12_000, age=30)],
                 s136_detentions=[detained(60, age=16) for _ in range(9)] + [detained(60) for _ in range(30)])
    table = render("pos-age-rates", Q1, db=db, policy=Policy(0)).table.set_index("Age band")
    assert list(table.index) == ["Ages 0-17", "Ages 18-25", "Ages 26-64", "Ages 65+"]
    # 9 in 300 person-years; 30 in 3,000
    assert table.loc["Ages 0-17", "Detentions per 100,000 residents a year"] == pytest.approx(3000.0)
    assert table.loc["Ages 26-64", "Detentions per 100,000 residents a year"] == pytest.approx(1000.0)
    assert table.loc["Ages 18-25", "Detentions per 100,000 residents a year"] is None  # no residents
    one = render("pos-age-rates", Filters("0-17", Q1.period), db=db, policy=Policy()).table
    assert list(one["Age band"]) == ["Ages 0-17"] and list(one["Detentions"]) == [10]


def test_under_18s_places_over_the_whole_period(page, hand_db):
    from dashboard.core.disclosure import Policy

    db = hand_db(s136_detentions=[
        *[detained(60, age=16, detained_at=T0 + timedelta(days=31 * i)) for i in range(3)],
        detained(60, age=17, place_of_safety="emergency_department"),
        detained(60, age=15, place_of_safety="police_custody"),
        detained(60, age=30, place_of_safety="police_custody"),  # an adult: not counted here
    ])
    rendered = render("pos-under18-places", Q1, db=db, policy=Policy(0))
    assert rendered.table.set_index("First place of safety")["Under-18 detentions"].to_dict() == {
        "Health-based place of safety": 3, "Emergency department": 1, "Police custody": 1,
        "Other place of safety": 0}
    headline = rendered.figure["layout"]["annotations"][0]["text"]
    assert "police custody" in headline and "review" in headline
    assert render("pos-under18-places", Filters("26-64", Q1.period), db=db).empty
