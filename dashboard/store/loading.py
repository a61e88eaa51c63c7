"""Load a folder of extracts into the served data folder, all or nothing.

``load`` validates the source (dashboard.extracts.validate); if any rule is broken it
raises :class:`LoadError` and touches nothing that is served. Otherwise it
writes every extract as one parquet file with the contract's types, columns in
contract order, sorted as ``schema.ANCHORS`` says (anchor time, then id), into a new release folder
``<served.parent>/.releases/<served.name>-<timestamp>/``, then swaps the served
path atomically: ``served`` is a symlink to the current release, replaced with
``os.replace`` of a temporary symlink, so a reader sees either the old set or
the new one, never half of each. The first load moves a real ``served``
directory aside into the releases folder (atomically where Linux allows, with
renameat2 RENAME_EXCHANGE). The previous release is kept, older ones deleted.

Readers should resolve ``served`` once per query (``Path.resolve()``) so that a
query never mixes files of two releases that swapped under it.

``ensure_data`` is the other way data arrives: synthetic extracts generated into an
empty data folder, so that the README's one start command shows a working app.
"""
from __future__ import annotations

import ctypes
import fcntl
import os
import re
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from dashboard.core.metrics import METRICS
from dashboard.extracts.schema import ALL_EXTRACTS, ANCHORS, Extract
from dashboard.store.db import DERIVED, ensure_catalog, remove_catalog_leftovers
from dashboard.store.prebuilt import BuildError, check as check_build, copy_derived
from dashboard.extracts.validate import Problem, Report, check_dir, connect, quote_ident, source_sql

RELEASES_DIR = ".releases"
PART_NAME = "part-0.parquet"


class LoadError(Exception):
    """The source breaks the contract (or changed while loading); nothing served was touched."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0].message() if self.problems else "no details"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"extracts not loaded: {first}{more}")


@dataclass(frozen=True)
class LoadResult:
    """What a successful load did: the release now served, the one kept before it, rows written."""

    served: Path
    release: Path
    previous: Path | None
    rows: dict[str, int]
    warnings: tuple[Problem, ...]


def metric_keys() -> tuple[str, ...]:
    """Return the metric keys a service change may name (the contract's metrics)."""
    return tuple(METRICS)


def load(source: Path, served: Path, today: date | None = None) -> LoadResult:
    """Validate source; only if it all passes, convert to parquet and atomically replace served."""
    source, served = Path(source), Path(served)
    if not source.is_dir():
        raise NotADirectoryError(f"not a folder: {source}")
    if served.exists() and not served.is_dir():
        raise NotADirectoryError(f"served path exists and is not a folder: {served}")
    report = check_dir(source, today, metric_keys=metric_keys())
    if report.problems:
        raise LoadError(report.problems)
    try:  # a build folder's derived tables (dashboard.store.prebuilt) come too, if they fit
        built = check_build(source, report.rows)
    except BuildError as exc:
        raise LoadError([Problem(DERIVED, f"{DERIVED}/", "", str(exc))]) from None

    releases = served.parent / RELEASES_DIR
    releases.mkdir(parents=True, exist_ok=True)
    with _lock(releases / f".lock-{served.name}"):
        _remove_leftovers(served, releases)
        remove_catalog_leftovers()
        stamp = _stamp(releases, served.name)
        build = releases / f".build-{served.name}-{stamp}"
        spill = releases / f".spill-{served.name}-{stamp}"
        try:
            rows = _write_release(report, build, spill)
            if built is not None:
                copy_derived(source, build)
            release = releases / f"{served.name}-{stamp}"
            os.rename(build, release)
        finally:
            shutil.rmtree(build, ignore_errors=True)
            shutil.rmtree(spill, ignore_errors=True)
        _fsync_dir(releases)
        try:
            # Build the query catalog of the new release before it is served, so running apps
            # switch to it on their next query without waiting (the fingerprint follows the
            # resolved paths, which are the release's both before and after the swap).
            ensure_catalog(release)
            previous = _swap(served, release, releases, stamp)
        except BaseException:
            # Not served: a failed catalog build or swap must not leave a whole release on a
            # disk that may be full (the served data is untouched either way).
            if Path(os.path.realpath(served)) != release.resolve():
                shutil.rmtree(release, ignore_errors=True)
            raise
        _prune(served.name, releases, keep={release, previous})
    return LoadResult(served, release, previous, rows, report.warnings)


def cli_validate(path: Path, today: date | None = None) -> int:
    """`python -m dashboard validate DIR`: problems to stderr, rows to stdout; exit 0, 1 or 2."""
    path = Path(path)
    if not path.is_dir():
        print(f"error: not a folder: {path}", file=sys.stderr)
        return 2
    report = check_dir(path, today, metric_keys=metric_keys())
    _print_report(report.problems, report.warnings)
    if report.problems:
        return 1
    print(f"{path}: valid")
    _print_rows(report.rows)
    return 0


def cli_load(source: Path, served: Path, today: date | None = None) -> int:
    """`python -m dashboard load DIR --data SERVED`: exit 0 loaded, 1 rejected, 2 bad argument."""
    source, served = Path(source), Path(served)
    if not source.is_dir():
        print(f"error: not a folder: {source}", file=sys.stderr)
        return 2
    if served.exists() and not served.is_dir():
        print(f"error: served path exists and is not a folder: {served}", file=sys.stderr)
        return 2
    try:
        result = load(source, served, today)
    except LoadError as exc:
        _print_report(exc.problems, ())
        print(f"not loaded: {served} is unchanged", file=sys.stderr)
        return 1
    except (OSError, duckdb.Error) as exc:
        print(f"error: load failed, {served} is unchanged: {exc}", file=sys.stderr)
        return 1
    _print_report((), result.warnings)
    print(f"loaded {source} into {served} (release {result.release.name})")
    _print_rows(result.rows)
    return 0


def _print_report(problems: Sequence[Problem], warnings: Sequence[Problem]) -> None:
    for p in problems:
        print(p.message(), file=sys.stderr)
    for w in warnings:
        print(f"warning: {w.message()}", file=sys.stderr)


def _print_rows(rows: dict[str, int]) -> None:
    for name, n in rows.items():
        print(f"  {name}: {n} row{'s' if n != 1 else ''}")


def _write_release(report: Report, build: Path, spill: Path) -> dict[str, int]:
    """Write every extract into build as contract-typed, sorted parquet; return rows written."""
    spill.mkdir(parents=True)
    rows: dict[str, int] = {}
    with connect(spill) as con:
        # Keep the ORDER BY's order in the file (validation turned this off).
        con.execute("SET preserve_insertion_order = true")
        for extract in ALL_EXTRACTS.values():
            if extract.name not in report.files:  # an optional table the sender left out
                continue
            out = build / extract.name / PART_NAME
            out.parent.mkdir(parents=True)
            rows[extract.name] = _copy_extract(con, extract, report, out)
            _fsync(out)
            _fsync_dir(out.parent)
    _fsync_dir(build)
    changed = [
        Problem(name, f"{name}/", "", "extract must not change while it is being loaded", n,
                hint=f"validated {report.rows.get(name, 0)} rows but read {n}; load again")
        for name, n in rows.items() if n != report.rows.get(name)
    ]
    if changed:
        raise LoadError(changed)
    return rows


def _copy_extract(con: duckdb.DuckDBPyConnection, extract: Extract, report: Report, out: Path) -> int:
    """COPY one extract (streaming, spilling the sort to disk) to out; return rows written."""
    columns = extract.column_names
    src, params = source_sql(extract, report.files[extract.name], columns, csv_errors="fail")
    order = ", ".join(quote_ident(c) for c in ANCHORS[extract.name])  # the one order, schema.ANCHORS
    params["out"] = str(out)
    select = ", ".join(quote_ident(c) for c in columns)
    (count,) = con.execute(
        f"COPY (SELECT {select} FROM ({src}) ORDER BY {order}) "
        "TO $out (FORMAT parquet, COMPRESSION zstd)",
        params,
    ).fetchone()
    return int(count)


def _swap(served: Path, release: Path, releases: Path, stamp: str) -> Path | None:
    """Point served at release atomically; return the release it pointed to before (if any)."""
    link = served.parent / f".{served.name}.swap-{stamp}"
    os.symlink(os.path.relpath(release, served.parent), link)
    try:
        if served.is_symlink() or not served.exists():
            previous = _link_target(served)
            os.replace(link, served)
        else:
            # A real directory (before the first load): keep it as the previous release.
            previous = releases / f"{served.name}-{stamp}-original"
            if _exchange(link, served):
                os.rename(link, previous)  # `link` now holds the old directory
            else:
                os.rename(served, previous)
                os.replace(link, served)
    finally:
        if link.is_symlink():
            link.unlink()
    _fsync_dir(served.parent)
    return previous


def _link_target(served: Path) -> Path | None:
    if not served.is_symlink():
        return None
    target = Path(os.readlink(served))
    return target if target.is_absolute() else served.parent / target


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux renameat2(RENAME_EXCHANGE); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _release_names(name: str) -> re.Pattern[str]:
    return re.compile(re.escape(name) + r"-\d{8}T\d{12}(-original)?")


def _prune(name: str, releases: Path, keep: set[Path | None]) -> None:
    """Delete this served path's releases other than the ones to keep (current and previous)."""
    keep_names = {p.resolve().name for p in keep if p is not None}
    pattern = _release_names(name)
    for child in releases.iterdir():
        if pattern.fullmatch(child.name) and child.name not in keep_names and child.is_dir():
            shutil.rmtree(child, ignore_errors=True)


def _remove_leftovers(served: Path, releases: Path) -> list[Path]:
    """Remove what an interrupted load left behind (safe: we hold the lock); return what was removed.

    Build and spill folders, swap links, and releases newer than the served one: loads run
    one at a time under the lock and stamp releases in time order, so a release newer than
    the served one was never served (its load died before the swap). The served release and
    older ones (the previous, kept for going back) are never touched here.
    """
    removed = []
    for child in releases.iterdir():
        if child.name.startswith((f".build-{served.name}-", f".spill-{served.name}-")):
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child)
    for child in served.parent.glob(f".{served.name}.swap-*"):
        if child.is_symlink():
            child.unlink()
            removed.append(child)
    current = _link_target(served)
    if current is not None:
        pattern, current_name = _release_names(served.name), Path(os.path.realpath(current)).name
        for child in releases.iterdir():
            if pattern.fullmatch(child.name) and child.is_dir() and not child.is_symlink() \
                    and _stamp_of(child.name) > _stamp_of(current_name) and child.resolve() != served.resolve():
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child)
    return removed


def _stamp_of(release_name: str) -> str:
    """Return a release's time stamp (YYYYmmddTHHMMSSffffff), '' when the name has none."""
    found = re.search(r"-(\d{8}T\d{12})(-original)?$", release_name)
    return found.group(1) if found else ""


def remove_crash_leftovers(served: Path) -> list[Path]:
    """Remove what killed loads and catalog builds left behind; return what was removed (start-up).

    Takes the load lock without waiting: while a load runs, its files are not leftovers, and
    they are left alone. Catalog temporaries go only under the catalog build lock.
    """
    served = Path(served)
    removed = remove_catalog_leftovers()
    releases = served.parent / RELEASES_DIR
    if not releases.is_dir():
        return removed
    with (releases / f".lock-{served.name}").open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return removed
        try:
            removed += _remove_leftovers(served, releases)
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    return removed


def _stamp(releases: Path, name: str) -> str:
    while True:
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
        if not (releases / f"{name}-{stamp}").exists():
            return stamp


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    """Serialise loads into the same served path (two at once would race on the swap)."""
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    # So that a crash after the swap cannot leave the symlink pointing at files not yet on disk.
    _fsync(path)


def has_data(data_dir: Path) -> bool:
    """Return whether `data_dir` holds any parquet files."""
    return data_dir.is_dir() and any(data_dir.glob("*/**/*.parquet"))


def ensure_data(data_dir: Path, population: int = 1_000_000) -> None:
    """Generate realistic synthetic extracts into `data_dir` when it holds none, and build their catalog."""
    if has_data(data_dir):
        return
    from dashboard.extracts.generate import generate  # numpy-heavy: only when there is nothing to serve

    print(f"No extracts in {data_dir}: generating synthetic data for {population:,} people…", flush=True)
    generate(data_dir, population=population, progress=True)
    ensure_catalog(data_dir)
