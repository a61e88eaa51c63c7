"""Headline cards, declared and drawn as charts are: the value for the period, the change, SPC icons.

A card is declared with keyword arguments (``Card(metric="ae_4h_pct")``): its metric says
which ``queries/*.sql`` files it reads (``Metric.queries``); its data function
(``headline_rows``) fetches the period, the previous equal period and the months of the
period for all of a page's cards at once; ``disclosure.protect`` makes them safe to show;
and its figure function (``card_component``) draws the card. ``render_cards`` is that
path, the whole body of the cards callback. The A&E 4-hour card: ``pages/urgent_care.py``
lists ``"ae_4h_pct"`` -> ``METRICS["ae_4h_pct"]`` reads ``queries/ae_by_period.sql`` ->
``headline_rows`` -> ``protect`` -> ``card_component``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from functools import partial
from typing import Any, Callable, Sequence

from dash import html

import numpy as np
import pandas as pd

from dashboard.web.charts import (POPULATION_NEEDED, SERVICE_CHANGES, metric_field, open_from, trend_reading_of,
                                  trend_span)
from dashboard.store.data import (MEDIAN_COLUMNS, MEDIAN_QUERIES, by_period, data_bounds, side_by_side,
                                  side_by_side_buckets)
from dashboard.store.db import Database, one_version
from dashboard.store.runtime import get_db
from dashboard.core.disclosure import SUPPRESSED, Field, Policy, protect
from dashboard.core.filters import Filters
from dashboard.core.periods import Period
from dashboard.core.metrics import METRICS, Metric
from dashboard.core.spc import ASSURANCE_TEXT, VARIATION_TEXT, SpcResult
from dashboard.core.windows import FOLLOW_UP_DAYS, open_months, open_note

# The note of a card whose metric has no value for the chosen age band (Metric.shown_for).
ALL_AGES_ONLY = "Shown for all ages only"
NOT_SPLIT_BY_AGE = "Capacity is not split by age band"


@dataclass(frozen=True)
class CardValue:
    """A metric's headline as it may be shown (protected)."""

    key: str
    label: str
    value: float | int | str | None
    previous: float | int | str | None
    change: str
    variation: str | None
    assurance: str | None
    note: str = ""


@dataclass(frozen=True)
class Headlines:
    """A card data function's rows: row 0 the period, row 1 the previous equal period."""

    rows: pd.DataFrame
    has_previous: bool  # whether the data reach back over the whole previous period


class Alert(Enum):
    """When a card is drawn as an alert (outlined in red)."""

    NONE = "none"
    ABOVE_ZERO = "above_zero"  # the figure should be 0: any count shown, or '*' (never a hidden 0), is an alert

    def raised(self, value: Any) -> bool:
        """Return whether a shown value sets off the alert."""
        if self is Alert.ABOVE_ZERO:
            return (isinstance(value, int) and value > 0) or value == SUPPRESSED
        return False


def headline_rows(db: Database, filters: Filters, metrics: Sequence[Metric]) -> Headlines:
    """Return the unprotected rows of the metrics' cards: the period, then the previous equal period.

    One monthly query per source spans the previous and the current period: counts,
    numerators, denominators and bed days add up exactly over months, so both headlines
    come from it. Medians do not add up: they get a query over each whole period. The
    icons are not computed here: they are the trend chart's reading (``trend_reading_of``).
    """
    queries = tuple(dict.fromkeys(q for m in metrics for q in m.queries if q not in MEDIAN_QUERIES))
    previous_period = filters.period.previous()
    bounds = data_bounds(db)
    has_previous = bounds is not None and previous_period.start >= bounds[0]
    # The months of the monthly trend chart's span (the data's first month to the period's end),
    # which hold both periods: the same query and parameters as the card's own SPC reading at
    # monthly grain (``trend_reading_of``), so one memoised answer serves both.
    history = trend_span(replace(filters, grain="month"), bounds).period.start
    span = replace(filters, period=Period(min(previous_period.start, history), filters.period.end), grain="month")
    # Medians come from the whole period, not from months: each reads the records. They and
    # the sources' months are independent, so all run side by side at once.
    medians = [m for m in metrics if m.kind == "median"]
    jobs = [(m, part, period, grain) for m in medians
            for part, period, grain in (("now", filters.period, "period"), ("before", previous_period, "period"))]
    answers = side_by_side([partial(by_period, db, name, span, "month") for name in queries]
                           + [partial(by_period, db, m.query, filters.with_period(period), grain)
                              for m, _, period, grain in jobs])
    months = side_by_side_buckets(answers[:len(queries)])
    current = (months["bucket"] >= filters.period.start).to_numpy()
    earlier = ((months["bucket"] >= previous_period.start) & ~current).to_numpy()
    # Only the columns the cards show: each period's total is the sum of its months (medians are
    # filled in from their own queries below).
    read = list(dict.fromkeys(c for m in metrics for c in (m.value, m.denominator, *(m.reference or ())) if c))
    now: dict[str, Any] = {}
    before: dict[str, Any] = {}
    for column in (c for c in read if c in months):
        values = months[column].to_numpy()
        additive = column not in MEDIAN_COLUMNS
        now[column] = int(np.nansum(values[current])) if additive else float("nan")
        before[column] = int(np.nansum(values[earlier])) if additive else float("nan")
    for (metric, part, _, _), frame in zip(jobs, answers[len(queries):]):
        (now if part == "now" else before)[metric.value] = frame[metric.value].iloc[0]
    rows = pd.DataFrame({c: [now[c], before[c]] for c in read})
    return Headlines(rows, has_previous)


def format_value(value, unit: str = "") -> str:
    """Return a shown value as text: '*', '–' (none), '85.2%', '1,234', '25 nights'."""
    if value is None:
        return "–"
    if value == SUPPRESSED:
        return SUPPRESSED
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "x":  # a ratio of two rates
        return f"{value:.2f}"
    if isinstance(value, float) and unit == "hours":  # a few hours: a tenth of an hour is 6 minutes
        return f"{value:,.1f} hours"
    if isinstance(value, float) and unit:
        return f"{value:,.0f} {unit}"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def _change(metric: Metric, now, before, has_previous: bool) -> str:
    if not has_previous:
        return "No equal earlier period in the data"
    if not isinstance(now, (int, float)) or not isinstance(before, (int, float)):
        return "No comparison (suppressed or no data)"
    diff = now - before
    arrow = "▲" if diff > 0 else "▼" if diff < 0 else "■"
    if metric.kind == "pct":
        return f"{arrow} {abs(diff):.1f} points on previous period ({before:.1f}%)"
    if metric.kind == "count":
        if before == 0:
            return f"{arrow} from 0 in previous period"
        return f"{arrow} {abs(diff) / before * 100:.1f}% on previous period ({before:,})"
    if metric.kind == "ratio":
        return f"{arrow} {abs(diff):.2f} on previous period ({before:.2f})"
    if metric.kind == "median":  # the previous value too, as the other cards give it
        return f"{arrow} {abs(diff):,.1f} {metric.unit} on previous period ({format_value(before, metric.unit)})"
    return f"{arrow} {abs(diff):,.1f} {metric.unit} on previous period ({before:,.1f})"


_ICON = {
    "common": ("~", "icon-common"), "improvement_high": ("▲", "icon-improvement"),
    "improvement_low": ("▼", "icon-improvement"), "concern_high": ("▲", "icon-concern"),
    "concern_low": ("▼", "icon-concern"), "neither_high": ("▲", "icon-neither"), "neither_low": ("▼", "icon-neither"),
}
_ASSURANCE_ICON = {"pass": ("P", "icon-pass"), "fail": ("F", "icon-fail"), "hit_and_miss": ("?", "icon-hit-miss")}


def card_component(card: CardValue, declared: Card) -> html.Div:
    """Return one headline card (outlined as an alert when its declaration's alert is raised)."""
    metric = declared.definition
    icons = []
    if card.variation:
        symbol, cls = _ICON[card.variation]
        icons.append(html.Span(symbol, className=f"spc-icon {cls}", title=VARIATION_TEXT[card.variation],
                               role="img", **{"aria-label": VARIATION_TEXT[card.variation]}))
    if card.assurance:
        symbol, cls = _ASSURANCE_ICON[card.assurance]
        icons.append(html.Span(symbol, className=f"spc-icon {cls}", title=ASSURANCE_TEXT[card.assurance],
                               role="img", **{"aria-label": ASSURANCE_TEXT[card.assurance]}))
    warn = declared.alert.raised(card.value)
    return html.Div([
        html.Div([html.Span(card.label, className="kpi-label"), html.Span(icons, className="kpi-icons")],
                 className="kpi-top"),
        html.Div(format_value(card.value, metric.unit), className="kpi-value"),
        html.Div(card.change, className="kpi-change"),
        html.Div(card.note, className="kpi-note") if card.note else None,
    ], className="kpi-card" + (" kpi-alert" if warn else ""), id=f"kpi-{card.key}")


CardDataFn = Callable[[Database, Filters, Sequence[Metric]], Headlines]
CardFigureFn = Callable[[CardValue, "Card"], html.Div]


@dataclass(frozen=True, kw_only=True)
class Card:
    """A headline card: its metric (which names the .sql files read), data function, figure function, alert."""

    metric: str  # a key of METRICS
    data: CardDataFn = headline_rows  # the cards of a page with the same data function share one call
    figure: CardFigureFn = card_component
    alert: Alert = Alert.NONE

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"card: no metric {self.metric!r}")

    @property
    def key(self) -> str:
        """Return the card's key (its metric's)."""
        return self.metric

    @property
    def definition(self) -> Metric:
        """Return the card's metric."""
        return METRICS[self.metric]

    @property
    def queries(self) -> tuple[str, ...]:
        """Return the queries/<name>.sql files the card reads (its icons are its trend chart's reading)."""
        return (*self.definition.queries, SERVICE_CHANGES)

    @property
    def field(self) -> Field:
        """Return the protected field of the card's value (named by the card, unique on a page)."""
        return metric_field(self.metric, name=self.metric)


def metric_cards(*keys: str) -> tuple[Card, ...]:
    """Return a plain card for each metric key, in order."""
    return tuple(Card(metric=key) for key in keys)


def card_values(cards: Sequence[Card], filters: Filters, db: Database | None = None,
                policy: Policy | None = None) -> list[CardValue]:
    """Return the protected headline of each card for the filters: data function -> protect -> headline."""
    db = one_version(db or get_db())  # one data version for every card, whatever a load swaps meanwhile
    policy = policy or Policy.from_settings()
    values: dict[Card, CardValue] = {}
    for data in dict.fromkeys(card.data for card in cards):
        group = list(dict.fromkeys(card for card in cards if card.data is data))
        headlines = data(db, filters, [card.definition for card in group])
        shown = protect(headlines.rows, list(dict.fromkeys(card.field for card in group)), policy)
        for card in group:
            reading = trend_reading_of(card.definition, filters, db, policy).result \
                if card.definition.shown_for(filters.age_band) else None
            values[card] = headline(card, shown[card.field.name].tolist(), headlines.has_previous, filters, reading)
    return [with_window_caveat(values[card], filters, db) for card in cards]


def with_window_caveat(card: CardValue, filters: Filters, db: Database) -> CardValue:
    """Return the card with a caveat when its period holds months whose follow-up window is not complete."""
    days = FOLLOW_UP_DAYS.get(card.key)
    opens = open_from(data_bounds(db), card.key) if days else None
    months = open_months(opens, filters.period.end) if opens else 0
    if not months or card.value is None:
        return card
    caveat = open_note(days, months, max(opens, filters.period.start))
    return replace(card, note=f"{caveat} {card.note}".strip())


def render_cards(cards: Sequence[Card], filters: Filters, db: Database | None = None,
                 policy: Policy | None = None) -> list[html.Div]:
    """Return the drawn cards for the filters (the whole body of the cards callback)."""
    return [card.figure(value, card) for card, value in zip(cards, card_values(cards, filters, db, policy))]


def headline(card: Card, shown: list[Any], has_previous: bool, filters: Filters,
             reading: SpcResult | None = None) -> CardValue:
    """Return a card's headline from its protected values: the period, the previous period, then the months.

    Its icons are `reading`'s, the SPC reading of the metric's trend chart (``trend_reading_of``).
    """
    metric = card.definition
    if not metric.shown_for(filters.age_band):
        # Not "suppressed or no data": under an age band the figure does not exist.
        return CardValue(metric.key, metric.label, None, None, NOT_SPLIT_BY_AGE, None, None, ALL_AGES_ONLY)
    value, previous = shown[0], shown[1]
    note = POPULATION_NEEDED if value is None and metric.kind in ("rate", "ratio") else metric.note
    return CardValue(metric.key, metric.label, value, previous, _change(metric, value, previous, has_previous),
                     reading.variation if reading else None, reading.assurance if reading else None, note)


def shown_value(metric: Metric, row: Any, age_band: str, policy: Policy) -> Any:
    """Return a metric's value for one flow-table row as its card shows it (protected)."""
    if not metric.shown_for(age_band):
        return None
    field = metric_field(metric.key, name=metric.key)
    return protect(pd.DataFrame([dict(row)]), (field,), policy)[field.name].tolist()[0]
