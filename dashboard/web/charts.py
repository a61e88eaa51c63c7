"""Charts declared once and drawn by one generic callback: the render path of a chart.

A page declares its charts (``Chart(id=..., kind=..., data=..., queries=..., fields=...,
figure=...)``, keyword arguments only): the data function fetches the rows (reading the
``queries/*.sql`` files named in ``queries``), ``disclosure.protect`` makes every
``Field`` safe to show, and the figure function draws the protected rows, returning
the figure and the note beneath it (``Drawn``). ``render`` is that path, the whole
body of the chart callback, so every chart is testable without a browser:
``render(chart_id, filters)``. Cards take the same three steps (``dashboard.web.cards``).
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field, replace
from datetime import date
from enum import Enum
from functools import lru_cache, partial
from typing import Any, Callable, Sequence

import pandas as pd

from dashboard.web import figures
from dashboard.web.breakdowns import all_suppressed
from dashboard.web.exports import as_shown, safe_csv
from dashboard.web.figures import Drawn
from dashboard.store.data import by_period, data_bounds, flow_table, service_changes, side_by_side
from dashboard.store.db import Database, one_version
from dashboard.core.disclosure import DETAILED_MARK, SUPPRESSED, Field, Policy, caption, plottable, protect
from dashboard.core.filters import Filters
from dashboard.core.metrics import METRICS, Metric
from dashboard.core.periods import Period, add_months, financial_year_label
from dashboard.core.trend import Change, TrendReading, bucket_end, hidden_ranges, trend_reading
from dashboard.core.windows import FOLLOW_UP_DAYS, first_open_month, open_points_note
from dashboard.store.runtime import get_db
from dashboard.settings import GRAINS, get_settings
from dashboard.core.spc import SpcResult, spc, t_chart

DataFn = Callable[..., pd.DataFrame]  # (db, filters, **selection) -> raw rows
FigureFn = Callable[[pd.DataFrame, Filters], Drawn]  # (protected rows, filters) -> figure and note


class ChartKind(Enum):
    """What a chart draws, and so what its figure must show (the page tests check each kind)."""

    SPC = "spc"  # an XmR chart of one measure by period: a point per bucket, mean and process limits
    TREND = "trend"  # bars or lines by period: one category per bucket
    BREAKDOWN = "breakdown"  # bars by category (site, reason, ward...): one bar per row charted
    GRID = "grid"  # a heatmap of counts (hour by weekday)
    FLOW = "flow"  # a Sankey diagram of people between stages
    RARE = "rare"  # a T chart of a rare event: days between months with one
    CURVE = "curve"  # a cumulative curve over days: a point per row of the table, from its shown counts


@dataclass(frozen=True, kw_only=True)
class Chart:
    """A chart: where its rows come from (data function, .sql files), what may be shown, how it is drawn."""

    id: str
    kind: ChartKind
    title: str
    data: DataFn
    queries: tuple[str, ...]  # the queries/<name>.sql files the data function reads (checked by the tests)
    fields: tuple[Field, ...]
    figure: FigureFn
    description: str = ""
    # The metric a chart shows, if one: its rules (for example "all ages only") apply to the chart.
    metric: str | None = None
    # Column whose total says whether there is any activity to show (default: first count field).
    activity: str | None = None
    empty_text: str = "No activity for this selection."
    # A drill-down chart takes the selection made on another chart (e.g. a heatmap cell)
    # as keyword arguments to its data function, and describes it with `selection_text`.
    selectable: bool = False
    selection_text: Callable[[dict[str, Any]], str] | None = None
    # Columns only the table view shows, when they are costly to compute (a median per site):
    # `figure_data` returns every other column, and the figure is drawn from it alone. Only
    # measures qualify: no other field's protection depends on them.
    table_only: tuple[str, ...] = ()
    figure_data: DataFn | None = None
    # A chart of a page with a site view reads the chosen emergency department (Filters.site);
    # any other chart reads every site, whatever the URL says.
    site_view: bool = False
    # A selection that is the page's own choice (the Journeys index event), not a heatmap cell: what the
    # browser sends is checked by this (anything unknown gives the default) rather than as a cell.
    selection_check: Callable[[Any], dict[str, Any]] | None = None
    # Columns worked out from the protected rows alone (a life table's cumulative %), named by their
    # table label: shown in the table and drawn, a function of what is shown, so they give nothing away.
    derive: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    # A data function that reads other charts' protected rows (the SPC summary's board) protects
    # them itself: it is handed the request's policy as `policy=`, so the detailed view stays exact.
    protects_itself: bool = False

    def __post_init__(self) -> None:
        if bool(self.table_only) != (self.figure_data is not None):
            raise ValueError(f"chart {self.id}: table_only and figure_data go together")
        kinds = {f.name: f.kind for f in self.fields}
        for name in self.table_only:
            if kinds.get(name) != "measure":
                raise ValueError(f"chart {self.id}: table_only {name!r} is not a measure field of the chart")

    def source(self, table: bool = True) -> tuple[DataFn, tuple[Field, ...]]:
        """Return the data function and the fields to protect: for the table view (all), or the figure alone."""
        if table or self.figure_data is None:
            return self.data, self.fields
        return self.figure_data, tuple(f for f in self.fields if f.name not in self.table_only)

    def activity_column(self) -> str | None:
        """Return the column that measures activity, if any."""
        if self.activity:
            return self.activity
        return next((f.num or f.name for f in self.fields if f.kind in ("count", "pct")), None)

    def shown_for(self, filters: Filters) -> bool:
        """Return whether the chart has anything to show for the filters' age band (its metric's rule)."""
        return self.metric is None or METRICS[self.metric].shown_for(filters.age_band)


@dataclass
class Rendered:
    """What a chart callback sends to the browser: the figure, the table rows and a note."""

    figure: dict
    table: pd.DataFrame
    note: str = ""
    empty: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


CHARTS: dict[str, Chart] = {}


def register(*charts: Chart) -> tuple[Chart, ...]:
    """Add charts to the registry (ids are unique across the app); return them."""
    for chart in charts:
        if chart.id in CHARTS and CHARTS[chart.id] is not chart:
            raise ValueError(f"chart id {chart.id!r} registered twice")
        CHARTS[chart.id] = chart
    return charts


def band_text(filters: Filters) -> str:
    """Return 'all ages' or 'ages 18-25' for messages."""
    return "all ages" if filters.age_band == "all" else f"ages {filters.age_band}"


def view_text(filters: Filters) -> str:
    """Return the view in words ('Jan 2025 to Dec 2025 · All ages · by month'): print headers, images, downloads."""
    words = f"{filters.period.label()} · {band_text(filters).capitalize()} · by {GRAINS[filters.grain].lower()}"
    return f"{words} · {filters.site}" if filters.site else words  # the site view's department


def download_name(chart_id: str, filters: Filters, policy: Policy) -> str:
    """Return the file name (no extension) of a chart's CSV or image: the chart, the period, the band, the view.

    A detailed view's file says so in its name, so it is recognised wherever it is saved.
    """
    name = f"{chart_id}_{filters.period.start:%Y-%m}_{filters.period.end:%Y-%m}_{filters.age_band}"
    return name + ("_DETAILED" if policy.detailed else "")


# Characters per line of the caption under an image's title (a half-width chart is ~600 px wide).
CAPTION_WIDTH = 90


def finished(rendered: Rendered, chart: Chart, filters: Filters, policy: Policy) -> Rendered:
    """Return a rendered chart captioned for its image and marked when detailed: the last step of every render."""
    return marked(captioned(rendered, chart, filters, policy), policy)


def captioned(rendered: Rendered, chart: Chart, filters: Filters, policy: Policy) -> Rendered:
    """Return the rendered chart with its title, view and disclosure rule in the figure, and its image's name.

    The toolbar's camera saves the figure alone, away from the page's heading, filters and
    notes: the image must say what it shows, for which period and age band, and how its
    numbers were made safe. The page shows the same heading above the chart, so the title is
    hidden on screen (assets/02_app.css) and given room when the image is made
    (assets/04_charts.js, which names the file from ``meta.filename``). A new layout: no
    drawn figure is changed in place.
    """
    layout = rendered.figure.get("layout", {})
    title = {"text": f"<b>{chart.title}</b>", "x": 0, "xref": "container", "xanchor": "left",
             "y": 1, "yref": "container", "yanchor": "top", "pad": {"l": 12, "t": 10},
             "font": {"size": 16, "color": figures.TEXT},
             "subtitle": {"text": figures.wrap(f"{view_text(filters)}. {caption(policy)}", CAPTION_WIDTH),
                          "font": {"size": 12, "color": figures.NHS_DARK_GREY}}}
    meta = {**layout.get("meta", {}), "filename": figures.IMAGE_PREFIX + download_name(chart.id, filters, policy)}
    return replace(rendered, figure={**rendered.figure, "layout": {**layout, "title": title, "meta": meta}})


def render(chart_id: str, filters: Filters, db: Database | None = None, policy: Policy | None = None,
           selection: dict[str, Any] | None = None, table: bool = True) -> Rendered:
    """Return the protected figure and table of a chart for the filters (and drill-down selection).

    The render path: data function -> ``protect`` -> figure function. With `table` False only the
    figure and note are wanted (the table view is closed): the table comes back empty, and a chart
    with ``figure_data`` skips its table-only columns.
    """
    chart = CHARTS[chart_id]
    if not chart.site_view:
        filters = filters.all_sites()
    no_rows = _no_rows(tuple(f.label for f in chart.fields))
    policy = policy or Policy.from_settings()
    if not chart.shown_for(filters):  # e.g. occupancy under an age band: nothing to fetch
        return finished(_nothing_to_show(chart, filters, no_rows), chart, filters, policy)
    selection = selection if chart.selectable and selection else {}
    data, fields = chart.source(table)
    if chart.protects_itself:
        selection = {**selection, "policy": policy}
    raw = data(one_version(db or get_db()), filters, **selection)  # all its queries from one data version
    activity = chart.activity_column()
    if raw.empty or (activity and activity in raw and pd.to_numeric(raw[activity], errors="coerce").fillna(0).sum() == 0):
        return finished(_nothing_to_show(chart, filters, no_rows), chart, filters, policy)
    shown = protect(raw, fields, policy)
    if chart.derive is not None:
        shown = chart.derive(shown)
    drawn = chart.figure(figures.plain_text(shown), filters)  # text from the data drawn as text, never markup
    if figures.only_suppressed(drawn.figure):  # an axis of '*' alone reads as broken: say why, point to the table
        drawn = all_suppressed(drawn.note)
    table = shown.rename(columns={f.name: f.label for f in fields}) if table else no_rows
    if drawn.columns and not table.empty:  # e.g. an XmR chart's mean, limits and signals, read from the shown values
        table = table.assign(**drawn.columns)
    note = html.unescape(drawn.note)  # shown as text by the page, not by Plotly
    if chart.selection_text:
        note = f"{chart.selection_text(selection)} {note}".strip()
    return finished(Rendered(drawn.figure, table, note), chart, filters, policy)


def marked(rendered: Rendered, policy: Policy) -> Rendered:
    """Return a rendered chart marked as detailed figures when drawn in the detailed view (else as it is).

    The figure leaves as an image too (the mode bar's download), so the mark goes on the figure.
    A new layout, never the drawn one changed in place: nothing detailed may stick to a shared dict.
    """
    if not policy.detailed:
        return rendered
    layout = rendered.figure.get("layout", {})
    figure = {**rendered.figure, "layout": {**layout, "annotations": [*layout.get("annotations", []),
                                                                       detailed_mark()]}}
    return Rendered(figure, rendered.table, f"{DETAILED_MARK}. {rendered.note}".strip(), rendered.empty,
                    rendered.extra)


def detailed_mark() -> dict[str, Any]:
    """Return the figure annotation that marks a chart drawn in the detailed view (seen in its image export)."""
    return {"text": DETAILED_MARK, "showarrow": False, "xref": "paper", "yref": "paper", "x": 1, "y": 1,
            "xanchor": "right", "yanchor": "bottom", "font": {"size": 11, "color": figures.NHS_RED},
            "name": "detailed-mark"}


def _nothing_to_show(chart: Chart, filters: Filters, no_rows: pd.DataFrame) -> Rendered:
    """Return the message a chart gives when the selection has no activity (or is not one it shows)."""
    text = f"{chart.empty_text} ({band_text(filters)}, {filters.period.label()})"
    return Rendered(figures.message_figure(text), no_rows, text, True)


@lru_cache(maxsize=256)
def _no_rows(labels: tuple[str, ...]) -> pd.DataFrame:
    """Return an empty table with these columns: built once per chart and shared, so never modified."""
    return pd.DataFrame(columns=list(labels))


def to_csv(rendered: Rendered, policy: Policy | None = None) -> str:
    """Return the table of a rendered chart as CSV, exactly as shown ('*', numbers rounded as the table shows them).

    Formula-like text is neutralised (exports.safe_csv). In the detailed view the first line is the
    marking, so it travels with the file.
    """
    text = safe_csv(as_shown(rendered.table))
    return f"{DETAILED_MARK}\n{text}" if policy is not None and policy.detailed else text


# --- trend charts -------------------------------------------------------------------------

def bucket_label(bucket: date, grain: str) -> str:
    """Return the axis label of a trend bucket: 'Apr 2024', 'Q1 2024/25' or '2024/25'."""
    if grain == "quarter":
        fy_quarter = ((bucket.month - 4) % 12) // 3 + 1
        return f"Q{fy_quarter} {financial_year_label(bucket)}"
    if grain == "fy":
        return financial_year_label(bucket)
    return bucket.strftime("%b %Y")


def bucket_is_partial(bucket: date, grain: str, filters: Filters) -> bool:
    """Return whether the period covers only part of a quarter or financial year bucket."""
    months = {"quarter": 3, "fy": 12}.get(grain)
    if months is None:
        return False
    return bucket < filters.period.start or add_months(bucket, months - 1) > filters.period.end


def with_labels(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Return a trend frame with a 'period' label per bucket ('(part)' where the period cuts it)."""
    return frame.assign(period=[
        bucket_label(b, filters.grain) + (" (part)" if bucket_is_partial(b, filters.grain, filters) else "")
        for b in frame["bucket"]])


def metric_field(key: str, name: str = "value") -> Field:
    """Return the protected field that shows metric `key` (a count, % or median).

    A rate whose numerator is a count metric of its own (delayed days, published on a card) hides
    a small numerator too: the rate times its denominator shown elsewhere would give the count back.
    """
    m = METRICS[key]
    if m.kind == "count":
        return Field(m.value, m.label, "count")
    if m.kind == "pct":
        return Field(name, m.label, "pct", num=m.value, den=m.denominator, unit="%",
                     hide_small_numerator=m.value in COUNT_COLUMNS)
    if m.kind in ("rate", "ratio"):  # computed from the shown, protected counts
        return Field(name, m.label, m.kind, num=m.value, den=m.denominator, unit=m.unit, reference=m.reference)
    return Field(m.value, m.label, "measure", den=m.denominator, unit=m.unit)


COUNT_COLUMNS = frozenset(m.value for m in METRICS.values() if m.kind == "count")


def spc_reading(values: Sequence[float | None], *, better: str | None, target: float | None = None,
                percent: bool = False, suppressed_counts: int = 0,
                hidden_ranges: Sequence[tuple[float, float]] = ()) -> SpcResult:
    """Return the SPC reading of shown values: a card's icons and a chart's limits make this one call.

    Limits are clipped to what the measure can take: 0 and up, and at most 100 for a percentage.
    `suppressed_counts`: how many points are counts hidden as small numbers; `hidden_ranges`: what
    each point hidden for its small numerator could be (dashboard.core.spc).
    """
    bounds = {"lower_bound": 0.0, "upper_bound": 100.0} if percent else {"lower_bound": 0.0}
    return spc(values, better, target, **bounds, suppressed_counts=suppressed_counts, hidden_ranges=hidden_ranges)


def spc_trend_figure(shown: pd.DataFrame, column: str, *, name: str, unit: str = "", better: str | None = None,
                     target: float | None = None, percent: bool = False, count: bool = False,
                     base: str | None = None, window_days: int = 0) -> Drawn:
    """Return the XmR chart of a shown column by 'period' ('*' where suppressed), its SPC reading as the note.

    `better` is the direction of improvement ('up', 'down' or None); a percentage is bounded by 0 and 100.
    `count`: the column is a count, so suppressed points can withhold the limits (dashboard.core.spc);
    `base`: the shown denominator column of a percentage, so points hidden for a small numerator can.
    A period labelled as not complete (`OPEN`: its follow-up window of `window_days` runs past the
    data's end) is drawn apart and left out of the calculation.
    """
    suppressed = [v == SUPPRESSED for v in shown[column]]
    values = plottable(shown[column])
    late = [str(p).endswith(OPEN) for p in shown["period"]]
    inside = [None if unfinished else v for v, unfinished in zip(values, late)]
    ranges = hidden_ranges(list(shown[column]), [not unfinished for unfinished in late], percent=percent,
                           bases=list(shown[base]) if base else None)
    result = spc_reading(inside, better=better, target=target, percent=percent,
                         suppressed_counts=sum(suppressed) if count else 0, hidden_ranges=ranges)
    fig = figures.spc_figure(shown["period"], inside, result, name=name, unit=unit, target=target,
                             suppressed=suppressed,
                             still_open=[v if unfinished else None for v, unfinished in zip(values, late)])
    note = figures.variation_text(result)
    if any(late) and window_days:
        note = f"{note} {open_points_note(window_days)}"
    return Drawn(fig, note, spc_columns(result, inside))


SIGNAL_TEXT = {"improvement": "Special cause: improvement", "concern": "Special cause: concern",
               "neither": "Special cause: neither better nor worse"}


def spc_columns(result: SpcResult, values: Sequence[float | None]) -> dict[str, list[Any]]:
    """Return an XmR chart's mean, process limits and signal per point, as its table and CSV list them.

    They are read from the shown values (the chart's own reading), so they hide nothing more
    than the chart does. A point outside the calculation (suppressed, no data, a part bucket)
    has no signal; a chart with too few points has its mean only (as drawn), or nothing when
    suppressed points withhold the reading.
    """
    n = len(values)

    def per_point(series: Sequence[float | None], single: float | None, drawn: bool) -> list[float | None]:
        if not drawn:
            return [None] * n
        return list(series) if len(series) == n else [single] * n

    few = result.withheld == "few_points" and result.mean is not None  # MDC: the mean is drawn, no limits
    signals = [("" if v is None or not result.enough_points else SIGNAL_TEXT.get(s or "", "Common cause"))
               for v, s in zip(values, [*result.signals, *[None] * (n - len(result.signals))])]
    return {"Mean": per_point(result.means, result.mean, result.enough_points or few),
            "Lower process limit": per_point(result.lowers, result.lower, result.enough_points),
            "Upper process limit": per_point(result.uppers, result.upper, result.enough_points),
            "SPC signal": signals}


def with_open_window(frame: pd.DataFrame, db: Database, filters: Filters, days: int) -> pd.DataFrame:
    """Return a trend frame labelled by with_labels, its buckets whose `days` window is not complete marked OPEN."""
    bounds = data_bounds(db)
    if not bounds:
        return frame
    opens = first_open_month(bounds[1], days)
    return frame.assign(period=[p if str(p).endswith(APART) or bucket_end(b, filters.grain) < opens else p + OPEN
                                for b, p in zip(frame["bucket"], frame["period"])])


SERVICE_CHANGES = "service_changes"  # the query of the service change register, read by every trend chart
# What a rate chart or card says without the optional population table (or without residents in the band).
POPULATION_NEEDED = ("Rates per 100,000 residents need the optional population table (split by ethnic group for "
                     "rates by group): see the README, 'Loading real extracts'.")
SPAN_PERIOD, SPAN_PREVIOUS, SPAN_EARLIER = "Chosen period", "Previous equal period", "Earlier"
APART = " (part)"  # a bucket cut by the data or the period: drawn apart, not calculated
OPEN = " (not complete)"  # a bucket whose follow-up window runs past the data's end: drawn apart, not calculated


def is_apart(label: Any) -> bool:
    """Return whether a trend bucket's label says it is drawn apart and left out of the SPC calculation."""
    return str(label).endswith((APART, OPEN))


def open_from(bounds: tuple[date, date] | None, key: str) -> date | None:
    """Return the first month whose follow-up window for metric `key` is not complete (None: no window)."""
    days = FOLLOW_UP_DAYS.get(key)
    return first_open_month(bounds[1], days) if days and bounds else None
RECALCULATED = " (limits recalculated)"


def trend_span(filters: Filters, bounds: tuple[date, date] | None) -> Filters:
    """Return the filters of a trend chart: the data's history up to the chosen period's end, at its grain.

    Limits need enough points (MDC: 13), which the default twelve months never give; the chosen
    period is shaded on the chart and its cards summarise it.
    """
    first = bounds[0] if bounds and bounds[0] <= filters.period.end else filters.period.start
    return replace(filters, period=Period(first, filters.period.end))  # never a month before the data


def prefetch_trends(db: Database, filters: Filters, metrics: Sequence[Metric]) -> None:
    """Run the trend queries of several metrics side by side, so each one's trend_rows reads the memo.

    A table of many metrics (the SPC summary, a page's cards) would otherwise ask them metric by
    metric, one after the other.
    """
    span = trend_span(filters, data_bounds(db))
    side_by_side([partial(by_period, db, name, span) for name in dict.fromkeys(q for m in metrics for q in m.queries)])


def trend_rows(db: Database, filters: Filters, metric: Metric) -> pd.DataFrame:
    """Return a metric's trend rows over its chart's span: bucket, period label, span, service change, values.

    A bucket not wholly inside the data and the chart's months is labelled as apart (not calculated).
    """
    bounds = data_bounds(db)
    span = trend_span(filters, bounds)
    frame = flow_table(db, span, queries=metric.queries)
    first = bounds[0] if bounds else span.period.start
    previous = filters.period.previous()
    changes = service_changes(db, metric.key)
    opens = open_from(bounds, metric.key)
    labels, parts, notes = [], [], []
    for b in frame["bucket"]:
        whole = first <= b and bucket_end(b, filters.grain) <= filters.period.end
        complete = opens is None or bucket_end(b, filters.grain) < opens
        labels.append(bucket_label(b, filters.grain) + (APART if not whole else "" if complete else OPEN))
        parts.append(SPAN_PERIOD if b >= filters.period.start else SPAN_PREVIOUS if b >= previous.start
                     else SPAN_EARLIER)
        notes.append("; ".join(c.title + (RECALCULATED if c.recalculate else "")
                               for c in changes if b <= c.month <= bucket_end(b, filters.grain)))
    # Only the columns its fields read (a query holds up to 25): every later step copies the frame.
    columns = {name: frame[name].array for name in _trend_columns(metric.key) if name in frame}
    columns.update(period=labels, span=parts, change=notes)
    if metric.base:
        columns["records"] = frame[metric.base].array
    return pd.DataFrame(columns)


@lru_cache(maxsize=None)
def _trend_columns(key: str) -> tuple[str, ...]:
    """Return the query columns a metric's trend rows keep: the bucket and what its fields and base read."""
    metric = METRICS[key]
    made = {"period", "span", "change", "records"}
    read = [n for f in trend_fields(key) for n in (f.name, f.num, f.den, *(f.reference or ())) if n and n not in made]
    return tuple(dict.fromkeys(["bucket", *read, *([metric.base] if metric.base else [])]))


def metric_trend(metric: Metric, shown: pd.DataFrame, filters: Filters, column: str | None = None) -> TrendReading:
    """Return the SPC reading of a metric's protected trend rows: the one call behind its chart and its card."""
    column = column or metric_field(metric.key).name
    buckets = list(shown["bucket"])
    whole = [not is_apart(p) for p in shown["period"]]
    first = next((b for b, p in zip(buckets, shown["period"]) if not str(p).endswith(APART)), filters.period.start)
    opens = next((b for b, p in zip(buckets, shown["period"]) if str(p).endswith(OPEN)), None)
    changes = []
    for b, note in zip(buckets, shown["change"]):
        for part in filter(None, str(note).split("; ")):
            changes.append(Change(b, part.removesuffix(RECALCULATED), part.endswith(RECALCULATED)))
    return trend_reading(buckets, list(shown[column]), grain=filters.grain, first=first, last=filters.period.end,
                         period_start=filters.period.start, changes=changes, better=metric.better,
                         target=get_settings().targets.get(metric.key), open_from=opens, **reading_kind(metric, shown))


def reading_kind(metric: Metric, shown: pd.DataFrame) -> dict[str, Any]:
    """Return what trend_reading needs to know of a metric's kind: bounds, and how a hidden point may bias it."""
    return {"percent": metric.kind == "pct", "count": metric.kind == "count", "rate": metric.kind == "rate",
            "bases": list(shown["records"]) if "records" in shown else None}


def records_label(metric: Metric) -> str:
    """Return the table's name for the base of a metric's value: what it counts ('Available bed days'), or 'Records'.

    A base that counts days (occupancy's commissioned bed days, delayed days' occupied bed days)
    is not a count of records, and a table saying 'Records' misleads whoever reads its CSV.
    """
    base = metric.base or ""
    return base.replace("_", " ").capitalize() if base.endswith("_days") else "Records"


def trend_fields(key: str) -> tuple[Field, ...]:
    """Return the protected fields of a metric's trend: period, start, span, the value (4th), records, change."""
    metric = METRICS[key]
    value_field = metric_field(key)
    # Secondary suppression (disclosure module docstring): within each span the buckets of a count
    # add up to a figure shown elsewhere (the chosen period's card, the previous period's), and
    # `records` (the base of a rate or median) to the base of the card's figure.
    if value_field.kind == "count":
        value_field = replace(value_field, partition="span")
    n_field = Field("records", records_label(metric), "count", partition="span") if metric.base else None
    return (Field("period", "Period"), Field("bucket", "Starts"), Field("span", "Part of chart"), value_field) + (
        (n_field,) if n_field else ()) + (Field("change", "Service change"),)


def trend_reading_of(metric: Metric, filters: Filters, db: Database, policy: Policy) -> TrendReading:
    """Return the SPC reading a metric's trend chart draws: its rows, protected as the chart's, then read.

    A card's icons come from here, so they are the chart's own (series, grain, segment).
    """
    fields = trend_fields(metric.key)
    shown = protect(trend_rows(db, filters, metric), fields, policy)
    return metric_trend(metric, shown, filters, fields[3].name)


def spc_chart(key: str, chart_id: str | None = None, title: str | None = None, description: str = "") -> Chart:
    """Return the SPC trend chart of metric `key`: XmR over the history to the period's end, MDC rules.

    The chosen period is shaded; service changes naming the metric are drawn (and recalculate
    the limits where they say so); a part quarter or year is drawn apart, not calculated.
    """
    metric = METRICS[key]
    fields = trend_fields(key)
    value_field = fields[3]

    def data(db: Database, filters: Filters) -> pd.DataFrame:
        return trend_rows(db, filters, metric)

    def figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
        column = shown[value_field.name]
        reading = metric_trend(metric, shown, filters, value_field.name)
        values = plottable(column)
        inside = [v if whole else None for v, whole in zip(values, reading.whole)]
        unfinished = [str(p).endswith(OPEN) for p in shown["period"]]
        apart = [None if whole or late else v for v, whole, late in zip(values, reading.whole, unfinished)]
        still_open = [v if late else None for v, late in zip(values, unfinished)]
        chosen = [i for i, p in enumerate(reading.in_period) if p]
        fig = figures.spc_figure(shown["period"], inside, reading.result, name=metric.label, unit=metric.unit,
                                 target=get_settings().targets.get(key),
                                 suppressed=[v == SUPPRESSED for v in column], apart=apart,
                                 shade=(chosen[0], chosen[-1]) if chosen and chosen[0] > 0 else None,
                                 changes=[(i, c.title, c.recalculate) for i, c in reading.changes],
                                 still_open=still_open)
        note = figures.variation_text(reading.result)
        if chosen and chosen[0] > 0:
            note = f"{note} The chart runs from the data's first month to the period's end; the chosen period is shaded."
        if any(unfinished):
            note = f"{note} {open_points_note(FOLLOW_UP_DAYS[key])}"
        return Drawn(fig, note, spc_columns(reading.result, inside))

    empty = f"No {metric.label.lower()} data for this selection."
    if metric.kind in ("rate", "ratio"):  # no residents to divide by: say how to add them
        empty = POPULATION_NEEDED
    elif metric.band_all_only:
        empty = f"{metric.label} is shown for all ages only: capacity is not split by age band."
    return Chart(id=chart_id or f"spc-{key}", kind=ChartKind.SPC, title=title or metric.label, data=data,
                 queries=(*metric.queries, SERVICE_CHANGES), fields=fields, figure=figure, description=description or metric.note,
                 metric=key, activity=metric.denominator or metric.value, empty_text=empty)


def rare_event_chart(key: str, chart_id: str, title: str, description: str = "") -> Chart:
    """Return the T chart of a rare event (MDC's rare-event method): time between months with an event.

    Months are the finest the protected figures allow: a month shows its count, '*' (1 to 7) or 0,
    so the chart reads only which months had an event, never how many, and the exact dates stay
    on the server. Each point is the days between the first days of consecutive months with an
    event; limits come from t ** (1 / 3.6) (dashboard.core.spc.t_chart). Longer is better.
    """
    metric = METRICS[key]
    fields = trend_fields(key)

    def data(db: Database, filters: Filters) -> pd.DataFrame:
        return trend_rows(db, replace(filters, grain="month"), metric)

    def figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
        months = [b for b, p, v in zip(shown["bucket"], shown["period"], shown[fields[3].name])
                  if not str(p).endswith(APART) and (v == SUPPRESSED or (isinstance(v, (int, float)) and v > 0))]
        t = t_chart(months)
        labels = [bucket_label(m, "month") for m in t.events[1:]]
        fig = figures.spc_figure(labels, list(t.days), t.chart, name="Days since the previous month with one",
                                 unit="days")
        last = f"Last month with one: {t.last_event:%b %Y}." if t.last_event else "None in the data."
        reading = figures.variation_text(t.chart) if len(t.days) else "No interval to chart."
        return Drawn(fig, f"{last} {reading} Time between months with at least one (longer is better).")

    return Chart(id=chart_id, kind=ChartKind.RARE, title=title, data=data, queries=(*metric.queries, SERVICE_CHANGES), fields=fields,
                 figure=figure, description=description or f"{metric.label}: a T chart of the time between them",
                 metric=key, activity=metric.value, empty_text=f"No {metric.label.lower()} in the data to the period's end.")
