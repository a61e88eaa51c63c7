"""The one place that owns DuckDB: views over the extracts, named queries, parameters.

Usage: ``Database(data_dir).query("ae_by_period", params)`` runs ``queries/ae_by_period.sql``
with DuckDB named parameters and returns a pandas DataFrame.

Why it looks like this:
- DuckDB is not fork-safe, so the connection is opened lazily, in the process
  that uses it (after gunicorn forks), guarded by a lock because threads racing
  to connect collide.
- Each call gets its own ``cursor()``: one connection, many threads.
- The connection is locked down once the views exist: no file access outside
  the data folder, no changing that back (DuckDB's "securing DuckDB" settings).
- User choices reach SQL only as ``$named`` parameters; SQL text comes only from
  the files in ``queries/``.
"""
from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from dashboard.schema import EXTRACTS
from dashboard.settings import QUERIES_DIR, get_settings

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


@dataclass(frozen=True)
class SqlFile:
    """A query loaded from ``queries/``: its name, header comment and statement."""

    name: str
    doc: str
    sql: str
    params: frozenset[str]


@lru_cache(maxsize=None)
def load_sql(name: str) -> SqlFile:
    """Return the query called `name` from ``queries/<name>.sql`` (names are an allowlist)."""
    if not _NAME.match(name):
        raise ValueError(f"not a query name: {name!r}")
    path = QUERIES_DIR / f"{name}.sql"
    text = path.read_text(encoding="utf-8")
    doc = "\n".join(
        line.removeprefix("--").strip() for line in text.splitlines() if line.startswith("--")
    )
    return SqlFile(name, doc, text, frozenset(_PARAM.findall(text)))


def query_names() -> list[str]:
    """Return the names of every query in ``queries/`` (macros excluded)."""
    return sorted(p.stem for p in QUERIES_DIR.glob("*.sql") if not p.stem.startswith("_"))


def _sql_string(value: str) -> str:
    """Quote an operator-supplied path as a SQL string literal (views cannot take parameters)."""
    return "'" + value.replace("'", "''") + "'"


def extract_glob(data_dir: Path, extract: str) -> str:
    """Return the glob that matches every parquet file of `extract` under `data_dir`."""
    return str(data_dir / extract / "**" / "*.parquet")


class Database:
    """A lazily opened, locked-down DuckDB connection with a view per extract."""

    def __init__(self, data_dir: Path | str | None = None, *, threads: int | None = None,
                 memory_limit: str | None = None) -> None:
        settings = get_settings()
        self.data_dir = Path(data_dir) if data_dir is not None else settings.data_dir
        self._threads = threads or settings.duckdb_threads
        self._memory_limit = memory_limit or settings.duckdb_memory_limit
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._pid: int | None = None

    def _connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(
            ":memory:", config={"threads": self._threads, "memory_limit": self._memory_limit}
        )
        for name in EXTRACTS:
            glob = extract_glob(self.data_dir, name)
            con.execute(
                f"CREATE VIEW {name} AS SELECT * FROM read_parquet({_sql_string(glob)}, "
                "hive_partitioning = false, union_by_name = true)"
            )
        con.execute(load_sql("_macros").sql)
        # The served folder may be a symlink to a release folder beside it: allow both.
        allowed = sorted({str(self.data_dir), str(self.data_dir.resolve()), str(self.data_dir.resolve().parent)})
        con.execute(f"SET allowed_directories = [{', '.join(_sql_string(a) for a in allowed)}]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        return con

    def connection(self) -> duckdb.DuckDBPyConnection:
        """Return this process's connection, opening it on first use (after any fork)."""
        pid = os.getpid()
        if self._con is None or self._pid != pid:
            with self._lock:
                if self._con is None or self._pid != pid:
                    self._con = self._connect()
                    self._pid = pid
        return self._con

    def query(self, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run the named query with DuckDB named parameters; return its rows as a DataFrame."""
        query = load_sql(name)
        params = params or {}
        missing = query.params - params.keys()
        if missing:
            raise KeyError(f"query {name} needs parameters {sorted(missing)}")
        # DuckDB refuses parameters a statement does not use: pass only the ones it names.
        bound = {key: params[key] for key in query.params}
        cursor = self.connection().cursor()
        try:
            return cursor.execute(query.sql, bound).df()
        finally:
            cursor.close()

    def close(self) -> None:
        """Close the connection (a later query opens a new one)."""
        with self._lock:
            if self._con is not None:
                self._con.close()
            self._con = None
