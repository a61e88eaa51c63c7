"""Whole-system mental health flow dashboard: extracts, queries, metrics and the Dash app."""
from __future__ import annotations

__version__ = "0.1.0"
