"""WSGI entry point for gunicorn: ``gunicorn dashboard.wsgi:server`` (never with --preload).

Each worker imports this module after the fork, so its DuckDB connection is its own.
An operator setting outside its allowed values stops the worker with one line on stderr
and gunicorn's boot-error status, so gunicorn halts rather than restart it in a loop.
"""
from __future__ import annotations

import logging
import sys
import time

from dashboard.settings import SettingError
from dashboard.store import runtime
from dashboard.store.data import warm_up
from dashboard.web.app import create_app, prepare

WORKER_BOOT_ERROR = 3  # gunicorn stops the whole server when a worker exits with this

try:
    app = prepare(create_app())  # Dash's first-request setup, done before the worker takes requests
except SettingError as exc:
    print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr, flush=True)
    raise SystemExit(WORKER_BOOT_ERROR) from None
server = app.server
log = logging.getLogger(__name__)
_started = time.perf_counter()
try:
    # Before the worker takes requests: the whole data's monthly trend answers for every age band.
    _asked = warm_up(runtime.get_db())
except Exception:  # noqa: BLE001 (never stop a worker: the views ask for what they need)
    log.exception("warm-up failed")
else:
    log.info("warm-up: %d trend answers in %.1f s", _asked, time.perf_counter() - _started)
