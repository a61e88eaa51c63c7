"""Loading: bad extracts never touch served data; good ones replace it atomically as typed parquet."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest

import dashboard.store.loading as loading
from dashboard.store.loading import LoadError, cli_load, load
from dashboard.extracts.schema import ALL_EXTRACTS, ANCHORS, DUCKDB_TYPES, EXTRACTS
from dashboard.store.db import ensure_catalog
from tests.extract_factory import BAD_CASES, TODAY, Case, good_rows, row, write_csv, write_parquet
from tests.test_validate import assert_problems

pytestmark = pytest.mark.slow  # every case writes a release and builds its catalog: the fast lane skips it


def tree_digest(root: Path) -> dict[str, str]:
    """Every entry under root (not following symlinks): file -> sha256, symlink -> target, dir -> 'dir'."""
    digest: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                digest[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                digest[rel] = "dir"
            else:
                digest[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def without_bookkeeping(digest: dict[str, str]) -> dict[str, str]:
    """Drop the releases folder entry and the lock file, which a load that got past validation creates."""
    return {k: v for k, v in digest.items() if k not in (".releases", ".releases/.lock-data")}


def read_extract(folder: Path, extract: str) -> list[dict[str, Any]]:
    """Read an extract back from parquet, ordered by its id (ward, valid_from for capacity)."""
    order = EXTRACTS[extract].id_column or "ward, valid_from"
    con = duckdb.connect()
    cur = con.execute(f"SELECT * FROM read_parquet($f) ORDER BY {order}", {"f": str(folder / extract / "*.parquet")})
    names = [c[0] for c in cur.description]
    return [dict(zip(names, values)) for values in cur.fetchall()]


def expected_rows(rows: dict[str, list[dict[str, Any]]], extract: str) -> list[dict[str, Any]]:
    id_column = EXTRACTS[extract].id_column
    key = (lambda r: r[id_column]) if id_column else (lambda r: (r["ward"], r["valid_from"]))
    return sorted(rows[extract], key=key)


@pytest.fixture(params=["real_dir", "symlink"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A served folder before the load: a plain directory, or a symlink left by an earlier load."""
    served = tmp_path / "srv" / "data"
    old = good_rows()
    old["ae_attendances"] = old["ae_attendances"][:2]  # make the old data recognisably different
    if request.param == "real_dir":
        write_parquet(served, old)
    else:
        load(write_parquet(tmp_path / "earlier", old), served, TODAY)
        assert served.is_symlink()
    return served


@pytest.mark.parametrize("case", BAD_CASES, ids=[c.id for c in BAD_CASES])
def test_bad_extract_rejected_and_served_unchanged(tmp_path: Path, served: Path, case: Case) -> None:
    source = tmp_path / "incoming"
    case.build(source)
    before = tree_digest(served.parent)
    with pytest.raises(LoadError) as raised:
        load(source, served, TODAY)
    assert_problems(list(raised.value.problems), case.expected)
    assert tree_digest(served.parent) == before


@pytest.mark.parametrize("writer", [write_parquet, write_csv], ids=["parquet", "csv"])
def test_valid_load_replaces_served(tmp_path: Path, served: Path, writer) -> None:
    old_data = {name: read_extract(served, name) for name in EXTRACTS}
    rows = good_rows()
    source = writer(tmp_path / "incoming", rows)
    result = load(source, served, TODAY)

    assert served.is_symlink()
    assert served.resolve() == result.release.resolve()
    assert result.release.parent == served.parent / ".releases"
    assert result.rows == {name: len(r) for name, r in rows.items()}
    for name in EXTRACTS:
        assert read_extract(served, name) == expected_rows(rows, name)
        assert sorted(p.name for p in (served / name).iterdir()) == ["part-0.parquet"]
    # The data served before is kept as the previous release, intact.
    assert result.previous is not None
    for name in EXTRACTS:
        assert read_extract(result.previous, name) == old_data[name]
    # Nothing half-built is left behind.
    leftovers = [p.name for p in (served.parent / ".releases").iterdir() if p.name.startswith((".build", ".spill"))]
    assert leftovers == []
    assert [p.name for p in served.parent.iterdir() if ".swap-" in p.name] == []


def test_csv_load_converts_to_contract_types_in_order(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "incoming")
    served = tmp_path / "srv" / "data"
    load(source, served, TODAY)
    con = duckdb.connect()
    for name, extract in EXTRACTS.items():
        path = str(served / name / "part-0.parquet")
        described = con.execute("DESCRIBE SELECT * FROM read_parquet($f)", {"f": path}).fetchall()
        assert [(c[0], c[1]) for c in described] == [(c.name, DUCKDB_TYPES[c.type]) for c in extract.columns]
        anchor, tie = ANCHORS[name]
        values = con.execute(f'SELECT "{anchor}", "{tie}" FROM read_parquet($f)', {"f": path}).fetchall()
        assert values == sorted(values), f"{name} not sorted by {anchor}"


def test_every_extract_has_one_order_of_its_own_columns() -> None:
    assert ANCHORS.keys() == ALL_EXTRACTS.keys()
    for name, order in ANCHORS.items():
        assert order and set(order) <= set(ALL_EXTRACTS[name].column_names), name


def test_the_load_and_the_catalog_write_one_order_ward_capacity_by_ward(tmp_path: Path) -> None:
    # The good rows list the wards Willow, Oak (2024), Oak (2025), Elm: by neither ward nor date.
    source = write_parquet(tmp_path / "incoming")
    served = tmp_path / "srv" / "data"
    load(source, served, TODAY)
    written = duckdb.connect().execute("SELECT ward, valid_from FROM read_parquet($f)",
                                       {"f": str(served / "ward_capacity" / "part-0.parquet")}).fetchall()
    # A ward's rows together in the order they took effect, as the generator writes them.
    assert [ward for ward, _ in written] == ["Elm", "Oak", "Oak", "Willow"] and written[1][1] < written[2][1]
    catalog = duckdb.connect(str(ensure_catalog(served)), read_only=True)
    try:
        for name in EXTRACTS:
            stored = catalog.execute(f"SELECT {', '.join(ANCHORS[name])} FROM {name}").fetchall()
            assert stored == sorted(stored), name
        assert catalog.execute("SELECT ward, valid_from FROM ward_capacity").fetchall() == written
    finally:
        catalog.close()


def test_load_drops_extra_and_partition_columns(tmp_path: Path) -> None:
    rows = good_rows()
    for r in rows["s136_detentions"]:
        r["local_notes"] = "x"
    source = write_parquet(tmp_path / "incoming", rows)
    stays = source / "inpatient_stays"
    (stays / "part-0.parquet").rename(tmp_path / "stays.parquet")
    (stays / "year=2025").mkdir()
    (tmp_path / "stays.parquet").rename(stays / "year=2025" / "part-0.parquet")
    served = tmp_path / "srv" / "data"
    result = load(source, served, TODAY)
    assert [w.column for w in result.warnings] == ["local_notes"]
    assert list(read_extract(served, "s136_detentions")[0]) == list(EXTRACTS["s136_detentions"].column_names)
    assert list(read_extract(served, "inpatient_stays")[0]) == list(EXTRACTS["inpatient_stays"].column_names)


def test_repeated_loads_keep_two_releases(tmp_path: Path) -> None:
    served = tmp_path / "srv" / "data"
    releases = served.parent / ".releases"
    results = []
    for i in range(4):
        rows = good_rows()
        row(rows, "ward_capacity", "Elm")["beds"] = 20 + i
        results.append(load(write_parquet(tmp_path / f"incoming{i}", rows), served, TODAY))
        assert read_extract(served, "ward_capacity")[0]["beds"] == 20 + i
    kept = sorted(p.name for p in releases.iterdir() if not p.name.startswith("."))
    assert kept == sorted([results[-1].release.name, results[-2].release.name])
    assert results[-1].previous is not None and results[-1].previous.name == results[-2].release.name
    # The symlink is relative, so the whole served folder can be moved.
    assert not os.readlink(served).startswith("/")


def test_reader_that_resolved_served_keeps_a_complete_set(tmp_path: Path) -> None:
    served = tmp_path / "srv" / "data"
    load(write_parquet(tmp_path / "a"), served, TODAY)
    pinned = served.resolve()  # what a query in flight holds
    rows = good_rows()
    rows["ae_attendances"] = rows["ae_attendances"][:3]
    load(write_parquet(tmp_path / "b", rows), served, TODAY)
    assert len(read_extract(pinned, "ae_attendances")) == 6
    assert len(read_extract(served, "ae_attendances")) == 3


def test_failure_while_writing_leaves_served_unchanged(tmp_path: Path, served: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    real_copy = loading._copy_extract

    def copy_then_fail(con, extract, report, out):  # type: ignore[no-untyped-def]
        if extract.name == "inpatient_stays":
            raise OSError("disk full")
        return real_copy(con, extract, report, out)

    monkeypatch.setattr(loading, "_copy_extract", copy_then_fail)
    before = tree_digest(served.parent)
    with pytest.raises(OSError, match="disk full"):
        load(write_csv(tmp_path / "incoming"), served, TODAY)
    # Only the releases folder and its lock file may be new; no build folder is left behind.
    assert without_bookkeeping(tree_digest(served.parent)) == without_bookkeeping(before)


def test_source_changed_during_load_is_rejected(tmp_path: Path, served: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    source = write_parquet(tmp_path / "incoming")
    real_check = loading.check_dir

    def check_then_change(path: Path, today=None, **options):  # type: ignore[no-untyped-def]
        report = real_check(path, today, **options)
        rows = good_rows()
        rows["ae_attendances"] = rows["ae_attendances"][:1]
        write_parquet(path, rows)  # the sender overwrites the folder after validation
        return report

    monkeypatch.setattr(loading, "check_dir", check_then_change)
    before = tree_digest(served.parent)
    with pytest.raises(LoadError) as raised:
        load(source, served, TODAY)
    assert raised.value.problems[0].rule == "extract must not change while it is being loaded"
    assert without_bookkeeping(tree_digest(served.parent)) == without_bookkeeping(before)


def test_served_path_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_parquet(tmp_path / "incoming")
    served = tmp_path / "served.txt"
    served.write_text("not a folder")
    with pytest.raises(NotADirectoryError):
        load(source, served, TODAY)
    assert cli_load(source, served, TODAY) == 2
    assert "not a folder" in capsys.readouterr().err
    assert served.read_text() == "not a folder"


def test_cli_load_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    served = tmp_path / "srv" / "data"
    assert cli_load(write_csv(tmp_path / "good"), served, TODAY) == 0
    out, err = capsys.readouterr()
    assert "loaded" in out and "inpatient_stays: 5 rows" in out and err == ""

    bad = tmp_path / "bad"
    next(c for c in BAD_CASES if c.id == "several_rules_at_once").build(bad)
    before = tree_digest(served.parent)
    assert cli_load(bad, served, TODAY) == 1
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == ""
    assert len(lines) == 4  # three problems, one per line, then the verdict
    assert lines[0].startswith("ae_attendances: file ae_attendances/part-0.parquet, column age, rule must be")
    assert lines[-1] == f"not loaded: {served} is unchanged"
    assert tree_digest(served.parent) == before

    assert cli_load(tmp_path / "nowhere", served, TODAY) == 2
    assert "not a folder" in capsys.readouterr().err


def test_running_app_serves_a_load_within_the_version_check(tmp_path: Path, served: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker's Database reuses its data-version check briefly, then sees the swapped release."""
    import dashboard.store.db as db_module

    monkeypatch.setenv("MHFLOW_CATALOG_DIR", str(tmp_path / "catalogs"))
    clock = [1000.0]  # the Database's clock, moved by hand
    monkeypatch.setattr(db_module.time, "monotonic", lambda: clock[0])
    db = db_module.Database(served)

    def attendances() -> int:
        rows = db.query("extract_summary").set_index("extract")["row_count"]
        return int(rows["ae_attendances"])

    assert attendances() == 2  # the version is checked now
    load(write_parquet(tmp_path / "incoming", good_rows()), served, TODAY)
    assert attendances() == 2  # within the interval: the version checked a moment ago still holds
    clock[0] += db_module.VERSION_CHECK_SECONDS
    assert attendances() == len(good_rows()["ae_attendances"])
