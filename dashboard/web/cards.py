"""Headline cards: the value for the period, the change on the previous equal period, SPC icons."""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from dash import html

import pandas as pd

from dashboard.store.data import (MEDIAN_COLUMNS, MEDIAN_QUERIES, by_period, data_bounds, side_by_side,
                            side_by_side_buckets)
from dashboard.store.db import Database
from dashboard.core.disclosure import SUPPRESSED, Policy
from dashboard.core.filters import Filters
from dashboard.core.periods import Period
from dashboard.core.metrics import METRICS, Metric
from dashboard.settings import get_settings
from dashboard.core.spc import ASSURANCE_TEXT, VARIATION_TEXT, spc


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


COUNT_COLUMNS = frozenset(m.value for m in METRICS.values() if m.kind == "count")


def shown_value(metric: Metric, row, age_band: str, policy: Policy):
    """Return a metric's value for one flow-table row, protected for display."""
    if metric.band_all_only and age_band != "all":
        return None
    if metric.kind == "count":
        return policy.count(row[metric.value])
    if metric.kind == "pct":
        # A rate whose numerator is itself a count metric (delayed days) would give that hidden
        # count back when multiplied by its denominator shown elsewhere: hide it with the count.
        return policy.pct(row[metric.value], row[metric.denominator],
                          hide_small_numerator=metric.value in COUNT_COLUMNS)
    return policy.measure(row[metric.value], row[metric.denominator])


def format_value(value, unit: str = "") -> str:
    """Return a shown value as text: '*', '–' (none), '85.2%', '1,234', '25 nights'."""
    if value is None:
        return "–"
    if value == SUPPRESSED:
        return SUPPRESSED
    if unit == "%":
        return f"{value:.1f}%"
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
    return f"{arrow} {abs(diff):,.1f} {metric.unit} on previous period"


def card_values(db: Database, filters: Filters, keys: tuple[str, ...], policy: Policy | None = None) -> list[CardValue]:
    """Return the protected headline of each metric for the filters.

    One monthly query per source spans the previous and the current period: counts,
    numerators, denominators and bed days add up exactly over months, so the two
    headlines and the SPC series come from it. Medians do not add up: they get a
    query over each whole period, and a monthly one over the current period for SPC.
    """
    policy = policy or Policy.from_settings()
    metrics = [METRICS[k] for k in keys]
    queries = tuple(dict.fromkeys(q for m in metrics for q in m.queries if q not in MEDIAN_QUERIES))
    previous_period = filters.period.previous()
    bounds = data_bounds(db)
    has_previous = bounds is not None and previous_period.start >= bounds[0]
    span = Filters(filters.age_band, Period(previous_period.start, filters.period.end), "month")
    # Medians come from the whole period, not from months (and, for a median-only query, its
    # months over the current period, for the SPC icons): each reads the records. They and
    # the sources' months are independent, so all run side by side at once.
    medians = [m for m in metrics if m.kind == "median"]
    jobs = [(m, part, period, grain) for m in medians
            for part, period, grain in (("now", filters.period, "period"), ("before", previous_period, "period"),
                                        ("months", filters.period, "month"))
            if part != "months" or m.query in MEDIAN_QUERIES]
    answers = side_by_side([partial(by_period, db, name, span, "month") for name in queries]
                           + [partial(by_period, db, m.query, filters.with_period(period), grain)
                              for m, _, period, grain in jobs])
    months = side_by_side_buckets(answers[:len(queries)])
    current = months["bucket"] >= filters.period.start
    now, before = _totals(months[current]), _totals(months[~current])
    monthly = months[current].reset_index(drop=True)
    for (metric, part, _, _), frame in zip(jobs, answers[len(queries):]):
        if part == "months":
            monthly[metric.value] = frame[metric.value].to_numpy()
        else:
            (now if part == "now" else before)[metric.value] = frame[metric.value].iloc[0]
    targets = get_settings().targets
    month_rows = monthly.to_dict("records")
    cards = []
    for metric in metrics:
        value = shown_value(metric, now, filters.age_band, policy)
        prev = shown_value(metric, before, filters.age_band, policy)
        series = [shown_value(metric, row, filters.age_band, policy) for row in month_rows]
        plottable = [v if isinstance(v, (int, float)) else None for v in series]
        result = spc(plottable, metric.better, targets.get(metric.key) if metric.kind == "pct" else None,
                     lower_bound=0.0,
                     suppressed_counts=series.count(SUPPRESSED) if metric.kind == "count" else 0)
        note = metric.note
        if metric.band_all_only and filters.age_band != "all":
            note = "Shown for all ages only"
        cards.append(CardValue(metric.key, metric.label, value, prev, _change(metric, value, prev, has_previous),
                               result.variation, result.assurance, note))
    return cards


def _totals(months: pd.DataFrame) -> dict:
    """Return the sum of every additive column over the months (medians are filled in separately)."""
    return {column: (float("nan") if column in MEDIAN_COLUMNS else int(months[column].sum()))
            for column in months.columns if column != "bucket"}


_ICON = {
    "common": ("~", "icon-common"), "improvement_high": ("▲", "icon-improvement"),
    "improvement_low": ("▼", "icon-improvement"), "concern_high": ("▲", "icon-concern"),
    "concern_low": ("▼", "icon-concern"), "neither_high": ("▲", "icon-neither"), "neither_low": ("▼", "icon-neither"),
}
_ASSURANCE_ICON = {"pass": ("P", "icon-pass"), "fail": ("F", "icon-fail"), "hit_and_miss": ("?", "icon-hit-miss")}


def card_component(card: CardValue) -> html.Div:
    """Return one headline card."""
    metric = METRICS[card.key]
    icons = []
    if card.variation:
        symbol, cls = _ICON[card.variation]
        icons.append(html.Span(symbol, className=f"spc-icon {cls}", title=VARIATION_TEXT[card.variation],
                               role="img", **{"aria-label": VARIATION_TEXT[card.variation]}))
    if card.assurance:
        symbol, cls = _ASSURANCE_ICON[card.assurance]
        icons.append(html.Span(symbol, className=f"spc-icon {cls}", title=ASSURANCE_TEXT[card.assurance],
                               role="img", **{"aria-label": ASSURANCE_TEXT[card.assurance]}))
    warn = card.key == "s136_under18_custody" and isinstance(card.value, int) and card.value > 0 or (
        card.key == "s136_under18_custody" and card.value == SUPPRESSED)
    return html.Div([
        html.Div([html.Span(card.label, className="kpi-label"), html.Span(icons, className="kpi-icons")],
                 className="kpi-top"),
        html.Div(format_value(card.value, metric.unit), className="kpi-value"),
        html.Div(card.change, className="kpi-change"),
        html.Div(card.note, className="kpi-note") if card.note else None,
    ], className="kpi-card" + (" kpi-alert" if warn else ""), id=f"kpi-{card.key}")
