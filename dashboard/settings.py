"""Configuration: one place for paths, age bands, disclosure control and targets.

Everything here can be overridden by the operator through environment variables
(prefix ``MHFLOW_``); nothing here can be changed from the browser. Every value is
checked when it is read: a value outside its allowed values raises ``SettingError``,
whose message is one line naming the variable and what it may be, and the app
refuses to start (``check_startup``) rather than run with a setting it guessed at.
"""
from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, TypeVar

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

# The constitutional four-hour standard is 95% (the ae_4h_pct target above); NHS England's
# operational standard is set year by year: 76% by March 2024 (delivery plan for recovering
# urgent and emergency care services, January 2023), 78% in 2024/25 and in 2025/26. The
# operator sets it as "YEAR:PERCENT,...": YEAR is the financial year starting in April of it,
# and a year not listed takes the latest listed before it.
DEFAULT_AE_OPERATIONAL_STANDARD = "2023:76,2024:78,2025:78"
OPERATIONAL_STANDARD_ALLOWED = ("comma-separated YEAR:PERCENT pairs (financial year starting in April of YEAR, "
                                "2000 to 2100, each year once; a percentage from 0 to 100), e.g. 2024:78,2026:82")

# Disclosure control (data contract): the only rule offered is the national one. The 'local'
# rule (suppress 1-7, show every other count exactly) was withdrawn: differencing two answers
# (two overlapping periods, all ages against the other bands) gave hidden counts back exactly.
SUPPRESSION_RULES = ("national",)
THRESHOLD_RANGE = (3, 1000)  # below 3 a '*' is one value or two: no protection to speak of
ROUNDING_BASE_RANGE = (3, 100)  # base 1 is no rounding; base 2 lets a difference of two answers pin a count
DUCKDB_THREADS_RANGE = (1, 256)
MEMORY_LIMIT = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)


class SettingError(ValueError):
    """An operator setting has a value outside its allowed values (the app must not start)."""

    def __init__(self, name: str, value: str | None, allowed: str) -> None:
        self.name, self.value, self.allowed = name, value, allowed
        shown = "(empty)" if value is not None and not value.strip() else repr(value)
        super().__init__(f"{name}={shown} is not allowed: {allowed}")


def _env(name: str, default: str | None = None) -> str | None:
    _READ.add(f"MHFLOW_{name}")
    return os.environ.get(f"MHFLOW_{name}", default)


_READ: set[str] = set()  # every MHFLOW_ variable a Settings has read (get_settings' cache key)
N = TypeVar("N", int, float)


def _number(name: str, default: str, kind: Callable[[str], N], low: N, high: N, allowed: str = "") -> N:
    """Return MHFLOW_<name> as a number from `low` to `high`; raise SettingError otherwise."""
    text = _env(name, default)
    if not allowed:
        allowed = f"a whole number from {low} to {high}" if kind is int else f"a number from {low} to {high}"
    try:
        value = kind(text.strip()) if text is not None else kind(default)
    except ValueError:
        raise SettingError(f"MHFLOW_{name}", text, allowed) from None
    if not low <= value <= high or value != value:  # value != value: NaN
        raise SettingError(f"MHFLOW_{name}", text, allowed)
    return value


def _choice(name: str, default: str, choices: tuple[str, ...], why: str = "") -> str:
    """Return MHFLOW_<name> if it is one of `choices` (case and spaces ignored); raise SettingError otherwise."""
    text = _env(name, default)
    value = (text or "").strip().lower()
    if value not in choices:
        raise SettingError(f"MHFLOW_{name}", text, f"one of {', '.join(choices)}{why}")
    return value


def _folder(name: str, default: Path) -> Path:
    """Return MHFLOW_<name> as a folder path: not empty, and not an existing file."""
    text = _env(name, str(default))
    if text is None or not text.strip() or "\0" in text:
        raise SettingError(f"MHFLOW_{name}", text, "a folder path")
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise SettingError(f"MHFLOW_{name}", text, "a folder path (this is a file)")
    return path


def _memory_limit() -> str:
    text = _env("DUCKDB_MEMORY_LIMIT", "1GB")
    if text is None or not MEMORY_LIMIT.match(text):
        raise SettingError("MHFLOW_DUCKDB_MEMORY_LIMIT", text, "a size such as 512MB, 1GB or 4GiB")
    return text.strip()


def _env_targets() -> dict[str, float]:
    targets = dict(DEFAULT_TARGETS)
    for key in targets:
        # Every target is a percentage (an SPC assurance line on a 0-100% axis).
        if _env(f"TARGET_{key.upper()}") is not None:
            targets[key] = _number(f"TARGET_{key.upper()}", "", float, 0.0, 100.0, "a percentage from 0 to 100")
    return targets


def _operational_standard() -> tuple[tuple[int, float], ...]:
    """Return MHFLOW_AE_OPERATIONAL_STANDARD as (year, percent) pairs in year order; raise SettingError otherwise."""
    text = _env("AE_OPERATIONAL_STANDARD", DEFAULT_AE_OPERATIONAL_STANDARD)
    pairs: dict[int, float] = {}
    try:
        for part in (text or "").split(","):
            year, percent = part.split(":")
            y, p = int(year.strip()), float(percent.strip())
            if not 2000 <= y <= 2100 or not 0.0 <= p <= 100.0 or y in pairs:
                raise ValueError(part)
            pairs[y] = p
    except ValueError:
        raise SettingError("MHFLOW_AE_OPERATIONAL_STANDARD", text, OPERATIONAL_STANDARD_ALLOWED) from None
    return tuple(sorted(pairs.items()))


def _threshold() -> int:
    return _number("SUPPRESSION_THRESHOLD", "8", int, *THRESHOLD_RANGE)


def _rounding_base() -> int:
    return _number("ROUNDING_BASE", "5", int, *ROUNDING_BASE_RANGE)


@dataclass(frozen=True)
class Settings:
    """The operator's configuration, read once from the environment (each value checked)."""

    data_dir: Path = field(default_factory=lambda: _folder("DATA_DIR", ROOT / "data" / "parquet"))
    # Protected view: counts 1..threshold-1 shown as '*', every other count rounded to the base.
    suppression_threshold: int = field(default_factory=_threshold)
    rounding_base: int = field(default_factory=_rounding_base)
    suppression_rule: str = field(default_factory=lambda: _choice(
        "SUPPRESSION_RULE", "national", SUPPRESSION_RULES,
        " (the local rule was withdrawn: differencing two of its answers gave hidden counts back)"))
    # Where catalogs (DuckDB files built from the extracts, see db.py) are kept.
    catalog_dir: Path = field(default_factory=lambda: _folder("CATALOG_DIR", ROOT / "data" / ".catalog"))
    duckdb_threads: int = field(default_factory=lambda: _number("DUCKDB_THREADS", "2", int, *DUCKDB_THREADS_RANGE))
    duckdb_memory_limit: str = field(default_factory=_memory_limit)
    targets: dict[str, float] = field(default_factory=_env_targets)
    # The operational four-hour standard by financial year (the constitutional one is targets["ae_4h_pct"]).
    ae_operational_standard: tuple[tuple[int, float], ...] = field(default_factory=_operational_standard)
    # Making Data Count's rules (dashboard.core.spc): run lengths of a shift and a trend, the
    # points an XmR chart needs before it has limits, and which signal a point that breaks rules
    # in both directions shows ('improvement' as MDC's Single Chart Tool, 'concern', or 'rank').
    spc_shift_run: int = field(default_factory=lambda: _number("SPC_SHIFT_RUN", "6", int, 3, 15))
    spc_trend_run: int = field(default_factory=lambda: _number("SPC_TREND_RUN", "6", int, 3, 15))
    spc_min_points: int = field(default_factory=lambda: _number("SPC_MIN_POINTS", "13", int, 2, 100))
    spc_conflict: str = field(default_factory=lambda: _choice("SPC_CONFLICT", "improvement",
                                                              ("improvement", "concern", "rank")))
    # Validation refuses a parquet file with more row groups than this before reading it (its
    # metadata grows with row groups × columns, and DuckDB's memory limit does not cover it).
    parquet_max_row_groups: int = field(default_factory=lambda: _number("PARQUET_MAX_ROW_GROUPS", "5000", int,
                                                                        1, 10_000_000))
    # Journeys: a frequent attender has at least this many A&E mental health attendances in 12 months
    # (NHS England's High Intensity Use programme: 5).
    frequent_attender_min: int = field(default_factory=lambda: _number("FREQUENT_ATTENDER_MIN", "5", int, 2, 100))


def operational_standard(month: date, standards: tuple[tuple[int, float], ...]) -> float | None:
    """Return the operational four-hour standard in force in `month`'s financial year (None before the first)."""
    year = month.year if month.month >= 4 else month.year - 1
    value = None
    for start, percent in standards:
        if start <= year:
            value = percent
    return value


def get_settings() -> Settings:
    """Return the settings as the environment gives them now (SettingError if one is not allowed).

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
    names = _sorted_read.get(len(_READ))  # names are only ever added: the count says whether to sort again
    if names is None:
        names = _sorted_read[len(_READ)] = tuple(sorted(_READ))
    environ = os.environ
    return tuple((name, environ.get(name)) for name in names)


_sorted_read: dict[int, tuple[str, ...]] = {}


_cache: dict[tuple[tuple[str, str | None], ...], Settings] = {}
_cache_lock = threading.Lock()


def setting_names() -> frozenset[str]:
    """Return every MHFLOW_ variable Settings reads (targets by name included)."""
    Settings()  # records each name it reads
    return frozenset(_READ | {f"MHFLOW_TARGET_{key.upper()}" for key in DEFAULT_TARGETS})


def unknown_variables(known: frozenset[str] | set[str], environ: dict[str, str] | None = None) -> list[str]:
    """Return the MHFLOW_ variables set in the environment that are no setting (a misspelt name)."""
    env = os.environ if environ is None else environ
    return sorted(name for name in env if name.startswith("MHFLOW_") and name not in known)
