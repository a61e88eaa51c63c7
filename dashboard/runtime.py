"""The process's Database: configured once by the app (or a test), shared by callbacks."""
from __future__ import annotations

import threading
from pathlib import Path

from dashboard.db import Database

_lock = threading.Lock()
_db: Database | None = None


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
