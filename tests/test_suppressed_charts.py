"""A chart whose every value is hidden says so in words, rather than drawing an axis of '*'."""
from __future__ import annotations

import pandas as pd
import pytest

from dashboard.web import figures
from dashboard.web.breakdowns import ALL_SUPPRESSED
from dashboard.web.charts import CHARTS, Chart, ChartKind, render
from dashboard.web.figures import Drawn
from dashboard.core.disclosure import SUPPRESSED, Field, plottable
from dashboard.core.filters import Filters
from dashboard.core.periods import Period

YEAR = Filters("all", Period.from_months("2025-01", "2025-03"))


def bars(values, shown=None) -> dict:
    """Return a bar figure of `values` with the '*' marks of the shown values."""
    shown = shown if shown is not None else values
    frame = {"period": ["Jan", "Feb", "Mar"], "n": shown}
    fig = figures.bar_figure(frame["period"], [("Detentions", plottable(shown))])
    return figures.mark_suppressed(fig, frame, "period", ["n"])


def test_bars_of_only_stars_and_zeros_show_nothing():
    fig = bars([SUPPRESSED, 0, SUPPRESSED])
    assert not figures.draws_values(fig) and figures.only_suppressed(fig)


def test_one_bar_shown_is_enough():
    fig = bars([SUPPRESSED, 9, SUPPRESSED])
    assert figures.draws_values(fig) and not figures.only_suppressed(fig)


def test_zero_bars_without_stars_are_an_answer_not_a_suppressed_chart():
    assert not figures.only_suppressed(bars([0, 0, 0]))


def test_a_line_at_zero_shows_but_a_target_line_alone_does_not():
    fig = bars([SUPPRESSED, SUPPRESSED, SUPPRESSED])
    fig["data"].append({"type": "scatter", "mode": "lines", "name": "Target 95%", "y": [95, 95, 95]})
    assert figures.only_suppressed(fig)
    fig["data"].append({"type": "scatter", "mode": "lines+markers", "name": "In custody", "y": [0, 0, 0]})
    assert not figures.only_suppressed(fig)


def test_a_headline_is_an_answer_in_words():
    fig = figures.headline(bars([SUPPRESSED, 0, 0]), "None over the legal limit", figures.NHS_GREEN)
    assert not figures.only_suppressed(fig)


def test_render_replaces_an_axis_of_stars_with_the_message_and_keeps_the_table(monkeypatch):
    frame = pd.DataFrame({"period": ["Jan", "Feb", "Mar"], "n": [3, 2, 5]})
    chart = Chart(id="test-stars", kind=ChartKind.TREND, title="Stars", data=lambda db, filters: frame.copy(),
                  queries=(), fields=(Field("period", "Period"), Field("n", "Detentions", "count")),
                  figure=lambda shown, filters: Drawn(bars(list(shown["n"]))))
    monkeypatch.setitem(CHARTS, chart.id, chart)
    rendered = render(chart.id, YEAR, db=object())
    assert rendered.figure["data"] == [] and rendered.note == ALL_SUPPRESSED and not rendered.empty
    assert rendered.figure["layout"]["annotations"][0]["text"].startswith("Every number here is zero")
    assert list(rendered.table["Detentions"]) == [SUPPRESSED] * 3


@pytest.fixture(scope="module")
def page_modules(generated_data):
    """Return the pages package, imported by the app (Dash pages must be registered after the app exists)."""
    from dashboard.web.app import create_app

    create_app(generated_data)
    import pages.overview
    import pages.places_of_safety
    import pages.urgent_care

    return pages


def test_the_message_keeps_what_the_chart_would_have_said_less_its_line_about_stars(monkeypatch):
    from dashboard.web.breakdowns import SUPPRESSED_NOTE

    frame = pd.DataFrame({"period": ["Jan"], "n": [3]})

    def figure(shown, filters):
        return Drawn(bars(list(shown["n"]) + [0, 0]), f"The limit is 24 hours. {SUPPRESSED_NOTE}")

    chart = Chart(id="test-note", kind=ChartKind.TREND, title="Note", data=lambda db, filters: frame.copy(),
                  queries=(), fields=(Field("period", "Period"), Field("n", "Detentions", "count")), figure=figure)
    monkeypatch.setitem(CHARTS, chart.id, chart)
    assert render(chart.id, YEAR, db=object()).note == f"{ALL_SUPPRESSED} The limit is 24 hours."


def test_no_detention_over_the_limit_is_said_as_a_headline(page_modules):
    over_limit_figure = page_modules.places_of_safety.over_limit_figure

    shown = pd.DataFrame({"period": ["Jan", "Feb"], "over_limit": [0, 0], "ended_not_recorded": [0, SUPPRESSED]})
    fig = over_limit_figure(shown, YEAR).figure
    assert fig["layout"]["annotations"][0]["text"] == "<b>None over the legal limit</b>"
    assert not figures.only_suppressed(fig)


def test_a_hidden_hour_of_liaison_referrals_is_marked(page_modules):
    liaison_hour_figure = page_modules.urgent_care.liaison_hour_figure

    shown = pd.DataFrame({"hour": [0, 1, 2], "referrals": [SUPPRESSED, 12, 0], "pct_1h": [SUPPRESSED, 75.0, None]})
    drawn = liaison_hour_figure(shown, YEAR)
    fig = drawn.figure
    marks = [t for t in fig["data"] if t["name"] == figures.SUPPRESSED_MARKS]
    assert len(marks) == 1 and marks[0]["x"] == ["00"]
    assert "suppressed" in drawn.note


def test_a_pathway_cut_short_by_hidden_links_uses_the_whole_width(page_modules):
    pathway_figure = page_modules.overview.pathway_figure
    shown = pd.DataFrame({"from": ["A&E mental health attendance", "A&E mental health attendance",
                                   "Admitted to a mental health ward"],
                          "to": ["Left A&E before treatment", "Admitted to a mental health ward", "Discharged"],
                          "people": [40, 12, SUPPRESSED]})
    drawn = pathway_figure(shown, YEAR)
    node = drawn.figure["data"][0]["node"]
    assert max(node["x"]) == 0.99 and min(node["x"]) == 0.01  # two stages drawn: first and last column
    assert drawn.note.startswith("1 link(s) not drawn: too few people to show, or hidden so that another")
    assert "8" not in drawn.note  # the threshold is the operator's setting, so the note names none


def test_a_pathway_with_every_link_hidden_says_so(page_modules):
    pathway_figure = page_modules.overview.pathway_figure
    shown = pd.DataFrame({"from": ["A&E mental health attendance"], "to": ["Left A&E before treatment"],
                          "people": [SUPPRESSED]})
    drawn = pathway_figure(shown, YEAR)
    assert drawn.figure["data"] == [] and drawn.note.startswith(ALL_SUPPRESSED)


def test_rare_detentions_over_the_limit_keep_their_stars_under_a_headline(page_modules):
    over_limit_figure = page_modules.places_of_safety.over_limit_figure
    shown = pd.DataFrame({"period": ["Jan", "Feb", "Mar"], "over_limit": [SUPPRESSED, 0, SUPPRESSED],
                          "ended_not_recorded": [0, SUPPRESSED, 0]})
    fig = over_limit_figure(shown, YEAR).figure
    assert fig["layout"]["annotations"][0]["text"] == "<b>Over the legal limit in 2 period(s)</b>"
    assert not figures.only_suppressed(fig)
    marks = [t for t in fig["data"] if t["name"] == figures.SUPPRESSED_MARKS]
    assert sorted(x for t in marks for x in t["x"]) == ["Feb", "Jan", "Mar"]
