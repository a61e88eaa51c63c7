"""WSGI entry point for gunicorn: ``gunicorn dashboard.wsgi:server`` (never with --preload).

Each worker imports this module after the fork, so its DuckDB connection is its own.
"""
from __future__ import annotations

from dashboard.web.app import create_app, prepare

app = prepare(create_app())  # Dash's first-request setup, done before the worker takes requests
server = app.server
