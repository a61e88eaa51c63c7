"""One answer, one data version: a load that swaps the data mid-callback never mixes two releases."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import duckdb
import pytest

from dashboard.store import db as db_module
from dashboard.store import runtime
from dashboard.store.data import cached_query, clear_cache
from dashboard.web import cards as cards_module
from dashboard.web import callbacks
from dashboard.web.components import PAGES

pytestmark = pytest.mark.slow  # two releases loaded and swapped under running callbacks: the fast lane skips it

STORE = {"age_band": "all", "start": "2025-01", "end": "2025-12", "grain": "month"}
OVERVIEW = {"type": "cards", "page": "overview"}


@pytest.fixture(scope="module")
def two_releases(generated_data, tmp_path_factory) -> tuple[Path, Path]:
    """Return two releases of the extracts: the generated data, and the same with every other A&E row gone."""
    root = tmp_path_factory.mktemp("releases")
    old, new = root / "old", root / "new"
    shutil.copytree(generated_data, old)
    shutil.copytree(generated_data, new)
    (part,) = list((new / "ae_attendances").glob("**/*.parquet"))
    source = old / "ae_attendances" / part.relative_to(new / "ae_attendances")
    con = duckdb.connect()
    con.execute("COPY (SELECT * FROM read_parquet($src) WHERE hash(attendance_id) % 2 = 0) TO $out (FORMAT parquet)",
                {"src": str(source), "out": str(part)})
    con.close()
    return old, new


def point(served: Path, release: Path) -> None:
    """Point the served symlink at a release in one step, as a load does."""
    link = served.with_name(served.name + ".swap")
    os.symlink(release, link)
    os.replace(link, served)


@pytest.fixture()
def served(two_releases, tmp_path, monkeypatch):
    """Return a served symlink at the old release, the app's runtime pointed at it, version checks instant."""
    monkeypatch.setattr(db_module, "VERSION_CHECK_SECONDS", 0.0)  # a swap is seen by the very next check
    path = tmp_path / "parquet"
    point(path, two_releases[0])
    clear_cache()
    runtime.configure(path)
    yield path
    clear_cache()
    runtime.configure(None).close()


def cards_on(path: Path) -> list:
    """Return the overview's cards computed from one release alone."""
    clear_cache()
    runtime.configure(path)
    return callbacks.draw_cards(STORE, OVERVIEW)


@pytest.fixture(scope="module")
def answers(two_releases, app_module_ready):
    """Return the overview's cards on the old release and on the new (they must differ)."""
    old, new = (repr(cards_on(release)) for release in two_releases)
    assert old != new
    clear_cache()
    return old, new


@pytest.fixture(scope="module")
def app_module_ready(generated_data):
    """Declare the pages (and their cards); return a server with the app's per-request pinning.

    A bare Flask server, not the Dash app's: a Dash app's first request takes the pages'
    callbacks for itself, and other test modules' apps need them.
    """
    from flask import Flask

    from dashboard.web.app import create_app, pin_one_data_version

    create_app(generated_data)
    server = Flask(__name__)
    pin_one_data_version(server)
    return server


def test_a_swap_in_the_middle_of_a_cards_callback_gives_wholly_old_or_wholly_new_cards(
        served, two_releases, answers, app_module_ready, monkeypatch):
    started, swapped = threading.Event(), threading.Event()
    original = cards_module.by_period

    def by_period_held_at_the_first_a_and_e_query(db, name, *args, **kwargs):
        if name == "ae_by_period" and not started.is_set():
            started.set()
            assert swapped.wait(10)  # the data is swapped while this callback is half-way through
        return original(db, name, *args, **kwargs)

    monkeypatch.setattr(cards_module, "by_period", by_period_held_at_the_first_a_and_e_query)
    server = app_module_ready
    result: list = []

    def request() -> None:
        with server.test_request_context("/"):
            server.preprocess_request()  # the app's before-request hooks pin the data version
            try:
                result.append(repr(callbacks.draw_cards(STORE, OVERVIEW)))
            finally:
                server.do_teardown_request()

    thread = threading.Thread(target=request)
    thread.start()
    assert started.wait(30)
    point(served, two_releases[1])
    swapped.set()
    thread.join(60)
    old, new = answers
    assert result == [old]  # pinned before the swap: every card from the old release
    # The next request sees the new release, wholly.
    monkeypatch.setattr(cards_module, "by_period", original)
    with server.test_request_context("/"):
        server.preprocess_request()
        try:
            assert repr(callbacks.draw_cards(STORE, OVERVIEW)) == new
        finally:
            server.do_teardown_request()


def test_a_pinned_snapshot_keeps_answering_from_its_version_and_files_its_answers_under_it(served, two_releases):
    with runtime.one_data_version():
        pinned = runtime.get_db()
        before = cached_query(pinned, "extract_summary", {})
        point(served, two_releases[1])
        assert runtime.get_db() is pinned
        assert cached_query(runtime.get_db(), "extract_summary", {}).equals(before)
    fresh = runtime.get_db()
    assert fresh.snapshot().version() != pinned.version()
    after = cached_query(fresh, "extract_summary", {})
    assert not after.equals(before)  # the memo key followed the version: no old answer under the new one
    assert cached_query(pinned, "extract_summary", {}).equals(before)  # the pinned connection is still open


def test_a_snapshot_reads_the_catalog_of_its_own_version_even_when_the_data_moved_before_it_opened(
        served, two_releases, monkeypatch):
    database = runtime.get_db()
    version, root = database._resolve()
    point(served, two_releases[1])  # swapped between reading the version and opening the catalog
    monkeypatch.setattr(type(database), "_resolve", lambda self: (version, root))
    snapshot = database.snapshot()
    assert snapshot.version() == db_module.fingerprint(two_releases[0])
    assert snapshot.con.execute("SELECT count(*) FROM ae_attendances").fetchone()[0] == \
        duckdb.connect().execute("SELECT count(*) FROM read_parquet($p)",
                                 {"p": db_module.extract_glob(two_releases[0], "ae_attendances")}).fetchone()[0]
