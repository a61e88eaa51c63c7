"""The extracts: what the data contract says they hold, checking them, and making synthetic ones.

Owns the contract as data (``schema``), validation of a folder of extracts
(``validate``) and the synthetic data generator (``generate``).
May import: ``dashboard.settings`` only. Nothing here knows about DuckDB
catalogs, metrics or the web app.
"""
