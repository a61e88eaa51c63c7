"""The process's Database: configured once by the app (or a test), shared by callbacks."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from pathlib import Path

import pandas as pd

from dashboard.store.db import Database, Snapshot

# pandas 3 stores the 'str' dtype in Arrow by default. The app's frames are small (a row per
# bucket, site or reason) and read cell by cell, column by column, and there Arrow's per-access
# cost dominates: about a fifth of a redraw's time outside DuckDB. Python storage is the same
# 'str' dtype with the same missing-value semantics, and several times cheaper per access.
STRING_STORAGE = "python"

_lock = threading.Lock()
_db: Database | None = None


def use_app_pandas_options() -> None:
    """Set the pandas options the app is built and measured with (process-wide: see STRING_STORAGE)."""
    pd.set_option("mode.string_storage", STRING_STORAGE)


def configure(data_dir: Path | str | None = None) -> Database:
    """Point the app at a data folder; return its Database."""
    global _db
    with _lock:
        if _db is not None:
            _db.close()
        _db = Database(data_dir)
        return _db


def get_db() -> Database | Snapshot:
    """Return the configured Database, or inside one_data_version() the snapshot pinned for it.

    A snapshot answers queries like a Database, from one data version only.
    """
    global _db
    if _db is None:
        with _lock:
            if _db is None:
                _db = Database()
    pin = _pinned.get()
    if pin is None:
        return _db
    if not pin:  # pinned lazily: a request that runs no query opens nothing
        pin.append(_db.snapshot())
    return pin[0]


# The snapshot of the answer being made (an HTTP request): a list of at most one, filled on first use.
_pinned: ContextVar[list[Snapshot] | None] = ContextVar("mhflow_pinned_snapshot", default=None)


def pin_data_version() -> Token:
    """Start an answer that reads one data version throughout; return the token for unpin_data_version."""
    return _pinned.set([])


def unpin_data_version(token: Token) -> None:
    """End the answer begun by pin_data_version (its snapshot's connection may then close)."""
    _pinned.reset(token)


@contextmanager
def one_data_version() -> Iterator[None]:
    """Within the block, get_db() returns one snapshot: every query reads the same data version."""
    token = pin_data_version()
    try:
        yield
    finally:
        unpin_data_version(token)
