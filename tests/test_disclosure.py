"""Small-number suppression rules (data contract) in one place."""
from __future__ import annotations

import pandas as pd
import pytest

from dashboard.disclosure import SUPPRESSED, Field, Policy, protect

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
