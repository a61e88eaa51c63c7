"""Hostile extracts: markup, control and bidi characters in names, over-long names, links out of the
folder and odd file names are refused by validation or drawn as plain text."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from dashboard.extracts.validate import LINK_RULE, check_dir
from dashboard.store import runtime
from dashboard.store.data import clear_cache
from dashboard.store.loading import LoadError, load
from dashboard.core.filters import Filters
from dashboard.core.periods import Period
from tests.extract_factory import TODAY, good_rows, write_parquet

LINK = '<a href="https://example.invalid/">Royal</a>'
BOLD = "<b>Bold</b> & Co"


def rules_broken(root: Path) -> list[tuple[str, str, str]]:
    return [(p.extract, p.column, p.rule) for p in check_dir(root, TODAY).problems]


@pytest.mark.parametrize("name", ["Royal\u202eyalp", "Royal\nInfirmary", "Tab\there", "Zero\u200bwidth",
                                  "Isolate\u2066x\u2069", "Nul\x00", "Next\x85line", "BOM\ufeff"])
def test_a_site_or_ward_with_a_control_or_bidi_character_is_refused(tmp_path, name):
    rows = good_rows()
    rows["ae_attendances"][0]["site"] = name
    rows["ward_capacity"][0]["ward"] = name
    problems = rules_broken(write_parquet(tmp_path, rows))
    rule = "must be plain text (no control or bidirectional-override characters)"
    assert ("ae_attendances", "site", rule) in problems and ("ward_capacity", "ward", rule) in problems


def test_a_name_over_200_characters_is_refused_and_200_is_fine(tmp_path):
    rows = good_rows()
    rows["ae_attendances"][0]["site"] = "S" * 201
    rows["inpatient_stays"][0]["ward"] = "W" * 200 + "\u00e9"  # characters, not bytes
    rows["ae_attendances"][1]["site"] = "é" * 200
    problems = rules_broken(write_parquet(tmp_path, rows))
    assert ("ae_attendances", "site", "must be 1 to 200 characters") in problems
    assert ("inpatient_stays", "ward", "must be 1 to 200 characters") in problems
    assert len([p for p in problems if p[2] == "must be 1 to 200 characters"]) == 2


def test_markup_in_a_name_is_plain_text_to_validation(tmp_path):
    rows = good_rows()
    rows["ae_attendances"][0]["site"] = LINK
    assert rules_broken(write_parquet(tmp_path, rows)) == []


def test_a_parquet_file_linked_from_outside_the_folder_is_refused_and_not_loaded(tmp_path):
    source, outside = tmp_path / "source", tmp_path / "elsewhere"
    write_parquet(source)
    write_parquet(outside)
    os.symlink(outside / "ae_attendances" / "part-0.parquet", source / "ae_attendances" / "more.parquet")
    report = check_dir(source, TODAY)
    linked = [p for p in report.problems if p.rule == LINK_RULE]
    assert [p.file for p in linked] == ["ae_attendances/more.parquet"]
    assert "link" in linked[0].message() and "more.parquet" in linked[0].message()
    with pytest.raises(LoadError):
        load(source, tmp_path / "served", TODAY)
    assert not (tmp_path / "served").exists()


def test_a_folder_linked_from_outside_is_refused_too(tmp_path):
    source, outside = tmp_path / "source", tmp_path / "elsewhere"
    write_parquet(source)
    write_parquet(outside)
    os.symlink(outside / "ae_attendances", source / "ae_attendances" / "year=2024")
    shutil.rmtree(source / "ward_capacity")
    os.symlink(outside / "ward_capacity", source / "ward_capacity")
    problems = [(p.file, p.rule) for p in check_dir(source, TODAY).problems]
    assert ("ae_attendances/year=2024/", LINK_RULE) in problems and ("ward_capacity/", LINK_RULE) in problems


def test_a_file_name_with_a_newline_cannot_forge_a_line_of_the_report(tmp_path):
    rows = good_rows()
    rows["ae_attendances"][0]["age"] = 130
    write_parquet(tmp_path, rows)
    forged = "part-0.parquet\nae_attendances: file x.parquet, rule all good.parquet"
    (tmp_path / "ae_attendances" / "part-0.parquet").rename(tmp_path / "ae_attendances" / forged)
    messages = [p.message() for p in check_dir(tmp_path, TODAY).problems]
    assert messages and all("\n" not in m for m in messages)
    assert any(m.startswith('ae_attendances: file "ae_attendances/part-0.parquet\\nae_attendances') for m in messages)


def test_a_file_name_that_is_a_pattern_is_refused_rather_than_read_as_one(tmp_path):
    write_parquet(tmp_path)
    shutil.copy(tmp_path / "ae_attendances" / "part-0.parquet", tmp_path / "ae_attendances" / "*.parquet")
    problems = [(p.file, p.rule) for p in check_dir(tmp_path, TODAY).problems]
    assert ("ae_attendances/*.parquet", "file name must not contain * ? [ ] { }") in problems


@pytest.fixture()
def hostile_names(generated_data, tmp_path):
    """Return the generated data with one site and one ward renamed to markup; the app pointed at it."""
    data = tmp_path / "data"
    shutil.copytree(generated_data, data)
    con = duckdb.connect()
    for extract, column, new in (("ae_attendances", "site", LINK), ("inpatient_stays", "ward", BOLD),
                                 ("ward_capacity", "ward", BOLD), ("delayed_transfers", None, None)):
        if column is None:
            continue
        (part,) = list((data / extract).glob("**/*.parquet"))
        old = con.execute(f"SELECT min({column}) FROM read_parquet($p)", {"p": str(part)}).fetchone()[0]
        tmp = part.with_suffix(".new")
        con.execute(f"COPY (SELECT * REPLACE (CASE WHEN {column} = $old THEN $new ELSE {column} END AS {column}) "
                    "FROM read_parquet($p)) TO $out (FORMAT parquet)", {"p": str(part), "old": old, "new": new,
                                                                         "out": str(tmp)})
        tmp.replace(part)
    clear_cache()
    runtime.configure(data)
    yield data
    clear_cache()


def test_markup_in_a_site_or_ward_name_is_drawn_as_text_never_as_a_link(hostile_names, generated_data):
    from dashboard.web.app import create_app
    from dashboard.web.charts import render, to_csv

    create_app(hostile_names)
    filters = Filters("all", Period.from_months("2021-01", "2025-12"))
    drawn = {chart: json.dumps(render(chart, filters).figure) for chart in ("uec-sites", "ip-ward-occupancy")}
    for chart, figure in drawn.items():
        assert "<a " not in figure and "<b>Bold" not in figure and "&amp;lt;" not in figure, chart
    assert "&lt;a href=\\\"https://example.invalid/\\\"&gt;Royal&lt;/a&gt;" in drawn["uec-sites"]
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in drawn["ip-ward-occupancy"]
    # The table and the CSV keep the name exactly as the data has it.
    assert LINK in render("uec-sites", filters).table["Site"].tolist()
    assert [LINK] == [row[0] for row in csv.reader(io.StringIO(to_csv(render("uec-sites", filters))))
                      if "Royal" in row[0]]


def _many_row_groups(root: Path, groups: int) -> Path:
    """Write valid extracts whose A&E file holds `groups` one-row row groups."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests.extract_factory import arrow_table

    rows = good_rows()
    base = rows["ae_attendances"][0]
    rows["ae_attendances"] = [{**base, "attendance_id": f"A{n:05d}"} for n in range(groups)]
    write_parquet(root, rows)
    table = arrow_table("ae_attendances", rows["ae_attendances"])
    pq.write_table(pa.Table.from_batches(table.to_batches(max_chunksize=1)),
                   root / "ae_attendances" / "part-0.parquet", row_group_size=1)
    assert pq.ParquetFile(root / "ae_attendances" / "part-0.parquet").metadata.num_row_groups == groups
    return root


def test_a_parquet_file_of_very_many_row_groups_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("MHFLOW_PARQUET_MAX_ROW_GROUPS", "50")
    refused = [p for p in check_dir(_many_row_groups(tmp_path / "many", 60), TODAY).problems]
    assert [(p.file, p.rule) for p in refused] == [("ae_attendances/part-0.parquet",
                                                    "parquet file must have at most 50 row groups")]
    assert "found 60" in refused[0].message() and "fewer, larger row groups" in refused[0].message()
    assert check_dir(_many_row_groups(tmp_path / "enough", 50), TODAY).problems == ()


def test_a_parquet_footer_claiming_gigabytes_is_refused_without_parsing_it(tmp_path):
    write_parquet(tmp_path)
    fake = tmp_path / "ae_attendances" / "part-1.parquet"
    fake.write_bytes(b"PAR1" + b"\0" * 64 + (2**31).to_bytes(4, "little") + b"PAR1")
    problems = [(p.file, p.rule) for p in check_dir(tmp_path, TODAY).problems]
    assert ("ae_attendances/part-1.parquet", "parquet metadata must be at most 42,008,576 bytes") in problems
