"""The process's Database: configured once by the app (or a test), shared by callbacks."""
from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd

from dashboard.store.db import Database

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


def get_db() -> Database:
    """Return the configured Database (the settings' data folder unless configured)."""
    global _db
    if _db is None:
        with _lock:
            if _db is None:
                _db = Database()
    return _db
