"""The store: the served data on disk and every question asked of it.

Owns the DuckDB catalog and its named queries (``db``), the per-process connection
(``runtime``), the memoised data functions that turn filters into tidy frames
(``data``), loading a new release of extracts or generating one into an empty data
folder (``loading``) and computing core's metric definitions, unprotected, for the
analyst's ``metrics`` command (``cli_metrics``).
May import: ``dashboard.settings``, ``dashboard.extracts`` and ``dashboard.core``.
Never imports ``dashboard.web`` (``tests/test_layering.py`` holds this).
"""
