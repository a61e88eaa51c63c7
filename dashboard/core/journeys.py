"""Journeys: the rules of following people from an index event, pure (no I/O).

The Journeys page follows a cohort: each person's first index event in the period (an A&E
attendance, a s136 detention, a liaison assessment, an admission or a discharge) narrowed by
the filters and by one field of the event. What happened next is counted within fixed windows,
and the time to a first return as a life table (queries/journeys_*.sql do the counting; here
are the choices a browser may make and the arithmetic on protected counts).

Censoring: a person whose window runs past the data's end has not been seen for the whole
window. They are left out of that window (and counted), never read as "nothing happened";
the return curve keeps them at risk until the data ends (a life table: the Kaplan-Meier method
grouped into intervals, so that every count behind it can be protected).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from dashboard.core.disclosure import SUPPRESSED

# person_events.kind of each index event a cohort can start from -> its label in the control.
INDEX_EVENTS = {
    "ae": "A&E mental health attendance",
    "s136": "Section 136 detention",
    "liaison": "Liaison assessment",
    "admission": "Admission to a mental health ward",
    "discharge": "Discharge from a mental health ward",
}
DEFAULT_INDEX = "ae"
ANY = ""  # the narrowing value that keeps every event of the kind
MAX_DETAIL = 200  # the contract's longest shown text (a site name)

WINDOWS = (7, 30, 90)  # days after the index event: "within N days" is 0 < t <= N days
SPANS = (30, 90, 180)  # before and after: the N days either side of the index event
DEFAULT_SPAN = 90
# What happened next, in the order shown: journeys_next column -> label.
OUTCOMES = {
    "ae": "Back to A&E",
    "s136": "Detained under section 136",
    "admitted": "Admitted to a mental health ward",
    "followed_up": "Followed up (liaison assessment or community contact)",
    "nothing": "Nothing recorded",
}


@dataclass(frozen=True)
class Choice:
    """A cohort's index event and narrowing value, checked: what the page's charts are drawn for."""

    index: str = DEFAULT_INDEX
    narrow: str = ANY
    span: int = DEFAULT_SPAN  # days before and after (the before-and-after chart alone reads it)

    def selection(self, span: bool = False) -> dict[str, Any]:
        """Return the choice as a chart's selection, with the span if `span` ({} for the defaults: the charts' own)."""
        out: dict[str, Any] = {}
        if (self.index, self.narrow) != (DEFAULT_INDEX, ANY):
            out.update(index=self.index, narrow=self.narrow)
        if span and self.span != DEFAULT_SPAN:
            out["span"] = self.span
        return out

    def params(self) -> dict[str, str]:
        """Return the choice as URL parameters ('' where it is the default, so the URL leaves it out)."""
        return {"index": "" if self.index == DEFAULT_INDEX else self.index, "narrow": self.narrow,
                "span": "" if self.span == DEFAULT_SPAN else str(self.span)}


def clean_choice(selection: Any, span: bool = False) -> dict[str, Any]:
    """Return a Journeys selection from the browser as a checked choice's selection (anything unknown: the default).

    The narrowing value is only bounded here (text, at most 200 characters): it reaches SQL as a
    parameter, and a value the data does not hold gives an empty cohort, never an error. `span`:
    keep the days before and after (the before-and-after chart's selection).
    """
    if not isinstance(selection, dict):
        return {}
    index, narrow, days = selection.get("index", DEFAULT_INDEX), selection.get("narrow", ANY), selection.get("span")
    if not isinstance(index, str) or index not in INDEX_EVENTS:
        index, narrow = DEFAULT_INDEX, ANY
    if not isinstance(narrow, str) or len(narrow) > MAX_DETAIL:
        narrow = ANY
    if isinstance(days, bool) or days not in SPANS:
        days = DEFAULT_SPAN
    return Choice(index, narrow, days).selection(span)


def clean_span_choice(selection: Any) -> dict[str, Any]:
    """Return the before-and-after chart's selection from the browser, checked (clean_choice with the span)."""
    return clean_choice(selection, span=True)


def choice_of(index: Any, narrow: Any, span: Any, known: Mapping[str, Sequence[str]],
              narrowed_by: Mapping[str, str]) -> tuple[Choice, list[str]]:
    """Return the choice a URL or the controls name, and a notice for each value that was replaced.

    `known`: the details the data holds, by kind; `narrowed_by`: each kind's field, as the page
    names it. An unknown index event falls back to A&E attendances, an unknown narrowing value
    to any and an unknown span to 90 days (a notice says so); the other filters are kept.
    """
    notices = []
    if not isinstance(index, str) or index == "":
        index = DEFAULT_INDEX
    elif index not in INDEX_EVENTS:
        notices.append(f"Index event '{index[:20]}' is not one of {', '.join(INDEX_EVENTS)}: "
                       "showing A&E attendances.")
        index = DEFAULT_INDEX
    if not isinstance(narrow, str) or narrow == ANY:
        narrow = ANY
    elif narrow not in known.get(index, ()):
        notices.append(f"'{narrow[:40]}' is not a {narrowed_by[index].lower()} in the data: showing every one.")
        narrow = ANY
    days = DEFAULT_SPAN
    if span not in (None, ""):
        try:
            days = int(span)
        except (TypeError, ValueError):
            days = 0
        if days not in SPANS:
            notices.append(f"Before and after: '{str(span)[:10]}' days is not one of "
                           f"{', '.join(map(str, SPANS))}: showing {DEFAULT_SPAN}.")
            days = DEFAULT_SPAN
    return Choice(index, narrow, days), notices


def hidden_as(threshold: int) -> float:
    """Return what a hidden count ('*': 1 to threshold - 1) is taken as where a curve needs a number: the middle."""
    return threshold / 2


def cumulative_returned(at_risk: Sequence[Any], returned: Sequence[Any], censored: Sequence[Any],
                        hidden: float) -> list[float | str | None]:
    """Return the cumulative % who returned by the end of each interval of a life table, from shown counts.

    The actuarial (life-table) estimate: in each interval, of the people at risk at its start, those
    censored in it count as at risk for half of it; the chance of not having returned is the
    product of 1 - returned / (at risk - censored / 2) over the intervals so far. It reads only the
    counts as shown: a hidden count ('*') is taken as `hidden`; once the people at risk are hidden
    the curve stops ('*': too few to go on), and once no one is left, it ends (None).
    """
    out: list[float | str | None] = []
    staying, state = 1.0, "on"
    for n, d, c in zip(at_risk, returned, censored):
        if state == "on" and (n == SUPPRESSED or n is None):
            state = "hidden"
        elif state == "on" and n == 0:
            state = "ended"
        if state != "on":
            out.append(SUPPRESSED if state == "hidden" else None)
            continue
        d_ = hidden if d == SUPPRESSED else float(d or 0)
        c_ = hidden if c == SUPPRESSED else float(c or 0)
        exposed = float(n) - c_ / 2
        if exposed > 0:
            staying *= max(0.0, 1 - d_ / exposed)
        out.append(round(100 * (1 - staying), 1))
    return out
