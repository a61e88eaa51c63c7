"""Disclosure control in one place: the national rule for the protected view, exact figures for the detailed.

The rule (data contract): a count from 1 to 7 is '*', every other count is rounded to the
nearest 5 (0 stays 0); a percentage comes from the rounded counts, one decimal place, '*' where
either is '*' or the denominator is below 8; a median of fewer than 8 records is '*'. The
'local' rule (exact counts of 8 and more) is no longer offered: it leaked by differencing.
"""
from __future__ import annotations

import itertools

import pandas as pd
import pytest

from dashboard.core.disclosure import (DETAILED_MARK, SUPPRESSED, Field, Policy, differencing_problem, interval,
                                       protect, round_to)
from dashboard.settings import SettingError

NATIONAL = Policy(8, "national")
DETAILED = Policy(8, "national", 5, "detailed")


@pytest.mark.parametrize("n, shown", [(0, 0), (1, SUPPRESSED), (7, SUPPRESSED), (8, 10), (1234, 1235)])
def test_counts_one_to_seven_are_suppressed_zero_is_shown(n, shown):
    assert NATIONAL.count(n) == shown


@pytest.mark.parametrize("num, den, shown", [(3, 7, SUPPRESSED), (0, 7, SUPPRESSED), (4, 8, SUPPRESSED),
                                             (8, 8, 100.0), (0, 9, 0.0), (0, 0, None)])
def test_percentages_on_fewer_than_eight_or_a_hidden_numerator_are_suppressed(num, den, shown):
    assert NATIONAL.pct(num, den) == shown


def test_median_on_fewer_than_eight_records_is_suppressed():
    assert NATIONAL.measure(12.5, 7) == SUPPRESSED
    assert NATIONAL.measure(12.5, 8) == 12.5


@pytest.mark.parametrize("n, shown", [(0, 0), (5, SUPPRESSED), (8, 10), (12, 10), (13, 15), (1002, 1000)])
def test_national_rule_rounds_other_counts_to_nearest_five(n, shown):
    assert NATIONAL.count(n) == shown


def test_national_rule_computes_percentages_from_rounded_figures_to_one_decimal_place():
    assert NATIONAL.pct(13, 27) == pytest.approx(100 * 15 / 25)
    # 11 of 24 would be 45.8333…%, which with 24 gives 11 back; from 10 of 25: 40.0%.
    assert NATIONAL.pct(11, 24) == 40.0
    assert NATIONAL.pct(10, 30) == 33.3  # one decimal place, never the full float


def test_the_local_rule_is_not_offered():
    with pytest.raises(ValueError, match="not offered"):
        Policy(8, "local")


def test_threshold_zero_shows_exact_figures_for_comparison_only():
    off = Policy(0)
    assert off.count(3) == 3 and off.pct(1, 2) == 50.0 and off.measure(4.0, 1) == 4.0


def test_the_detailed_view_shows_exact_figures():
    assert DETAILED.detailed and not DETAILED.active
    assert DETAILED.count(3) == 3 and DETAILED.count(13) == 13
    assert DETAILED.pct(11, 24) == pytest.approx(100 * 11 / 24)
    assert DETAILED.measure(4.0, 1) == 4.0


def test_threshold_and_base_are_configurable_by_the_operator(monkeypatch):
    monkeypatch.setenv("MHFLOW_SUPPRESSION_THRESHOLD", "16")
    monkeypatch.setenv("MHFLOW_ROUNDING_BASE", "10")
    monkeypatch.setenv("MHFLOW_SUPPRESSION_RULE", "national")
    assert Policy.from_settings() == Policy(16, "national", 10)
    assert Policy.from_settings().count(15) == SUPPRESSED
    assert Policy.from_settings().count(24) == 20 and Policy.from_settings().count(25) == 30  # halves up


def test_protect_keeps_only_the_fields_and_protects_each():
    raw = pd.DataFrame({"site": ["A", "B"], "n": [5, 40], "met": [5, 30], "secret": [1, 2]})
    shown = protect(raw, (Field("site", "Site"), Field("n", "Attendances", "count"),
                          Field("pct", "Met (%)", "pct", num="met", den="n")), NATIONAL)
    assert list(shown.columns) == ["site", "n", "pct"]
    assert shown["n"].tolist() == [SUPPRESSED, 40]
    assert shown["pct"].tolist() == [SUPPRESSED, 75.0]


# --- no secondary suppression: rounding protects sums, and large categories stay visible ----------

def shown_column(raw: dict, *fields: Field, policy: Policy = NATIONAL) -> dict:
    return protect(pd.DataFrame(raw), fields, policy).to_dict("list")


def test_a_lone_hidden_cell_of_a_partition_hides_nothing_else():
    # Under the local rule 3 was total - 20 - 9 - 40; rounded, 70 - 20 - 10 - 40 = 0 ± 8 says only "small".
    shown = shown_column({"n": [20, 3, 0, 9, 40]}, Field("n", "N", "count", partition=True))
    assert shown["n"] == [20, SUPPRESSED, 0, 10, 40]


def test_a_partition_with_two_hidden_cells_or_none_is_left_alone():
    assert shown_column({"n": [20, 3, 5, 40]}, Field("n", "N", "count", partition=True))["n"] == [
        20, SUPPRESSED, SUPPRESSED, 40]
    assert shown_column({"n": [20, 0, 40]}, Field("n", "N", "count", partition=True))["n"] == [20, 0, 40]


def test_zeros_are_never_hidden_and_large_categories_never_are():
    shown = shown_column({"n": [0, 12, 12, 4, 75, 72]}, Field("n", "N", "count", partition=True))
    assert shown["n"] == [0, 10, 10, SUPPRESSED, 75, 70]


def test_without_the_declaration_the_same_rule_applies():
    assert shown_column({"n": [20, 3, 9]}, Field("n", "N", "count"))["n"] == [20, SUPPRESSED, 10]


def test_a_row_total_shown_beside_its_parts_is_rounded_on_its_own():
    fields = (Field("informal", "Informal", "count"), Field("detained", "Detained", "count"),
              Field("all", "All", "count", parts=("informal", "detained")))
    shown = shown_column({"informal": [3, 30, 2], "detained": [40, 50, 3], "all": [43, 80, 5]}, *fields)
    assert shown["informal"] == [SUPPRESSED, 30, SUPPRESSED]
    assert shown["detained"] == [40, 50, SUPPRESSED]
    assert shown["all"] == [45, 80, SUPPRESSED]


def test_rows_and_columns_hide_only_their_own_small_cells():
    fields = (Field("a", "A", "count", partition=True), Field("b", "B", "count", partition=True),
              Field("all", "All", "count", parts=("a", "b")))
    shown = shown_column({"a": [2, 50, 60], "b": [30, 9, 70], "all": [32, 59, 130]}, *fields)
    assert shown["a"] == [SUPPRESSED, 50, 60]
    assert shown["b"] == [30, 10, 70]
    assert shown["all"] == [30, 60, 130]


def test_groups_by_a_label_column_are_rounded_cell_by_cell():
    raw = {"from": ["A&E", "A&E", "A&E", "S136", "S136"], "to": ["Home", "Ward", "Left", "Home", "Ward"],
           "people": [100, 5, 30, 40, 50]}
    shown = shown_column(raw, Field("from", "From"), Field("to", "To"),
                         Field("people", "People", "count", partition="from"))
    assert shown["people"] == [100, SUPPRESSED, 30, 40, 50]


def test_a_rate_is_hidden_beside_its_hidden_numerator_or_denominator():
    fields = (Field("delayed", "Delayed days", "count"), Field("beds", "Bed days", "count"),
              Field("share", "Share (%)", "pct", num="delayed", den="beds"))
    shown = shown_column({"delayed": [5, 0, 40], "beds": [900, 300, 400]}, *fields)
    assert shown["share"] == [SUPPRESSED, 0.0, 10.0]  # 5/900 would give 5 back from 900


def test_a_small_numerator_always_hides_the_rate():
    assert NATIONAL.pct(5, 900) == SUPPRESSED
    assert NATIONAL.pct(5, 900, hide_small_numerator=True) == SUPPRESSED
    assert NATIONAL.pct(0, 900, hide_small_numerator=True) == 0.0
    assert Policy(0).pct(5, 900, hide_small_numerator=True) == pytest.approx(100 * 5 / 900)


def test_nothing_is_hidden_when_figures_are_exact():
    fields = (Field("n", "N", "count", partition=True),)
    assert shown_column({"n": [20, 3, 9]}, *fields, policy=Policy(0))["n"] == [20, 3, 9]
    assert shown_column({"n": [20, 3, 9]}, *fields, policy=DETAILED)["n"] == [20, 3, 9]


def test_gaps_stay_none_not_nan():
    shown = protect(pd.DataFrame({"m": [None, 12.5], "n": [0, 9]}),
                    (Field("m", "Median", "measure", den="n"),), NATIONAL)
    assert shown["m"].tolist() == [None, 12.5]
    from dashboard.core.disclosure import plottable

    assert plottable([float("nan"), SUPPRESSED, None, 3]) == [None, None, None, 3.0]


def test_the_explanation_says_what_star_and_rounding_mean_and_the_detailed_view_is_marked():
    from dashboard.core.disclosure import explain

    assert "rounded to the nearest 5" in explain(NATIONAL) and "1 to 7" in explain(NATIONAL)
    assert DETAILED_MARK in explain(DETAILED)


# --- rates per 100,000 and ratios come from the shown counts -----------------------------------------

def test_a_rate_per_100k_is_computed_from_the_rounded_count():
    assert NATIONAL.rate(12, 50_000) == 20.0  # from 10, not 12: 24.0 × 50,000 / 100,000 gives 12 back
    assert NATIONAL.rate(3, 50_000) == SUPPRESSED
    assert NATIONAL.rate(0, 50_000) == 0.0
    assert NATIONAL.rate(12, 0) is None
    assert DETAILED.rate(12, 50_000) == pytest.approx(24.0)


def test_a_rate_ratio_is_computed_from_the_rounded_counts():
    assert NATIONAL.rate_ratio(41, 1000, 20, 2000) == 4.0  # 40/1000 over 20/2000
    assert NATIONAL.rate_ratio(4, 1000, 20, 2000) == SUPPRESSED
    assert NATIONAL.rate_ratio(40, 1000, 0, 2000) is None
    assert DETAILED.rate_ratio(41, 1000, 20, 2000) == pytest.approx(4.1)


# --- the differencing argument, checked exhaustively on small numbers ----------------------------

def test_rounding_shows_each_count_as_its_interval():
    for n in range(0, 200):
        lo, hi = interval(NATIONAL.count(n))
        assert lo <= n <= hi
    assert interval(SUPPRESSED) == (1, 7) and interval(10) == (8, 12) and interval(0) == (0, 0)
    assert round_to(12, 5) == 10 and round_to(13, 5) == 15 and round_to(15, 10) == 20


def test_no_difference_of_two_answers_gives_a_hidden_count_back_under_the_default_rule():
    """For every hidden x (1..7) and other count s, some other x' and s' give the same two answers."""
    answers: dict[tuple, set[int]] = {}
    for x, s in itertools.product(range(1, 8), range(0, 80)):
        answers.setdefault((NATIONAL.count(s), NATIONAL.count(s + x)), set()).add(x)
    assert all(len(xs) >= 2 for xs in answers.values())
    assert differencing_problem(8, 5) is None


@pytest.mark.parametrize("threshold, base", [(7, 5), (10, 5), (11, 5), (12, 10), (3, 10)])
def test_a_threshold_and_base_that_let_a_difference_give_a_count_back_are_refused(threshold, base, monkeypatch):
    assert differencing_problem(threshold, base)
    monkeypatch.setenv("MHFLOW_SUPPRESSION_THRESHOLD", str(threshold))
    monkeypatch.setenv("MHFLOW_ROUNDING_BASE", str(base))
    with pytest.raises(SettingError, match="MHFLOW_SUPPRESSION_THRESHOLD"):
        Policy.from_settings()


def test_the_pair_check_agrees_with_brute_force():
    for threshold, base in [(8, 5), (7, 5), (10, 5), (11, 5), (8, 10), (9, 5), (16, 10)]:
        policy = Policy(threshold, "national", base)
        answers: dict[tuple, set[int]] = {}
        for x, s in itertools.product(range(1, threshold), range(0, 6 * threshold + 6 * base)):
            answers.setdefault((policy.count(s), policy.count(s + x)), set()).add(x)
        exact = any(len(xs) == 1 for xs in answers.values())
        assert exact == bool(differencing_problem(threshold, base)), (threshold, base)


def test_protect_draws_rates_and_ratios_from_person_months():
    # 12 -> 10 over 3,600 person-months (300 person-years); reference 18 -> 20 over 3,000 person-years
    frame = pd.DataFrame({"n": [12], "pm": [3600], "ref": [18], "ref_pm": [36000]})
    shown = protect(frame, [Field("rate", "Rate", "rate", num="n", den="pm"),
                            Field("ratio", "Ratio", "ratio", num="n", den="pm", reference=("ref", "ref_pm"))], NATIONAL)
    assert shown["rate"].tolist() == [round(10 / 300 * 100_000, 1)]
    assert shown["ratio"].tolist() == [5.0]
    none = protect(frame.assign(pm=[0]), [Field("rate", "Rate", "rate", num="n", den="pm")], NATIONAL)
    assert none["rate"].tolist() == [None]  # no population table: no rate
