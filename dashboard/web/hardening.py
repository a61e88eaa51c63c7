"""Answers to hostile requests: 400 rather than 500 for malformed input, and no caching of data.

``install(server)`` (called by ``create_app`` beside ``security.install``) adds:
- a JSON reader that refuses bodies nested deeper than ``MAX_JSON_DEPTH`` (a
  200,000-deep array made Python's parser raise RecursionError: a 500) with 400;
- 400 for a component-suite path that climbs out of its package (``..``, ``.``,
  backslashes, NUL, or their %-encoded forms), and 404 for any other file Dash has
  not registered (Dash raised DependencyException: a 500), and 400 for a page
  address outside the app sent to the pages router;
- ``Cache-Control: no-store`` on every response except the app's static files
  (scripts, styles, images): pages, layouts, callbacks and downloads carry figures
  and data, which must not stay in a shared or browser cache.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any

from flask import Flask, Response, request
from flask.json.provider import DefaultJSONProvider

log = logging.getLogger(__name__)

MAX_JSON_DEPTH = 64  # a real callback body is under 10 levels deep
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")
SUITES = "/_dash-component-suites/"
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")
_BAD_SEGMENT = re.compile(r"(^|/)\.{1,2}(/|$)|\\|\x00|%(2e|2f|5c|00)", re.I)


class JSONTooDeep(ValueError):
    """A JSON document nests deeper than the app ever sends."""


def json_depth(text: str | bytes) -> int:
    """Return the deepest nesting of arrays and objects in a JSON text (strings are skipped)."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing documents nested deeper than MAX_JSON_DEPTH before parsing them."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Return the parsed document; raise JSONTooDeep (a ValueError: Flask answers 400) when too deep."""
        if json_depth(s) > MAX_JSON_DEPTH:
            raise JSONTooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH}")
        try:
            return json.loads(s, **kwargs)
        except RecursionError as exc:  # belt and braces: never a 500
            raise JSONTooDeep("JSON nested too deeply") from exc


def unsafe_suite_path(raw_path: str) -> bool:
    """Return whether a component-suite path (as sent, before decoding) tries to leave its package."""
    return bool(_BAD_SEGMENT.search(raw_path[len(SUITES):]))


def install(server: Flask) -> None:
    """Install the bounded JSON reader, the component-suite checks and no-store on data responses."""
    server.json = BoundedJSONProvider(server)

    @server.before_request
    def refuse_climbing_suite_paths() -> Response | None:
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
        path = raw.split("?", 1)[0]
        if request.path.startswith(SUITES) and (unsafe_suite_path(path) or unsafe_suite_path(request.path)):
            log.warning("refused component-suite path from %s: %r", request.remote_addr, path[:200])
            return Response("Bad request.\n", 400, mimetype="text/plain")
        return None

    from dash.exceptions import DependencyException, UnsupportedRelativePath

    @server.errorhandler(DependencyException)
    def unknown_suite_file(_error: DependencyException) -> Response:
        return Response("Not found.\n", 404, mimetype="text/plain")

    @server.errorhandler(UnsupportedRelativePath)
    def path_outside_the_app(_error: UnsupportedRelativePath) -> Response:
        # The pages router was sent a pathname that is not the app's (e.g. '../../etc').
        log.warning("refused a pathname outside the app from %s", request.remote_addr)
        return Response("Bad request.\n", 400, mimetype="text/plain")

    @server.after_request
    def no_store_for_data(response: Response) -> Response:
        if not request.path.startswith(STATIC_PREFIXES):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response
