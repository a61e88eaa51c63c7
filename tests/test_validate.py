"""Validation against the data contract: good extracts pass, each kind of bad extract is named exactly."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dashboard.store.loading import cli_validate
from dashboard.extracts.validate import Problem, check_dir, validate_dir
from tests.extract_factory import (
    BAD_CASES,
    TODAY,
    Case,
    arrow_table,
    good_rows,
    row,
    ts,
    write_csv,
    write_csv_file,
    write_parquet,
)


def matches(problem: Problem, expected: Problem) -> bool:
    """True when a reported problem is the expected one (rule and hint as substrings)."""
    return (
        problem.extract == expected.extract
        and problem.file == expected.file
        and problem.column == expected.column
        and expected.rule in problem.rule
        and problem.rows == expected.rows
        and problem.examples == expected.examples
        and expected.hint in problem.hint
    )


def assert_problems(problems: list[Problem], expected: tuple[Problem, ...]) -> None:
    """Every expected problem is reported, with its message, and nothing else is."""
    report = "\n".join(p.message() for p in problems)
    assert len(problems) == len(expected), f"expected {len(expected)} problems, got:\n{report}"
    for e in expected:
        found = [p for p in problems if matches(p, e)]
        assert found, f"missing {e}\ngot:\n{report}"
        message = found[0].message()
        assert message.startswith(f"{e.extract}: file {e.file}")
        if e.column:
            assert f", column {e.column}," in message
        assert f"rule {e.rule}" in message
        if e.rows:
            assert f": {e.rows} row{'s' if e.rows != 1 else ''}" in message
        if e.examples:
            assert f"(e.g. {', '.join(e.examples)})" in message
        assert "\n" not in message


@pytest.mark.parametrize("writer", [write_parquet, write_csv], ids=["parquet", "csv"])
def test_good_extracts_are_valid(tmp_path: Path, writer) -> None:
    writer(tmp_path)
    report = check_dir(tmp_path, TODAY)
    assert report.problems == ()
    assert report.warnings == ()
    assert report.rows == {name: len(rows) for name, rows in good_rows().items()}


@pytest.mark.parametrize("case", BAD_CASES, ids=[c.id for c in BAD_CASES])
def test_bad_extract_is_reported(tmp_path: Path, case: Case) -> None:
    case.build(tmp_path)
    assert_problems(validate_dir(tmp_path, TODAY), case.expected)


def test_corpus_is_large_and_distinct() -> None:
    assert len(BAD_CASES) >= 30
    assert len({c.id for c in BAD_CASES}) == len(BAD_CASES)


def test_extra_column_is_a_warning_not_a_problem(tmp_path: Path) -> None:
    rows = good_rows()
    for r in rows["ae_attendances"]:
        r["notes"] = "free text"
    write_parquet(tmp_path, rows)
    report = check_dir(tmp_path, TODAY)
    assert report.ok
    assert [(w.extract, w.file, w.column, w.rule) for w in report.warnings] == [
        ("ae_attendances", "ae_attendances/part-0.parquet", "notes", "unknown column ignored")
    ]


def test_zero_rows_allowed_for_delayed_transfers(tmp_path: Path) -> None:
    rows = good_rows()
    rows["delayed_transfers"] = []
    write_csv(tmp_path, rows)
    report = check_dir(tmp_path, TODAY)
    assert report.problems == ()
    assert report.rows["delayed_transfers"] == 0


def test_csv_with_utf8_bom_is_accepted(tmp_path: Path) -> None:
    rows = good_rows()
    row(rows, "ae_attendances", "AE0002")["site"] = "Hôpital Général"
    write_csv(tmp_path, rows)
    write_csv_file(tmp_path / "ae_attendances" / "ae_attendances.csv", "ae_attendances", rows["ae_attendances"],
                   encoding="utf-8-sig")
    assert (tmp_path / "ae_attendances" / "ae_attendances.csv").read_bytes().startswith(b"\xef\xbb\xbfattendance_id")
    report = check_dir(tmp_path, TODAY)
    assert report.problems == () and report.warnings == ()


def test_csv_boolean_spellings_accepted(tmp_path: Path) -> None:
    rows = good_rows()
    for r, text in zip(rows["s136_detentions"], ["TRUE", "False", "1", "0"]):
        r["intoxicated"] = text
    write_csv(tmp_path, rows)
    assert validate_dir(tmp_path, TODAY) == []


def test_csv_quoted_comma_and_iso_t_separator_accepted(tmp_path: Path) -> None:
    rows = good_rows()
    row(rows, "ae_attendances", "AE0001").update(site="Royal, General", arrival_at="2025-01-03T10:00")
    write_csv(tmp_path, rows)
    assert validate_dir(tmp_path, TODAY) == []


def test_end_of_today_is_not_the_future(tmp_path: Path) -> None:
    rows = good_rows()
    row(rows, "inpatient_stays", "IP0003")["followed_up_at"] = ts("2025-06-30 23:59")
    row(rows, "delayed_transfers", "DT0002")["delay_start"] = TODAY
    row(rows, "ward_capacity", "Elm")["valid_to"] = date(2026, 3, 31)  # planned closure: allowed
    write_parquet(tmp_path, rows)
    assert validate_dir(tmp_path, TODAY) == []


def test_future_rule_can_be_switched_off(tmp_path: Path) -> None:
    next(c for c in BAD_CASES if c.id == "future_timestamp").build(tmp_path)
    assert len(validate_dir(tmp_path, TODAY)) == 1
    assert validate_dir(tmp_path, TODAY, future=False) == []


def test_today_defaults_to_the_real_date(tmp_path: Path) -> None:
    rows = good_rows()
    row(rows, "ae_attendances", "AE0001")["departure_at"] = ts("2999-01-01 00:00")
    write_parquet(tmp_path, rows)
    [problem] = validate_dir(tmp_path)
    assert problem.column == "departure_at" and str(date.today()) in problem.rule


def test_hive_partitions_and_marker_files(tmp_path: Path) -> None:
    write_parquet(tmp_path)
    stays = good_rows()["inpatient_stays"]
    (tmp_path / "inpatient_stays" / "part-0.parquet").unlink()
    for year in (2024, 2025):
        part = tmp_path / "inpatient_stays" / f"year={year}"
        part.mkdir()
        pq.write_table(arrow_table("inpatient_stays", [r for r in stays if r["admitted_at"].year == year]),
                       part / "data.parquet")
    (tmp_path / "inpatient_stays" / "_SUCCESS").write_text("")
    (tmp_path / "inpatient_stays" / "readme.txt").write_text("notes")
    report = check_dir(tmp_path, TODAY)
    assert report.problems == ()
    assert report.rows["inpatient_stays"] == len(stays)
    assert [(w.file, w.rule) for w in report.warnings] == [
        ("inpatient_stays/readme.txt", "file ignored (not *.parquet or *.csv)")
    ]


def test_zero_row_file_beside_others_is_fine(tmp_path: Path) -> None:
    write_parquet(tmp_path)
    pq.write_table(arrow_table("ae_attendances", []), tmp_path / "ae_attendances" / "part-1.parquet")
    assert validate_dir(tmp_path, TODAY) == []


def test_wider_integer_and_nanosecond_timestamps_accepted(tmp_path: Path) -> None:
    write_parquet(tmp_path)
    table = arrow_table("ae_attendances", good_rows()["ae_attendances"])
    table = table.set_column(2, pa.field("age", pa.int64()), table.column("age").cast(pa.int64()))
    i = table.schema.get_field_index("arrival_at")
    table = table.set_column(i, pa.field("arrival_at", pa.timestamp("ns")), table.column(i).cast(pa.timestamp("ns")))
    pq.write_table(table, tmp_path / "ae_attendances" / "part-0.parquet")
    assert validate_dir(tmp_path, TODAY) == []


def test_all_null_column_of_null_type(tmp_path: Path) -> None:
    # pandas writes an all-None object column as parquet type NULL; a nullable column may be all null.
    write_parquet(tmp_path)
    rows = good_rows()["liaison_referrals"]
    table = arrow_table("liaison_referrals", rows)
    i = table.schema.get_field_index("outcome")
    table = table.set_column(i, pa.field("outcome", pa.null()), pa.nulls(len(rows)))
    pq.write_table(table, tmp_path / "liaison_referrals" / "part-0.parquet")
    assert validate_dir(tmp_path, TODAY) == []


def test_many_problems_in_one_extract_examples_capped_at_five(tmp_path: Path) -> None:
    rows = good_rows()
    for r in rows["ae_attendances"]:
        r["sex"] = "unknown"
    write_parquet(tmp_path, rows)
    [problem] = validate_dir(tmp_path, TODAY)
    assert problem.rows == 6
    assert problem.examples == ("AE0001", "AE0002", "AE0003", "AE0004", "AE0005")


def test_broken_rules_in_every_extract_reported_together(tmp_path: Path) -> None:
    rows = good_rows()
    del rows["ward_capacity"]
    row(rows, "ae_attendances", "AE0001")["age"] = 121
    row(rows, "s136_detentions", "S0002")["sex"] = None
    write_csv(tmp_path, rows)
    (tmp_path / "liaison_referrals" / "liaison_referrals.csv").write_bytes(b"")
    problems = validate_dir(tmp_path, TODAY)
    assert {(p.extract, p.column) for p in problems} == {
        ("ae_attendances", "age"), ("liaison_referrals", ""), ("s136_detentions", "sex"), ("ward_capacity", ""),
    }


def test_unknown_folder_is_a_warning(tmp_path: Path) -> None:
    write_parquet(tmp_path)
    (tmp_path / "community_contacts").mkdir()
    report = check_dir(tmp_path, TODAY)
    assert report.ok
    assert [w.rule for w in report.warnings] == ["unknown folder ignored"]


def test_missing_data_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        validate_dir(tmp_path / "nowhere", TODAY)


def test_problem_message_format() -> None:
    p = Problem("ae_attendances", "ae_attendances/part-0.parquet", "departure_at", "departure_at >= arrival_at", 12,
                ("AE0001", "AE0042", "AE0107"))
    assert p.message() == ("ae_attendances: file ae_attendances/part-0.parquet, column departure_at, "
                           "rule departure_at >= arrival_at: 12 rows (e.g. AE0001, AE0042, AE0107)")
    file_level = Problem("ward_capacity", "ward_capacity/", "", "extract folder must exist")
    assert file_level.message() == "ward_capacity: file ward_capacity/, rule extract folder must exist"


def test_cli_validate_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_parquet(tmp_path / "good")
    assert cli_validate(good, TODAY) == 0
    out, err = capsys.readouterr()
    assert "ae_attendances: 6 rows" in out and err == ""

    bad = tmp_path / "bad"
    BAD_CASES[0].build(bad)
    assert cli_validate(bad, TODAY) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip() == ("ae_attendances: file ae_attendances/part-0.parquet, column site, "
                           "rule required column must be present")

    assert cli_validate(tmp_path / "nowhere", TODAY) == 2
    assert "not a folder" in capsys.readouterr().err
