"""What leaves the page besides its numbers (issue 21): chart images, downloads, the toolbar, the footer, the 404 page.

The browser's side of these (axe, the toolbar as drawn, type-ahead, print) is in tests/test_browser.py.
"""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
from plotly.utils import PlotlyJSONEncoder

from dashboard.core.disclosure import DETAILED_MARK, Policy
from dashboard.core.filters import Filters
from dashboard.core.metrics import METRICS
from dashboard.core.periods import Period
from dashboard.web import callbacks, figures
from dashboard.web.cards import NOT_SPLIT_BY_AGE, _change, card_values
from dashboard.web.charts import CHARTS, render, to_csv
from dashboard.web.components import PAGES, chart_card, shown_count, table_component

YEAR = Filters("all", Period.from_months("2025-01", "2025-12"), "month")
BAND = Filters("18-25", Period.from_months("2025-01", "2025-12"), "month")


@pytest.fixture(scope="module")
def app(generated_data):
    from dashboard.web.app import create_app

    return create_app(generated_data)


def test_no_chart_can_be_sent_to_a_cloud_and_its_toolbar_is_the_camera_alone(app):
    assert CHARTS
    for chart_id in CHARTS:
        config = figures.graph_config(chart_id)
        assert config["displaylogo"] is False and config["showSendToCloud"] is False, chart_id
        assert config["showEditInChartStudio"] is False and config["showLink"] is False, chart_id
        assert config["sendData"] is False and config["plotlyServerURL"] == "", chart_id
        assert config["modeBarButtons"] == [["toImage"]], chart_id  # one tab stop, no "Share chart…"
        assert config["toImageButtonOptions"]["filename"] == f"mental-health-flow_{chart_id}"
    # A chart's card hands its graph that config.
    card = json.dumps(chart_card(CHARTS["uec-4h"]), cls=PlotlyJSONEncoder)
    assert '"modeBarButtons": [["toImage"]]' in card and '"showSendToCloud": false' in card


def test_a_chart_image_carries_its_title_view_and_disclosure_rule(app_db):
    figure = render("uec-4h", YEAR).figure
    title = figure["layout"]["title"]
    assert title["text"] == "<b>Left A&E within 4 hours</b>"
    subtitle = title["subtitle"]["text"].replace("<br>", " ")
    assert "Jan 2025 to Dec 2025 · All ages · by month" in subtitle
    assert "* = 1 to 7 (suppressed); other counts rounded to the nearest 5" in subtitle
    assert figure["layout"]["meta"]["filename"] == "mental-health-flow_uec-4h_2025-01_2025-12_all"

    banded = render("uec-4h", BAND).figure["layout"]
    assert "Ages 18-25" in banded["title"]["subtitle"]["text"].replace("<br>", " ")
    assert banded["meta"]["filename"].endswith("_18-25")

    detailed = render("uec-4h", YEAR, policy=Policy.detailed_view()).figure["layout"]
    assert DETAILED_MARK in detailed["title"]["subtitle"]["text"].replace("<br>", " ")
    assert detailed["meta"]["filename"].endswith("_DETAILED")


def test_a_message_instead_of_a_chart_is_captioned_too(app_db):
    rendered = render("ip-occupancy", BAND)  # occupancy is for all ages only
    assert rendered.empty and "Bed occupancy" in rendered.figure["layout"]["title"]["text"]


@pytest.mark.parametrize("policy, column", [(Policy.detailed_view(), "Left A&E within 4 hours"),
                                            (Policy.from_settings(), "Mean")])
def test_csv_numbers_are_rounded_as_the_table_shows_them(app_db, policy, column):
    rendered = render("uec-4h", YEAR, policy=policy)
    text = to_csv(rendered, policy)
    rows = list(csv.DictReader(io.StringIO(text.split("\n", 1)[1] if policy.detailed else text)))
    raw = [v for v in rendered.table[column] if isinstance(v, float)]
    assert any(round(v, 1) != v for v in raw)  # the table holds floats the CSV must not carry unrounded
    for row, value in zip(rows, rendered.table[column]):
        if isinstance(value, float):
            assert row[column] == str(round(value, 1)), (column, value)
            assert len(row[column].split(".")[1]) == 1


def test_trend_csv_lists_each_points_mean_process_limits_and_signal(app_db):
    rendered = render("uec-4h", YEAR)
    rows = list(csv.DictReader(io.StringIO(to_csv(rendered))))
    assert {"Mean", "Lower process limit", "Upper process limit", "SPC signal"} <= set(rows[0])
    whole = [r for r in rows if not r["Period"].endswith("(part)")]
    assert whole and all(r["Mean"] and r["Upper process limit"] and r["Lower process limit"] for r in whole)
    assert all(float(r["Lower process limit"]) <= float(r["Mean"]) <= float(r["Upper process limit"]) for r in whole)
    signals = {r["SPC signal"] for r in whole}
    assert signals <= {"Common cause", "Special cause: improvement", "Special cause: concern"} and signals
    # The SPC reading in the CSV is the chart's: its mean line.
    mean_trace = next(t for t in rendered.figure["data"] if t.get("name") == "Mean")
    assert [round(m, 1) if m is not None else "" for m in mean_trace["y"]] == [float(r["Mean"]) if r["Mean"] else ""
                                                                            for r in rows]


def test_occupancy_trend_names_its_base_available_bed_days_not_records(app_db):
    table = render("ip-occupancy", YEAR).table
    assert "Available bed days" in table.columns and "Records" not in table.columns
    assert "Records" in render("uec-4h", YEAR).table.columns  # attendances with a departure: records


@pytest.mark.parametrize("trigger, start, end, expected", [
    ("filter-end", "2024-06", "2024-03", ("2024-03", "2024-03", "To (Mar 2024) was before From (Jun 2024)")),
    ("filter-start", "2024-09", "2024-03", ("2024-09", "2024-09", "From (Sep 2024) was after To (Mar 2024)")),
    ("filter-end", "2024-03", "2024-06", ("2024-03", "2024-06", "")),
    ("url", "2024-06", "2024-03", ("2024-06", "2024-03", "")),
    ("filter-end", "nonsense", "2024-03", ("nonsense", "2024-03", "")),
])
def test_setting_to_before_from_keeps_the_choice_and_says_so(trigger, start, end, expected):
    new_start, new_end, message = callbacks.order_period(trigger, start, end)
    assert (new_start, new_end) == expected[:2]
    assert message.startswith(expected[2]) and bool(message) == bool(expected[2])


def test_a_mended_period_reaches_the_url_as_the_users_month(app_db):
    start, end, _ = callbacks.order_period("filter-end", "2024-06", "2024-03")
    out = callbacks.sync_filters("filter-end", "", "all", "custom", start, end, "month")
    assert out[2:4] == ("2024-03", "2024-03") and "start=2024-03&end=2024-03" in out[5]


def test_a_median_card_gives_the_previous_value():
    change = _change(METRICS["median_los_days"], 25.0, 22.0, True)
    assert change == "▲ 3.0 nights on previous period (22 nights)"
    assert _change(METRICS["ae_median_minutes"], 200.0, 210.0, True).endswith("(210 min)")


def test_occupancy_under_an_age_band_says_all_ages_only_not_suppressed(app_db):
    card = next(c for c in card_values(PAGES["inpatient"].cards, BAND) if c.key == "occupancy_pct")
    assert card.note == "Shown for all ages only" and card.change == NOT_SPLIT_BY_AGE
    assert "suppressed" not in card.change


def test_footer_counts_have_thousands_separators_and_explain_the_rule_itself(app):
    policy = Policy.from_settings()
    assert shown_count(policy, 123456) == "123,455" and shown_count(policy, 3) == "*"
    layout = app.server.test_client().get("/_dash-layout").get_data(as_text=True)
    assert "README" not in layout
    assert "rounded to the nearest 5" in layout
    counts = re.findall(r"(\d[\d,]*) rows", layout)
    assert counts and all(int(c.replace(",", "")) < 1000 or "," in c for c in counts)


def test_an_open_table_is_a_named_region_the_keyboard_can_scroll(app_db):
    table = table_component(render("uec-sites", YEAR).table, "A&E by site")
    props = table.to_plotly_json()["props"]
    assert props["tabIndex"] == "0" and props["role"] == "region" and props["aria-label"] == "A&E by site: table"


def test_the_page_says_its_language_and_has_one_footer(app):
    html = app.server.test_client().get("/").get_data(as_text=True)
    assert '<html lang="en-GB">' in html and "<footer" not in html


def test_an_unknown_address_gets_a_styled_page_with_the_way_home(app):
    from pages import not_found_404

    page = json.dumps(not_found_404.layout(), cls=PlotlyJSONEncoder)
    assert "Page not found" in page and '"href": "/"' in page
    for declared in PAGES.values():
        assert f'"href": "{declared.path}"' in page
    with app.server.test_request_context("/"):
        nav = json.dumps(app.layout(), cls=PlotlyJSONEncoder)
    assert '"path": "/404"' not in nav  # not a page of the navigation


def test_an_unknown_address_answers_404_and_every_page_200(app):
    client = app.server.test_client()
    for path in ("/no-such-page", "/urgent-care/extra", "/recovery.php"):
        answer = client.get(path)
        assert answer.status_code == 404 and '<html lang="en-GB">' in answer.get_data(as_text=True), path
    for declared in (*PAGES.values(),):
        assert client.get(declared.path + "?age_band=all").status_code == 200, declared.path
    assert client.get("/definitions").status_code == 200 and client.get("/recovery/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200 and client.get("/api/v1").status_code == 200
