"""`python -m dashboard spc`: an analyst's series on stdin, MDC's reading as JSON, one-line errors."""
from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from dashboard.__main__ import main
from dashboard.core.spc import xmr_limits

# The MDC test pack's recalculation series, one value a month from 2022-01.
RECALC = [16, 24, 22, 19, 19, 18, 24, 25, 18, 17, 16, 25, 15, 23, 19,
          35, 32, 35, 31, 27, 33, 28, 38, 35, 30, 28, 29, 27, 24, 23]
PERIODS = [f"{2022 + i // 12}-{i % 12 + 1:02d}" for i in range(len(RECALC))]


def csv_of(values, periods=PERIODS) -> str:
    return "period,value\n" + "".join(f"{p},{'' if v is None else v}\n" for p, v in zip(periods, values))


def run(text: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard", "spc", *args], input=text, capture_output=True,
                          text=True, timeout=120)


def in_process(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, text: str, *args: str):
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    status = main(["spc", *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.slow
def test_spc_prints_points_with_limits_signals_and_mdc_icons():
    result = run(csv_of(RECALC), "--better", "higher", "--target", "10", "--recalc-at", "2023-04")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["variation"] == "Concern (Low)" and out["assurance"] == "Pass"
    assert [p["period"] for p in out["points"]] == PERIODS
    first = out["points"][0]
    assert set(first) >= {"period", "value", "mean", "lower", "upper", "signal", "rules"}
    mean, mr = xmr_limits(RECALC[:15])
    assert first["value"] == 16 and first["mean"] == pytest.approx(mean)
    assert first["upper"] == pytest.approx(mean + 2.66 * mr) and first["lower"] == pytest.approx(mean - 2.66 * mr)
    assert first["signal"] is None and first["rules"] == []
    last = out["points"][-1]
    assert last["signal"] == "concern" and last["rules"] == ["shift"]
    assert out["points"][15]["mean"] == pytest.approx(sum(RECALC[15:]) / 15)


def test_spc_in_process_gaps_baseline_and_run_lengths(monkeypatch, capsys):
    values = list(RECALC)
    values[3] = None
    status, out, err = in_process(monkeypatch, capsys, csv_of(values), "--baseline", "14")
    assert status == 0, err
    data = json.loads(out)
    assert data["points"][3]["value"] is None and data["points"][3]["signal"] is None
    present = [v for v in values[:15] if v is not None]
    assert data["points"][29]["mean"] == pytest.approx(sum(present) / 14)
    assert data["variation"] == "Neither (High)" and data["assurance"] is None
    assert data["points"][20]["signal"] == "neither"
    # Runs of 15: the 15 months below the mean (25.17) are one, the 13 of the 15 above it are not.
    status, out, _ = in_process(monkeypatch, capsys, csv_of(RECALC), "--shift-run", "15", "--trend-run", "15")
    shifts = [i for i, p in enumerate(json.loads(out)["points"]) if "shift" in p["rules"]]
    assert status == 0 and shifts == list(range(15))


@pytest.mark.slow
def test_spc_with_too_few_points_has_the_mean_and_no_limits_or_icons():
    out = json.loads(run(csv_of(RECALC[:12]), "--better", "lower", "--target", "20").stdout)
    assert out["variation"] is None and out["assurance"] is None
    assert all(p["upper"] is None and p["lower"] is None and p["signal"] is None for p in out["points"])
    assert out["points"][0]["mean"] == pytest.approx(sum(RECALC[:12]) / 12)


@pytest.mark.slow
@pytest.mark.parametrize("text, args, message", [
    ("", (), "no input"),
    ("month,count\n2024-01,1\n", (), "header must be 'period,value'"),
    ("period,value\n2024-01,ten\n", (), "line 2: value 'ten' is not a number"),
    ("period,value\n2024-01,1\n2024-01,2\n", (), "appears twice"),
    ("period,value\n2024-01,1,2\n", (), "expected 2 fields"),
    (csv_of(RECALC), ("--recalc-at", "2030-01"), "no period 2030-01"),
    (csv_of(RECALC), ("--recalc-at", "March"), "not a month"),
    (csv_of(RECALC), ("--baseline", "1"), "--baseline must be a whole number"),
    (csv_of(RECALC), ("--baseline", "31"), "longer than the series"),
    (csv_of(RECALC), ("--shift-run", "0"), "--shift-run must be a whole number"),
    (csv_of(RECALC), ("--better", "up"), "invalid choice"),
    (csv_of(RECALC), ("--target", "x"), "invalid float value"),
])
def test_bad_input_is_one_line_on_stderr_and_exit_2(text, args, message):
    result = run(text, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
