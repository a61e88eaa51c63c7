"""The one place that owns DuckDB: views over the extracts, named queries, parameters.

Usage: ``Database(data_dir).query("ae_by_period", params)`` runs ``queries/ae_by_period.sql``
with DuckDB named parameters and returns a pandas DataFrame.

Why it looks like this:
- Queries run against a *catalog*: a DuckDB file holding each extract as a native
  table sorted by its anchor time, the shared macros, and tables derived once per
  data set (``queries/catalog/*.sql``, one table a file, run in name order: readmissions,
  returns to A&E, liaison sites, narrow sorted copies and monthly sums by single year of age; see queries/README.md),
  so no request repeats a join across people and a long period reads few rows. It is built once per version of the
  data (a fingerprint of the parquet files), by ``load`` and ``generate`` ahead of
  time or on first use, and kept in the catalog folder (``MHFLOW_CATALOG_DIR``).
- The catalog is opened read-only with no file access at all, so a query can read
  nothing but the data; a load that swaps the data changes the fingerprint, and the
  next query opens the new catalog: a page never mixes two versions of the data.
- DuckDB is not fork-safe, so the connection is opened lazily, in the process
  that uses it (after gunicorn forks), guarded by a lock because threads racing
  to connect collide. Each call gets its own ``cursor()``: one connection, many threads.
- User choices reach SQL only as ``$named`` parameters; SQL text comes only from
  the files in ``queries/``.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import re
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from dashboard.extracts.schema import ALL_EXTRACTS, ANCHORS, DUCKDB_TYPES
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
    return _read_sql(QUERIES_DIR / f"{name}.sql")


def _read_sql(path: Path) -> SqlFile:
    text = path.read_text(encoding="utf-8")
    doc = "\n".join(
        line.removeprefix("--").strip() for line in text.splitlines() if line.startswith("--")
    )
    return SqlFile(path.stem, doc, text, frozenset(_PARAM.findall(text)))


@lru_cache(maxsize=None)
def catalog_sql() -> tuple[SqlFile, ...]:
    """Return the derived tables' statements, ``queries/catalog/NN_name.sql``, in the order they run."""
    files = sorted((QUERIES_DIR / "catalog").glob("*.sql"))
    if not files:
        raise FileNotFoundError(f"no catalog statements in {QUERIES_DIR / 'catalog'}")
    # Name order is build order: a table may read those of lower numbers.
    return tuple(_read_sql(path) for path in files)


def bind(name: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """Return the parameters query `name` names, from `params` (KeyError naming any it lacks).

    DuckDB refuses parameters a statement does not use, and Spark's named markers likewise.
    """
    query = load_sql(name)
    params = params or {}
    missing = query.params - params.keys()
    if missing:
        raise KeyError(f"query {name} needs parameters {sorted(missing)}")
    return {key: params[key] for key in query.params}


def _sql_string(value: str) -> str:
    """Quote an operator-supplied path as a SQL string literal (table functions in DDL take no parameters)."""
    return "'" + value.replace("'", "''") + "'"


def extract_glob(data_dir: Path, extract: str) -> str:
    """Return the glob that matches every parquet file of `extract` under `data_dir`."""
    return str(data_dir / extract / "**" / "*.parquet")


VERSION_CHECK_SECONDS = 0.25  # how long a data-version check holds (see Database.version)
CATALOG_FORMAT = 1  # bump when the catalog's layout changes (the SQL files are fingerprinted anyway)


DERIVED = "_derived"  # a build's derived tables, beside the extracts (dashboard.store.prebuilt)


def data_files(data_dir: Path) -> list[Path]:
    """Return every parquet file of the extracts under `data_dir` (links resolved), sorted."""
    root = Path(os.path.realpath(data_dir))
    return sorted(p for name in ALL_EXTRACTS for p in (root / name).glob("**/*.parquet"))


def derived_files(data_dir: Path) -> list[Path]:
    """Return the files of derived tables built elsewhere (``_derived/``, see prebuilt), sorted."""
    root = Path(os.path.realpath(data_dir))
    return sorted(p for p in (root / DERIVED).glob("**/*") if p.is_file())


def fingerprint(data_dir: Path) -> str:
    """Return a short hash of the data files (path, size, mtime) and the catalog SQL: the data version.

    Memoised on the folders' own stats (a load swaps the served symlink; writing or
    replacing a file changes its folder's mtime), so a request pays a few stat calls.
    """
    root = os.path.realpath(data_dir)
    key = [root]
    for name in ("", *ALL_EXTRACTS, DERIVED):
        try:
            key.append(os.stat(os.path.join(root, name)).st_mtime_ns)
        except OSError:
            key.append(None)
    token = tuple(key)
    cached = _fingerprints.get(root)
    if cached is not None and cached[0] == token:
        return cached[1]
    value = _fingerprint(data_dir)
    _fingerprints[root] = (token, value)
    return value


_fingerprints: dict[str, tuple[tuple, str]] = {}


def _fingerprint(data_dir: Path) -> str:
    digest = hashlib.sha256(f"{CATALOG_FORMAT}".encode())
    for path in data_files(data_dir) + derived_files(data_dir):
        stat = path.stat()
        digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    digest.update(catalog_sql_digest().encode())
    return digest.hexdigest()[:20]


@lru_cache(maxsize=1)
def catalog_sql_digest() -> str:
    """Return a hash of the SQL a catalog is built with: the macros and every catalog file, in order."""
    digest = hashlib.sha256()
    for sql in (load_sql("_macros"), *catalog_sql()):
        digest.update(f"{sql.name}|{sql.sql}".encode())  # a renamed file changes the build order
    return digest.hexdigest()


def catalog_path(data_dir: Path) -> Path:
    """Return where the catalog of `data_dir`'s current files lives (in the catalog folder)."""
    return catalog_file(fingerprint(data_dir))


def catalog_file(version: str) -> Path:
    """Return where the catalog of one data version lives (in the catalog folder)."""
    return get_settings().catalog_dir / f"catalog-{version}.duckdb"


def build_catalog(data_dir: Path, target: Path, memory_limit: str = "2GB", threads: int = 2) -> Path:
    """Build the catalog: each extract as a sorted native table, the macros, the derived tables."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp), config={"threads": threads, "memory_limit": memory_limit})
    try:
        root = Path(os.path.realpath(data_dir))
        for name, extract in ALL_EXTRACTS.items():  # an optional table left out reads as empty
            columns = ", ".join(f"CAST({c.name} AS {DUCKDB_TYPES[c.type]}) AS {c.name}" for c in extract.columns)
            if list((root / name).glob("**/*.parquet")):
                source = (f"read_parquet({_sql_string(extract_glob(root, name))}, hive_partitioning = false, "
                          "union_by_name = true)")
            else:  # a missing extract reads as an empty table of the contract's columns
                source = "(SELECT " + ", ".join(f"NULL AS {c.name}" for c in extract.columns) + " LIMIT 0)"
            order = ", ".join(ANCHORS[name])  # schema.ANCHORS: anchor time then id, so zone maps skip by period
            con.execute(f"CREATE TABLE {name} AS SELECT {columns} FROM {source} ORDER BY {order}")
        con.execute(load_sql("_macros").sql)
        # A release loaded from a build folder holds its derived tables already (built on Spark,
        # say): they are copied in, in DuckDB's own column types, rather than computed here.
        prebuilt = (root / DERIVED).is_dir()
        if prebuilt:
            from dashboard.store.prebuilt import copy_statement
        for statement in catalog_sql():
            copy = copy_statement(root, statement.name) if prebuilt else None
            if copy is None:
                con.execute(statement.sql)
            else:
                con.execute(*copy)
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, target)
    except BaseException:
        # A failed build (a full disk, a bad file) leaves nothing behind: neither its file nor its log.
        con.close()
        _remove_catalog_temporaries(tmp)
        raise
    return target


def _remove_catalog_temporaries(tmp: Path) -> None:
    """Remove a catalog build's temporary file and DuckDB's write-ahead log beside it."""
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        try:
            leftover.unlink(missing_ok=True)
        except OSError:
            pass


def remove_catalog_leftovers(catalog_dir: Path | None = None) -> list[Path]:
    """Remove what killed catalog builds left in the catalog folder (``.catalog-*.tmp`` and their ``.wal``).

    Only while holding the build lock, which every builder holds for its whole build: any
    temporary file seen then belongs to no running build. When another process is building,
    nothing is removed (the next start-up will). Returns what was removed.
    """
    folder = Path(catalog_dir or get_settings().catalog_dir)
    if not folder.is_dir():
        return []
    removed = []
    with open(folder / ".build.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return []
        try:
            for leftover in sorted(folder.glob(".catalog-*.tmp")) + sorted(folder.glob(".catalog-*.tmp.wal")):
                _remove_catalog_temporaries(leftover)
                removed.append(leftover)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return removed


def ensure_catalog(data_dir: Path, version: str | None = None) -> Path:
    """Return the catalog for `data_dir`'s files (of `version`, default the current one), building it once.

    One builder at a time: gunicorn workers starting together build it once.
    """
    target = catalog_path(data_dir) if version is None else catalog_file(version)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not target.exists():
                build_catalog(data_dir, target)
                _prune_catalogs(target)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def _prune_catalogs(keep: Path, keep_count: int = 4, idle_seconds: float = 3600) -> None:
    """Delete catalogs beyond the newest few that nobody has opened for an hour.

    Another process may serve other data from this folder, so only idle catalogs go
    (opening one marks it used); one still open elsewhere stays readable when unlinked.
    """
    now = time.time()
    catalogs = sorted(keep.parent.glob("catalog-*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in catalogs[keep_count:]:
        try:
            if old != keep and now - old.stat().st_mtime > idle_seconds:
                old.unlink(missing_ok=True)
        except OSError:
            pass


def one_version(db: Any) -> Any:
    """Return `db` pinned to its current data version (its snapshot); a stand-in without snapshots as it is."""
    snapshot = getattr(db, "snapshot", None)
    return snapshot() if callable(snapshot) else db


class Snapshot:
    """One data version pinned: its version and a connection to its catalog, for one whole answer.

    A callback that runs several queries takes one snapshot and asks it for all of them (and
    memo keys use its version), so a load that swaps the data mid-callback cannot give one
    answer from two releases. The connection stays open while any snapshot holds it.
    """

    def __init__(self, database: Database, version: str, con: duckdb.DuckDBPyConnection, pid: int) -> None:
        self.database = database
        self._version = version
        self.con = con
        self.pid = pid

    @property
    def data_dir(self) -> Path:
        """Return the data folder the snapshot was taken of."""
        return self.database.data_dir

    @property
    def cache_id(self) -> int:
        """Return the memo identity shared by every snapshot of one Database."""
        return id(self.database)

    def version(self) -> str:
        """Return the pinned data version (it never changes)."""
        return self._version

    def snapshot(self) -> Snapshot:
        """Return itself: a snapshot is already pinned."""
        return self

    def connection(self) -> duckdb.DuckDBPyConnection:
        """Return the pinned connection."""
        return self.con

    def query(self, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run the named query on the pinned data; return its rows as a DataFrame."""
        return self.database.execute(self.con, name, params)


class Database:
    """A read-only DuckDB connection to the catalog of one data folder, reopened when the data changes."""

    def __init__(self, data_dir: Path | str | None = None, *, threads: int | None = None,
                 memory_limit: str | None = None) -> None:
        settings = get_settings()
        self.data_dir = Path(data_dir) if data_dir is not None else settings.data_dir
        self._threads = threads or settings.duckdb_threads
        self._memory_limit = memory_limit or settings.duckdb_memory_limit
        self._lock = threading.Lock()
        self._current: Snapshot | None = None
        self._checked: tuple[float, str, Path] | None = None  # (when, version, folder) of the last check

    def version(self) -> str:
        """Return the data version (a fingerprint of the files): it changes when a load swaps the data.

        Asked before every query and memoised result (~20 times per page redraw), so the
        answer is reused for VERSION_CHECK_SECONDS: a load is seen within that time.
        """
        return self._resolve()[0]

    def _resolve(self) -> tuple[str, Path]:
        """Return (data version, the folder it was read from with links resolved): a pair that belongs together."""
        now = time.monotonic()
        checked = self._checked
        if checked is not None and now - checked[0] < VERSION_CHECK_SECONDS:
            return checked[1], checked[2]
        # Resolved once, so the version and the files a catalog is built from are those of one release.
        root = Path(os.path.realpath(self.data_dir))
        value = fingerprint(root)
        self._checked = (now, value, root)
        return value, root

    def _connect(self, version: str, root: Path) -> duckdb.DuckDBPyConnection:
        config = {"threads": self._threads, "memory_limit": self._memory_limit,
                  "enable_external_access": False, "lock_configuration": True}
        for attempt in (1, 2):
            # The catalog of exactly this version (a load may have swapped the data since it was read).
            path = ensure_catalog(root, version)
            try:
                os.utime(path)  # mark it in use, so no other process prunes it
                # Read-only, and no file access at all: every query reads only the catalog's tables.
                return duckdb.connect(str(path), read_only=True, config=config)
            except (FileNotFoundError, duckdb.IOException):
                if attempt == 2:  # pruned between the check and the open: build it again once
                    raise
        raise AssertionError("unreachable")

    @property
    def cache_id(self) -> int:
        """Return the memo identity of this Database (shared with its snapshots)."""
        return id(self)

    def snapshot(self) -> Snapshot:
        """Return the current data version pinned with its connection (opened after any fork or load)."""
        pid, (version, root) = os.getpid(), self._resolve()
        current = self._current
        if current is None or current.pid != pid or current.version() != version:
            with self._lock:
                current = self._current
                if current is None or current.pid != pid or current.version() != version:
                    # The previous connection is not closed here: a callback may still be reading
                    # its snapshot. It closes when the last snapshot holding it is dropped.
                    current = self._current = Snapshot(self, version, self._connect(version, root), pid)
        return current

    def connection(self) -> duckdb.DuckDBPyConnection:
        """Return this process's connection to the current data, opening it after any fork or load."""
        return self.snapshot().con

    def query(self, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run the named query with DuckDB named parameters; return its rows as a DataFrame."""
        return self.execute(self.connection(), name, params)

    def execute(self, con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run the named query on `con` (a snapshot's connection) with DuckDB named parameters."""
        cursor = con.cursor()
        try:
            return cursor.execute(load_sql(name).sql, bind(name, params)).df()
        finally:
            cursor.close()

    def close(self) -> None:
        """Close the connection (a later query opens a new one)."""
        with self._lock:
            current, self._current = self._current, None
            if current is not None and current.pid == os.getpid():
                current.con.close()
