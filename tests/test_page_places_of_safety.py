"""The Places of safety page: every chart renders, suppression holds, and the numbers match the extract."""
from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pandas as pd
import pytest

from dashboard.cards import card_values
from dashboard.charts import CHARTS, render
from dashboard.data import clear_cache
from dashboard.db import Database, load_sql
from dashboard.disclosure import SUPPRESSED, Policy
from dashboard.filters import Filters
from dashboard.metrics import compute_metrics
from dashboard.periods import Period
from tests.builders import row, write_extracts

YEAR = Filters("all", Period.from_months("2025-01", "2025-12"))
NARROW = Filters("0-17", Period.from_months("2025-06", "2025-06"))
FILTER_SETS = (
    YEAR, NARROW,
    Filters("18-25", Period.from_months("2025-01", "2025-12"), "quarter"),
    Filters("all", Period.from_months("2023-04", "2025-03"), "fy"),
)
QUERIES = ("s136_under18_by_period", "s136_outcomes", "s136_by_ethnicity", "s136_repeat_detentions")


@pytest.fixture(scope="module")
def page(generated_data):
    """Return the page module, imported by the app (Dash pages must be registered after the app exists)."""
    from dashboard.app import create_app

    create_app(generated_data)
    import pages.places_of_safety as module

    return module


def chart_ids(page) -> list[str]:
    return [chart_id for row_ in page.PAGE.rows for chart_id, _ in row_]


def s136_extract(folder) -> pd.DataFrame:
    """Return the raw s136 extract read with pandas (independent of DuckDB and the queries)."""
    files = sorted((folder / "s136_detentions").rglob("*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def in_year(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[(frame["detained_at"] >= "2025-01-01") & (frame["detained_at"] < "2026-01-01")]


# --- the page -------------------------------------------------------------------------------

def test_page_is_published_with_its_path_nav_and_prefixed_unique_charts(page):
    import dash

    entry = dash.page_registry["pages.places_of_safety"]
    assert (entry["path"], entry["name"], entry["order"]) == ("/places-of-safety", "Places of safety", 2)
    ids = chart_ids(page)
    assert len(ids) == len(set(ids)) and all(i.startswith("pos-") and i in CHARTS for i in ids)
    assert "s136_under18_custody" in page.PAGE.cards


@pytest.mark.parametrize("chart_id", ["pos-detentions", "pos-under18", "pos-place-mix", "pos-conveyance",
                                      "pos-over-limit", "pos-outcomes", "pos-intoxication", "pos-ethnicity",
                                      "pos-repeat"])
def test_every_chart_draws_a_figure_for_all_ages_over_a_year(chart_id, page, app_db):
    assert chart_id in chart_ids(page)
    rendered = render(chart_id, YEAR)
    assert not rendered.empty, rendered.note
    assert rendered.figure["data"], chart_id
    assert len(rendered.table) > 0


def test_a_narrow_selection_gives_a_message_or_a_figure_never_an_error(page, app_db):
    for chart_id in chart_ids(page):
        rendered = render(chart_id, NARROW)
        if rendered.empty:
            assert rendered.figure["data"] == [] and rendered.figure["layout"]["annotations"][0]["text"]
        else:
            assert rendered.figure["data"]


def test_no_small_count_or_rate_on_a_small_denominator_leaves_the_server(page, app_db):
    threshold = Policy.from_settings().threshold
    assert threshold == 8
    checked = 0
    for filters in FILTER_SETS:
        for chart_id in chart_ids(page):
            chart = CHARTS[chart_id]
            rendered = render(chart_id, filters)
            if rendered.empty:
                continue
            raw = chart.data(app_db, filters).reset_index(drop=True)
            assert len(raw) == len(rendered.table)
            for field in chart.fields:
                cells = list(rendered.table[field.label])
                if field.kind == "count":
                    assert not any(isinstance(v, int) and 0 < v < threshold for v in cells), (chart_id, field.name)
                elif field.kind in ("pct", "measure"):
                    for den, cell in zip(raw[field.den], cells):
                        if 0 < den < threshold:
                            assert cell == SUPPRESSED, (chart_id, field.name, den, cell)
                            checked += 1
    assert checked > 0  # the small generated population does produce small denominators


def test_cards_compute_and_agree_with_the_metrics_where_shown(page, app_db):
    cards = {c.key: c for c in card_values(app_db, YEAR, page.PAGE.cards)}
    assert list(cards) == list(page.PAGE.cards)
    truth = compute_metrics(app_db, YEAR)
    for key, card in cards.items():
        if card.value not in (SUPPRESSED, None):
            assert card.value == pytest.approx(truth[key]), key
    assert cards["s136_under18_custody"].value in (0, SUPPRESSED)


def test_under18_chart_says_zero_in_custody_and_sends_adult_bands_a_message(page, app_db):
    rendered = render("pos-under18", YEAR)
    custody = rendered.table["Under-18s taken to police custody"]
    if all(v == 0 for v in custody):
        assert "No under-18s were taken to police custody" in rendered.note
    adult = render("pos-under18", Filters("26-64", YEAR.period))
    assert adult.empty and "under-18s" in adult.note.lower()


def test_charts_render_under_the_national_rounding_rule(page, app_db):
    national = Policy(8, "national")
    for chart_id in chart_ids(page):
        table = render(chart_id, YEAR, policy=national).table
        for field in CHARTS[chart_id].fields:
            if field.kind == "count":
                assert all(v in (SUPPRESSED, None) or v % 5 == 0 for v in table[field.label]), chart_id


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


# --- the queries on hand-made rows (edge cases the generated data may not have) -------------

def test_queries_follow_the_house_rules():
    allowed = {"period_start", "period_end", "age_min", "age_max", "grain"}
    for name in QUERIES:
        sql = load_sql(name)
        assert sql.doc.startswith(("Section 136", "People")) and "Returns:" in sql.doc, name
        assert sql.params <= allowed, name
        assert len(duckdb.extract_statements(sql.sql)) == 1, name


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
