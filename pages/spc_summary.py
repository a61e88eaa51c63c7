"""SPC summary (/spc-summary): Making Data Count's board table, and did each service change work?

Every figure here is read from the metric's trend as the viewer sees it (``charts.trend_reading_of``),
the same series as its chart and card: in the protected view nothing is computed from an exact
count; the render path hands the data functions the request's policy (``Chart.protects_itself``).
"""
from __future__ import annotations

from dataclasses import replace
from functools import partial

import pandas as pd

from dashboard.core.disclosure import Field, Policy, protect
from dashboard.core.filters import Filters
from dashboard.core.metrics import METRICS, Metric
from dashboard.core.spc import ASSURANCE_ICONS, VARIATION_ICONS
from dashboard.core.trend import trend_reading
from dashboard.settings import get_settings
from dashboard.store.data import service_changes
from dashboard.store.db import Database
from dashboard.web import figures
from dashboard.web.cards import format_value, metric_cards
from dashboard.web.charts import (OPEN, Chart, ChartKind, is_apart, metric_trend, prefetch_trends, reading_kind,
                                  register, trend_fields, trend_rows)
from dashboard.web.components import Page, publish
from dashboard.web.figures import Drawn

BOARD_COLUMNS = ("metric", "latest", "value", "target", "variation", "assurance", "mean", "lower", "upper")
BOARD_LABELS = ("Metric", "Latest", "Value", "Target", "Variation", "Assurance", "Mean",
                "Lower process limit", "Upper process limit")


def _shown(value, metric: Metric):
    """Return a shown value as its card shows it: a count as a whole number ('*' and None kept)."""
    if hasattr(value, "item"):  # a numpy number from the frame
        value = value.item()
    if metric.kind == "count" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _text(value: float | None, metric: Metric) -> str:
    return "–" if value is None else format_value(float(value), metric.unit)


# The board's parts on the page, along the pathway: each is its own request, so the two workers
# share the board's ~30 readings (one request for all of them was the page's slowest by far).
STAGES = {
    "crisis": ("A&E and liaison", ("ae_", "liaison_")),
    "s136": ("Section 136", ("s136_",)),
    "inpatient": ("Inpatient care, delays and discharge", ()),  # every other metric
}


def stage_of(key: str) -> str:
    """Return the board part (STAGES) that shows metric `key`."""
    return next((stage for stage, (_, prefixes) in STAGES.items() if prefixes and key.startswith(prefixes)),
                "inpatient")


def board_rows(db: Database, filters: Filters, policy: Policy | None = None, stage: str | None = None) -> pd.DataFrame:
    """Return MDC's board table: each headline metric's latest value, target, icons, mean and limits (as text).

    `stage`: only the metrics of that part of the pathway (STAGES); None, every metric.
    """
    policy = policy or Policy.from_settings()  # the request's view, handed over by the render path
    targets = get_settings().targets
    metrics = [m for m in METRICS.values() if stage is None or stage_of(m.key) == stage]
    prefetch_trends(db, filters, [m for m in metrics if m.shown_for(filters.age_band)])
    rows = []
    for metric in metrics:
        if not metric.shown_for(filters.age_band):
            rows.append((metric.label, "–", "all ages only", "–", "–", "–", "–", "–", "–"))
            continue
        fields = trend_fields(metric.key)
        shown = protect(trend_rows(db, filters, metric), fields, policy)
        reading = metric_trend(metric, shown, filters, fields[3].name)  # as trend_reading_of, on the rows in hand
        whole = [i for i, w in enumerate(reading.whole) if w]
        latest = whole[-1] if whole else None
        r = reading.result
        target = targets.get(metric.key) if metric.better else None
        rows.append((
            metric.label,
            "–" if latest is None else str(shown["period"].iloc[latest]),
            "–" if latest is None else format_value(_shown(shown[fields[3].name].iloc[latest], metric), metric.unit),
            _text(target, metric),
            r.variation_icon or ("not enough points" if r.withheld == "few_points" else
                                 "withheld: small numbers" if r.withheld else "–"),
            r.assurance_icon or "–",
            _text(r.mean, metric), _text(r.lower, metric), _text(r.upper, metric),
        ))
    return pd.DataFrame(rows, columns=list(BOARD_COLUMNS))


CHANGE_COLUMNS = ("change", "starts", "metric", "recalculate", "before", "after", "followed")
CHANGE_LABELS = ("Service change", "Starts", "Metric", "Limits recalculated", "Mean before", "Mean after",
                 "Special cause in the expected direction after it")


def change_rows(db: Database, filters: Filters, policy: Policy | None = None) -> pd.DataFrame:
    """Return each service change with, for each metric it names, the means before and after and the verdict.

    Monthly, over the data up to the period's end, from the protected values. The verdict reads
    the chart without that change's recalculation, so a shift after it shows against the limits
    from before: 'Yes' names the first month of a special cause in the measure's better direction.
    """
    policy = policy or Policy.from_settings()  # the request's view, handed over by the render path
    monthly = replace(filters, grain="month")
    prefetch_trends(db, monthly, [m for m in METRICS.values() if m.shown_for(filters.age_band)])
    rows = []
    for change in service_changes(db):
        keys = list(METRICS) if "all" in change.metrics else [k for k in change.metrics if k in METRICS]
        for key in keys:
            metric = METRICS[key]
            row = [change.title, change.starts_on.isoformat(), metric.label, "Yes" if change.recalculate else "No"]
            if not metric.shown_for(filters.age_band) or change.month > filters.period.end:
                rows.append((*row, "–", "–", "all ages only" if not metric.shown_for(filters.age_band)
                             else "after the chosen period"))
                continue
            fields = trend_fields(key)
            shown = protect(trend_rows(db, monthly, metric), fields, policy)
            buckets = list(shown["bucket"])
            values = list(shown[fields[3].name])
            whole = [not is_apart(p) for p in shown["period"]]  # a part month, or one not yet complete
            opens = next((b for b, p in zip(buckets, shown["period"]) if str(p).endswith(OPEN)), None)
            plain = [v if ok and isinstance(v, (int, float)) and not isinstance(v, bool) else None
                     for v, ok in zip(values, whole)]
            before = [v for b, v in zip(buckets, plain) if v is not None and b < change.month]
            after = [v for b, v in zip(buckets, plain) if v is not None and b >= change.month]
            reading = trend_reading(buckets, values, grain="month", first=buckets[0] if buckets else change.month,
                                    last=filters.period.end, period_start=filters.period.start,
                                    better=metric.better, open_from=opens, **reading_kind(metric, shown)).result
            wanted = "improvement" if metric.better else "neither"
            hits = [b for b, s in zip(buckets, reading.signals) if s == wanted and b >= change.month]
            if not reading.enough_points:
                verdict = "No reading: too few points or small numbers"
            elif hits:
                verdict = f"Yes, from {hits[0]:%b %Y}" + ("" if metric.better else " (no better direction)")
            else:
                verdict = "No"
            rows.append((*row, _text(sum(before) / len(before), metric) if before else "–",
                         _text(sum(after) / len(after), metric) if after else "–", verdict))
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))


ALL_QUERIES = tuple(dict.fromkeys(q for m in METRICS.values() for q in m.queries)) + ("service_changes",)


def table_chart(chart_id: str, title: str, data, columns: tuple[str, ...], labels: tuple[str, ...], note: str,
                description: str, empty_text: str) -> Chart:
    """Return a chart that draws its shown rows as a table (its table view and CSV are the same rows)."""
    def figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
        return Drawn(figures.table_figure(list(labels), [list(shown[c]) for c in columns]), note)

    return Chart(id=chart_id, kind=ChartKind.BREAKDOWN, title=title, data=data, queries=ALL_QUERIES,
                 fields=tuple(Field(c, label) for c, label in zip(columns, labels)), figure=figure,
                 description=description, empty_text=empty_text, protects_itself=True)


BOARD_NOTE = ("Each metric's chart at the chosen grain, from the data's first month to the period's end: the "
              "variation icon reads the latest point, the assurance icon compares the target with the latest limits.")
BOARD_DESCRIPTION = "Latest value, target, variation and assurance icons, mean and process limits"
# The whole board in one table (the meeting pack, the API); the page shows it in its STAGES.
BOARD = table_chart("spc-board", "Making Data Count summary", board_rows, BOARD_COLUMNS, BOARD_LABELS,
                    BOARD_NOTE, BOARD_DESCRIPTION, "No metrics to summarise.")
BOARD_PARTS = tuple(
    table_chart(f"spc-board-{stage}", f"Making Data Count summary: {title}", partial(board_rows, stage=stage),
                BOARD_COLUMNS, BOARD_LABELS, BOARD_NOTE, f"{BOARD_DESCRIPTION}: {title}",
                "No metrics to summarise.")
    for stage, (title, _) in STAGES.items())
CHANGES = table_chart(
    "spc-changes", "Changes: did they make a difference?", change_rows, CHANGE_COLUMNS, CHANGE_LABELS,
    "Means by month before and after each change, to the period's end. A special cause in the expected "
    "direction is read against limits that do not restart at the change.",
    "Every service change in the register, for each metric it names",
    "No service changes in the register (the optional service_changes table).")
register(BOARD, *BOARD_PARTS, CHANGES)

PAGE = publish(Page(
    id="spc-summary", path="/spc-summary", title="SPC summary",
    intro="Making Data Count's board table for every headline metric, and what followed each service change.",
    audience="the Crisis Care Concordat task group and commissioners",
    cards=metric_cards("ae_attendances", "s136_detentions", "occupancy_pct", "followup_72h_pct"),
    rows=(*(((part.id, 12),) for part in BOARD_PARTS), (("spc-changes", 12),)),
), __name__, nav="SPC summary", order=90)
