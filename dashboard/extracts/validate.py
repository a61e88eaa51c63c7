"""Check a folder of extracts against the data contract (../shared/data-contract.md).

``check_dir`` returns a :class:`Report` holding every broken rule (``problems``)
and everything that was tolerated but worth telling the sender (``warnings``);
``validate_dir`` returns just the problems. All the work is done by DuckDB over
the files, one streaming pass per extract for the row rules (plus one for
unique ids and one for the stay link), so a 5-million-row extract is never
loaded into Python.

Decisions where the contract is silent (an NHS analyst's expectations):

* **Extra columns** are allowed, ignored (never loaded) and reported as
  warnings: senders often add a column before the contract catches up, and
  rejecting a whole month for it helps no one. Missing columns are problems.
* **Zero rows** is a problem for every extract except ``delayed_transfers``
  (a system can have no delayed transfers on the extract date). A zero-row file
  inside an extract that has other rows is fine; a 0-byte file never is.
* **Booleans in CSV**: ``true``/``false`` in any case, or ``1``/``0``.
  Anything else (``yes``, ``Y``, ``t``) is rejected as ambiguous.
* **Empty strings are null** in every format (CSV cannot tell them apart), so a
  required column holding ``''`` breaks "must not be null".
* **CSV dialect**: UTF-8 (a BOM is tolerated), comma delimiter, double-quote
  quoting, a header row with the contract's column names. Integers are digits
  only (no ``34.0``, ``1e2``); timestamps are ``YYYY-MM-DD HH:MM[:SS[.f]]``
  (``T`` separator allowed) with no time zone; dates are ``YYYY-MM-DD``.
* **Parquet types**: any integer width for integer columns (values must fit
  INTEGER); TIMESTAMP in any unit but without time zone; DATE for dates;
  VARCHAR for strings and codes; BOOLEAN. A column of parquet type NULL (what
  pandas writes for an all-``None`` column) counts as all-null.
* **Future**: timestamps after the end of ``today`` and dates after ``today``
  are problems, except in ``ward_capacity``, a reference table where planned
  openings and closures are legitimately dated ahead.
* **Duplicate ids**: the row count is every row carrying an id that occurs more
  than once in the extract (all files together), and the file names every file
  involved.
* **population**: either every row has an ethnic group or none has; the
  problem counts the rows without one. ``year`` must lie in 1900-2200 (a typo
  guard). Rows of the same year, age, sex and group are added together (a
  sender may give one row per local authority).
* **Optional tables** (``service_changes``, ``population``): no folder means none; a folder
  present is checked like any extract. A change may be dated ahead (planned).
  Its ``metrics`` must list metric keys the caller names (``metric_keys``), or
  ``all``; without the keys only the list's form is checked.
* **Files**: ``*.parquet`` / ``*.csv`` (any case) anywhere below the extract
  folder (hive partitions; partition columns are not read). Names starting with
  ``.`` or ``_`` (Spark/Hadoop markers such as ``_SUCCESS``) are skipped; any
  other file is ignored with a warning. All files of an extract must have the
  same columns and types.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb

from dashboard.extracts.schema import ALL_EXTRACTS, DUCKDB_TYPES, EXTRACTS, OPTIONAL_EXTRACTS, Column, Extract
from dashboard.settings import get_settings

# Extracts that may legitimately hold no rows (see module docstring).
MAY_BE_EMPTY = frozenset({"delayed_transfers"})
# Reference tables whose dates may lie in the future (planned capacity).
FUTURE_ALLOWED = frozenset({"ward_capacity", "service_changes"})
_METRIC_LIST = "^(all|[a-z0-9_]+( *, *[a-z0-9_]+)*)$"
MAX_EXAMPLES = 5
LINK_RULE = "file must not be a link to outside the extracts folder"
LINK_HINT = "copy the file into the folder instead of linking to it"
GLOB_CHARACTERS = frozenset("*?[]{}")
# Characters that are not plain text in a name shown to people (RE2 syntax, bound as a parameter):
# C0 and C1 controls, zero-width and bidirectional marks, overrides and isolates (which can make
# a name read backwards, "Trojan Source"), line and paragraph separators, the BOM.
NOT_PLAIN_TEXT = (r"[\x{0}-\x{1F}\x{7F}-\x{9F}\x{61C}\x{200B}-\x{200F}\x{2028}-\x{202E}"
                  r"\x{2060}-\x{2069}\x{FEFF}]")
_NOT_PLAIN = NOT_PLAIN_TEXT

# Parquet types (as DuckDB names them) accepted for each logical type.
_INTEGER_TYPES = frozenset({
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
})
_ACCEPTED_TYPES: dict[str, frozenset[str]] = {
    "string": frozenset({"VARCHAR"}),
    "code": frozenset({"VARCHAR"}),
    "integer": _INTEGER_TYPES,
    "boolean": frozenset({"BOOLEAN"}),
    "timestamp": frozenset({"TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"}),
    "date": frozenset({"DATE"}),
}
_TYPE_LABELS = {
    "string": "VARCHAR (string)",
    "code": "VARCHAR (string code)",
    "integer": "an integer type",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP without time zone",
    "date": "DATE",
}
_NULL_TYPE = '"NULL"'  # DuckDB's name for parquet's all-null column type
# Integer types that always fit INTEGER, so the cast cannot fail.
_FITS_INTEGER = frozenset({"TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT"})

# CSV text formats. These are constants of this module, never data.
_INTEGER_RE = "[+-]?[0-9]+"
_DATE_RE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIMESTAMP_RE = "[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?"
_CAST_RULES = {
    "integer": "must be a whole number",
    "boolean": "must be true/false or 1/0",
    "timestamp": "must be a timestamp YYYY-MM-DD HH:MM[:SS]",
    "date": "must be a date YYYY-MM-DD",
}
_CSV_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}
_REENCODE_HINT = (
    "the file is not UTF-8 (it looks like Windows-1252/Latin-1, e.g. saved by Excel as plain 'CSV'): "
    "re-save it as 'CSV UTF-8 (Comma delimited)' or convert it with "
    "'iconv -f WINDOWS-1252 -t UTF-8 in.csv > out.csv'"
)


@dataclass(frozen=True)
class Problem:
    """One broken rule: where it is broken, how many rows break it and a few example ids."""

    extract: str
    file: str
    column: str
    rule: str
    rows: int = 0
    examples: tuple[str, ...] = ()
    hint: str = ""

    def message(self) -> str:
        """Return the problem as one line naming extract, file, column, rule, rows and examples.

        File and column names and example ids come from the sender: any that holds a character
        that is not printable (a newline could forge a line of the report) is shown quoted, escaped.
        """
        text = f"{self.extract}: file {quote_name(self.file)}"
        if self.column:
            text += f", column {quote_name(self.column)}"
        text += f", rule {self.rule}"
        if self.rows:
            text += f": {self.rows} row{'s' if self.rows != 1 else ''}"
        if self.examples:
            text += f" (e.g. {', '.join(quote_name(e) for e in self.examples)})"
        if self.hint:
            text += f"; {_escape(self.hint)}"
        return text


def _escape(text: str) -> str:
    """Return text with every character that is not printable written as its escape (\\n, \\u202e)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def quote_name(text: str) -> str:
    """Return a name from the data as shown in a report: as it is when plain, else quoted and escaped."""
    if text.isprintable() and '"' not in text and text == text.strip():
        return text
    return '"' + _escape(text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


@dataclass(frozen=True)
class DataFile:
    """One readable data file of an extract and the columns it holds (name -> DuckDB type)."""

    path: Path
    rel: str
    format: str  # "parquet" or "csv"
    columns: dict[str, str] = field(default_factory=dict)
    rows: int | None = None  # known up front for parquet only


@dataclass(frozen=True)
class Report:
    """The outcome of checking a folder: problems (reject), warnings (tolerated), rows and files."""

    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    rows: dict[str, int]
    files: dict[str, tuple[DataFile, ...]]

    @property
    def ok(self) -> bool:
        """Return True when no rule is broken."""
        return not self.problems


def validate_dir(path: Path, today: date | None = None, *, future: bool = True,
                 metric_keys: Collection[str] | None = None) -> list[Problem]:
    """Check a folder of extracts against the contract; return every broken rule (empty = valid)."""
    return list(check_dir(path, today, future=future, metric_keys=metric_keys).problems)


def check_dir(path: Path, today: date | None = None, *, future: bool = True,
              metric_keys: Collection[str] | None = None) -> Report:
    """Check a folder of extracts; return problems, warnings, row counts and the files read.

    future=False skips the "not after today" rule (for data already served, or
    synthetic data dated ahead); every other rule still applies. `metric_keys`: the
    metrics a service change may name (the store passes the contract's).
    """
    root = Path(path)
    if not root.is_dir():
        raise NotADirectoryError(f"not a folder: {root}")
    with tempfile.TemporaryDirectory(prefix="mhflow-validate-") as spill, connect(Path(spill)) as con:
        return _Checker(con, root, today or date.today(), future, metric_keys).run()


def connect(spill_dir: Path) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB with the operator's memory and thread limits, spilling to spill_dir."""
    settings = get_settings()
    return duckdb.connect(config={
        "memory_limit": settings.duckdb_memory_limit,
        "threads": settings.duckdb_threads,
        "temp_directory": str(spill_dir),
        # Order of rows does not matter to a check; letting it go saves memory.
        "preserve_insertion_order": False,
    })


def quote_ident(name: str) -> str:
    """Quote an identifier taken from schema.py (the only identifiers ever put into SQL)."""
    return '"' + name.replace('"', '""') + '"'


def typed_expr(col: Column, source_type: str, fmt: str) -> tuple[str, str]:
    """Return SQL (typed value, cast failed) for a contract column read from one file."""
    q = quote_ident(col.name)
    target = DUCKDB_TYPES[col.type]
    if fmt == "parquet":
        if source_type == _NULL_TYPE:
            return f"CAST(NULL AS {target})", "FALSE"
        if col.type in ("string", "code"):
            return f"NULLIF({q}, '')", "FALSE"
        if col.type == "integer" and source_type not in _FITS_INTEGER:
            # Wider integers are fine as long as each value fits INTEGER.
            return f"TRY_CAST({q} AS INTEGER)", f"({q} IS NOT NULL AND TRY_CAST({q} AS INTEGER) IS NULL)"
        return f"CAST({q} AS {target})", "FALSE"
    # CSV: every column is read as text and cast here, strictly, so that
    # DuckDB's lenient casts ('34.5' -> 35, '+01:00' dropped) cannot slip through.
    if col.type in ("string", "code"):
        return f"NULLIF({q}, '')", "FALSE"
    raw = f"NULLIF(trim({q}), '')"
    if col.type == "integer":
        typed = f"CASE WHEN regexp_full_match({raw}, '{_INTEGER_RE}') THEN TRY_CAST({raw} AS INTEGER) END"
    elif col.type == "boolean":
        typed = (f"CASE lower({raw}) WHEN 'true' THEN TRUE WHEN '1' THEN TRUE "
                 f"WHEN 'false' THEN FALSE WHEN '0' THEN FALSE END")
    elif col.type == "timestamp":
        typed = f"CASE WHEN regexp_full_match({raw}, '{_TIMESTAMP_RE}') THEN TRY_CAST({raw} AS TIMESTAMP) END"
    else:
        typed = f"CASE WHEN regexp_full_match({raw}, '{_DATE_RE}') THEN TRY_CAST({raw} AS DATE) END"
    return typed, f"({raw} IS NOT NULL AND ({typed}) IS NULL)"


def source_sql(
    extract: Extract,
    files: Sequence[DataFile],
    columns: Sequence[str],
    *,
    prefix: str = "f",
    csv_errors: str = "fail",
) -> tuple[str, dict[str, object]]:
    """Return (SQL, parameters) of all files' rows with the given contract columns typed.

    Each row also carries ``__file`` (index into files), ``__id`` (the example id)
    and ``<column>__bad`` (the value did not cast). File paths are parameters.
    csv_errors: 'fail' raises on an unparseable CSV row, 'reject' stores it in
    table ``__rejects_<i>``, 'skip' drops it (already reported).
    """
    params: dict[str, object] = {}
    parts = []
    id_names = (extract.id_column,) if extract.id_column else extract.example_columns
    for i, f in enumerate(files):
        p = f"{prefix}{i}"
        params[p] = str(f.path)
        if f.format == "parquet":
            reader = f"read_parquet(${p}, hive_partitioning=false)"
        else:
            params[f"{p}_cols"] = {name: "VARCHAR" for name in f.columns}
            errors = {
                "fail": "",
                "reject": f", store_rejects=true, rejects_table='__rejects_{i}', rejects_scan='__rejects_scan_{i}'",
                "skip": ", ignore_errors=true",
            }[csv_errors]
            reader = (f"read_csv(${p}, auto_detect=false, header=true, delim=',', quote='\"', escape='\"', "
                      f"columns=${p}_cols, strict_mode=true, hive_partitioning=false{errors})")
        select = [f"{i} AS __file"]
        if id_names and all(n in f.columns for n in id_names):
            # Cast so that even an id column of the wrong type still names example rows.
            joined = ", ".join(f"CAST({quote_ident(n)} AS VARCHAR)" for n in id_names)
            select.append(f"NULLIF(concat_ws('/', {joined}), '') AS __id")
        else:
            select.append("CAST(NULL AS VARCHAR) AS __id")
        for name in columns:
            typed, bad = typed_expr(extract.column(name), f.columns[name], f.format)
            select.append(f"{typed} AS {quote_ident(name)}")
            select.append(f"{bad} AS {quote_ident(name + '__bad')}")
        parts.append(f"SELECT {', '.join(select)} FROM {reader}")
    return "\nUNION ALL\n".join(parts), params


@dataclass(frozen=True)
class _Rule:
    column: str
    rule: str
    condition: str  # SQL over one row of source_sql
    codes: tuple[str, ...] = ()  # for code rules: the valid codes (bound as $codes_<column>)


@dataclass
class _Scan:
    rows: int = 0
    broken: list[tuple[_Rule, int, int, list[str]]] = field(default_factory=list)  # rule, file, rows, ids
    rejects: list[tuple[int, int, list[int]]] = field(default_factory=list)  # file, rows, line numbers


class _Checker:
    """Runs every check over one data folder, collecting problems and warnings."""

    def __init__(self, con: duckdb.DuckDBPyConnection, root: Path, today: date, future: bool = True,
                 metric_keys: Collection[str] | None = None) -> None:
        self.con = con
        self.metric_keys = None if metric_keys is None else sorted(metric_keys)
        self.root = root
        self.today = today
        self.future = future
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.rows: dict[str, int] = {}
        self.files: dict[str, tuple[DataFile, ...]] = {}
        # Per extract: files that could be scanned, columns checkable in all of them,
        # and whether every file of the extract could be scanned.
        self.checkable: dict[str, tuple[str, ...]] = {}
        self.complete: dict[str, bool] = {}

    def run(self) -> Report:
        for extract in EXTRACTS.values():
            self._check_extract(extract)
        for extract in OPTIONAL_EXTRACTS.values():
            if (self.root / extract.name).exists():
                self._check_extract(extract)
        self._check_stay_link()
        self._check_population_ethnicity()
        for child in sorted(self.root.iterdir()):
            if child.is_dir() and child.name not in ALL_EXTRACTS and not child.name.startswith((".", "_")):
                self.warnings.append(Problem(child.name, f"{child.name}/", "", "unknown folder ignored"))
        return Report(tuple(self.problems), tuple(self.warnings), dict(self.rows), dict(self.files))

    # -- files and schemas -------------------------------------------------

    def _inside(self, path: Path) -> bool:
        """Return whether `path`, links resolved, lies inside the folder being checked."""
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(self.root))

    def _files(self, name: str, folder: Path) -> list[Path]:
        """Return the extract's data files, sorted: links out of the folder and pattern-like names are problems.

        Links are never followed out of the folder being checked (a link to another system's
        files would be loaded and served as if they were this one's); a linked folder inside it
        is not followed either (its files are found under their own name).
        """
        found = []
        for top, dirs, files in os.walk(folder, followlinks=False):
            here = Path(top)
            for entry in sorted(dirs):
                path = here / entry
                if path.is_symlink() and not entry.startswith((".", "_")):
                    if self._inside(path):
                        self.warnings.append(Problem(name, self._rel(path), "", "linked folder not followed"))
                    else:
                        self._problem(name, self._rel(path) + "/", "", LINK_RULE, hint=LINK_HINT)
            dirs[:] = [d for d in dirs if not d.startswith((".", "_")) and not (here / d).is_symlink()]
            for entry in files:
                path = here / entry
                if entry.startswith((".", "_")):
                    continue
                if path.is_symlink() and not self._inside(path):
                    self._problem(name, self._rel(path), "", LINK_RULE, hint=LINK_HINT)
                elif GLOB_CHARACTERS.intersection(entry):
                    self._problem(name, self._rel(path), "", "file name must not contain * ? [ ] { }",
                                  hint="the reader would take it as a pattern matching other files: rename it")
                elif path.is_file():
                    found.append(path)
        return sorted(found)

    def _problem(self, extract: str, file: str, column: str, rule: str, rows: int = 0,
                 examples: Sequence[str] = (), hint: str = "") -> None:
        self.problems.append(Problem(extract, file, column, rule, rows, tuple(examples), hint))

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def _check_extract(self, extract: Extract) -> None:
        name = extract.name
        folder = self.root / name
        if folder.is_symlink() and not self._inside(folder):
            self._problem(name, f"{name}/", "", LINK_RULE, hint=LINK_HINT)
            return
        if not folder.is_dir():
            self._problem(name, f"{name}/", "", "extract folder must exist")
            return
        parquet, csvs = [], []
        for path in self._files(name, folder):
            suffix = path.suffix.lower()
            if suffix == ".parquet":
                parquet.append(path)
            elif suffix == ".csv":
                csvs.append(path)
            else:
                self.warnings.append(Problem(name, self._rel(path), "", "file ignored (not *.parquet or *.csv)"))
        if parquet and csvs:
            self._problem(name, f"{name}/", "", "extract folder must not mix parquet and CSV files")
            return
        if not parquet and not csvs:
            self._problem(name, f"{name}/", "", "extract folder must hold *.parquet or *.csv files")
            return
        found = [self._inspect_parquet(name, p) for p in parquet] + [self._inspect_csv(name, p) for p in csvs]
        files = [f for f in found if f is not None]
        self.files[name] = tuple(files)
        self.complete[name] = len(files) == len(found)
        if not files:
            return
        self.checkable[name] = self._check_columns(extract, files)
        self._check_same_schema(name, files)
        self._scan(extract, files)  # drops files DuckDB cannot read from the list
        if not files:
            return
        if self.complete[name] and name not in MAY_BE_EMPTY and self.rows.get(name) == 0:
            self._problem(name, f"{name}/", "", "extract must have at least one row")
        if extract.id_column and extract.id_column in self.checkable[name]:
            self._check_unique(extract, files)

    def _inspect_parquet(self, extract: str, path: Path) -> DataFile | None:
        rel = self._rel(path)
        if path.stat().st_size == 0:
            self._problem(extract, rel, "", "file must not be empty (0 bytes)")
            return None
        oversized = parquet_metadata_problem(path)
        if oversized:
            self._problem(extract, rel, "", oversized[0], hint=oversized[1])
            return None
        try:
            described = self.con.execute(
                "DESCRIBE SELECT * FROM read_parquet($f, hive_partitioning=false)", {"f": str(path)}
            ).fetchall()
            (rows,) = self.con.execute(
                "SELECT num_rows FROM parquet_file_metadata($f)", {"f": str(path)}
            ).fetchone()
        except duckdb.Error as exc:
            self._problem(extract, rel, "", "file must be a readable parquet file", hint=_first_line(exc))
            return None
        return DataFile(path, rel, "parquet", {row[0]: row[1] for row in described}, int(rows))

    def _inspect_csv(self, extract: str, path: Path) -> DataFile | None:
        rel = self._rel(path)
        if path.stat().st_size == 0:
            self._problem(extract, rel, "", "file must not be empty (0 bytes)")
            return None
        bad_lines = _non_utf8_lines(path)
        if bad_lines:
            self._problem(extract, rel, "", "csv encoding must be UTF-8", len(bad_lines),
                          [f"line {n}" for n in bad_lines[:MAX_EXAMPLES]], _REENCODE_HINT)
            return None
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            header_line = fh.readline()
        delimiter = _other_delimiter(header_line)
        if delimiter:
            self._problem(extract, rel, "", "csv delimiter must be comma", 0, (),
                          f"the header is separated by {_CSV_DELIMITERS[delimiter]}s; "
                          "save as comma-separated CSV")
            return None
        names = next(csv.reader(io.StringIO(header_line)), [])
        if not names or not all(n.strip() for n in names):
            self._problem(extract, rel, "", "csv must start with a header row naming every column")
            return None
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            self._problem(extract, rel, ", ".join(repeated), "csv header must not repeat a column name")
            return None
        return DataFile(path, rel, "csv", {n: "VARCHAR" for n in names})

    def _check_columns(self, extract: Extract, files: Sequence[DataFile]) -> tuple[str, ...]:
        """Report missing, mistyped and extra columns; return the columns checkable in every file."""
        usable = set(extract.column_names)
        for f in files:
            for col in extract.columns:
                found = f.columns.get(col.name)
                if found is None:
                    usable.discard(col.name)
                    near = [n for n in f.columns if _normalise(n) == col.name]
                    hint = (f"found {near[0]!r}: column names are lower snake case exactly as in the contract"
                            if near else "")
                    self._problem(extract.name, f.rel, col.name, "required column must be present", hint=hint)
                elif f.format == "parquet" and found not in _ACCEPTED_TYPES[col.type] and found != _NULL_TYPE:
                    usable.discard(col.name)
                    self._problem(extract.name, f.rel, col.name,
                                  f"type must be {_TYPE_LABELS[col.type]} (found {found})", f.rows or 0)
            for extra in f.columns:
                if extra not in extract.column_names and _normalise(extra) not in extract.column_names:
                    self.warnings.append(Problem(extract.name, f.rel, extra, "unknown column ignored"))
        return tuple(n for n in extract.column_names if n in usable)

    def _check_same_schema(self, extract: str, files: Sequence[DataFile]) -> None:
        first = files[0]
        for f in files[1:]:
            names = set(first.columns) | set(f.columns)
            differ = sorted(
                n for n in names
                if n not in first.columns or n not in f.columns
                or (first.columns[n] != f.columns[n] and _NULL_TYPE not in (first.columns[n], f.columns[n]))
            )
            if differ:
                details = []
                for n in differ:
                    if n not in f.columns:
                        details.append(f"{n} missing")
                    elif n not in first.columns:
                        details.append(f"{n} extra")
                    else:
                        details.append(f"{n} {f.columns[n]} vs {first.columns[n]}")
                self._problem(extract, f.rel, ", ".join(differ),
                              f"all files of an extract must have the same columns and types as {first.rel}",
                              hint="; ".join(details))

    # -- row rules ---------------------------------------------------------

    def _rules(self, extract: Extract, columns: Sequence[str], params: dict[str, object]) -> list[_Rule]:
        rules: list[_Rule] = []
        for col in extract.columns:
            if col.name not in columns:
                continue
            q = quote_ident(col.name)
            if col.type in _CAST_RULES:
                rules.append(_Rule(col.name, _CAST_RULES[col.type], quote_ident(col.name + "__bad")))
            if not col.nullable:
                rules.append(_Rule(col.name, "must not be null",
                                   f"({q} IS NULL AND NOT {quote_ident(col.name + '__bad')})"))
            if col.codes:
                p = f"codes_{col.name}"
                params[p] = list(col.codes)
                rules.append(_Rule(col.name, f"must be one of: {', '.join(col.codes)}",
                                   f"({q} IS NOT NULL AND NOT list_contains(${p}, {q}))", col.codes))
            if col.min is not None or col.max is not None:
                conds, text = [], ""
                if col.min is not None:
                    conds.append(f"{q} < {int(col.min)}")
                if col.max is not None:
                    conds.append(f"{q} > {int(col.max)}")
                if col.min is not None and col.max is not None:
                    text = f"must be between {col.min} and {col.max}"
                elif col.min is not None:
                    text = f"must be at least {col.min}"
                else:
                    text = f"must be at most {col.max}"
                rules.append(_Rule(col.name, text, f"({' OR '.join(conds)})"))
            if col.max_length is not None:
                params["not_plain"] = _NOT_PLAIN
                rules.append(_Rule(col.name, "must be plain text (no control or bidirectional-override characters)",
                                   f"({q} IS NOT NULL AND regexp_matches({q}, $not_plain))"))
                rules.append(_Rule(col.name, f"must be 1 to {int(col.max_length)} characters",
                                   f"({q} IS NOT NULL AND (length({q}) > {int(col.max_length)} "
                                   f"OR length(trim({q})) = 0))"))
            if col.metric_list:
                params["metric_list"] = _METRIC_LIST
                rules.append(_Rule(col.name, "must be 'all' or metric keys separated by commas",
                                   f"({q} IS NOT NULL AND NOT regexp_matches({q}, $metric_list))"))
                if self.metric_keys is not None:
                    params["metric_keys"] = self.metric_keys
                    rules.append(_Rule(col.name, "must name metric keys of the contract",
                                       f"({q} IS NOT NULL AND regexp_matches({q}, $metric_list) AND {q} <> 'all' "
                                       f"AND NOT list_has_all($metric_keys, "
                                       f"list_transform(string_split({q}, ','), lambda k: trim(k))))"))
            if self.future and col.type in ("timestamp", "date") and extract.name not in FUTURE_ALLOWED:
                params["tomorrow"] = self.today + timedelta(days=1)
                if col.type == "timestamp":
                    rules.append(_Rule(col.name, f"must not be after the end of today ({self.today})",
                                       f"({q} >= CAST($tomorrow AS TIMESTAMP))"))
                else:
                    rules.append(_Rule(col.name, f"must not be after today ({self.today})",
                                       f"({q} >= CAST($tomorrow AS DATE))"))
        for start, end in extract.time_order:
            if start in columns and end in columns:
                s, e = quote_ident(start), quote_ident(end)
                rules.append(_Rule(end, f"{end} >= {start}", f"({e} < {s})"))
        return rules

    def _scan(self, extract: Extract, files: list[DataFile]) -> None:
        """Count rows and rule breaks per file in one pass; isolate files DuckDB cannot read."""
        columns = self.checkable[extract.name]
        try:
            scan = self._scan_files(extract, files, columns)
        except duckdb.Error:
            # Some file is corrupt past its footer (or a CSV beyond repair): find
            # which by scanning each alone, report it, and scan the rest.
            good = []
            for f in files:
                try:
                    self._scan_files(extract, [f], columns)
                    good.append(f)
                except duckdb.Error as exc:
                    rule = ("file must be a readable parquet file" if f.format == "parquet"
                            else "csv must be parseable")
                    self._problem(extract.name, f.rel, "", rule, hint=_first_line(exc))
            self.complete[extract.name] = False
            scan = self._scan_files(extract, good, columns) if good else _Scan()
            files[:] = good
            self.files[extract.name] = tuple(good)
        self.rows[extract.name] = scan.rows
        for file_index, count, lines in scan.rejects:
            self._problem(extract.name, files[file_index].rel, "", "csv rows must be parseable", count,
                          [f"line {n}" for n in lines],
                          "rows with the wrong number of fields or an unclosed quote")
        for rule, file_index, count, examples in scan.broken:
            hint = self._code_hint(extract, files[file_index], columns, rule) if rule.codes else ""
            self._problem(extract.name, files[file_index].rel, rule.column, rule.rule, count, examples, hint)

    def _scan_files(self, extract: Extract, files: list[DataFile], columns: Sequence[str]) -> _Scan:
        for i in range(len(files)):
            # A scan that failed part-way may have left rejects behind; start clean.
            self.con.execute(f"DROP TABLE IF EXISTS __rejects_{i}; DROP TABLE IF EXISTS __rejects_scan_{i}")
        src, params = source_sql(extract, files, columns, csv_errors="reject")
        rules = self._rules(extract, columns, params)
        aggregates = ["count(*)"]
        for r in rules:
            aggregates.append(f"count(*) FILTER (WHERE {r.condition})")
            aggregates.append(f"min(__id, {MAX_EXAMPLES}) FILTER (WHERE {r.condition})")
        sql = f"WITH src AS ({src}) SELECT __file, {', '.join(aggregates)} FROM src GROUP BY __file ORDER BY __file"
        scan = _Scan()
        for row in self.con.execute(sql, params).fetchall():
            file_index, scan.rows = row[0], scan.rows + row[1]
            for k, r in enumerate(rules):
                count, examples = row[2 + 2 * k], row[3 + 2 * k]
                if count:
                    scan.broken.append((r, file_index, count, [str(e) for e in examples or []]))
        for i, f in enumerate(files):
            if f.format == "csv":
                lines = [r[0] for r in self.con.execute(
                    f"SELECT DISTINCT line FROM __rejects_{i} ORDER BY line").fetchall()]
                self.con.execute(f"DROP TABLE IF EXISTS __rejects_{i}; DROP TABLE IF EXISTS __rejects_scan_{i}")
                if lines:
                    scan.rejects.append((i, len(lines), lines[:MAX_EXAMPLES]))
        return scan

    def _code_hint(self, extract: Extract, file: DataFile, columns: Sequence[str], rule: _Rule) -> str:
        """Name the invalid values found in a file, and say so when they are case variants of codes."""
        src, params = source_sql(extract, [file], columns, csv_errors="skip")
        codes = rule.codes
        params[f"codes_{rule.column}"] = list(codes)
        values = [v for (v,) in self.con.execute(
            f"WITH src AS ({src}) SELECT DISTINCT {quote_ident(rule.column)} FROM src "
            f"WHERE {rule.condition} ORDER BY 1 LIMIT 5", params).fetchall()]
        hint = "found " + ", ".join(repr(v) for v in values)
        variants = [v for v in values if _normalise(v) in codes]
        if variants:
            hint += (f"; codes are lower snake case: use {_normalise(variants[0])!r} "
                     f"not {variants[0]!r}")
        return hint

    def _check_unique(self, extract: Extract, files: list[DataFile]) -> None:
        src, params = source_sql(extract, files, (extract.id_column,), csv_errors="skip")
        rows = self.con.execute(
            f"WITH src AS ({src}), "
            "dup AS (SELECT __id FROM src WHERE __id IS NOT NULL GROUP BY __id HAVING count(*) > 1) "
            f"SELECT s.__file, count(*), (SELECT min(__id, {MAX_EXAMPLES}) FROM dup) "
            "FROM src s SEMI JOIN dup USING (__id) GROUP BY s.__file ORDER BY s.__file",
            params,
        ).fetchall()
        if rows:
            self._problem(extract.name, ", ".join(files[r[0]].rel for r in rows), extract.id_column,
                          "must be unique", sum(r[1] for r in rows), [str(e) for e in rows[0][2]])

    def _check_stay_link(self) -> None:
        """delayed_transfers.stay_id must exist in inpatient_stays (when both could be read in full)."""
        dt, stays = EXTRACTS["delayed_transfers"], EXTRACTS["inpatient_stays"]
        if not (self.complete.get(dt.name) and self.complete.get(stays.name)):
            return
        if "stay_id" not in self.checkable[dt.name] or "stay_id" not in self.checkable[stays.name]:
            return
        dt_files, stay_files = list(self.files[dt.name]), list(self.files[stays.name])
        dt_src, params = source_sql(dt, dt_files, ("stay_id",), prefix="d", csv_errors="skip")
        st_src, st_params = source_sql(stays, stay_files, ("stay_id",), prefix="s", csv_errors="skip")
        params.update(st_params)
        rows = self.con.execute(
            f"WITH dt AS ({dt_src}), st AS ({st_src}) "
            f"SELECT __file, count(*), min(__id, {MAX_EXAMPLES}) FROM dt "
            "WHERE stay_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM st WHERE st.stay_id = dt.stay_id) "
            "GROUP BY __file ORDER BY __file",
            params,
        ).fetchall()
        for file_index, count, examples in rows:
            self._problem(dt.name, dt_files[file_index].rel, "stay_id", "must exist in inpatient_stays.stay_id",
                          count, [str(e) for e in examples or []])


    def _check_population_ethnicity(self) -> None:
        """population: either every row has an ethnic group or none has (a part-split table would skew rates)."""
        spec = OPTIONAL_EXTRACTS["population"]
        if not self.complete.get(spec.name) or "ethnic_group" not in self.checkable.get(spec.name, ()):
            return
        files = list(self.files[spec.name])
        src, params = source_sql(spec, files, ("ethnic_group",), csv_errors="skip")
        with_group, without, examples = self.con.execute(
            f"WITH src AS ({src}) SELECT count(ethnic_group), count(*) - count(ethnic_group), "
            f"min(__id, {MAX_EXAMPLES}) FILTER (WHERE ethnic_group IS NULL) FROM src",
            params,
        ).fetchone()
        if with_group and without:
            self._problem(spec.name, ", ".join(f.rel for f in files), "ethnic_group",
                          "every row or no row must have an ethnic group", int(without),
                          [str(e) for e in examples or []],
                          f"{with_group} rows have one and {without} have none")


ROWS_PER_BYTE_MAX = 100  # an extract row (with its unique id) never packs into less than 1/100 byte
MAX_COLUMNS = 1000
FOOTER_BYTES_PER_ROW_GROUP = 8 * 1024


def parquet_metadata_problem(path: Path) -> tuple[str, str] | None:
    """Return (rule, hint) when a parquet file's metadata is too large to read safely, else None.

    A valid-looking file of 200,000 one-row row groups took validation to 5 GB and minutes:
    its footer (row groups × columns) is parsed whole, outside DuckDB's memory limit. So the
    footer's length is read from the file's last 8 bytes and bounded before anything parses
    it, then its row groups, columns and claimed rows (against the file's size) are bounded.
    A file that is not parquet at all is left for DuckDB to report.
    """
    max_row_groups = get_settings().parquet_max_row_groups
    size = path.stat().st_size
    if size < 12:
        return None
    with path.open("rb") as fh:
        fh.seek(-8, io.SEEK_END)
        tail = fh.read(8)
    if tail[4:] != b"PAR1":
        return None
    footer = int.from_bytes(tail[:4], "little")
    max_footer = 1024 * 1024 + max_row_groups * FOOTER_BYTES_PER_ROW_GROUP
    rewrite = "rewrite it with fewer, larger row groups (e.g. 100,000 rows or more each)"
    if footer > max_footer:
        return (f"parquet metadata must be at most {max_footer:,} bytes", f"found {footer:,}; {rewrite}")
    import pyarrow.parquet as pq  # bounded now: its footer is small enough to parse

    try:
        meta = pq.read_metadata(path)
    except Exception:  # noqa: BLE001 - not readable: DuckDB reports it with its own words
        return None
    if meta.num_row_groups > max_row_groups:
        return (f"parquet file must have at most {max_row_groups:,} row groups",
                f"found {meta.num_row_groups:,}; {rewrite}")
    if meta.num_columns > MAX_COLUMNS:
        return (f"parquet file must have at most {MAX_COLUMNS:,} columns", f"found {meta.num_columns:,}")
    if meta.num_rows > size * ROWS_PER_BYTE_MAX:
        return ("parquet row count must be plausible for the file's size",
                f"claims {meta.num_rows:,} rows in {size:,} bytes")
    return None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _normalise(name: str) -> str:
    """Lower snake case form of a name or code, to spot near misses like 'Female' or 'Arrival At'."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _other_delimiter(header: str) -> str:
    """Return the delimiter the header uses if it is not a comma, else ''."""
    commas = header.count(",")
    counts = {d: header.count(d) for d in _CSV_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > commas else ""


def _non_utf8_lines(path: Path, chunk: int = 1 << 20) -> list[int]:
    """Return the line numbers holding bytes that are not UTF-8 (fast path: a streaming decode)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as fh:
            while block := fh.read(chunk):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        return []
    except UnicodeDecodeError:
        pass
    bad = []
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                bad.append(number)
    return bad

