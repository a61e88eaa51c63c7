"""Configuration: one place for paths, age bands, disclosure control and targets.

Everything here can be overridden by the operator through environment variables
(prefix ``MHFLOW_``); nothing here can be changed from the browser.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = ROOT / "queries"

# Age bands: label -> inclusive (min, max) age in whole years. Queries take the
# bounds as parameters ($age_min, $age_max), so a band is never spelled in SQL.
AGE_BANDS: dict[str, tuple[int, int]] = {
    "all": (0, 200),
    "0-17": (0, 17),
    "18-25": (18, 25),
    "26-64": (26, 64),
    "65+": (65, 200),
}
DEFAULT_AGE_BAND = "all"

GRAINS: dict[str, str] = {"month": "Month", "quarter": "Quarter", "fy": "Financial year"}
DEFAULT_GRAIN = "month"

# Targets used for SPC assurance icons and reference lines (percentages).
DEFAULT_TARGETS: dict[str, float] = {
    "ae_4h_pct": 95.0,
    "liaison_1h_pct": 95.0,  # Core 24 ambition: emergency referrals seen within 1 hour
    "liaison_24h_pct": 95.0,
    "followup_72h_pct": 80.0,  # NHS Oversight Framework expectation
    "delayed_pct": 3.5,  # local ambition for delayed days as a share of bed days
    "occupancy_pct": 85.0,  # Royal College of Psychiatrists' recommended maximum
    "s136_police_custody_pct": 0.0,
}


def _env(name: str, default: str | None = None) -> str | None:
    _READ.add(f"MHFLOW_{name}")
    return os.environ.get(f"MHFLOW_{name}", default)


_READ: set[str] = set()  # every MHFLOW_ variable a Settings has read (get_settings' cache key)


def _env_targets() -> dict[str, float]:
    targets = dict(DEFAULT_TARGETS)
    for key in targets:
        value = _env(f"TARGET_{key.upper()}")
        if value is not None:
            targets[key] = float(value)
    return targets


def _env_int(name: str, default: int, low: int, high: int) -> int:
    """Return MHFLOW_<name> as a whole number from low to high; anything else stops the app with a clear message."""
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ValueError(f"MHFLOW_{name} must be a whole number from {low} to {high}, not {raw!r}")
    return value


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """Return MHFLOW_<name> if it is one of `choices`; anything else stops the app with a clear message."""
    raw = _env(name)
    if raw is None:
        return default
    if raw.strip().lower() not in choices:
        raise ValueError(f"MHFLOW_{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw.strip().lower()


@dataclass(frozen=True)
class Settings:
    """The operator's configuration, read once from the environment."""

    data_dir: Path = field(default_factory=lambda: Path(_env("DATA_DIR", str(ROOT / "data" / "parquet"))))
    # Small-number suppression: counts 1..threshold-1 shown as '*'; 0 turns it off.
    suppression_threshold: int = field(default_factory=lambda: int(_env("SUPPRESSION_THRESHOLD", "8")))
    # 'local' (the contract's default rule) or 'national' (HES/ECDS: also round to 5).
    suppression_rule: str = field(default_factory=lambda: _env("SUPPRESSION_RULE", "local") or "local")
    # Where catalogs (DuckDB files built from the extracts, see db.py) are kept.
    catalog_dir: Path = field(default_factory=lambda: Path(_env("CATALOG_DIR", str(ROOT / "data" / ".catalog"))))
    duckdb_threads: int = field(default_factory=lambda: int(_env("DUCKDB_THREADS", "2")))
    duckdb_memory_limit: str = field(default_factory=lambda: _env("DUCKDB_MEMORY_LIMIT", "1GB") or "1GB")
    targets: dict[str, float] = field(default_factory=_env_targets)
    # Making Data Count's rules (dashboard.core.spc): run lengths of a shift and a trend, the
    # points an XmR chart needs before it has limits, and which signal a point that breaks rules
    # in both directions shows ('improvement' as MDC's Single Chart Tool, 'concern', or 'rank').
    spc_shift_run: int = field(default_factory=lambda: _env_int("SPC_SHIFT_RUN", 6, 3, 15))
    spc_trend_run: int = field(default_factory=lambda: _env_int("SPC_TREND_RUN", 6, 3, 15))
    spc_min_points: int = field(default_factory=lambda: _env_int("SPC_MIN_POINTS", 13, 2, 100))
    spc_conflict: str = field(default_factory=lambda: _env_choice("SPC_CONFLICT", "improvement",
                                                                  ("improvement", "concern", "rank")))
    # Validation refuses a parquet file with more row groups than this before reading it (its
    # metadata grows with row groups × columns, and DuckDB's memory limit does not cover it).
    parquet_max_row_groups: int = field(default_factory=lambda: int(_env("PARQUET_MAX_ROW_GROUPS", "5000")))


def get_settings() -> Settings:
    """Return the settings as the environment gives them now.

    Read on every callback (a dozen times per page redraw), so the Settings object is
    kept for as long as the MHFLOW_ variables it is built from do not change.
    """
    cached = _cache.get(_environment())
    if cached is None:
        cached = Settings()  # reads (and so records) every variable it depends on
        with _cache_lock:
            _cache[_environment()] = cached
            while len(_cache) > 16:  # tests change the environment often: keep only recent ones
                del _cache[next(iter(_cache))]
    return cached


def _environment() -> tuple[tuple[str, str | None], ...]:
    """Return the values of the MHFLOW_ variables that settings are built from."""
    return tuple((name, os.environ.get(name)) for name in sorted(_READ))


_cache: dict[tuple[tuple[str, str | None], ...], Settings] = {}
_cache_lock = threading.Lock()
