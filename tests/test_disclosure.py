"""Small-number suppression rules (data contract) in one place."""
from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.disclosure import SUPPRESSED, Field, Policy, protect

LOCAL = Policy(8, "local")
NATIONAL = Policy(8, "national")


@pytest.mark.parametrize("n, shown", [(0, 0), (1, SUPPRESSED), (7, SUPPRESSED), (8, 8), (1234, 1234)])
def test_counts_one_to_seven_are_suppressed_zero_is_shown(n, shown):
    assert LOCAL.count(n) == shown


@pytest.mark.parametrize("num, den, shown", [(3, 7, SUPPRESSED), (0, 7, SUPPRESSED), (4, 8, 50.0), (0, 0, None)])
def test_percentages_on_fewer_than_eight_are_suppressed(num, den, shown):
    assert LOCAL.pct(num, den) == shown


def test_median_on_fewer_than_eight_records_is_suppressed():
    assert LOCAL.measure(12.5, 7) == SUPPRESSED
    assert LOCAL.measure(12.5, 8) == 12.5


@pytest.mark.parametrize("n, shown", [(0, 0), (5, SUPPRESSED), (8, 10), (12, 10), (13, 15), (1002, 1000)])
def test_national_rule_rounds_other_counts_to_nearest_five(n, shown):
    assert NATIONAL.count(n) == shown


def test_national_rule_computes_percentages_from_rounded_figures():
    assert NATIONAL.pct(13, 27) == pytest.approx(100 * 15 / 25)


def test_threshold_zero_turns_suppression_off():
    off = Policy(0)
    assert off.count(3) == 3 and off.pct(1, 2) == 50.0 and off.measure(4.0, 1) == 4.0


def test_threshold_is_configurable_by_the_operator(monkeypatch):
    monkeypatch.setenv("MHFLOW_SUPPRESSION_THRESHOLD", "11")
    monkeypatch.setenv("MHFLOW_SUPPRESSION_RULE", "national")
    assert Policy.from_settings() == Policy(11, "national")
    assert Policy.from_settings().count(10) == SUPPRESSED


def test_protect_keeps_only_the_fields_and_protects_each():
    raw = pd.DataFrame({"site": ["A", "B"], "n": [5, 40], "met": [5, 30], "secret": [1, 2]})
    shown = protect(raw, (Field("site", "Site"), Field("n", "Attendances", "count"),
                          Field("pct", "Met (%)", "pct", num="met", den="n")), LOCAL)
    assert list(shown.columns) == ["site", "n", "pct"]
    assert shown["n"].tolist() == [SUPPRESSED, 40]
    assert shown["pct"].tolist() == [SUPPRESSED, 75.0]


# --- secondary suppression ---------------------------------------------------------------------

def shown_column(raw: dict, *fields: Field, policy: Policy = LOCAL) -> dict:
    return protect(pd.DataFrame(raw), fields, policy).to_dict("list")


def test_a_lone_hidden_cell_of_a_partition_hides_the_next_smallest_non_zero_cell():
    # Categories adding up to a total shown on a card: 3 alone would be total - 20 - 9 - 40.
    shown = shown_column({"n": [20, 3, 0, 9, 40]}, Field("n", "N", "count", partition=True))
    assert shown["n"] == [20, SUPPRESSED, 0, SUPPRESSED, 40]


def test_a_partition_with_two_hidden_cells_or_none_is_left_alone():
    assert shown_column({"n": [20, 3, 5, 40]}, Field("n", "N", "count", partition=True))["n"] == [
        20, SUPPRESSED, SUPPRESSED, 40]
    assert shown_column({"n": [20, 0, 40]}, Field("n", "N", "count", partition=True))["n"] == [20, 0, 40]


def test_ties_hide_the_first_row_and_zeros_are_never_hidden():
    shown = shown_column({"n": [0, 12, 12, 4]}, Field("n", "N", "count", partition=True))
    assert shown["n"] == [0, SUPPRESSED, 12, SUPPRESSED]


def test_without_the_declaration_only_primary_suppression_applies():
    assert shown_column({"n": [20, 3, 9]}, Field("n", "N", "count"))["n"] == [20, SUPPRESSED, 9]


def test_a_row_total_shown_beside_its_parts_hides_a_second_part():
    fields = (Field("informal", "Informal", "count"), Field("detained", "Detained", "count"),
              Field("all", "All", "count", parts=("informal", "detained")))
    shown = shown_column({"informal": [3, 30, 2], "detained": [40, 50, 3], "all": [43, 80, 5]}, *fields)
    assert shown["informal"] == [SUPPRESSED, 30, SUPPRESSED]
    assert shown["detained"] == [SUPPRESSED, 50, SUPPRESSED]
    assert shown["all"] == [43, 80, SUPPRESSED]  # a hidden total needs nothing more


def test_rows_and_columns_are_repeated_until_nothing_can_be_worked_out():
    # Hiding the second part of row 0 leaves its column with one hidden cell: that column hides more.
    fields = (Field("a", "A", "count", partition=True), Field("b", "B", "count", partition=True),
              Field("all", "All", "count", parts=("a", "b")))
    shown = shown_column({"a": [2, 50, 60], "b": [30, 9, 70], "all": [32, 59, 130]}, *fields)
    assert shown["a"] == [SUPPRESSED, SUPPRESSED, 60]
    assert shown["b"] == [SUPPRESSED, SUPPRESSED, 70]
    for column in ("a", "b"):
        assert sum(v == SUPPRESSED for v in shown[column]) != 1
    for row in range(3):
        assert [shown["a"][row], shown["b"][row]].count(SUPPRESSED) != 1


def test_groups_by_a_label_column_are_partitions_of_their_own():
    raw = {"from": ["A&E", "A&E", "A&E", "S136", "S136"], "to": ["Home", "Ward", "Left", "Home", "Ward"],
           "people": [100, 5, 30, 40, 50]}
    shown = shown_column(raw, Field("from", "From"), Field("to", "To"),
                         Field("people", "People", "count", partition="from"))
    assert shown["people"] == [100, SUPPRESSED, SUPPRESSED, 40, 50]
    both = shown_column(raw, Field("from", "From"), Field("to", "To"),
                        Field("people", "People", "count", partition=("from", "to")))
    assert both["people"].count(SUPPRESSED) >= 2 and both["people"][1] == SUPPRESSED


def test_a_rate_is_hidden_beside_its_hidden_numerator_or_denominator():
    fields = (Field("delayed", "Delayed days", "count"), Field("beds", "Bed days", "count"),
              Field("share", "Share (%)", "pct", num="delayed", den="beds"))
    shown = shown_column({"delayed": [5, 0, 40], "beds": [900, 300, 400]}, *fields)
    assert shown["share"] == [SUPPRESSED, 0.0, 10.0]  # 5/900 would give 5 back from 900


def test_a_rate_can_hide_a_small_numerator_published_elsewhere():
    assert LOCAL.pct(5, 900) == pytest.approx(100 * 5 / 900)
    assert LOCAL.pct(5, 900, hide_small_numerator=True) == SUPPRESSED
    assert LOCAL.pct(0, 900, hide_small_numerator=True) == 0.0
    assert Policy(0).pct(5, 900, hide_small_numerator=True) == pytest.approx(100 * 5 / 900)


def test_secondary_suppression_is_off_when_suppression_is_off():
    fields = (Field("n", "N", "count", partition=True),)
    assert shown_column({"n": [20, 3, 9]}, *fields, policy=Policy(0))["n"] == [20, 3, 9]


def test_gaps_stay_none_not_nan():
    shown = protect(pd.DataFrame({"m": [None, 12.5], "n": [0, 9]}),
                    (Field("m", "Median", "measure", den="n"),), LOCAL)
    assert shown["m"].tolist() == [None, 12.5]
    from dashboard.core.disclosure import plottable

    assert plottable([float("nan"), SUPPRESSED, None, 3]) == [None, None, None, 3.0]


def test_the_explanation_mentions_secondary_suppression():
    from dashboard.core.disclosure import explain

    assert "worked out from a total" in explain(LOCAL)


def test_a_rate_per_100k_is_computed_from_the_rounded_count_and_hidden_with_it():
    # 12 detentions round to 10; 3,600 person-months = 300 person-years -> 10 / 300 * 100,000
    assert NATIONAL.rate(12, 3600) == pytest.approx(10 / 300 * 100_000)
    assert NATIONAL.rate(3, 3600) == SUPPRESSED
    assert NATIONAL.rate(0, 3600) == 0.0
    assert NATIONAL.rate(12, 0) is None  # no population table: no rate
    assert Policy(0).rate(12, 3600) == pytest.approx(12 / 300 * 100_000)


def test_a_rate_ratio_is_computed_from_both_rounded_counts():
    # black 12 -> 10 over 300 person-years; white 18 -> 20 over 3,000: (10/300) / (20/3000) = 5
    assert NATIONAL.ratio(12, 3600, 18, 36000) == pytest.approx(5.0)
    assert NATIONAL.ratio(12, 3600, 3, 36000) == SUPPRESSED
    assert NATIONAL.ratio(3, 3600, 18, 36000) == SUPPRESSED
    assert NATIONAL.ratio(12, 3600, 0, 36000) is None  # white rate 0
    assert NATIONAL.ratio(12, 0, 18, 36000) is None


def test_protect_draws_rates_and_ratios_from_their_columns():
    frame = pd.DataFrame({"n": [12], "pm": [3600], "ref": [18], "ref_pm": [36000]})
    shown = protect(frame, [Field("rate", "Rate", "rate", num="n", den="pm"),
                            Field("ratio", "Ratio", "ratio", num="n", den="pm", reference=("ref", "ref_pm"))], NATIONAL)
    assert shown["rate"].tolist() == [pytest.approx(10 / 300 * 100_000)]
    assert shown["ratio"].tolist() == [pytest.approx(5.0)]
