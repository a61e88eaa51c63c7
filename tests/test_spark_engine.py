"""One SQL, two engines: every derived table and every page query gives DuckDB's answer on Spark.

The same generated extracts are built into a DuckDB catalog (as the app does) and on one local
Spark session from the Spark SQL that dashboard.store.spark derives from the same .sql files.
Every table of queries/catalog/ is compared row for row, every page query under several views
(periods, age bands, grains, a site, an hour and weekday, each Journeys index kind with and
without narrowing, and a period with no data at all), and the Spark build, loaded, is served by
DuckDB with the same answers. Rows are compared sorted (neither engine promises an order the
query does not ask for); DOUBLE columns to 1e-9 relative, because the engines sum floating
point numbers in different orders; every other column exactly.

Skipped only where Java or pyspark is absent (CI installs both: .ci/run).
"""
from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from dashboard.settings import QUERIES_DIR
from dashboard.store.db import Database, bind, build_catalog, load_sql
from tests.conftest import END_MONTH

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed")
if shutil.which("java") is None or subprocess.run(["java", "-version"], capture_output=True).returncode != 0:
    pytest.skip("no Java: Spark cannot run here", allow_module_level=True)

from dashboard.store import prebuilt, spark as spark_sql  # noqa: E402  (after the skips: sqlglot comes with them)

pytestmark = pytest.mark.slow  # a Spark session and two builds: the fast lane skips it

POPULATION, SEED = 20_000, 3
QUERIES = sorted(p.stem for p in QUERIES_DIR.glob("*.sql") if not p.stem.startswith("_"))


@pytest.fixture(scope="module")
def extracts(tmp_path_factory) -> Path:
    from dashboard.extracts.generate import generate

    folder = tmp_path_factory.mktemp("spark-extracts")
    generate(folder, population=POPULATION, seed=SEED, end_month=END_MONTH, progress=False)
    return folder


@pytest.fixture(scope="module")
def duck(extracts, tmp_path_factory):
    """A read-only connection to the DuckDB catalog of the extracts, as the app builds it."""
    path = build_catalog(extracts, tmp_path_factory.mktemp("duck") / "catalog.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def spark():
    """One local Spark session for the module: two cores, few shuffle partitions, UTC (spark.session)."""
    session = spark_sql.session("local[2]", shuffle_partitions=2)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def spark_build(spark, extracts, tmp_path_factory) -> Path:
    """The derived tables built on Spark (the session's views then read them), as `build` writes them."""
    out = tmp_path_factory.mktemp("spark-build") / "build"
    rows = spark_sql.build(spark, extracts, out)
    prebuilt.write_manifest(out, "spark", rows)
    return out


@pytest.fixture(scope="module")
def views(duck) -> list[dict]:
    """The views each query is asked under: parameters of every query, drawn from the data's own values."""
    site = duck.execute("SELECT min(site) FROM ae_attendances").fetchone()[0]

    def detail(kind: str) -> str:
        return duck.execute("SELECT detail FROM person_events WHERE kind = $k GROUP BY detail "
                            "ORDER BY count(*) DESC, detail LIMIT 1", {"k": kind}).fetchone()[0]

    common = {"hour": -1, "weekday": -1, "site": "", "narrow": "", "min_attendances": 5}
    return [
        {**common, "period_start": date(2025, 1, 1), "period_end": date(2026, 1, 1), "age_min": 0, "age_max": 200,
         "grain": "month", "index_kind": "ae"},
        {**common, "period_start": date(2023, 4, 1), "period_end": date(2025, 4, 1), "age_min": 18, "age_max": 25,
         "grain": "quarter", "site": site, "hour": 14, "weekday": 3, "index_kind": "s136",
         "narrow": detail("s136"), "min_attendances": 2},
        {**common, "period_start": date(2021, 1, 1), "period_end": date(2026, 1, 1), "age_min": 65, "age_max": 200,
         "grain": "fy", "hour": 2, "weekday": 7, "index_kind": "admission", "narrow": detail("admission")},
        {**common, "period_start": date(2022, 3, 1), "period_end": date(2022, 9, 1), "age_min": 26, "age_max": 64,
         "grain": "period", "index_kind": "liaison", "narrow": detail("liaison"), "hour": 23, "weekday": 1},
        # No data at all in the period (an empty grouping set gives a total row on both engines).
        {**common, "period_start": date(2010, 1, 1), "period_end": date(2010, 4, 1), "age_min": 0, "age_max": 17,
         "grain": "month", "index_kind": "discharge"},
    ]


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame with engine-neutral cells: times as datetime64[us], numbers as float, nulls as None."""
    out = {}
    for name in frame.columns:
        col = frame[name]
        values = col.dropna()
        if pd.api.types.is_datetime64_any_dtype(col) or (len(values) and isinstance(values.iloc[0], date)):
            out[name] = pd.to_datetime(col).astype("datetime64[us]")
        elif pd.api.types.is_bool_dtype(col) or (len(values) and isinstance(values.iloc[0], (bool, np.bool_))):
            out[name] = col.astype("object").map(lambda v: None if pd.isna(v) else bool(v))
        elif pd.api.types.is_numeric_dtype(col) or (len(values) and isinstance(values.iloc[0], (int, float))):
            out[name] = pd.to_numeric(col).astype("float64")
        else:
            out[name] = col.astype("object").map(lambda v: None if pd.isna(v) else str(v))
    frame = pd.DataFrame(out, columns=list(frame.columns))
    return frame.sort_values(list(frame.columns), na_position="last", kind="stable").reset_index(drop=True)


def assert_same(duck_frame: pd.DataFrame, spark_frame: pd.DataFrame, float_columns: set[str], what: str) -> None:
    """Assert both engines' rows are the same (DOUBLE columns to 1e-9 relative, every other exactly)."""
    assert list(spark_frame.columns) == list(duck_frame.columns), f"{what}: columns differ"
    assert len(spark_frame) == len(duck_frame), f"{what}: {len(spark_frame)} rows on Spark, {len(duck_frame)} on DuckDB"
    a, b = _normal(duck_frame), _normal(spark_frame)
    for name in a.columns:
        left, right = a[name], b[name]
        if name in float_columns:
            same = np.isclose(left.to_numpy(float), right.to_numpy(float), rtol=1e-9, atol=1e-9, equal_nan=True)
        else:
            same = (left.isna() & right.isna()) | (left == right).fillna(False).astype(bool)
            same = same.to_numpy()
        if not same.all():
            row = int(np.argmin(same))
            raise AssertionError(f"{what}: column {name} differs at sorted row {row}: "
                                 f"DuckDB {left.iloc[row]!r}, Spark {right.iloc[row]!r} "
                                 f"({int((~same).sum())} of {len(same)} rows)")


def _doubles(types: list[tuple[str, str]]) -> set[str]:
    return {name for name, kind in types if kind.upper() in ("DOUBLE", "FLOAT") or kind.upper().startswith("DECIMAL")}


def _duck_query(duck, name: str, params: dict) -> tuple[pd.DataFrame, set[str]]:
    """Run a page query on DuckDB as the app does (its named parameters only); return its rows and DOUBLE columns."""
    cursor = duck.cursor()
    try:
        cursor.execute(load_sql(name).sql, bind(name, params))
        types = [(column[0], str(column[1])) for column in cursor.description]
        return cursor.df(), _doubles(types)
    finally:
        cursor.close()


@pytest.mark.parametrize("table", prebuilt.table_names())
def test_every_derived_table_is_the_same_on_spark(table, duck, spark_build):
    """Each derived table Spark wrote holds DuckDB's rows (compared as the parquet files the app loads)."""
    duck_frame = duck.execute(f"SELECT * FROM {table}").df()
    spark_frame = pd.read_parquet(spark_build / prebuilt.DERIVED / table)
    types = duck.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $t",
                         {"t": table}).fetchall()
    assert_same(duck_frame, spark_frame[list(duck_frame.columns)], _doubles(types), table)
    assert len(duck_frame) > 0 or table in ("stays_unbounded",), f"{table}: no rows to compare"


@pytest.mark.parametrize("name", QUERIES)
def test_every_page_query_is_the_same_on_spark(name, duck, spark, spark_build, views):
    """Each page query, under every view, gives DuckDB's rows on Spark (parameters bound by name)."""
    asked = set()
    for i, view in enumerate(views):
        bound = tuple(sorted(bind(name, view).items()))
        if bound in asked:  # the view differs only in parameters this query does not take
            continue
        asked.add(bound)
        duck_frame, doubles = _duck_query(duck, name, view)
        spark_frame = spark_sql.query(spark, name, view)
        assert_same(duck_frame, spark_frame, doubles, f"{name} (view {i})")


def test_the_spark_build_loaded_is_served_by_duckdb_with_the_same_answers(spark_build, duck, views, tmp_path,
                                                                         monkeypatch):
    """`load` of the Spark build serves its derived tables (copied in, not recomputed) with DuckDB's answers."""
    from dashboard.store.loading import load

    copied = []
    real = prebuilt.copy_statement
    monkeypatch.setattr(prebuilt, "copy_statement", lambda root, name: copied.append(name) or real(root, name))
    served = tmp_path / "parquet"
    result = load(spark_build, served)
    assert (result.release / prebuilt.DERIVED / prebuilt.MANIFEST).is_file()
    assert len([n for n in copied if real(result.release, n)]) == len(prebuilt.table_names())
    db = Database(served)
    try:
        con = db.connection()
        for name in QUERIES:
            for i, view in enumerate(views[:2]):
                duck_frame, doubles = _duck_query(duck, name, view)
                assert_same(duck_frame, db.execute(con, name, view), doubles, f"{name} served (view {i})")
    finally:
        db.close()


def test_parameters_reach_spark_as_named_markers_never_as_text():
    """User choices are :name markers in Spark's SQL, bound by spark.sql(args=...): the text has no value."""
    for name in QUERIES:
        sql, text = load_sql(name), spark_sql.query_sql(name)
        assert "$" not in text, name
        for param in sql.params:
            assert f":{param}" in text, f"{name}: :{param} missing"
