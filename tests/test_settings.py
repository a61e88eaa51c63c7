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
    with pytest.raises(ValueError, match=f"^MHFLOW_{name}=.* is not allowed: "):  # one line, allowed values
        get_settings()


# --- every operator setting is checked: one not allowed stops the app with one line -------------------

import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from dashboard.settings import SettingError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BAD_SETTINGS = [
    ("MHFLOW_SUPPRESSION_RULE", "nationl", "one of national"),
    ("MHFLOW_SUPPRESSION_RULE", "local", "one of national"),
    ("MHFLOW_SUPPRESSION_THRESHOLD", "-8", "a whole number from 3 to 1000"),
    ("MHFLOW_SUPPRESSION_THRESHOLD", "0", "a whole number from 3 to 1000"),
    ("MHFLOW_SUPPRESSION_THRESHOLD", "eight", "a whole number from 3 to 1000"),
    ("MHFLOW_SUPPRESSION_THRESHOLD", "7.5", "a whole number from 3 to 1000"),
    ("MHFLOW_ROUNDING_BASE", "1", "a whole number from 3 to 100"),
    ("MHFLOW_ROUNDING_BASE", "", "a whole number from 3 to 100"),
    ("MHFLOW_DUCKDB_THREADS", "0", "a whole number from 1 to 256"),
    ("MHFLOW_DUCKDB_THREADS", "many", "a whole number from 1 to 256"),
    ("MHFLOW_DUCKDB_MEMORY_LIMIT", "lots", "a size such as"),
    ("MHFLOW_DUCKDB_MEMORY_LIMIT", "1GB; SET x", "a size such as"),
    ("MHFLOW_TARGET_AE_4H_PCT", "195", "a percentage from 0 to 100"),
    ("MHFLOW_TARGET_DELAYED_PCT", "nan", "a percentage from 0 to 100"),
    ("MHFLOW_DATA_DIR", "", "a folder path"),
    ("MHFLOW_FREQUENT_ATTENDER_MIN", "1", "a whole number from 2 to 100"),
    ("MHFLOW_FREQUENT_ATTENDER_MIN", "five", "a whole number from 2 to 100"),
    ("MHFLOW_CATALOG_DIR", "", "a folder path"),
    ("MHFLOW_AE_OPERATIONAL_STANDARD", "78", "comma-separated YEAR:PERCENT pairs"),
    ("MHFLOW_AE_OPERATIONAL_STANDARD", "2024:78,2024:80", "each year once"),
    ("MHFLOW_AE_OPERATIONAL_STANDARD", "2024:178", "a percentage from 0 to 100"),
    ("MHFLOW_AE_OPERATIONAL_STANDARD", "24:78", "2000 to 2100"),
    ("MHFLOW_AE_OPERATIONAL_STANDARD", "", "comma-separated YEAR:PERCENT pairs"),
]


@pytest.mark.parametrize("name, value, allowed", BAD_SETTINGS)
def test_a_setting_outside_its_allowed_values_names_the_variable_and_what_it_may_be(
        name: str, value: str, allowed: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingError) as caught:
        get_settings()
    message = str(caught.value)
    assert message.startswith(f"{name}=") and allowed in message and "\n" not in message


def test_a_file_is_not_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    afile = tmp_path / "data.txt"
    afile.write_text("x")
    monkeypatch.setenv("MHFLOW_DATA_DIR", str(afile))
    with pytest.raises(SettingError, match="MHFLOW_DATA_DIR"):
        get_settings()


def test_good_values_are_read_as_given(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in {"MHFLOW_SUPPRESSION_RULE": " National ", "MHFLOW_SUPPRESSION_THRESHOLD": "10",
                        "MHFLOW_ROUNDING_BASE": "10", "MHFLOW_DUCKDB_THREADS": "4",
                        "MHFLOW_DUCKDB_MEMORY_LIMIT": "512MB", "MHFLOW_TARGET_AE_4H_PCT": "76",
                        "MHFLOW_DATA_DIR": str(tmp_path / "new"), "MHFLOW_CATALOG_DIR": str(tmp_path),
                        "MHFLOW_FREQUENT_ATTENDER_MIN": "3"}.items():
        monkeypatch.setenv(name, value)
    settings = get_settings()
    assert (settings.suppression_rule, settings.suppression_threshold, settings.rounding_base) == ("national", 10, 10)
    assert (settings.duckdb_threads, settings.duckdb_memory_limit) == (4, "512MB")
    assert settings.targets["ae_4h_pct"] == 76.0 and settings.data_dir == tmp_path / "new"
    assert settings.frequent_attender_min == 3


def _start(env_changes: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("MHFLOW_")}
    env.update(env_changes)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


STOPS = [
    ({"MHFLOW_SUPPRESSION_RULE": "nationl"}, "MHFLOW_SUPPRESSION_RULE"),
    ({"MHFLOW_SUPPRESSION_THRESHOLD": "-8"}, "MHFLOW_SUPPRESSION_THRESHOLD"),
    ({"MHFLOW_SUPPRESSION_THRESHOLD": "11"}, "MHFLOW_SUPPRESSION_THRESHOLD"),  # 11 with base 5: see disclosure
    ({"MHFLOW_FREQUENT_ATTENDER_MIN": "0"}, "MHFLOW_FREQUENT_ATTENDER_MIN"),
    ({"MHFLOW_SUPRESSION_THRESHOLD": "8"}, "MHFLOW_SUPRESSION_THRESHOLD"),  # a misspelt name
    ({"MHFLOW_AUTH": "basci"}, "MHFLOW_AUTH"),
    ({"MHFLOW_AE_OPERATIONAL_STANDARD": "2024=78"}, "MHFLOW_AE_OPERATIONAL_STANDARD"),
    ({"MHFLOW_DETAILED_USERS": "alice"}, "MHFLOW_DETAILED_USERS"),  # a detailed grant with auth off
    ({"MHFLOW_AUTH": "basic", "MHFLOW_AUTH_USERS": "alice:plaintext"}, "MHFLOW_AUTH_USERS"),
]


@pytest.mark.slow
@pytest.mark.parametrize("env, name", STOPS)
def test_serve_stops_with_one_line_naming_the_variable(env: dict[str, str], name: str, tmp_path: Path) -> None:
    # An empty data folder: were the check after data generation, this would take minutes, not a second.
    done = _start({**env, "MHFLOW_DATA_DIR": str(tmp_path / "none")}, "-m", "dashboard", "serve", "--port", "1")
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {name}") and "allowed" in lines[0], done.stderr
    assert not (tmp_path / "none").exists()


@pytest.mark.slow
def test_the_wsgi_entry_point_stops_with_one_line_and_gunicorns_boot_error(tmp_path: Path) -> None:
    done = _start({"MHFLOW_SUPPRESSION_RULE": "nationl", "MHFLOW_DATA_DIR": str(tmp_path)},
                  "-c", "import dashboard.wsgi")
    assert done.returncode == 3
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: MHFLOW_SUPPRESSION_RULE='nationl'"), done.stderr


@pytest.mark.slow
def test_other_commands_stop_on_a_bad_setting_too(tmp_path: Path) -> None:
    done = _start({"MHFLOW_DUCKDB_THREADS": "0"}, "-m", "dashboard", "validate", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: MHFLOW_DUCKDB_THREADS='0' is not allowed: a whole number from 1 to 256"]


def test_the_operational_four_hour_standard_is_set_by_financial_year(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    from dashboard.settings import operational_standard

    assert get_settings().ae_operational_standard == ((2023, 76.0), (2024, 78.0), (2025, 78.0))
    monkeypatch.setenv("MHFLOW_AE_OPERATIONAL_STANDARD", " 2026:82, 2024:78 ")  # any order, spaces ignored
    standards = get_settings().ae_operational_standard
    assert standards == ((2024, 78.0), (2026, 82.0))
    # The financial year starts in April; a year not listed keeps the latest one before it.
    assert operational_standard(date(2024, 3, 1), standards) is None
    assert operational_standard(date(2024, 4, 1), standards) == 78.0
    assert operational_standard(date(2026, 3, 1), standards) == 78.0  # 2025/26: not listed, 2024's still
    assert operational_standard(date(2026, 4, 1), standards) == 82.0
    assert operational_standard(date(2031, 1, 1), standards) == 82.0
