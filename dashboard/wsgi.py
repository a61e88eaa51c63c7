"""WSGI entry point for gunicorn: ``gunicorn dashboard.wsgi:server`` (never with --preload).

Each worker imports this module after the fork, so its DuckDB connection is its own.
An operator setting outside its allowed values stops the worker with one line on stderr
and gunicorn's boot-error status, so gunicorn halts rather than restart it in a loop.
"""
from __future__ import annotations

import sys

from dashboard.settings import SettingError
from dashboard.web.app import create_app, prepare

WORKER_BOOT_ERROR = 3  # gunicorn stops the whole server when a worker exits with this

try:
    app = prepare(create_app())  # Dash's first-request setup, done before the worker takes requests
except SettingError as exc:
    print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr, flush=True)
    raise SystemExit(WORKER_BOOT_ERROR) from None
server = app.server
