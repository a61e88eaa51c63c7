"""The app and its callbacks, called directly and through Flask's test client (no browser)."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from dash import no_update

from dashboard.web import callbacks
from dashboard.web.charts import CHARTS, render, to_csv
from dashboard.web.components import PAGES
from dashboard.store.data import data_bounds
from dashboard.core.filters import Filters
from dashboard.core.periods import Period
from tests.pagecheck import check_drawn

YEAR = Filters("all", Period.from_months("2025-01", "2025-12"))
STORE = {"age_band": "all", "start": "2025-01", "end": "2025-12", "grain": "month"}


@pytest.fixture(scope="module")
def app(generated_data):
    from dashboard.web.app import create_app

    return create_app(generated_data)


def test_every_page_is_served(app, app_db):
    client = app.server.test_client()
    for page in PAGES.values():
        response = client.get(page.path + "?age_band=18-25")
        assert response.status_code == 200, page.path
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200 and b"filter-age-band" in layout.data


@pytest.mark.slow
def test_each_callback_is_registered_once(generated_data):
    # In its own process, as a worker runs it: Dash hands the callbacks declared with
    # dash.callback to the first app set up in a process, so another test module's app
    # (the API's, with authentication) would otherwise have taken them.
    import subprocess
    import sys

    script = ("import json, sys; from dashboard.web.app import create_app, prepare; "
              "app = prepare(create_app(sys.argv[1])); "
              "print(json.dumps(app.server.test_client().get('/_dash-dependencies').get_json()))")
    done = subprocess.run([sys.executable, "-c", script, str(generated_data)], capture_output=True, text=True,
                          timeout=300, check=True)
    outputs = [d["output"] for d in json.loads(done.stdout.strip().splitlines()[-1])]
    assert len(outputs) == len(set(outputs))
    assert any("chart-graph" in o for o in outputs)


def test_url_sets_the_controls_and_a_control_sets_the_url(app_db):
    from_url = callbacks.sync_filters("url", "?age_band=65%2B&start=2025-04&end=2025-09&grain=quarter",
                                      None, None, None, None, None)
    assert from_url[:5] == ("65+", "custom", "2025-04", "2025-09", "quarter")  # not a preset: 'Custom' shows
    assert from_url[5] is no_update  # the URL stays as the user gave it

    from_control = callbacks.sync_filters("filter-age-band", "?age_band=all", "0-17", "custom", "2025-01", "2025-06",
                                          "month")
    assert from_control[5] == "?age_band=0-17&start=2025-01&end=2025-06&grain=month"


def test_a_preset_sets_the_months(app_db):
    out = callbacks.sync_filters("filter-preset", "", "all", "2024-04|2025-03", "2025-01", "2025-02", "fy")
    assert out[2:4] == ("2024-04", "2025-03")
    assert out[5] == "?age_band=all&start=2024-04&end=2025-03&grain=fy"


def test_the_period_control_names_a_preset_range_and_shows_custom_otherwise(app_db):
    from dashboard.web.components import period_presets

    presets = period_presets(*data_bounds(app_db))
    fy = next(o for o in presets if o["label"].startswith("Financial year") and "to date" not in o["label"])
    start, end = fy["value"].split("|")
    # A link to a financial year shows that preset; any other range shows 'Custom', never a blank control.
    assert callbacks.sync_filters("url", f"?start={start}&end={end}", *[None] * 5)[1] == fy["value"]
    assert callbacks.sync_filters("url", f"?start={start}&end={start}", *[None] * 5)[1] == "custom"
    # Choosing 'Custom' keeps the months; moving a month off a preset's range turns the control to 'Custom'.
    out = callbacks.sync_filters("filter-preset", "", "all", "custom", start, end, "month")
    assert out[1:4] == (fy["value"], start, end)
    assert callbacks.sync_filters("filter-start", "", "all", fy["value"], end, end, "month")[1] == "custom"
    # A preset value the page never offered falls back to the months shown, without an exception.
    assert callbacks.sync_filters("filter-preset", "", "all", "nonsense", start, end, "month")[2:4] == (start, end)


def test_a_bad_url_falls_back_without_an_exception(app_db):
    out = callbacks.sync_filters("url", "?age_band=<script>&start=20x5&grain=1;select", None, None, None, None, None)
    assert out[0] == "all" and out[4] == "month"


def test_nav_links_carry_the_query_string():
    ids = [{"type": "nav-link", "path": "/"}, {"type": "nav-link", "path": "/recovery"}]
    assert callbacks.carry_filters_in_nav("?age_band=0-17", ids) == ["/?age_band=0-17", "/recovery?age_band=0-17"]


def test_chart_callback_returns_figure_table_and_reading(app_db):
    figure, table, note = callbacks.draw_chart(STORE, None, {"type": "chart-graph", "chart": "uec-4h"})
    assert figure["data"] and figure["data"][0]["y"]
    assert "variation" in note or "points" in note
    assert table == []  # the table view is closed: not drawn (and no earlier rows kept)


def test_table_view_is_drawn_only_while_it_is_open(app_db):
    graph, toggle = {"type": "chart-graph", "chart": "uec-sites"}, {"type": "chart-toggle", "chart": "uec-sites"}
    opened = callbacks.draw_table(1, STORE, None, toggle)
    assert "Site" in json.dumps(opened.to_plotly_json(), default=str)
    assert callbacks.draw_table(2, STORE, None, toggle) is no_update  # closed again
    redrawn = callbacks.draw_chart(STORE, None, graph, 3)[1]  # filters changed under an open table
    assert json.dumps(redrawn.to_plotly_json(), default=str) == json.dumps(opened.to_plotly_json(), default=str)


@pytest.mark.parametrize("filters", [YEAR, Filters("0-17", Period.from_months("2024-04", "2025-03"), "quarter"),
                                     Filters("65+", Period.from_months("2021-01", "2025-12"), "fy")])
def test_a_figure_drawn_without_its_table_only_columns_is_the_same(app_db, filters):
    split = [c for c in CHARTS.values() if c.figure_data is not None]
    assert sorted(c.id for c in split) == ["pos-over-limit", "uec-sites"]
    for chart in split:
        whole, figure_only = render(chart.id, filters), render(chart.id, filters, table=False)
        assert (figure_only.figure, figure_only.note) == (whole.figure, whole.note), chart.id
        assert figure_only.table.empty and list(figure_only.table.columns) == list(whole.table.columns)
        rows = chart.data(app_db, filters)
        pd.testing.assert_frame_equal(chart.figure_data(app_db, filters),
                                      rows.drop(columns=list(chart.table_only)), check_exact=True)
        assert rows[list(chart.table_only)].notna().any().all(), chart.id  # the table's medians are there


def test_a_closed_table_does_not_run_its_table_only_query(app_db, monkeypatch):
    ran = []
    original = type(app_db).execute  # every query, pinned to a snapshot or not, runs here
    monkeypatch.setattr(type(app_db), "execute", lambda self, con, name, params=None: ran.append(name) or original(
        self, con, name, params))
    callbacks.draw_chart(STORE, None, {"type": "chart-graph", "chart": "uec-sites"}, 0)
    assert "ae_site_counts" in ran and "ae_by_site" not in ran
    callbacks.draw_table(1, STORE, None, {"type": "chart-toggle", "chart": "uec-sites"})
    assert "ae_by_site" in ran


def test_only_a_measure_can_be_left_to_the_table():
    from dashboard.web.charts import Chart, ChartKind
    from dashboard.web.figures import Drawn
    from dashboard.core.disclosure import Field

    fields = (Field("site", "Site"), Field("n", "N", "count"), Field("m", "Median", "measure", den="n"))
    rows = lambda db, f: pd.DataFrame()  # noqa: E731
    declared = {"kind": ChartKind.BREAKDOWN, "title": "t", "data": rows, "queries": (), "fields": fields,
                "figure": lambda s, f: Drawn({})}
    Chart(id="x-ok", **declared, table_only=("m",), figure_data=rows)
    with pytest.raises(ValueError, match="not a measure"):
        Chart(id="x-bad", **declared, table_only=("n",), figure_data=rows)
    with pytest.raises(ValueError, match="go together"):
        Chart(id="x-half", **declared, table_only=("m",))


def test_drill_down_selection_narrows_the_mix(app_db):
    from dashboard.core.disclosure import Policy

    raw = Policy(0)  # compare true totals: one cell of a small population is all small numbers
    everything = render("uec-presentation", YEAR, policy=raw).table
    one_cell = render("uec-presentation", YEAR, policy=raw, selection={"hour": 22, "weekday": 6}).table
    assert "Showing Saturdays" in render("uec-presentation", YEAR, selection={"hour": 22, "weekday": 6}).note
    total = lambda t: sum(v for v in t["Attendances"] if isinstance(v, int))  # noqa: E731
    assert 0 < total(one_cell) < total(everything)


def test_bad_selection_from_the_browser_is_ignored():
    assert callbacks.clean_selection({"hour": "1; DROP", "weekday": 99}) == {}
    assert callbacks.clean_selection("nonsense") == {}
    assert callbacks.clean_selection({"hour": 3, "weekday": 2}) == {"hour": 3, "weekday": 2}


def test_download_is_the_table_as_shown(app_db):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": json.dumps(
        {"chart": "uec-sites", "type": "chart-download-button"}, separators=(",", ":")) + ".n_clicks", "value": 1}]))
    sent = callbacks.download_chart(1, STORE, None)
    assert sent["filename"] == "uec-sites_2025-01_2025-12_all.csv"
    assert sent["content"] == to_csv(render("uec-sites", YEAR))
    assert sent["content"].splitlines()[0].startswith("Site,Attendances")


def test_cards_callback_draws_every_card_of_the_page(app_db):
    cards = callbacks.draw_cards(STORE, {"type": "cards", "page": "urgent-care"})
    assert len(cards) == len(PAGES["urgent-care"].cards)


def test_empty_selection_shows_a_message_not_empty_axes(app_db):
    far_past = Filters("65+", Period.from_months("2020-01", "2020-01"))
    rendered = render("uec-sites", far_past)
    assert rendered.empty and rendered.figure["data"] == []
    assert "No activity" in rendered.figure["layout"]["annotations"][0]["text"]


def test_every_chart_renders_for_a_year_and_a_narrow_band(app, app_db):
    assert len(CHARTS) >= 40  # every page's charts are registered once the app exists
    for chart_id in sorted(CHARTS):
        for filters in (YEAR, Filters("0-17", Period.from_months("2025-06", "2025-06"), "quarter")):
            rendered = render(chart_id, filters)
            check_drawn(chart_id, rendered)  # traces with the table's values, or a message saying why none


def test_cards_from_monthly_sums_equal_the_period_metrics(app_db):
    from dashboard.web.cards import card_values, metric_cards
    from dashboard.core.disclosure import Policy
    from dashboard.core.metrics import METRICS
    from dashboard.store.cli_metrics import compute_metrics

    filters = Filters("18-25", Period.from_months("2024-07", "2025-06"))
    exact = compute_metrics(app_db, filters)
    previous = compute_metrics(app_db, filters.with_period(filters.period.previous()))
    for card in card_values(metric_cards(*METRICS), filters, app_db, Policy(0)):
        for shown, expected in ((card.value, exact[card.key]), (card.previous, previous[card.key])):
            assert shown == pytest.approx(expected), card.key


def test_a_median_with_empty_months_draws_gaps_not_errors(app_db):
    # Months with no departures give a median of None -> NaN in pandas; the chart must still draw.
    from dashboard.web.figures import spc_figure
    from dashboard.core.spc import spc

    values = [float("nan"), 12.0, None]
    fig = spc_figure(["Jan", "Feb", "Mar"], values, spc(values), name="Median", unit="min")
    assert fig["data"][0]["hovertext"][0] == "Jan: –"


def test_a_trend_without_limits_says_why_and_suggests_only_what_helps():
    # Too few buckets: a longer period or a finer grain gives more points. Enough buckets with
    # points suppressed or empty: neither would help, so the chart says what hid the points.
    from dashboard.web.figures import spc_figure
    from dashboard.core.spc import spc

    def note(labels, values, suppressed=()):
        fig = spc_figure(labels, values, spc(values), name="Detentions", suppressed=suppressed)
        return fig["layout"]["annotations"][0]["text"].replace("<br>", " ")

    assert "choose a longer period or a finer grain" in note(["Q1", "Q2", "Q3"], [10.0, 12.0, 11.0])
    months = [f"M{i}" for i in range(24)]
    suppressed = [i % 2 == 1 and i < 20 for i in range(24)]  # 10 small numbers
    values = [None if i % 2 or i == 0 else 20.0 for i in range(24)]  # and 3 months without data
    hidden = note(months, values, suppressed)
    assert hidden.startswith("Only 11 of 24 points can be shown (10 suppressed as small numbers; 3 with no data)")
    assert "longer period" not in hidden


def test_a_count_trend_whose_suppressed_points_could_move_the_mean_draws_no_limits():
    # Ages 0-17 at a small system: most months are 1 to 7 (suppressed), the rest 0. SPC over the
    # zeros alone read "common cause, no significant change" around a mean of 0.
    import pandas as pd

    from dashboard.web.charts import spc_trend_figure

    shown = pd.DataFrame({"period": [f"M{i}" for i in range(24)],
                          "value": pd.Series([0 if i % 3 else "*" for i in range(24)], dtype=object)})
    drawn = spc_trend_figure(shown, "value", name="Detentions", count=True)
    fig = drawn.figure
    assert [t["name"] for t in fig["data"] if t["name"] in ("Mean", "Upper process limit")] == []
    text = fig["layout"]["annotations"][0]["text"].replace("<br>", " ")
    assert text.startswith("8 of 24 points suppressed as small numbers: no process limits or SPC signals")
    assert drawn.note.startswith("Points suppressed as small numbers could move the mean by more than a tenth")
    assert fig["layout"]["yaxis"]["range"] == [0, 10]  # zeros and '*' only: whole-number ticks, not 0 to 1
    # The same gaps in a rate (suppressed for a small base, not for its value) leave a chart.
    rate = spc_trend_figure(shown.assign(value=[50.0 if v == 0 else v for v in shown["value"]]), "value",
                            name="Followed up", unit="%", percent=True).figure
    assert any(t["name"] == "Mean" for t in rate["data"])


def test_every_preset_month_is_an_option_of_the_month_controls():
    # A link or preset for the first financial year (April, before the data starts) must not be lost.
    from datetime import date

    from dashboard.web.components import month_options, period_presets

    first, last = date(2021, 11, 1), date(2026, 10, 1)
    months = {o["value"] for o in month_options(first, last)}
    for preset in period_presets(first, last):
        if preset["value"] != "custom":
            start, end = preset["value"].split("|")
            assert start in months and end in months, preset["label"]


def test_a_filter_change_redraws_the_page_in_place(app_db):
    from dashboard.web.components import filters_changed_in_place

    assert filters_changed_in_place() is False  # outside the router (Dash's validation layout)
    search = "?age_band=18-25&start=2025-01&end=2025-06&grain=quarter"
    store, words, words_again, notices = callbacks.redraw_in_place(search, STORE)
    assert store == {"age_band": "18-25", "start": "2025-01", "end": "2025-06", "grain": "quarter", "site": ""}
    assert words == words_again == "Jan 2025 to Jun 2025 · Ages 18-25 · by quarter"
    assert notices is no_update  # a link's notices stay until dismissed
    assert callbacks.redraw_in_place(search, store)[0] is no_update  # same view: the charts are not redrawn
    bad = callbacks.redraw_in_place("?age_band=<b>&grain=weekly", store)
    assert bad[0]["age_band"] == "all" and len(bad[3]) == 2


def test_a_served_app_is_set_up_before_its_first_request(generated_data):
    """Concurrent first requests to a fresh gunicorn worker skipped Dash's setup (a flag set first).

    prepare() runs it at start-up: the scripts' library is registered and every callback,
    the pages router's included, is known before any request arrives.
    """
    from dashboard.web.app import create_app, prepare

    app = prepare(create_app(generated_data))
    assert "dash" in app.registered_paths
    # (The pages' own callbacks go to the first app a process sets up: here, an earlier test's.)
    assert "_pages_content.children" in " ".join(app.callback_map)
    client = app.server.test_client()
    assert client.get("/_dash-component-suites/dash/deps/react@18.3.1.min.js").status_code == 200


@pytest.mark.slow
def test_the_apps_string_storage_changes_no_figure_table_or_card(app, app_db):
    """Python string storage (runtime.STRING_STORAGE, for speed) draws exactly what pandas' default does."""
    from dashboard.store import runtime
    from dashboard.web.cards import card_values
    from dashboard.store.data import clear_cache

    assert pd.get_option("mode.string_storage") == runtime.STRING_STORAGE  # set by create_app
    narrow = Filters("0-17", Period.from_months("2025-06", "2025-08"), "quarter")  # small numbers: '*' too

    def everything() -> list:
        clear_cache()  # every query runs again, so its frame comes from DuckDB in this storage
        drawn = []
        for filters in (YEAR, narrow):
            for chart_id in sorted(CHARTS):
                r = render(chart_id, filters)
                drawn.append((chart_id, json.dumps(r.figure, sort_keys=True, default=repr), r.note, to_csv(r),
                              [str(t) for t in r.table.dtypes]))
            drawn += [repr(card_values(page.cards, filters, app_db)) for page in PAGES.values() if page.cards]
        return drawn

    ours = everything()
    assert type(pd.Series(["x"]).array).__name__ == "StringArray"
    with pd.option_context("mode.string_storage", "auto"):  # pandas' own default: Arrow
        assert type(pd.Series(["x"]).array).__name__ == "ArrowStringArray"
        assert everything() == ours
