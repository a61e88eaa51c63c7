"""Shared fixtures: one small generated data set, and the app's Database pointed at it."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Tests build their catalogs in a folder of their own, never beside the developer's data
# (and never in another test run's folder).
os.environ.setdefault("MHFLOW_CATALOG_DIR", tempfile.mkdtemp(prefix="mhflow-catalogs-"))

from dashboard.store import runtime
from dashboard.store.data import clear_cache

END_MONTH = "2025-12"


@pytest.fixture(scope="session")
def generated_data(tmp_path_factory) -> Path:
    """Return a folder of generated extracts for 60,000 people, five years to Dec 2025."""
    from dashboard.extracts.generate import generate

    folder = tmp_path_factory.mktemp("generated")
    generate(folder, population=60_000, seed=7, end_month=END_MONTH, progress=False)
    return folder


@pytest.fixture()
def app_db(generated_data):
    """Point the app's runtime at the generated data for one test."""
    clear_cache()
    db = runtime.configure(generated_data)
    yield db
    clear_cache()


@pytest.fixture()
def hand_db(tmp_path):
    """Return a function that opens a Database of hand-made extracts (tests.builders.row), closed after the test."""
    from dashboard.store.db import Database
    from tests.builders import write_extracts

    opened = []

    def open_(**tables):
        clear_cache()
        db = Database(write_extracts(tmp_path / f"extracts{len(opened)}", **tables))
        opened.append(db)
        return db

    yield open_
    for db in opened:
        db.close()
    clear_cache()
