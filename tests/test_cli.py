"""The command line as an analyst runs it: metrics JSON, bad arguments, bad extracts."""
from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

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


@pytest.mark.slow
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


@pytest.mark.slow
def test_metrics_match_the_pages_data_layer(generated_data):
    from dashboard.store.db import Database
    from dashboard.core.filters import Filters
    from dashboard.store.cli_metrics import compute_metrics
    from dashboard.core.periods import Period

    out = metrics(generated_data, "--start", "2024-04", "--end", "2025-03", "--age-band", "18-25")
    db = Database(generated_data)
    assert out == pytest.approx(compute_metrics(db, Filters("18-25", Period.from_months("2024-04", "2025-03"))))


@pytest.mark.slow
def test_a_period_past_the_data_is_cut_at_the_last_month(generated_data):
    cut = metrics(generated_data, "--start", "2025-07", "--end", "2027-06")
    exact = metrics(generated_data, "--start", "2025-07", "--end", END_MONTH)
    assert cut == exact


@pytest.mark.slow
def test_a_period_wholly_after_the_data_has_no_activity(generated_data):
    out = metrics(generated_data, "--start", "2030-01", "--end", "2030-12")
    assert out["bed_days"] == 0 and out["ae_4h_pct"] is None


@pytest.mark.slow
@pytest.mark.parametrize("args", [
    ("--age-band", "teens"), ("--start", "2025-13"), ("--end", "25-01"), ("--start", "2025-06", "--end", "2025-01"),
])
def test_bad_arguments_exit_non_zero_with_one_line(generated_data, args):
    result = run("metrics", "--data", str(generated_data), *args)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error:")


@pytest.mark.slow
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


@pytest.mark.slow
def test_a_missing_data_folder_is_a_clear_error(tmp_path):
    result = run("metrics", "--data", str(tmp_path / "nowhere"))
    assert result.returncode != 0 and "no data folder" in result.stderr


def hash_password(monkeypatch, capsys, stdin: str, *args: str) -> tuple[int, str, str]:
    """Run `python -m dashboard hash-password ARGS` in process with `stdin` piped in."""
    from dashboard.__main__ import main

    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = main(["hash-password", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_hash_password_prints_a_users_entry_that_the_app_reads_back(monkeypatch, capsys):
    from werkzeug.security import check_password_hash

    from dashboard.web.security import parse_users

    status, out, err = hash_password(monkeypatch, capsys, "correct horse\n", "--user", "alice")
    assert status == 0 and err == ""
    assert out.startswith("alice:") and out.endswith("\n") and "correct horse" not in out
    users = parse_users(out.strip() + ",bob:" + out.strip().split(":", 1)[1])
    assert list(users) == ["alice", "bob"] and check_password_hash(users["alice"], "correct horse")


def test_hash_password_refuses_an_empty_password(monkeypatch, capsys):
    assert hash_password(monkeypatch, capsys, "\n") == (2, "", "error: empty password\n")


@pytest.mark.parametrize("user", ["al:ice", "alice,bob", " alice", ""])
def test_hash_password_refuses_a_user_name_that_cannot_be_an_entry(monkeypatch, capsys, user):
    status, out, err = hash_password(monkeypatch, capsys, "secret\n", "--user", user)
    assert status == 2 and out == "" and err.startswith("error: --user") and len(err.splitlines()) == 1


def test_the_readme_lists_every_command_and_no_other():
    from dashboard.__main__ import parser

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Command line\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^python -m dashboard ([a-z][a-z-]*)", section, re.MULTILINE))
    sub = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert listed == set(sub.choices) == {"serve", "generate", "validate", "load", "build", "metrics", "spc", "pack",
                                          "hash-password"}


def test_no_command_or_only_options_means_serve(monkeypatch):
    import dashboard.__main__ as cli

    served = []
    monkeypatch.setattr(cli, "cmd_serve", lambda args: served.append((args.command, args.port)) or 0)
    assert cli.main([]) == 0 and cli.main(["--port", "9000"]) == 0
    assert served == [("serve", 8050), ("serve", 9000)]
