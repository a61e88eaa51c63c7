"""service_changes, the optional register of the partnership's changes: validated, loaded, read back."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dashboard.extracts.validate import check_dir, validate_dir
from dashboard.store.data import service_changes
from dashboard.store.db import Database
from dashboard.store.loading import load, metric_keys
from tests.extract_factory import TODAY, with_optional, write_csv, write_parquet


def change(change_id: str = "c1", **values) -> dict:
    """Return a valid service change row, with `values` changed."""
    row = {"change_id": change_id, "starts_on": date(2025, 3, 1), "title": "Street triage starts",
           "metrics": "s136_detentions, s136_police_custody_pct", "recalculate": True,
           "description": "Mental health nurses ride with police at evenings and weekends"}
    row.update(values)
    return row


def folder(tmp_path: Path, changes: list[dict], writer=write_parquet) -> Path:
    """Write the good extracts plus `changes` as service_changes; return the folder."""
    return with_optional(tmp_path, "service_changes", changes, writer)


@pytest.mark.parametrize("writer", [write_parquet, write_csv], ids=["parquet", "csv"])
def test_a_register_of_changes_is_valid_and_counted(tmp_path: Path, writer) -> None:
    changes = [change(), change("c2", starts_on=date(2026, 1, 1), metrics="all", recalculate=False,
                                description=None, title="New health-based place of safety (planned)")]
    report = check_dir(folder(tmp_path, changes, writer), TODAY, metric_keys=metric_keys())
    assert report.problems == () and report.warnings == ()  # a planned change may be dated ahead
    assert report.rows["service_changes"] == 2


def test_without_the_register_the_data_is_still_valid(tmp_path: Path) -> None:
    report = check_dir(write_parquet(tmp_path), TODAY, metric_keys=metric_keys())
    assert report.ok and "service_changes" not in report.rows


@pytest.mark.parametrize("values, column, rule", [
    ({"title": "x" * 81}, "title", "must be 1 to 80 characters"),
    ({"title": "   "}, "title", "must be 1 to 80 characters"),
    ({"title": "Triage\u202e gnorw"}, "title", "must be plain text"),
    ({"title": "Two\nlines"}, "title", "must be plain text"),
    ({"description": "y" * 201}, "description", "must be 1 to 200 characters"),
    ({"metrics": "s136_detentions, not_a_metric"}, "metrics", "must name metric keys of the contract"),
    ({"metrics": "S136 detentions"}, "metrics", "must be 'all' or metric keys separated by commas"),
    ({"recalculate": None}, "recalculate", "must not be null"),
    ({"starts_on": None}, "starts_on", "must not be null"),
])
def test_a_bad_change_is_named(tmp_path: Path, values: dict, column: str, rule: str) -> None:
    problems = validate_dir(folder(tmp_path, [change(), change("c2", **values)]), TODAY, metric_keys=metric_keys())
    assert [(p.extract, p.column, p.rows, p.examples) for p in problems] == [("service_changes", column, 1, ("c2",))]
    assert rule in problems[0].rule


def test_change_ids_must_be_unique(tmp_path: Path) -> None:
    problems = validate_dir(folder(tmp_path, [change(), change()]), TODAY)
    assert [(p.column, p.rule, p.rows) for p in problems] == [("change_id", "must be unique", 2)]


def test_without_the_metric_keys_only_the_form_of_the_list_is_checked(tmp_path: Path) -> None:
    assert validate_dir(folder(tmp_path, [change(metrics="made_up_key")]), TODAY) == []


def test_a_loaded_register_reads_back_oldest_first_and_by_metric(tmp_path: Path) -> None:
    changes = [change("c2", starts_on=date(2024, 11, 15), metrics="all", recalculate=False, description=None,
                      title="Ward 3 closes"), change()]
    served = tmp_path / "served"
    load(folder(tmp_path, changes), served, TODAY)
    db = Database(served)
    got = service_changes(db)
    assert [c.change_id for c in got] == ["c2", "c1"]
    assert got[0].month == date(2024, 11, 1) and got[0].description is None and not got[0].recalculate
    assert got[1].metrics == ("s136_detentions", "s136_police_custody_pct") and got[1].recalculate
    assert [c.change_id for c in service_changes(db, "s136_detentions")] == ["c2", "c1"]
    assert [c.change_id for c in service_changes(db, "ae_attendances")] == ["c2"]


def test_data_without_a_register_has_no_changes(tmp_path: Path) -> None:
    served = tmp_path / "served"
    load(write_parquet(tmp_path / "data"), served, TODAY)
    assert service_changes(Database(served)) == []
