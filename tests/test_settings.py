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
