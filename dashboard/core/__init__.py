"""The domain's rules, pure: no I/O, no DuckDB, no Dash.

Owns the contract's metrics (``metrics``), small-number disclosure control
(``disclosure``), Making Data Count statistical process control (``spc``), the
filters a view is made of (``filters``) and calendar periods (``periods``).
May import: ``dashboard.settings`` only (and pandas/numpy).
"""
