"""SPC (Making Data Count) against worked examples computed by hand."""
from __future__ import annotations

import pytest

from dashboard.core.spc import mean_bias, spc, xmr_limits

STABLE = [10, 12] * 6  # mean 11, every moving range 2


def test_limits_are_mean_plus_minus_2_66_mean_moving_range():
    mean, mr_bar = xmr_limits(STABLE)
    assert (mean, mr_bar) == (11, 2)
    r = spc(STABLE)
    assert r.mean == 11
    assert r.upper == pytest.approx(11 + 2.66 * 2)
    assert r.lower == pytest.approx(11 - 2.66 * 2)


def test_stable_process_is_common_cause():
    r = spc(STABLE, better="up")
    assert r.signals == (None,) * 12
    assert r.variation == "common"


def test_point_outside_limits_is_special_cause_in_the_better_direction():
    values = STABLE + [30]  # mean 162/13 = 12.46; MR-bar (22 + 18) / 12 = 3.33; UPL 21.33
    r = spc(values, better="up")
    assert r.upper == pytest.approx(162 / 13 + 2.66 * 40 / 12)
    assert r.rules[-1] == {"limit"}
    assert r.signals[-1] == "improvement"
    assert r.variation == "improvement_high"
    assert spc(values, better="down").variation == "concern_high"
    assert spc(values, better=None).variation == "neither_high"


def test_run_of_seven_on_one_side_of_the_mean_is_a_shift():
    values = [10, 11] * 4 + [13, 14, 13, 14, 13, 14, 13]  # mean 11.87: last 7 above
    r = spc(values, better="down")
    assert all("shift" in rules for rules in r.rules[-7:])
    assert r.variation == "concern_high"


def test_six_above_the_mean_is_not_a_shift():
    values = [10, 11] * 4 + [13, 14, 13, 14, 13, 14]
    assert not any("shift" in rules for rules in spc(values).rules[-6:])


def test_six_rising_points_are_a_trend_and_five_are_not():
    r = spc([10, 12] * 4 + [8, 9, 10, 11, 12, 13], better="up")
    assert all("trend" in rules for rules in r.rules[-6:])
    assert "trend" not in r.rules[-7]
    assert r.signals[-6] == "improvement"  # a rising trend is improvement even below the mean
    r5 = spc([10, 12] * 4 + [12, 8, 9, 10, 11, 12])
    assert not any("trend" in rules for rules in r5.rules)


def test_two_of_three_beyond_two_sigma_on_one_side():
    # mean 177/15 = 11.8; MR-bar 39/14; sigma = 2.66 * MR-bar / 3 = 2.47; 2 sigma line 16.74; UPL 19.21
    values = STABLE + [17, 11, 17]
    r = spc(values, better="up")
    assert r.upper == pytest.approx(11.8 + 2.66 * 39 / 14)
    assert r.rules[12] == {"two_of_three"} and r.rules[14] == {"two_of_three"}
    assert r.rules[13] == frozenset()
    assert r.variation == "improvement_high"


def test_fewer_than_twelve_points_give_no_limits_or_signals():
    r = spc(STABLE[:11], better="up", target=5)
    assert not r.enough_points
    assert r.mean is None and r.upper is None and r.variation is None and r.assurance is None


def test_missing_points_are_skipped_not_zero():
    r = spc([None] + STABLE + [float("nan")])
    assert r.enough_points and r.mean == 11
    assert r.signals[0] is None and r.signals[-1] is None
    assert r.withheld is None


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


@pytest.mark.parametrize("target, better, expected", [
    (5, "up", "pass"),  # lower limit 5.68 above the target
    (20, "up", "fail"),  # upper limit 16.32 below the target
    (11, "up", "hit_and_miss"),
    (20, "down", "pass"),
    (5, "down", "fail"),
    (11, None, None),
])
def test_assurance_compares_target_with_limits(target, better, expected):
    assert spc(STABLE, better=better, target=target).assurance == expected


def test_percentage_limits_are_clipped_to_0_100():
    r = spc([99, 100] * 6 + [60], upper_bound=100.0, lower_bound=0.0)
    assert r.upper == 100.0
