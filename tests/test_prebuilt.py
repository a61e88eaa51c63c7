"""Build folders (dashboard.store.prebuilt): `build --engine duckdb` writes one, `load` serves it, and
`load` refuses one built by other SQL or from other extracts, leaving the served data as it was."""
from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from dashboard.__main__ import main
from dashboard.store import prebuilt
from dashboard.store.db import Database
from dashboard.store.loading import LoadError, load

pytestmark = pytest.mark.slow  # generates extracts and builds catalogs: the fast lane skips it

VIEW = {"period_start": date(2025, 1, 1), "period_end": date(2026, 1, 1), "age_min": 0, "age_max": 200,
        "grain": "month", "site": ""}


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    from dashboard.extracts.generate import generate

    root = tmp_path_factory.mktemp("prebuilt")
    generate(root / "src", population=3_000, seed=5, end_month="2025-12", progress=False)
    assert main(["build", "--engine", "duckdb", "--source", str(root / "src"), "--out", str(root / "build")]) == 0
    return root


def test_a_duckdb_build_loaded_is_served_with_the_answers_of_its_extracts(build, tmp_path):
    load(build / "build", tmp_path / "served")
    served, direct = Database(tmp_path / "served"), Database(build / "src")
    try:
        for name in ("ae_by_period", "bed_days_by_period", "delays_by_ward"):
            assert served.query(name, VIEW).equals(direct.query(name, VIEW)), name
    finally:
        served.close()
        direct.close()


@pytest.mark.parametrize("change", ["catalog_sql", "rows"])
def test_a_build_of_other_sql_or_other_extracts_is_refused(build, tmp_path, change):
    folder = tmp_path / "build"
    shutil.copytree(build / "build", folder)
    path = folder / prebuilt.DERIVED / prebuilt.MANIFEST
    manifest = json.loads(path.read_text())
    if change == "catalog_sql":
        manifest["catalog_sql"] = "0" * 64
    else:
        manifest["rows"]["ae_attendances"] += 1
    path.write_text(json.dumps(manifest))
    with pytest.raises(LoadError, match="_derived"):
        load(folder, tmp_path / "served")
    assert not (tmp_path / "served").exists()
