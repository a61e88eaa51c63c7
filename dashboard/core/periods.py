"""Periods: inclusive ranges of calendar months, financial years and presets."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> date:
    """Return the first day of the month written 'YYYY-MM'; ValueError otherwise."""
    match = _MONTH.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    return date(int(match.group(1)), int(match.group(2)), 1)


def add_months(day: date, months: int) -> date:
    """Return the first day of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_label(day: date) -> str:
    """Return 'YYYY-MM' for the month of `day`."""
    return f"{day.year:04d}-{day.month:02d}"


def financial_year_start(day: date) -> date:
    """Return 1 April of the financial year (April to March) holding `day`."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def financial_year_label(day: date) -> str:
    """Return the financial year holding `day` as '2024/25'."""
    start = financial_year_start(day).year
    return f"{start}/{(start + 1) % 100:02d}"


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive range of calendar months; `start` and `end` are first days of months."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start.day != 1 or self.end.day != 1:
            raise ValueError("a period runs from the first day of a month")
        if self.end < self.start:
            raise ValueError(f"period ends ({month_label(self.end)}) before it starts ({month_label(self.start)})")

    @classmethod
    def from_months(cls, start: str, end: str) -> Period:
        """Return the period from 'YYYY-MM' to 'YYYY-MM' inclusive."""
        return cls(parse_month(start), parse_month(end))

    @property
    def stop(self) -> date:
        """Return the first day after the period (the exclusive end used in SQL)."""
        return add_months(self.end, 1)

    @property
    def months(self) -> int:
        """Return the number of months in the period."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def previous(self) -> Period:
        """Return the period of equal length that ends the month before this one starts."""
        return Period(add_months(self.start, -self.months), add_months(self.start, -1))

    def clamp_end(self, last_month: date | None) -> Period | None:
        """Return the period cut so it never runs past `last_month`; None if nothing remains."""
        if last_month is None or self.end <= last_month:
            return self
        if self.start > last_month:
            return None
        return Period(self.start, last_month)

    def label(self) -> str:
        """Return a human label such as 'Apr 2024 to Mar 2025'."""
        if self.start == self.end:
            return self.start.strftime("%b %Y")
        return f"{self.start.strftime('%b %Y')} to {self.end.strftime('%b %Y')}"

    def sql_params(self) -> dict[str, date]:
        """Return the DuckDB parameters for this period: $period_start (incl.), $period_end (excl.)."""
        return {"period_start": self.start, "period_end": self.stop}


def last_12_months(last_month: date) -> Period:
    """Return the last 12 complete months ending with `last_month`."""
    return Period(add_months(last_month, -11), last_month)


def financial_years(first_month: date, last_month: date) -> list[Period]:
    """Return each financial year touching the data, newest first, cut to the data's last month."""
    years = []
    fy = financial_year_start(last_month)
    while add_months(fy, 11) >= first_month:
        years.append(Period(fy, min(add_months(fy, 11), last_month)))
        fy = add_months(fy, -12)
    return years
