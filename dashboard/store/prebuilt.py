"""Catalogs whose derived tables were built elsewhere: the build folder, and serving it with DuckDB.

``python -m dashboard build --engine spark|duckdb --source EXTRACTS --out DIR`` computes the
derived tables of ``queries/catalog/`` where the row-level data live (on Spark: see
``dashboard.store.spark``) and writes a *build folder*:

    DIR/<extract>/*.parquet          the contract's extracts the tables were built from
    DIR/_derived/<table>/*.parquet   each derived table (``queries/catalog/NN_table.sql``)
    DIR/_derived/manifest.json       engine, the catalog SQL's hash, each extract's rows, the tables

``python -m dashboard load DIR`` then validates the extracts as ever and carries ``_derived/``
into the release, refusing it when its SQL is not this app's (``sql_hash``) or its row counts
are not the extracts'. ``db.build_catalog`` copies such tables from parquet instead of computing
them, cast to the column types DuckDB's own SQL gives them (worked out on empty extracts), so a
page query answers the same whichever engine built the tables. Page requests never reach Spark.
"""
from __future__ import annotations

import json
import os
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from dashboard.extracts.schema import ALL_EXTRACTS, DUCKDB_TYPES
from dashboard.store.db import DERIVED, build_catalog, catalog_sql, catalog_sql_digest, load_sql

MANIFEST = "manifest.json"
ENGINES = ("duckdb", "spark")


class BuildError(ValueError):
    """A build folder that cannot be served as it is (another SQL version, other extracts)."""


def sql_hash() -> str:
    """Return the hash of the SQL a catalog is built with (the macros and every catalog file)."""
    return catalog_sql_digest()


Columns = tuple[tuple[str, str], ...]


@lru_cache(maxsize=1)
def _empty_catalog() -> tuple[duckdb.DuckDBPyConnection, dict[str, tuple[str, Columns] | None]]:
    """Return an in-memory catalog of empty extracts (every table and macro), and what each file made."""
    con = duckdb.connect()
    for name, extract in ALL_EXTRACTS.items():
        columns = ", ".join(f"{c.name} {DUCKDB_TYPES[c.type]}" for c in extract.columns)
        con.execute(f"CREATE TABLE {name} ({columns})")
    con.execute(load_sql("_macros").sql)
    known = set(_tables(con))
    out: dict[str, tuple[str, Columns] | None] = {}
    for statement in catalog_sql():
        con.execute(statement.sql)
        made = [t for t in _tables(con) if t not in known]
        known.update(made)
        if len(made) > 1:
            raise ValueError(f"{statement.name} makes {len(made)} tables, not one")
        out[statement.name] = (made[0], tuple(
            (column, str(kind)) for column, kind in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $t "
                "ORDER BY ordinal_position", {"t": made[0]}).fetchall())) if made else None
    return con, out


def derived_schema() -> dict[str, tuple[str, Columns] | None]:
    """Return, for each catalog file, the table it makes and its (column, DuckDB type), None for macros.

    Worked out by running the catalog's SQL in DuckDB on empty extracts (milliseconds).
    """
    return _empty_catalog()[1]


def column_names(sql: str) -> list[str]:
    """Return the names of the columns DuckDB's query `sql` (no parameters) gives, bound on empty extracts."""
    cursor = _empty_catalog()[0].cursor()
    try:
        cursor.execute(f"SELECT * FROM ({sql}) LIMIT 0")
        return [column[0] for column in cursor.description]
    finally:
        cursor.close()


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]


def table_names() -> tuple[str, ...]:
    """Return the derived tables' names in build order."""
    return tuple(made[0] for made in derived_schema().values() if made)


def manifest(root: Path) -> dict[str, Any] | None:
    """Return the build manifest in `root` (a build folder or a release), or None where there is none."""
    path = Path(root) / DERIVED / MANIFEST
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def check(root: Path, rows: dict[str, int]) -> dict[str, Any] | None:
    """Return the manifest of `root` after checking it fits this app and these extracts' rows (BuildError)."""
    links = [p for p in (Path(root) / DERIVED).glob("**/*") if p.is_symlink()]
    if links:  # a release holds its own files: a link could reach anything
        raise BuildError(f"{DERIVED}/ holds links ({links[0].name}): copy the files themselves")
    found = manifest(root)
    if found is None:
        if (Path(root) / DERIVED).exists():
            raise BuildError(f"{DERIVED}/ has no {MANIFEST}: not a build folder")
        return None
    if found.get("catalog_sql") != sql_hash():
        raise BuildError(f"{DERIVED}/ was built with other catalog SQL than this app's: build it again")
    expected = {name: int(n) for name, n in found.get("rows", {}).items() if n}
    if expected != {name: n for name, n in rows.items() if n}:
        raise BuildError(f"{DERIVED}/ was built from other extracts (rows {expected}, these {rows})")
    missing = [t for t in table_names() if not (Path(root) / DERIVED / t).is_dir()]
    if missing or sorted(found.get("tables", [])) != sorted(table_names()):
        raise BuildError(f"{DERIVED}/ lacks tables: {', '.join(missing) or 'the manifest lists others'}")
    return found


def write_manifest(out: Path, engine: str, rows: dict[str, int]) -> None:
    """Write the build's manifest (last: a folder without one is no build)."""
    body = {"engine": engine, "catalog_sql": sql_hash(), "rows": rows, "tables": list(table_names())}
    (out / DERIVED / MANIFEST).write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


def derived_glob(root: Path, table: str) -> str:
    """Return the glob of a derived table's parquet files in a build folder or release."""
    return str(Path(root) / DERIVED / table / "*.parquet")


def copy_statement(root: Path, file_name: str) -> tuple[str, dict[str, Any]] | None:
    """Return (SQL, parameters) that makes catalog file `file_name`'s table from the build's parquet.

    None for a file that makes no table (macros: DuckDB runs those itself). Columns are cast to
    DuckDB's own types, by name; the files are read in name order, which is the order they were
    written in (each derived table's ORDER BY).
    """
    made = derived_schema()[file_name]
    if made is None:
        return None
    table, columns = made
    select = ", ".join(f'CAST("{c}" AS {kind}) AS "{c}"' for c, kind in columns)
    return (f"CREATE TABLE {table} AS SELECT {select} FROM read_parquet($glob, union_by_name = true)",
            {"glob": derived_glob(root, table)})


def build(engine: str, source: Path, out: Path, **spark_config: str) -> dict[str, int]:
    """Build the derived tables of the extracts in `source` on `engine`; write a build folder `out`."""
    source, out = Path(source), Path(out)
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}")
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"not an empty folder: {out}")
    out.mkdir(parents=True, exist_ok=True)
    if engine == "spark":
        from dashboard.store import spark

        session = spark.session(**spark_config)
        rows = spark.build(session, source, out)
    else:
        rows = _build_duckdb(source, out)
    write_manifest(out, engine, rows)
    return rows


def _build_duckdb(source: Path, out: Path) -> dict[str, int]:
    """The same build on DuckDB: its catalog, then each extract and derived table copied to parquet."""
    target = out / f".catalog-{os.getpid()}.duckdb"
    build_catalog(source, target)
    rows: dict[str, int] = {}
    con = duckdb.connect(str(target), read_only=True)
    try:
        for name in ALL_EXTRACTS:
            if not any((source / name).glob("**/*.parquet")):
                continue
            rows[name] = _copy(con, name, out / name)
        for table in table_names():
            _copy(con, table, out / DERIVED / table)
    finally:
        con.close()
        target.unlink(missing_ok=True)
    return rows


def _copy(con: duckdb.DuckDBPyConnection, table: str, folder: Path) -> int:
    folder.mkdir(parents=True)
    (count,) = con.execute(f"COPY {table} TO $out (FORMAT parquet, COMPRESSION zstd)",
                           {"out": str(folder / "part-0.parquet")}).fetchone()
    return int(count)


def copy_derived(source: Path, release: Path) -> None:
    """Copy a build folder's derived tables into a release being written (load)."""
    shutil.copytree(Path(source) / DERIVED, Path(release) / DERIVED)
