"""Failed and killed loads leave nothing behind: every failure path cleans up what it made, and
start-up removes leftovers of earlier crashes, never the served data or a running build."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from dashboard.store import db as db_module
from dashboard.store import loading
from dashboard.store.loading import load, remove_crash_leftovers
from tests.extract_factory import TODAY, write_parquet

pytestmark = pytest.mark.slow  # loads that write releases and build catalogs: the fast lane skips it


@pytest.fixture()
def catalogs(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "catalogs"
    monkeypatch.setenv("MHFLOW_CATALOG_DIR", str(folder))
    return folder


def everything(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def test_a_load_that_fails_building_the_catalog_leaves_no_release_and_no_partial_catalog(tmp_path, catalogs,
                                                                                          monkeypatch):
    served = tmp_path / "srv" / "data"
    load(write_parquet(tmp_path / "first"), served, TODAY)
    before_srv, before_catalogs = everything(served.parent), everything(catalogs)
    monkeypatch.setattr(db_module, "catalog_sql", lambda: [SimpleNamespace(name="broken", sql="CREATE TABLE x AS SELECT * FROM nope")])
    with pytest.raises(duckdb.Error):
        load(write_parquet(tmp_path / "second"), served, TODAY)
    assert everything(served.parent) == before_srv  # no new release, no build or spill folder
    assert everything(catalogs) == before_catalogs  # no .catalog-*.tmp, no .wal


def test_a_failed_first_load_leaves_the_real_served_folder_and_nothing_else(tmp_path, catalogs, monkeypatch):
    served = write_parquet(tmp_path / "srv" / "data")
    monkeypatch.setattr(loading, "_swap", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    with pytest.raises(OSError):
        load(write_parquet(tmp_path / "new"), served, TODAY)
    assert not served.is_symlink() and [p.name for p in (served.parent / ".releases").iterdir()] == [".lock-data"]
    assert not list(catalogs.glob(".catalog-*"))


def test_start_up_removes_what_killed_loads_left_and_keeps_the_served_and_previous_releases(tmp_path, catalogs):
    served = tmp_path / "srv" / "data"
    load(write_parquet(tmp_path / "first"), served, TODAY)
    first = Path(os.path.realpath(served))
    load(write_parquet(tmp_path / "second"), served, TODAY)
    current = Path(os.path.realpath(served))
    releases = served.parent / ".releases"
    leftovers = [releases / ".build-data-20990101T000000000000", releases / ".spill-data-20990101T000000000000",
                 releases / "data-20990101T000000000000"]  # killed after the rename, before the swap
    for folder in leftovers:
        (folder / "ae_attendances").mkdir(parents=True)
    os.symlink(current, served.parent / ".data.swap-20990101T000000000000")
    catalogs.mkdir(exist_ok=True)
    temporaries = [catalogs / ".catalog-abc.duckdb.1.2.tmp", catalogs / ".catalog-abc.duckdb.1.2.tmp.wal"]
    for tmp in temporaries:
        tmp.write_bytes(b"x" * 1024)
    removed = set(remove_crash_leftovers(served))
    assert {*leftovers, served.parent / ".data.swap-20990101T000000000000", *temporaries} <= removed
    assert not any(p.exists() or p.is_symlink() for p in removed)
    assert first.is_dir() and current.is_dir() and Path(os.path.realpath(served)) == current
    assert list(catalogs.glob("catalog-*.duckdb"))  # finished catalogs stay


def test_start_up_leaves_a_running_build_and_a_running_load_alone(tmp_path, catalogs):
    served = tmp_path / "srv" / "data"
    load(write_parquet(tmp_path / "first"), served, TODAY)
    releases = served.parent / ".releases"
    building = releases / ".build-data-20990101T000000000000"
    building.mkdir()
    tmp = catalogs / ".catalog-abc.duckdb.9.9.tmp"
    tmp.write_bytes(b"in progress")
    with open(catalogs / ".build.lock", "w") as build_lock, open(releases / ".lock-data", "a") as load_lock:
        fcntl.flock(build_lock, fcntl.LOCK_EX)  # another process is building a catalog...
        fcntl.flock(load_lock, fcntl.LOCK_EX)  # ...and loading
        assert remove_crash_leftovers(served) == []
        assert tmp.exists() and building.exists()
    assert set(remove_crash_leftovers(served)) == {tmp, building}


def test_the_app_removes_leftovers_when_it_starts(tmp_path, catalogs, generated_data):
    from dashboard.web.app import create_app

    catalogs.mkdir(exist_ok=True)
    tmp = catalogs / ".catalog-abc.duckdb.1.2.tmp.wal"
    tmp.write_bytes(b"x")
    create_app(generated_data)
    assert not tmp.exists()
