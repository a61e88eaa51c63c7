"""The filter choice shared by every page and the metrics command: age band, period, grain, site.

Values arrive from the URL, the browser or the command line; each is checked
against the allowed values here, and a bad one falls back to the default with a
notice (the pages show it), never an exception and never SQL text.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Mapping, Sequence
from urllib.parse import urlencode

from dashboard.core.periods import Period, add_months, last_12_months, month_label, parse_month
from dashboard.settings import AGE_BANDS, DEFAULT_AGE_BAND, DEFAULT_GRAIN, GRAINS


@dataclass(frozen=True)
class Filters:
    """A normalised, valid filter choice."""

    age_band: str
    period: Period
    grain: str = DEFAULT_GRAIN
    # One emergency department for the urgent care page's site view ('' = every site); a name
    # from the data, checked against the data's sites by parse_filters, reaching SQL as $site.
    site: str = ""

    def __post_init__(self) -> None:
        _require(self.age_band, AGE_BANDS, "age band")
        _require(self.grain, GRAINS, "grain")

    def sql_params(self, grain: str | None = None) -> dict[str, Any]:
        """Return the DuckDB parameters for this choice; `grain` 'period' gives one row."""
        age_min, age_max = AGE_BANDS[self.age_band]
        return {**self.period.sql_params(), "age_min": age_min, "age_max": age_max,
                "grain": grain or self.grain, "site": self.site}

    def with_period(self, period: Period) -> Filters:
        """Return the same choice over another period."""
        return replace(self, period=period)

    def all_sites(self) -> Filters:
        """Return the same choice over every site (what a chart or card without a site view reads)."""
        return self if not self.site else replace(self, site="")

    def query_string(self) -> str:
        """Return the URL query string that restores this choice."""
        args = {"age_band": self.age_band, "start": month_label(self.period.start),
                "end": month_label(self.period.end), "grain": self.grain}
        if self.site:
            args["site"] = self.site
        return "?" + urlencode(args)


@dataclass(frozen=True)
class ParsedFilters:
    """Filters read from untrusted input, with a notice for each value that was replaced."""

    filters: Filters
    notices: tuple[str, ...] = field(default=())


def parse_filters(args: Mapping[str, Any], first_month: date, last_month: date,
                  sites: Sequence[str] = ()) -> ParsedFilters:
    """Return valid filters from URL-style arguments, falling back to defaults with notices.

    The period is clamped to the months present in the data; the default is the
    last 12 complete months of data. A site must be one of `sites` (the data's
    emergency departments); any other shows every site, with a notice.
    """
    notices: list[str] = []
    default_period = last_12_months(last_month)
    default_period = Period(max(default_period.start, first_month), default_period.end)

    band = _choice(args.get("age_band"), AGE_BANDS, DEFAULT_AGE_BAND, "Age band", "all ages", notices)
    grain = _choice(args.get("grain"), GRAINS, DEFAULT_GRAIN, "Trend grain", "months", notices)
    start = _month_or_none(args.get("start"), "start", notices)
    end = _month_or_none(args.get("end"), "end", notices)
    start = start or default_period.start
    end = end or default_period.end
    if end < start:
        notices.append("The period ended before it started: showing the last 12 months.")
        start, end = default_period.start, default_period.end
    if end > last_month:
        notices.append(f"Data run to {last_month.strftime('%b %Y')}: the period was cut there.")
        end = last_month
    if start > end or start < add_months(first_month, -120):
        notices.append("The period lies outside the data: showing the last 12 months.")
        start, end = default_period.start, default_period.end
    site = _one(args.get("site")) or ""
    if site and site not in sites:
        notices.append(f"'{_short(site)}' is not an emergency department in the data: showing every site.")
        site = ""
    return ParsedFilters(Filters(band, Period(start, end), grain, site), tuple(notices))


def _require(value: str, allowed: Collection[str], name: str) -> None:
    """Raise ValueError unless `value` is one of `allowed` (code must never build filters off the menu)."""
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(allowed)}")


def _choice(value: Any, allowed: Collection[str], default: str, name: str, shows: str, notices: list[str]) -> str:
    """Return the chosen value from untrusted input: `default` when none, or (with a notice) when not allowed."""
    text = _one(value)
    if text is None or text == "":
        return default
    if text not in allowed:
        notices.append(f"{name} '{_short(text)}' is not one of {', '.join(allowed)}: showing {shows}.")
        return default
    return text


def _one(value: Any) -> str | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return None if value is None else str(value)


def _short(text: str) -> str:
    return text if len(text) <= 20 else text[:20] + "…"


def _month_or_none(value: Any, name: str, notices: list[str]) -> date | None:
    text = _one(value)
    if text is None or text == "":
        return None
    try:
        return parse_month(text)
    except ValueError:
        notices.append(f"The {name} month '{_short(text)}' is not a month (YYYY-MM): using the default.")
        return None
