"""Trend charts over the history, whole buckets only, service changes drawn, cards reading their charts."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.core.disclosure import SUPPRESSED
from dashboard.core.filters import Filters
from dashboard.core.periods import Period
from dashboard.core.trend import Change, hidden_ranges, trend_reading
from dashboard.web import figures

MONTHS = [date(2024 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 25)]


def test_a_part_bucket_is_not_calculated_and_the_chosen_period_is_marked():
    quarters = [date(2023, 10, 1), date(2024, 1, 1), date(2024, 4, 1), date(2024, 7, 1), date(2024, 10, 1)]
    r = trend_reading(quarters, [100, 300, 310, 305, 150], grain="quarter", first=date(2023, 12, 1),
                      last=date(2024, 11, 1), period_start=date(2024, 4, 1))
    # December alone is not a quarter, nor October-November: neither is a point of the calculation.
    assert r.whole == (False, True, True, True, False)
    assert r.result.values == (None, 300, 310, 305, None)
    assert r.in_period == (False, False, True, True, True)


def test_a_recalculating_change_splits_the_limits_and_others_are_only_marked():
    values = [50, 52, 48, 51, 49, 50, 53, 47, 50, 51, 49, 52, 30, 31, 29, 32, 30, 28, 31, 30, 29, 32, 30, 31]
    changes = [Change(date(2025, 1, 1), "Street triage", True), Change(date(2025, 6, 1), "Leaflet", False),
               Change(date(2030, 1, 1), "Later", True)]
    r = trend_reading(MONTHS, values, grain="month", first=MONTHS[0], last=MONTHS[-1], period_start=MONTHS[12],
                      changes=changes, better="down")
    assert [(i, c.title) for i, c in r.changes] == [(12, "Street triage"), (17, "Leaflet")]
    assert r.result.segments == (0,) * 12 + (1,) * 12
    assert r.result.means[0] == pytest.approx(sum(values[:12]) / 12)
    assert r.result.means[23] == pytest.approx(sum(values[12:]) / 12)
    assert r.result.variation == "common"  # after the change the new level is the process


def test_suppressed_counts_are_gaps_that_can_withhold_the_limits():
    values = [0] * 20 + [SUPPRESSED] * 4
    r = trend_reading(MONTHS, values, grain="month", first=MONTHS[0], last=MONTHS[-1], period_start=MONTHS[12],
                      count=True)
    assert r.result.withheld == "counts_suppressed" and r.result.values[-1] is None


def test_a_percentage_or_rate_hidden_for_a_small_numerator_can_withhold_the_limits():
    kw = dict(grain="month", first=MONTHS[0], last=MONTHS[-1], period_start=MONTHS[12])
    values = [60.0 + i % 3 for i in range(16)] + [SUPPRESSED] * 8
    bases = [50] * 24
    assert trend_reading(MONTHS, values, percent=True, **kw).result.enough_points  # no denominators: gaps
    assert trend_reading(MONTHS, values, percent=True, bases=bases, **kw).result.withheld == "counts_suppressed"
    # Hidden with its denominator (fewer than 8 records): hidden for its base, not its value, a gap.
    assert trend_reading(MONTHS, values, percent=True, bases=[50] * 16 + [SUPPRESSED] * 8, **kw).result.enough_points
    assert hidden_ranges(values, [True] * 24, percent=True, bases=bases)[0] == pytest.approx((100 / 52, 700 / 48))
    assert trend_reading(MONTHS, values, rate=True, **kw).result.withheld == "counts_suppressed"
    assert hidden_ranges([SUPPRESSED, 0, 12.5, 30.0], [True] * 4, rate=True) == [(0.0, 12.5)]


def test_a_change_title_is_drawn_as_text_not_markup():
    from dashboard.core.spc import spc

    fig = figures.spc_figure(["a", "b", "c"], [1, 2, 3], spc([1, 2, 3]), name="x",
                             changes=[(1, "<b>Triage</b> & <a href='x'>more</a>", True)])
    texts = [a["text"] for a in fig["layout"]["annotations"] if a.get("name") == "service change"]
    assert texts == ["&lt;b&gt;Triage&lt;/b&gt; &amp; &lt;a href=&#x27;x&#x27;&gt;more&lt;/a&gt;"]
    assert [s["type"] for s in fig["layout"]["shapes"]] == ["line"]


@pytest.fixture()
def pages(generated_data):
    """Return the app's Database on the generated data, the pages registered (as the app does)."""
    from dashboard.store.data import clear_cache
    from dashboard.store.runtime import get_db
    from dashboard.web.app import create_app

    clear_cache()
    create_app(generated_data)
    yield get_db()
    clear_cache()


def test_the_default_view_charts_the_history_with_limits_and_the_period_shaded(pages):
    from dashboard.web.charts import render

    filters = Filters("all", Period(date(2025, 1, 1), date(2025, 12, 1)), "month")
    r = render("overview-ae", filters)
    assert len(r.table) == 60  # five years of data up to the period's end, not twelve months
    assert list(r.table["Part of chart"]).count("Chosen period") == 12
    names = [t.get("name") for t in r.figure["data"]]
    assert "Upper process limit" in names and "Mean" in names
    shade = [s for s in r.figure["layout"]["shapes"] if s["type"] == "rect"]
    assert shade and shade[0]["x0"] == pytest.approx(47.5) and shade[0]["x1"] == pytest.approx(59.5)
    assert "the chosen period is shaded" in r.note


def test_a_year_before_the_data_is_never_zero_and_part_quarters_are_apart(pages):
    from dashboard.web.charts import render

    fy = render("overview-ae", Filters("all", Period(date(2020, 4, 1), date(2021, 3, 1)), "month"))
    assert fy.table["Starts"].iloc[0] == date(2021, 1, 1)  # the data's first month: no zeros before it
    quarters = render("overview-ae", Filters("all", Period(date(2025, 1, 1), date(2025, 11, 1)), "quarter"))
    last = quarters.table.iloc[-1]
    assert last["Period"].endswith(" (part)")  # October-November alone: not in the calculation
    apart = [t for t in quarters.figure["data"] if t.get("name") == "Part bucket (not in the calculation)"]
    assert apart and apart[0]["x"] == [last["Period"]]
    assert quarters.figure["data"][0]["y"][-1] is None


def test_service_changes_are_drawn_on_the_charts_they_name(pages):
    from dashboard.web.charts import render

    filters = Filters("all", Period(date(2025, 1, 1), date(2025, 12, 1)), "month")
    s136 = render("overview-s136", filters)
    titles = [a["text"] for a in s136.figure["layout"]["annotations"] if a.get("name") == "service change"]
    assert titles and titles[0].startswith("Street triage")
    assert any("Street triage" in c for c in s136.table["Service change"])
    ae = render("overview-ae", filters)
    assert not [a for a in ae.figure["layout"].get("annotations", []) if a.get("name") == "service change"]


@pytest.mark.parametrize("grain", ["month", "quarter"])
def test_a_cards_icons_are_its_charts_reading(pages, grain):
    from dashboard.core.disclosure import Policy
    from dashboard.core.metrics import METRICS
    from dashboard.web.cards import card_values, metric_cards
    from dashboard.web.charts import trend_reading_of

    filters = Filters("all", Period(date(2025, 1, 1), date(2025, 12, 1)), grain)
    keys = ("ae_attendances", "occupancy_pct", "followup_72h_pct", "ae_4h_pct")
    read = []
    for card in card_values(metric_cards(*keys), filters):
        reading = trend_reading_of(METRICS[card.key], filters, pages, Policy.from_settings()).result
        assert (card.variation, card.assurance) == (reading.variation, reading.assurance)
        # Five years of points: a reading, unless points hidden for small numbers withhold it
        # (follow-up in 72 hours of the small test system's ~10 discharges a month, by month).
        assert card.variation is not None or reading.withheld == "counts_suppressed", card.key
        read.append(card.variation is not None)
    assert sum(read) >= 3, read


def test_the_summary_board_and_the_changes_view(pages):
    from dashboard.web.charts import render, to_csv

    filters = Filters("all", Period(date(2025, 1, 1), date(2025, 12, 1)), "month")
    board = render("spc-board", filters)
    from dashboard.core.metrics import METRICS

    # one row per contract metric: 23, and the eight of issue 20
    assert len(board.table) == len(METRICS) == 31 and list(board.table.columns)[:3] == ["Metric", "Latest", "Value"]
    rows = board.table.set_index("Metric")
    row = rows.loc["Left A&E within 4 hours"]
    assert row["Target"] == "95.0%" and row["Assurance"] in ("Pass", "Fail", "Hit or Miss")
    # ~10 discharges a month: most months' follow-ups are hidden, and the low ones are the hidden
    # ones, so the board withholds the reading rather than read the survivors (dashboard.core.spc)
    followup = rows.loc["Followed up within 72 hours"]
    assert followup["Target"] == "80.0%" and followup["Variation"] == "withheld: small numbers"
    assert row["Variation"] in ("Common Cause", "Improvement (High)", "Improvement (Low)", "Concern (High)",
                                "Concern (Low)")
    assert to_csv(board).splitlines()[0].startswith("Metric,Latest,Value,Target,Variation,Assurance,Mean")
    changes = render("spc-changes", filters)
    assert list(changes.table["Service change"]).count("New health-based place of safety opens") == 2
    assert set(changes.table["Limits recalculated"]) == {"Yes", "No"}
    assert all(v.startswith(("Yes", "No")) for v in changes.table["Special cause in the expected direction after it"])


def test_the_spc_summary_is_exact_and_marked_in_the_detailed_view_and_rounded_in_the_protected(pages):
    from dashboard.core.disclosure import Policy
    from dashboard.web.charts import DETAILED_MARK, render

    filters = Filters("all", Period(date(2025, 1, 1), date(2025, 12, 1)), "month")
    protected = render("spc-board", filters).table.set_index("Metric")
    detailed = render("spc-board", filters, policy=Policy.detailed_view())
    exact = detailed.table.set_index("Metric")
    assert detailed.note.startswith(DETAILED_MARK)
    # A count's latest value: a multiple of 5 under the national rule, the exact count in the detailed view
    # (the generated data's monthly A&E attendances are in the hundreds, so exact ones are rarely multiples of 5).
    counts = ["A&E mental health attendances", "Section 136 detentions", "Admissions", "Liaison referrals",
              "Occupied bed days"]
    exact_values = [int(str(exact.loc[m, "Value"]).replace(",", "")) for m in counts]
    for metric, value in zip(counts, exact_values):
        shown = str(protected.loc[metric, "Value"]).replace(",", "")
        if shown == "*":
            assert 1 <= value <= 7, metric
        else:
            assert int(shown) % 5 == 0 and abs(int(shown) - value) <= 2, metric
    assert any(v % 5 for v in exact_values)


def test_rare_events_are_a_t_chart_of_the_months_with_one_and_the_last_month(pages, monkeypatch):
    import dataclasses

    import pandas as pd

    from dashboard.core.spc import t_chart
    from dashboard.web.charts import CHARTS, render

    chart = CHARTS["pos-t-over-limit"]
    counts = [0, 3, 0, 0, 9, 0, 1, 0, 0, 0, 0, 2] * 3  # '*' for 1 to 7: a month with one, never how many
    rows = pd.DataFrame({"bucket": MONTHS + MONTHS[:12], "period": [f"m{i}" for i in range(36)],
                         "span": ["Earlier"] * 36, "over_limit": counts, "change": [""] * 36})
    rows["bucket"] = [date(2022 + i // 12, i % 12 + 1, 1) for i in range(36)]
    monkeypatch.setitem(CHARTS, chart.id, dataclasses.replace(chart, data=lambda db, f, **kw: rows.copy()))
    r = render(chart.id, Filters("all", Period(date(2024, 1, 1), date(2024, 12, 1)), "quarter"))
    months = [b for b, v in zip(rows["bucket"], counts) if v]
    t = t_chart(months)
    assert r.figure["data"][0]["y"] == list(t.days) and len(t.days) == 11
    assert r.figure["data"][0]["x"][-1] == "Dec 2024"
    assert r.note.startswith("Last month with one: Dec 2024.")
    assert "Fewer than 13 points" in r.note  # eleven intervals: the mean only
    assert set(r.table["Detentions over the legal limit"]) == {0, 10, SUPPRESSED}  # 9, rounded to 5


@pytest.mark.parametrize("chart_id", ["pos-t-over-limit", "pos-t-under18"])
def test_a_rare_event_chart_depends_on_no_hidden_count(pages, monkeypatch, chart_id):
    # The generated data of the tests holds too few of these events for the disclosure walk to meet
    # one, so the walk's non-interference check is made here on rows with small counts.
    import dataclasses
    import json

    import pandas as pd

    from dashboard.web.charts import CHARTS, render, to_csv

    chart = CHARTS[chart_id]
    column = chart.fields[3].name

    def drawn(counts: list[int]) -> str:
        rows = pd.DataFrame({"bucket": [date(2022 + i // 12, i % 12 + 1, 1) for i in range(36)],
                             "period": [f"m{i}" for i in range(36)], "span": ["Earlier"] * 36,
                             column: counts, "change": [""] * 36})
        with monkeypatch.context() as patch:
            patch.setitem(CHARTS, chart_id, dataclasses.replace(chart, data=lambda db, f, **kw: rows.copy()))
            r = render(chart_id, Filters("all", Period(date(2024, 1, 1), date(2024, 12, 1)), "month"))
        return json.dumps([r.figure, r.note, to_csv(r)], default=str)

    base = [0, 3, 0, 0, 1, 0, 2, 0, 0, 0, 7, 0] * 3
    before = drawn(base)
    assert "*" in before
    for shift in (1, 3):
        assert drawn([(v - 1 + shift) % 7 + 1 if v else 0 for v in base]) == before


def test_the_board_parts_on_the_page_are_the_whole_board_row_for_row(app_db):
    from dashboard.web.charts import render
    from pages.spc_summary import BOARD_PARTS, PAGE

    filters = Filters("all", Period.from_months("2025-01", "2025-12"), "quarter")
    whole = render("spc-board", filters).table
    parts = [render(part.id, filters).table for part in BOARD_PARTS]
    assert all(len(p) for p in parts)
    together = pd.concat(parts, ignore_index=True).sort_values("Metric", ignore_index=True)
    pd.testing.assert_frame_equal(together, whole.sort_values("Metric", ignore_index=True))
    shown = [chart_id for row in PAGE.rows for chart_id, _ in row]
    assert shown == [part.id for part in BOARD_PARTS] + ["spc-changes"]
    from pages.spc_summary import stage_of
    from dashboard.core.metrics import METRICS

    labels = {m.label: stage_of(m.key) for m in METRICS.values()}
    for part, (stage, table) in zip(BOARD_PARTS, zip(("crisis", "s136", "inpatient"), parts)):
        assert {labels[m] for m in table["Metric"]} == {stage}, part.id
