"""SPC (Making Data Count) against worked examples: MDC's XmR test pack, its SQL tool, NHSRplotthedots.

The series marked "MDC test pack" are the published checks that any local XmR chart must match
MDC's Single Chart Tool v5.0 with (high is good, shift and trend of 6 unless said otherwise);
their expected readings are the pack's words, turned into assertions.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from dashboard.core.spc import SpcOptions, mean_bias, spc, t_chart, xmr_limits

STABLE = [10, 12] * 7  # mean 11, every moving range 2, 14 points
SEVEN = SpcOptions(shift_run=7, trend_run=7)  # NHSRplotthedots' run lengths


def special(result) -> dict[int, tuple[str, set[str]]]:
    """Return {point number (from 1): (signal, rules)} of the special cause points."""
    return {i + 1: (s, set(r)) for i, (s, r) in enumerate(zip(result.signals, result.rules)) if s}


# Process limits and the number of points --------------------------------------------------------

def test_limits_are_mean_plus_minus_2_66_mean_moving_range():
    mean, mr_bar = xmr_limits(STABLE)
    assert (mean, mr_bar) == (11, 2)
    r = spc(STABLE)
    assert r.mean == 11
    assert r.upper == pytest.approx(11 + 2.66 * 2)
    assert r.lower == pytest.approx(11 - 2.66 * 2)


def test_mdc_test_pack_process_limits_worked_example():
    # 15 points, 14 moving ranges averaging 5.43: mean 23.20, limits 37.64 and 8.76.
    r = spc([20, 24, 20, 26, 22, 16, 18, 16, 31, 28, 34, 26, 30, 19, 18])
    assert round(r.mean, 2) == 23.20
    assert round(r.upper, 2) == 37.64 and round(r.lower, 2) == 8.76
    assert r.means == (r.mean,) * 15 and r.uppers == (r.upper,) * 15


def test_twelve_points_show_the_mean_but_no_limits_signals_or_icons_and_thirteen_show_them():
    values = [30, 31, 25, 35, 34, 15, 21, 23, 30, 26, 26, 22]  # MDC test pack "Number of points"
    short = spc(values, better="up", target=20)
    assert not short.enough_points and short.withheld == "few_points"
    assert short.mean == pytest.approx(sum(values) / 12)  # the mean is drawn
    assert short.upper is None and short.lower is None and set(short.uppers) == {None}
    assert short.signals == (None,) * 12
    assert short.variation is None and short.assurance is None
    full = spc(values + [25], better="up", target=20)
    assert full.enough_points and full.upper is not None
    assert full.variation_icon == "Common Cause" and full.assurance_icon == "Hit or Miss"


def test_the_minimum_number_of_points_is_a_setting():
    assert spc(STABLE[:10], options=SpcOptions(min_points=10)).enough_points
    assert not spc(STABLE, options=SpcOptions(min_points=15)).enough_points


def test_stable_process_is_common_cause():
    r = spc(STABLE, better="up")
    assert r.signals == (None,) * 14
    assert r.variation == "common" and r.variation_icon == "Common Cause"


# Single point ----------------------------------------------------------------------------------

def test_point_outside_limits_is_special_cause_in_the_better_direction():
    values = STABLE + [30]  # mean 184/15; MR-bar (13 x 2 + 18) / 14
    r = spc(values, better="up")
    assert r.upper == pytest.approx(184 / 15 + 2.66 * 44 / 14)
    assert r.rules[-1] == {"limit"}
    assert r.signals[-1] == "improvement"
    assert r.variation == "improvement_high" and r.variation_icon == "Improvement (High)"
    assert spc(values, better="down").variation_icon == "Concern (High)"
    assert spc(values, better=None).variation_icon == "Neither (High)"


def test_mdc_test_pack_single_points_above_and_below_the_limits():
    r = spc([45, 29, 20, 22, 25, 20, 27, 24, 22, 23, 20, 26, 20, 15, 5], better="up")
    assert special(r) == {1: ("improvement", {"limit"}), 15: ("concern", {"limit"})}
    assert r.variation_icon == "Concern (Low)"
    r = spc([29, 32, 35, 45, 43, 23, 18, 20, 16, 7, 28, 26, 22, 19, 20], better="up")
    assert special(r) == {4: ("improvement", {"limit"}), 5: ("improvement", {"limit"}),
                          10: ("concern", {"limit"})}


# Shift ------------------------------------------------------------------------------------------

def test_mdc_test_pack_shift_of_six_on_either_side_of_the_mean():
    values = [31, 35, 34, 29, 29, 32, 26, 26, 32, 35, 30, 18, 31, 25, 27, 22, 18, 25, 25, 17]
    r = spc(values, better="up")  # mean 27.35: p1-p6 above, p14-p20 below
    assert special(r) == {**{p: ("improvement", {"shift"}) for p in range(1, 7)},
                          **{p: ("concern", {"shift"}) for p in range(14, 21)}}
    # With NHSRplotthedots' run of 7 the six above are not a shift.
    assert set(special(spc(values, better="up", options=SEVEN))) == set(range(14, 21))


def test_mdc_test_pack_shift_below_then_above():
    r = spc([31, 22, 19, 21, 18, 18, 22, 22, 29, 25, 23, 26, 31, 26, 28, 29, 32, 24, 31, 22], better="up")
    assert special(r) == {**{p: ("concern", {"shift"}) for p in range(2, 9)},
                          **{p: ("improvement", {"shift"}) for p in range(12, 18)}}


def test_a_point_on_the_mean_breaks_a_shift():
    flat = [10] * 6 + [12] * 5 + [11] + [12] * 5 + [10] * 4  # mean 11: five above, one on it, five above
    assert sum(flat) / len(flat) == 11
    assert not any("shift" in rules for rules in spc(flat, options=SpcOptions(min_points=13)).rules[6:17])
    flat[11] = 12  # nothing on the mean (now 11.05): a shift of 11
    assert all("shift" in rules for rules in spc(flat).rules[6:17])


def test_a_seven_point_shift_setting_needs_seven():
    values = [10, 11] * 4 + [13, 14, 13, 14, 13, 14, 13]  # mean 11.87: last 7 above
    r = spc(values, better="down", options=SpcOptions(shift_run=7))
    assert all("shift" in rules for rules in r.rules[-7:])
    assert r.variation == "concern_high"
    six = spc([10, 11] * 4 + [13, 14, 13, 14, 13, 14], options=SpcOptions(shift_run=7, min_points=12))
    assert not any("shift" in rules for rules in six.rules[-6:])
    assert all("shift" in rules for rules in spc(
        [10, 11] * 4 + [13, 14, 13, 14, 13, 14], options=SpcOptions(min_points=12)).rules[-6:])


# Trend ------------------------------------------------------------------------------------------

def test_mdc_test_pack_trends_of_six_rising_and_seven_falling():
    r = spc([11, 14, 18, 20, 22, 23, 18, 21, 17, 23, 26, 20, 16, 25, 23, 22, 19, 16, 15, 12], better="up")
    assert special(r) == {**{p: ("improvement", {"trend"}) for p in range(1, 7)},
                          **{p: ("concern", {"trend"}) for p in range(14, 21)}}
    assert r.variation_icon == "Concern (Low)"


def test_mdc_test_pack_a_pause_breaks_a_trend():
    # 30 28 25 25 20 and 13 14 18 18 24 26 29: each tie breaks the run.
    r = spc([23, 30, 28, 25, 25, 20, 18, 24, 16, 13, 14, 18, 18, 24, 26, 29, 19, 20, 28, 16], better="up")
    assert special(r) == {}


def test_six_rising_points_are_a_trend_and_five_are_not():
    r = spc([10, 12] * 4 + [8, 9, 10, 11, 12, 13], better="up", options=SpcOptions(min_points=12))
    assert all("trend" in rules for rules in r.rules[-6:])
    assert "trend" not in r.rules[-7]
    assert r.signals[-6] == "improvement"  # a rising trend is improvement even below the mean
    r5 = spc([10, 12] * 4 + [12, 8, 9, 10, 11, 12], options=SpcOptions(min_points=12))
    assert not any("trend" in rules for rules in r5.rules)
    # NHSRplotthedots counts 7 points (6 rises): 1..7 is a trend, 1..6 is not.
    assert not any("trend" in rules for rules in spc([10, 12] * 4 + [1, 2, 3, 4, 5, 6], options=SEVEN).rules)
    assert all("trend" in rules for rules in spc([10, 12] * 4 + [1, 2, 3, 4, 5, 6, 7], options=SEVEN).rules[-7:])


# Two of three beyond two sigma ------------------------------------------------------------------

TWO_SIGMA = [42, 40, 39, 26, 39, 24, 22, 29, 32, 22, 20, 23, 25, 26, 22, 24, 27, 7, 19, 24, 7, 7, 32]


def test_mdc_test_pack_two_of_three_beyond_two_sigma_on_one_side():
    r = spc(TWO_SIGMA, better="up")  # mean 25.13, upper two sigma 38.19, lower 12.07
    assert special(r) == {1: ("improvement", {"two_of_three"}), 2: ("improvement", {"two_of_three"}),
                          3: ("improvement", {"two_of_three"}), 5: ("improvement", {"two_of_three"}),
                          21: ("concern", {"two_of_three"}), 22: ("concern", {"two_of_three"})}
    # p3 and p5 with p4 (26) just above the mean between them; p18 (7) has no partner beyond two sigma.


def test_mdc_test_pack_a_point_beyond_the_limit_does_not_count_towards_two_of_three():
    values = TWO_SIGMA[:21] + [2, 32]  # p22 is beyond the lower limit: a single point, p21 alone
    r = spc(values, better="up")
    assert special(r)[22] == ("concern", {"limit"})
    assert 21 not in special(r)


def test_mdc_test_pack_two_of_three_needs_all_three_on_the_same_side_of_the_mean():
    values = list(TWO_SIGMA)
    values[3], values[19] = 24, 26  # p4 now below the mean, p20 above: neither window is one-sided
    r = spc(values, better="up")
    assert set(special(r)) == {1, 2, 3}


def test_nhsrplotthedots_two_in_three_windows():
    # Seven points all above the mean, beyond two sigma at 0 0 1 0 1 0 0: points 3 and 5 signal.
    # The block is mirrored below the mean first, so the mean stays 0 (two sigma 3.6, limit 5.4).
    base, near, above = [-1.0, 1.0] * 30, 4.5, 0.8

    def flagged(block: list[float]) -> set[int]:
        r = spc([-v for v in block] + base + block)
        assert abs(r.mean) < 1e-9 and 3.5 < r.mean + 2 * r.sigma < 3.7 < near < r.upper
        tail = len(block) + len(base)
        return {i - tail + 1 for i, rules in enumerate(r.rules) if "two_of_three" in rules and i >= tail}

    assert flagged([above, above, near, above, near, above, above]) == {3, 5}
    assert flagged([near, above, above, near, near]) == {4, 5}  # 1 0 0 1 1: only the last two share a window


def test_two_of_three_with_the_third_point_across_the_mean_is_not_a_signal():
    r = spc(STABLE + [17, 9, 17], better="up")  # 9 is below the mean 11.6
    assert not any("two_of_three" in rules for rules in r.rules)


# Rules that disagree -----------------------------------------------------------------------------

CONFLICT = [43, 41, 37, 36, 31, 23, 15, 13, 15, 18, 23, 27, 31, 36, 27, 19, 17, 27, 15, 22]


def test_mdc_test_pack_conflict_shows_improvement_when_high_is_good():
    # p1-p8 fall, p8-p14 rise, p6-p11 are below the mean; p1-p2 above the limit, p3-p4 beyond two sigma.
    r = spc(CONFLICT, better="up")
    assert {p for p, (s, _) in special(r).items() if s == "concern"} == {5, 6, 7}
    assert {p for p, (s, _) in special(r).items() if s == "improvement"} == {1, 2, 3, 4, *range(8, 15)}
    assert special(r)[1] == ("improvement", {"limit", "trend"})


def test_mdc_test_pack_conflict_shows_improvement_when_low_is_good():
    r = spc(CONFLICT, better="down")
    assert {p for p, (s, _) in special(r).items() if s == "concern"} == {12, 13, 14}
    assert {p for p, (s, _) in special(r).items() if s == "improvement"} == set(range(1, 12))


def test_conflict_setting_concern_or_rank_as_mdc_sql_variants():
    concern = spc(CONFLICT, better="up", options=SpcOptions(conflict="concern"))
    assert {p for p, (s, _) in special(concern).items() if s == "concern"} == set(range(1, 12))
    # Rank (trend > shift > two of three > single point): the falling trend outranks p1-p4's limits.
    rank = spc(CONFLICT, better="up", options=SpcOptions(conflict="rank"))
    assert {p for p, (s, _) in special(rank).items() if s == "concern"} == set(range(1, 8))
    assert {p for p, (s, _) in special(rank).items() if s == "improvement"} == set(range(8, 15))


def test_lower_is_better_falling_for_seven_months_above_its_mean_is_improvement():
    # The case: a shift above the mean (concern) while falling (improvement).
    values = [10, 12, 10, 12, 10, 12, 10, 12, 30, 28, 26, 24, 22, 20, 18]
    for conflict in ("improvement", "rank"):
        r = spc(values, better="down", options=SpcOptions(conflict=conflict))
        assert r.signals[-7:] == ("improvement",) * 7
        assert r.variation_icon == "Improvement (Low)"
        assert {"shift", "trend"} <= r.rules[-2]


def test_neither_direction_reads_high_when_any_rule_is_high():
    r = spc(CONFLICT, better=None)
    assert {s for s, _ in special(r).values()} == {"neither"}
    assert spc(STABLE + [2], better=None).variation_icon == "Neither (Low)"


# Icons --------------------------------------------------------------------------------------------

RECALC = [16, 24, 22, 19, 19, 18, 24, 25, 18, 17, 16, 25, 15, 23, 19,
          35, 32, 35, 31, 27, 33, 28, 38, 35, 30, 28, 29, 27, 24, 23]


@pytest.mark.parametrize("target, better, expected, after_change", [
    (40, "up", "Fail", "Hit or Miss"),  # the MDC test pack's targets of 40, 30 and 10
    (40, "down", "Pass", "Hit or Miss"),
    (30, "up", "Hit or Miss", "Hit or Miss"),
    (30, "down", "Hit or Miss", "Hit or Miss"),
    (10, "up", "Pass", "Pass"),
    (10, "down", "Fail", "Fail"),
    (30, None, None, None),  # no assurance without a direction
])
def test_assurance_compares_target_with_the_latest_limits(target, better, expected, after_change):
    assert spc(RECALC, better=better, target=target).assurance_icon == expected
    assert spc(RECALC, better=better, target=target, recalc_at=[15]).assurance_icon == after_change


def test_a_target_on_a_process_limit_passes_or_fails():
    r = spc(STABLE)
    assert spc(STABLE, "up", r.lower).assurance == "pass"
    assert spc(STABLE, "up", r.upper).assurance == "fail"
    assert spc(STABLE, "down", r.upper).assurance == "pass"
    assert spc(STABLE, "down", r.lower).assurance == "fail"


@pytest.mark.parametrize("last, icons", [
    (45, ("Improvement (High)", "Concern (High)", "Neither (High)")),
    (25, ("Common Cause", "Common Cause", "Common Cause")),
    (5, ("Concern (Low)", "Improvement (Low)", "Neither (Low)")),
])
def test_mdc_test_pack_variation_icon_reads_the_last_point(last, icons):
    values = [16, 20, 22, 18, 21, 18, 26, 28, 24, 26, 19, 18, 25, 32, 43, 28, 22, last]
    assert tuple(spc(values, better).variation_icon for better in ("up", "down", None)) == icons
    assert spc(values[:10], "up").variation_icon is None  # too few points


def test_percentage_limits_are_clipped_to_0_100_but_icons_read_the_unclipped_limits():
    r = spc([99, 100] * 6 + [60], upper_bound=100.0, lower_bound=0.0, better="up", target=100)
    assert r.upper == 100.0
    assert r.assurance == "hit_and_miss"  # the unclipped upper limit is above 100


# Missing points, recalculation, baseline ---------------------------------------------------------

def test_missing_points_are_skipped_not_zero():
    r = spc([None] + STABLE + [float("nan")])
    assert r.enough_points and r.mean == 11
    assert r.signals[0] is None and r.signals[-1] is None
    assert r.withheld is None
    assert r.means[0] == 11 and r.uppers[-1] == r.upper  # the lines run through the gaps


def test_a_missing_point_does_not_count_towards_the_minimum_and_runs_skip_it():
    assert not spc(STABLE[:12] + [None]).enough_points
    values = [10, 12] * 6 + [1, 2, 3, None, 4, 5, 6]  # six rises around a gap
    r = spc(values, better="up")
    assert all("trend" in r.rules[i] for i in (12, 13, 14, 16, 17, 18))
    assert r.rules[15] == frozenset() and r.signals[15] is None
    mean, mr = xmr_limits([v for v in values if v is not None])  # the gap's neighbours make one moving range
    assert r.mean == pytest.approx(mean) and r.upper == pytest.approx(mean + 2.66 * mr)


def test_mdc_test_pack_recalculation_computes_each_segment_separately():
    r = spc(RECALC, better="up", recalc_at=[15])
    first, second = xmr_limits(RECALC[:15]), xmr_limits(RECALC[15:])
    assert r.means[0] == pytest.approx(first[0]) and r.uppers[14] == pytest.approx(first[0] + 2.66 * first[1])
    assert r.means[15] == pytest.approx(second[0]) and r.lowers[29] == pytest.approx(second[0] - 2.66 * second[1])
    assert r.segments == (0,) * 15 + (1,) * 15
    assert (r.mean, r.upper) == (r.means[29], r.uppers[29])
    # Without the recalculation the step is one long shift; with it, only the last six points fall below.
    assert len(special(spc(RECALC, better="up"))) == 28
    assert special(r) == {p: ("concern", {"shift"}) for p in range(25, 31)}
    assert r.variation_icon == "Concern (Low)"


def test_no_run_crosses_a_recalculation():
    # MDC test pack "crossing recalculations": 19 22 26 28 29 33 rise across the change at p16.
    values = [28, 23, 26, 21, 23, 25, 24, 29, 30, 27, 25, 30, 27, 26, 19,
              22, 26, 28, 29, 33, 28, 30, 31, 30, 26, 27, 34, 30, 32, 35]
    assert all("trend" in spc(values, better="up").rules[i] for i in range(14, 20))
    r = spc(values, better="up", recalc_at=[15])
    assert not any("trend" in rules for rules in r.rules)
    # A shift either side of a change is two short runs.
    steps = [5.0, 6.0] * 6 + [7.0] * 4 + [7.0, 8.0] * 6
    assert not any("shift" in rules for rules in spc(steps, recalc_at=[16]).rules[12:20])


def test_the_minimum_counts_the_whole_chart_and_a_short_segment_is_warned_about():
    r = spc(RECALC, recalc_at=[25])
    assert r.enough_points and r.uppers[29] is not None
    assert r.warnings == ("segment 2 has 5 points for its limits; MDC advises at least 12",)


def test_a_baseline_fixes_the_limits_from_its_first_points():
    r = spc(RECALC, better="up", baseline=15)
    mean, mr = xmr_limits(RECALC[:15])
    assert r.mean == pytest.approx(mean) and r.upper == pytest.approx(mean + 2.66 * mr)
    assert set(r.means) == {r.mean}
    assert all(s == "improvement" for s in r.signals[15:])  # every later point is above the baseline mean
    assert r.signals[:15] == (None,) * 15
    assert r.variation_icon == "Improvement (High)"


def test_a_baseline_and_a_later_recalculation():
    r = spc(RECALC, baseline=12, recalc_at=[15])
    assert r.means[14] == pytest.approx(sum(RECALC[:12]) / 12)
    assert r.means[15] == pytest.approx(sum(RECALC[15:]) / 15)


@pytest.mark.parametrize("kwargs, message", [
    ({"baseline": 16, "recalc_at": [15]}, "longer than the 15 points before the first recalculation"),
    ({"baseline": 40}, "longer than the series"),
    ({"baseline": 1}, "baseline must be a whole number"),
    ({"recalc_at": [30]}, "outside the series"),
])
def test_impossible_baselines_and_recalculations_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        spc(RECALC, **kwargs)


@pytest.mark.parametrize("options", [
    {"shift_run": 2}, {"trend_run": 16}, {"min_points": 1}, {"conflict": "first"}, {"shift_run": 6.5},
])
def test_rule_settings_outside_their_range_are_refused(options):
    with pytest.raises(ValueError):
        SpcOptions(**options)


# Suppressed counts (the disclosure path) ----------------------------------------------------------

def test_counts_whose_hidden_points_could_move_the_mean_give_no_limits():
    # The hidden counts are the small ones: the zeros left of a sparse series would give a mean
    # and limits of 0 and "no significant change".
    zeros_left = [0.0 if i % 3 else None for i in range(60)]
    assert spc(zeros_left).enough_points  # a rate with gaps: its other points still make a chart
    r = spc(zeros_left, suppressed_counts=20, target=5)
    assert not r.enough_points and r.withheld == "counts_suppressed"
    assert r.mean is None and r.variation is None and r.assurance is None
    assert spc(STABLE[:11]).withheld == "few_points"
    # One child taken to police custody in five years: the zeros say nothing about it.
    assert spc([0.0] * 59 + [None], suppressed_counts=1).withheld == "counts_suppressed"
    # Two small months in a long series of large counts move the mean by ~3%: limits drawn.
    large = [None if i in (10, 40) else 140.0 + i % 2 for i in range(60)]
    assert spc(large, suppressed_counts=2).enough_points


def test_mean_bias_takes_each_hidden_count_from_1_to_the_smallest_count_shown():
    series = [12.0] * 55  # shown mean 12; 5 hidden: the true mean is (660 + 5..60) / 60
    assert mean_bias(series, 5) == pytest.approx(12 / (665 / 60) - 1)  # hidden 1s: 8.3% too high
    assert spc(series + [None] * 5, suppressed_counts=5).enough_points
    assert mean_bias([10.0] * 50, 10) > 0.1 and mean_bias([], 3) == float("inf")
    # A cell hidden so that another cannot be worked out is at most the smallest non-zero one shown.
    assert mean_bias([30.0] * 2 + [0.0] * 48, 2) == pytest.approx(1 - 1.2 / (120 / 52))  # hidden 30s
    assert mean_bias(series, 0) == 0
    assert mean_bias([0.0] * 59, 1) == 1  # only zeros shown: the mean left is 0, whatever was hidden


# T chart (rare events) ---------------------------------------------------------------------------

# MDC SQL tool's sample T chart (M6): the dates of 20 events.
EVENTS = [date(2019, 1, 12), date(2019, 2, 24), date(2019, 5, 8), date(2019, 6, 13), date(2019, 8, 10),
          date(2019, 9, 16), date(2019, 10, 19), date(2019, 12, 4), date(2020, 1, 19), date(2020, 2, 16),
          date(2020, 3, 8), date(2020, 5, 7), date(2020, 6, 19), date(2020, 8, 25), date(2020, 10, 28),
          date(2020, 11, 30), date(2021, 2, 17), date(2021, 4, 1), date(2021, 4, 11), date(2021, 6, 16)]


def test_t_chart_transforms_days_between_events_and_back():
    t = t_chart(list(reversed(EVENTS)))  # order does not matter
    assert t.days == (43, 73, 36, 58, 37, 33, 46, 46, 28, 21, 60, 43, 67, 64, 33, 79, 43, 10, 66)
    y = [d ** (1 / 3.6) for d in t.days]
    mean_y, mr_y = xmr_limits(y)
    assert t.mean == pytest.approx(mean_y ** 3.6)
    assert t.chart.upper == pytest.approx((mean_y + 2.66 * mr_y) ** 3.6)
    assert t.chart.lower == pytest.approx((mean_y - 2.66 * mr_y) ** 3.6)
    assert t.chart.lower < t.mean < t.chart.upper
    assert t.last_event == date(2021, 6, 16)
    assert t.chart.lower == pytest.approx(5.97, abs=0.01) and t.chart.upper == pytest.approx(156.13, abs=0.01)
    assert t.chart.enough_points and t.chart.variation_icon == "Common Cause"
    assert t.chart.signals == (None,) * 19  # 10 days between two events is still inside the limits


def test_t_chart_drops_a_lower_limit_below_zero_and_needs_the_minimum_of_gaps():
    bursty = [date(2020, 1, 1) + timedelta(days=d) for d in
              (0, 1, 200, 201, 400, 402, 600, 601, 800, 1000, 1001, 1200, 1201, 1400)]
    t = t_chart(bursty)
    assert t.chart.lower is None and t.chart.upper is not None
    assert not t_chart(bursty[:13]).chart.enough_points  # 12 gaps
    assert t_chart([]).last_event is None


def test_a_percentage_hidden_for_its_small_numerator_can_withhold_the_limits():
    # Ages 0-17, % assessed within 3 hours, ~50 detentions a month: the months with fewer than 8
    # assessed in time are hidden, and they are the low ones. Read on the survivors, the recent
    # months (fewer detentions, so more hidden) stood above the mean as "improvement".
    shown = [15.0 + (i % 4) for i in range(36)] + [None if i % 2 else 19.0 for i in range(24)]
    assert spc(shown, better="up").variation == "improvement_high"  # the artefact
    low_hidden = [(100 * 1 / 52, 100 * 7 / 48)] * 12  # numerator 1..7 over a shown 50
    r = spc(shown, better="up", hidden_ranges=low_hidden)
    assert r.withheld == "counts_suppressed" and r.variation is None and r.upper is None
    # A few such months in a long series of large percentages: limits drawn.
    assert spc([80.0 + i % 3 for i in range(58)] + [None, None], hidden_ranges=[(60.0, 90.0)] * 2).enough_points


def test_mean_bias_puts_each_hidden_range_at_its_lowest_and_its_highest():
    assert mean_bias([10.0] * 8, 0, [(0.0, 20.0)] * 2) == pytest.approx(0.25)  # all 0: true mean 8
    assert mean_bias([10.0] * 9, 0, [(5.0, 10.0)]) == pytest.approx(10 / 9.5 - 1)
    assert mean_bias([10.0] * 9, 0, [(0.0, float("inf"))]) == float("inf")  # a rate with nothing shown above 0
    assert mean_bias([0.0] * 9, 0, [(0.0, 0.0)]) == 0.0
