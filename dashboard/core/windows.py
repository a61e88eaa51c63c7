"""Follow-up windows not yet complete at the data's end.

A metric that looks for an event some days after its anchor (72-hour follow-up, readmission
or a return to A&E within 30 days of discharge) cannot be complete for anchors closer than
that to the end of the data: their windows run past what the extracts hold, so the latest
months read low (30-day readmission read 5.4% in the last month against about 10%). Such a
bucket is flagged on its card and drawn apart on its chart, left out of the SPC calculation.

The data's end is the first day after its last month (``data_bounds``): periods never run
past that month, and an extract taken part way through a month makes that month part of
the data, so this is the latest the windows can be complete to.
"""
from __future__ import annotations

from datetime import date, timedelta

from dashboard.core.periods import add_months

# Metric key -> the days after its anchor that an event is looked for.
FOLLOW_UP_DAYS: dict[str, int] = {"followup_72h_pct": 3, "readmit_30d_pct": 30}
RETURNED_AE_DAYS = 30  # return to A&E within 30 days of discharge (the recovery page's chart)


def first_open_month(last_month: date, days: int) -> date:
    """Return the first month whose records' windows of `days` may run past the data's end.

    A month is complete when a record at its very end has its whole window in the data: the
    next month's first day plus `days` is no later than the day after the data's last month.
    """
    data_end = add_months(last_month, 1)
    return (data_end - timedelta(days=days)).replace(day=1)


def open_months(first_open: date, period_end: date) -> int:
    """Return how many months from `first_open` to `period_end` (inclusive) are in the period (0: none)."""
    if first_open > period_end:
        return 0
    return (period_end.year - first_open.year) * 12 + period_end.month - first_open.month + 1


def window_text(days: int) -> str:
    """Return a follow-up window in words: '72 hours', '30 days'."""
    return "72 hours" if days == 3 else f"{days} days"


def open_note(days: int, months: int, first_open: date) -> str:
    """Return a card's caveat when the last `months` month(s) of its period, from `first_open`, are not complete."""
    which = f"{first_open:%b %Y}" if months == 1 else f"the {months} months from {first_open:%b %Y}"
    return (f"Not complete: discharges in {which} have not all had {window_text(days)} to follow by the data's "
            "end, so this will rise as the data grow.")


def open_points_note(days: int) -> str:
    """Return a chart's caveat for its buckets marked as not complete."""
    return (f"Points marked 'not complete': their discharges have not all had {window_text(days)} to follow by "
            "the data's end, so they read low; drawn hollow and left out of the mean and limits.")
