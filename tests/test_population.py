"""population, the optional table of residents: validated (ethnicity all or none, people >= 0, age 0-120) and loaded."""
from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.extracts.validate import check_dir
from dashboard.store.data import cached_query, clear_cache
from dashboard.store.db import Database
from dashboard.store.loading import load
from tests.extract_factory import TODAY, with_optional, write_csv, write_parquet


def resident(year: int = 2025, age: int = 30, sex: str = "female", ethnic_group: str | None = "white",
             people: int = 1000) -> dict:
    return {"year": year, "age": age, "sex": sex, "ethnic_group": ethnic_group, "people": people}


def folder(tmp_path: Path, rows: list[dict], writer=write_parquet) -> Path:
    return with_optional(tmp_path, "population", rows, writer)


@pytest.mark.parametrize("writer", [write_parquet, write_csv], ids=["parquet", "csv"])
@pytest.mark.parametrize("group", ["white", None], ids=["with-ethnicity", "without"])
def test_a_population_with_or_without_ethnicity_is_valid(tmp_path: Path, writer, group) -> None:
    rows = [resident(ethnic_group=group), resident(age=90, sex="male", ethnic_group=group, people=0)]
    report = check_dir(folder(tmp_path, rows, writer), TODAY)
    assert report.problems == ()
    assert report.rows["population"] == 2


def test_without_the_table_the_data_is_still_valid(tmp_path: Path) -> None:
    report = check_dir(write_parquet(tmp_path), TODAY)
    assert report.ok and "population" not in report.rows


def test_some_rows_with_an_ethnic_group_and_some_without_is_rejected(tmp_path: Path) -> None:
    rows = [resident(), resident(age=31, ethnic_group=None), resident(age=32, ethnic_group=None)]
    problems = check_dir(folder(tmp_path, rows), TODAY).problems
    assert [(p.column, p.rule, p.rows) for p in problems] == [
        ("ethnic_group", "every row or no row must have an ethnic group", 2)]
    assert problems[0].examples == ("2025/31/female", "2025/32/female")


@pytest.mark.parametrize("values, column, rule", [
    ({"people": -1}, "people", "must be at least 0"),
    ({"age": 121}, "age", "must be between 0 and 120"),
    ({"age": -1}, "age", "must be between 0 and 120"),
    ({"sex": "f"}, "sex", "must be one of"),
    ({"ethnic_group": "White"}, "ethnic_group", "must be one of"),
    ({"year": None}, "year", "must not be null"),
    ({"people": None}, "people", "must not be null"),
])
def test_a_bad_row_is_named(tmp_path: Path, values: dict, column: str, rule: str) -> None:
    problems = check_dir(folder(tmp_path, [resident(), resident(**values)]), TODAY).problems
    assert [p.column for p in problems] == [column]
    assert problems[0].rule.startswith(rule) and problems[0].rows == 1


def test_the_table_is_loaded_and_read_back(tmp_path: Path) -> None:
    source = folder(tmp_path, [resident(people=1200), resident(year=2024, people=600)], write_csv)
    served = tmp_path / "served"
    load(source, served, TODAY)
    clear_cache()
    db = Database(served)
    try:
        frame = cached_query(db, "population_by_period", {
            "period_start": "2025-01-01", "period_end": "2025-04-01", "age_min": 0, "age_max": 120,
            "grain": "period"})
    finally:
        db.close()
        clear_cache()
    assert frame["population_months"].tolist() == [3 * 1200]
    assert frame["population_white_months"].tolist() == [3 * 1200]
