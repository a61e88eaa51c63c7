"""The command line as an analyst runs it: metrics JSON, bad arguments, bad extracts."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from dashboard.core.metrics import METRICS
from tests.conftest import END_MONTH


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard", *args], capture_output=True, text=True, timeout=120)


def metrics(data, *args: str) -> dict:
    result = run("metrics", "--data", str(data), *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_metrics_prints_every_key_with_the_contract_types(generated_data):
    out = metrics(generated_data, "--start", "2025-01", "--end", "2025-12", "--age-band", "all")
    assert list(out) == list(METRICS)
    for key, metric in METRICS.items():
        if metric.kind == "count":
            assert isinstance(out[key], int), key
        else:
            assert out[key] is None or isinstance(out[key], float), key
        if metric.kind == "pct" and out[key] is not None:
            assert 0 <= out[key] <= 100
    assert out["ae_attendances"] > 0 and out["bed_days"] > 0


def test_metrics_match_the_pages_data_layer(generated_data):
    from dashboard.store.db import Database
    from dashboard.core.filters import Filters
    from dashboard.core.metrics import compute_metrics
    from dashboard.core.periods import Period

    out = metrics(generated_data, "--start", "2024-04", "--end", "2025-03", "--age-band", "18-25")
    db = Database(generated_data)
    assert out == pytest.approx(compute_metrics(db, Filters("18-25", Period.from_months("2024-04", "2025-03"))))


def test_a_period_past_the_data_is_cut_at_the_last_month(generated_data):
    cut = metrics(generated_data, "--start", "2025-07", "--end", "2027-06")
    exact = metrics(generated_data, "--start", "2025-07", "--end", END_MONTH)
    assert cut == exact


def test_a_period_wholly_after_the_data_has_no_activity(generated_data):
    out = metrics(generated_data, "--start", "2030-01", "--end", "2030-12")
    assert out["bed_days"] == 0 and out["ae_4h_pct"] is None


@pytest.mark.parametrize("args", [
    ("--age-band", "teens"), ("--start", "2025-13"), ("--end", "25-01"), ("--start", "2025-06", "--end", "2025-01"),
])
def test_bad_arguments_exit_non_zero_with_one_line(generated_data, args):
    result = run("metrics", "--data", str(generated_data), *args)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error:")


def test_a_bad_extract_exits_non_zero_naming_extract_and_rule(generated_data, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(generated_data, broken)
    path = broken / "ae_attendances" / "part-0.parquet"
    table = pq.read_table(path)
    pq.write_table(table.drop_columns(["site"]), path)
    result = run("metrics", "--data", str(broken))
    assert result.returncode != 0
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and "ae_attendances" in line and "site" in line


def test_a_missing_data_folder_is_a_clear_error(tmp_path):
    result = run("metrics", "--data", str(tmp_path / "nowhere"))
    assert result.returncode != 0 and "no data folder" in result.stderr
