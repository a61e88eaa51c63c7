"""Settings: read from the environment, and kept only while the environment says the same."""
from __future__ import annotations

import pytest

from dashboard.settings import get_settings


def test_settings_are_reused_until_a_variable_they_read_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHFLOW_SUPPRESSION_THRESHOLD", "8")
    first = get_settings()
    assert get_settings() is first  # nothing changed: the same object, not rebuilt per callback

    monkeypatch.setenv("MHFLOW_SUPPRESSION_THRESHOLD", "11")
    assert get_settings().suppression_threshold == 11
    monkeypatch.setenv("MHFLOW_TARGET_OCCUPANCY_PCT", "90")  # a target, read by name from the defaults
    assert get_settings().targets["occupancy_pct"] == 90.0
    monkeypatch.delenv("MHFLOW_TARGET_OCCUPANCY_PCT")
    assert get_settings().targets["occupancy_pct"] == 85.0

    monkeypatch.setenv("MHFLOW_SUPPRESSION_THRESHOLD", "8")
    assert get_settings().suppression_threshold == 8


def test_an_unrelated_variable_does_not_rebuild_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    first = get_settings()
    monkeypatch.setenv("MHFLOW_NOT_A_SETTING", "x")
    monkeypatch.setenv("PATH_UNRELATED", "y")
    assert get_settings() is first


def test_spc_rule_settings_are_read_and_used_by_the_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.core.spc import spc

    values = [12, 10] * 4 + [13, 14, 13, 14, 13, 14] + [10, 12]  # 16 points, six in a row above the mean
    assert get_settings().spc_shift_run == 6 and get_settings().spc_min_points == 13
    assert any("shift" in rules for rules in spc(values).rules)
    monkeypatch.setenv("MHFLOW_SPC_SHIFT_RUN", "7")
    assert get_settings().spc_shift_run == 7
    assert not any("shift" in rules for rules in spc(values).rules)
    monkeypatch.setenv("MHFLOW_SPC_MIN_POINTS", "20")
    assert not spc(values).enough_points
    monkeypatch.setenv("MHFLOW_SPC_CONFLICT", "Rank")
    assert get_settings().spc_conflict == "rank"


@pytest.mark.parametrize("name, value", [
    ("SPC_SHIFT_RUN", "two"), ("SPC_SHIFT_RUN", "2"), ("SPC_TREND_RUN", "16"), ("SPC_MIN_POINTS", "1"),
    ("SPC_CONFLICT", "first"),
])
def test_an_spc_setting_outside_its_values_stops_with_a_clear_message(monkeypatch: pytest.MonkeyPatch,
                                                                     name: str, value: str) -> None:
    monkeypatch.setenv(f"MHFLOW_{name}", value)
    with pytest.raises(ValueError, match=f"MHFLOW_{name} must be"):
        get_settings()
