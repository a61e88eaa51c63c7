"""Journeys (/journeys): follow people from a crisis: what happened next, and how soon they came back.

For the Crisis Care Concordat task group and commissioners. The extracts link every record to
one person, so a cohort can be followed across A&E, section 136, liaison and ward stays: each
person's first index event in the period (chosen here, narrowed by one of its fields; both in
the URL), then what happened within 7, 30 and 90 days, and the time to a first return to A&E or
a s136 detention as a life table (the Kaplan-Meier method in intervals, censored at the data's
end). Rules: dashboard/core/journeys.py; data: dashboard/store/journeys.py over the catalog's
person_events (queries/catalog/22_person_events.sql).
"""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Mapping

import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from dashboard.core.disclosure import SUPPRESSED, Field, plottable
from dashboard.core.filters import Filters, parse_filters
from dashboard.core.journeys import (ANY, DEFAULT_INDEX, DEFAULT_SPAN, INDEX_EVENTS, SPANS, WINDOWS, Choice,
                                     choice_of, clean_choice, clean_span_choice, cumulative_returned, hidden_as)
from dashboard.settings import get_settings
from dashboard.store.data import data_bounds
from dashboard.store.db import Database
from dashboard.store.journeys import before_after_rows, details, frequent_rows, next_rows, return_rows
from dashboard.store.runtime import get_db
from dashboard.web import figures
from dashboard.web.breakdowns import WARD_TYPES_IN_FULL, drawable, noted
from dashboard.web.callbacks import url_query
from dashboard.web.cards import metric_cards
from dashboard.web.charts import Chart, ChartKind, register, with_labels
from dashboard.web.components import Page, publish, view_search
from dashboard.web.figures import Drawn
from pages.recovery import DESTINATIONS

# Each index event's field that narrows the cohort, as the control names it, and its values' labels
# (None: the data's own text, the emergency department's name).
NARROWED_BY = {"ae": "Emergency department", "s136": "First place of safety", "liaison": "Outcome of the assessment",
               "admission": "Ward type", "discharge": "Discharge destination"}
PHRASES = {"ae": "A&E mental health attendance", "s136": "section 136 detention", "liaison": "liaison assessment",
           "admission": "admission to a mental health ward", "discharge": "discharge from a mental health ward"}
PLACES_OF_SAFETY = {"health_based": "Health-based place of safety", "emergency_department": "Emergency department",
                    "police_custody": "Police custody", "other": "Other place of safety"}
LIAISON_OUTCOMES = {"admitted_mh": "Admitted to a mental health ward", "crisis_team": "Referred to the crisis team",
                    "community_mh": "Referred to community mental health services",
                    "gp_discharge": "Discharged to the GP", "no_mh_follow_up": "No mental health follow-up",
                    "other": "Other outcome", "not_recorded": "Outcome not recorded"}
DETAIL_LABELS: dict[str, Mapping[str, str] | None] = {
    "ae": None, "s136": PLACES_OF_SAFETY, "liaison": LIAISON_OUTCOMES, "admission": WARD_TYPES_IN_FULL,
    "discharge": DESTINATIONS}
EVERY = "__every__"  # the narrowing control's value for "every one" (ANY in the URL and the queries)
SMALL_COHORT = ("No cohort to show: no one, or fewer people than the disclosure threshold, had this index event "
                "in the period (nothing is shown of a cohort that small)")
WINDOW_COLOURS = ("#41B6E6", figures.NHS_BLUE, figures.NHS_DARK_BLUE)  # 7, 30, 90 days: darker as time passes


def detail_label(index: str, detail: str) -> str:
    """Return how a narrowing value is shown (a code's label, or the data's own text)."""
    return (DETAIL_LABELS[index] or {}).get(detail, detail)


def cohort_text(selection: Mapping[str, Any]) -> str:
    """Return who the cohort of a chart's selection is, in a sentence (the note above each chart's reading)."""
    choice = Choice(**clean_choice(selection))
    narrowed = (f" ({NARROWED_BY[choice.index].lower()}: {detail_label(choice.index, choice.narrow)})"
                if choice.narrow != ANY else "")
    return f"Cohort: each person's first {PHRASES[choice.index]}{narrowed} in the period."


def rates_hidden(fig: dict, shown: pd.DataFrame, columns: list[str]) -> dict:
    """Return the figure with a headline saying so when none of its rates can be drawn (the counts are in the table).

    Small cohorts give '*' rates beside counts that are shown (the cohort, the people followed):
    the chart says why it is bare rather than give way to the "every number is suppressed" message.
    """
    if not drawable(*(shown[c] for c in columns)) and any(v == SUPPRESSED for c in columns for v in shown[c]):
        figures.headline(fig, "Too few people for any rate: the table has the counts", figures.NHS_DARK_GREY)
    return fig


def shown_count(value: Any) -> str:
    """Return a shown count as text ('*' as it is)."""
    if value is None or value == SUPPRESSED:
        return "–" if value is None else SUPPRESSED
    return f"{int(value):,}"


# --- what happened next -----------------------------------------------------------------------

NEXT_FIELDS = (
    Field("label", "What happened next"),
    *(field for days in WINDOWS for field in (
        Field(f"pct_{days}", f"Within {days} days (%)", "pct", num=f"people_{days}", den=f"followed_{days}", unit="%"),
        Field(f"people_{days}", f"People, within {days} days", "count"),
        Field(f"followed_{days}", f"People followed {days} days", "count"))),
    Field("cohort", "People in the cohort", "count"),
)


def next_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return the share of the cohort with each outcome within 7, 30 and 90 days as grouped horizontal bars."""
    columns = [f"pct_{days}" for days in WINDOWS]
    fig = figures.bar_figure(shown["label"], [(f"Within {days} days", plottable(shown[column]))
                                              for days, column in zip(WINDOWS, columns)],
                             horizontal=True, unit="%", height=380)
    figures.coloured(fig, WINDOW_COLOURS)
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "title": {"text": "% of the people followed that long"}}
    figures.mark_suppressed(fig, shown, "label", columns, horizontal=True)
    rates_hidden(fig, shown, columns)
    first = shown.iloc[0]
    followed = "; ".join(f"{days} days {shown_count(first[f'followed_{days}'])}" for days in WINDOWS)
    return noted(fig, shown, columns,
                 f"{shown_count(first['cohort'])} people. Followed for: {followed}. Each window counts only the "
                 "people seen for all of it: a window that runs past the data's end is left out, not read as "
                 "nothing recorded. A person can have several outcomes.")


NEXT = Chart(
    id="jny-next", kind=ChartKind.BREAKDOWN, title="What happened next", data=next_rows, queries=("journeys_next",),
    fields=NEXT_FIELDS, figure=next_figure,
    description=("Within 7, 30 and 90 days of the index event (after it, up to and including day N): back to A&E, "
                 "detained under s136, admitted, followed up by liaison or a community team, or none of these"),
    activity="cohort", empty_text=SMALL_COHORT, selectable=True, selection_text=cohort_text,
    selection_check=clean_choice,
)


# --- time to a first return -------------------------------------------------------------------

CUMULATIVE = "Returned by then (cumulative %)"  # the life table's estimate, worked out from the shown counts
RETURN_FIELDS = (
    Field("interval", "Days after the index event"),
    Field("day_to", "Up to day"),
    Field("at_risk", "Followed and not yet returned (at risk)", "count"),
    Field("returned", "Returned in the interval", "count"),
    Field("censored", "Follow-up ended by the data's end (censored)", "count"),
)


def with_cumulative(shown: pd.DataFrame) -> pd.DataFrame:
    """Return the protected life table with its cumulative % returned, worked out from the shown counts only."""
    curve = cumulative_returned(shown["at_risk"], shown["returned"], shown["censored"],
                                hidden_as(get_settings().suppression_threshold))
    return shown.assign(**{CUMULATIVE: pd.Series(curve, index=shown.index, dtype=object)})


def return_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return the cumulative % returned to A&E or detained under s136 by day, from day 0 to 90."""
    days = [0.0] + [float(d) for d in shown["day_to"]]
    values = [0.0] + plottable(shown[CUMULATIVE])
    hover = ["Day 0: 0%"] + [f"By day {d}: " + ("* (too few people left to show)" if v == SUPPRESSED else
                                                "no one left to follow" if v is None else f"{v:.1f}%")
                             for d, v in zip(shown["day_to"], shown[CUMULATIVE])]
    fig = {"data": [{"type": "scatter", "mode": "lines+markers", "name": "Returned to A&E or detained",
                     "x": days, "y": values, "connectgaps": False, "hovertext": hover, "hoverinfo": "text",
                     "line": {"color": figures.NHS_BLUE, "width": 2}, "marker": {"color": figures.NHS_BLUE, "size": 7}}],
           "layout": figures.base_layout(
               xaxis={"title": {"text": "Days after the index event"}, "tickvals": days, "range": [0, 92]},
               yaxis={"title": {"text": "Returned (cumulative %)"}, "ticksuffix": "%",
                      "range": [0, max(10.0, 1.2 * max(v for v in values if v is not None))]},
               showlegend=False)}
    hidden = [d for d, v in zip(shown["day_to"], shown[CUMULATIVE]) if v == SUPPRESSED]
    if hidden:
        fig["data"].append(figures._suppressed_marks(hidden, [0] * len(hidden),
                                                     [f"By day {d}: * (too few people left to show)" for d in hidden]))
    by = {int(d): v for d, v in zip(shown["day_to"], shown[CUMULATIVE])}
    reading = "; ".join(f"by day {d}: " + (f"{by[d]:.1f}%" if isinstance(by.get(d), float) else str(by.get(d) or "–"))
                        for d in (7, 30, 90))
    notes = [f"Returned to A&E or detained under s136 {reading}.",
             "A life table (the Kaplan-Meier method in intervals): people whose follow-up ends at the data's end "
             "are censored: counted at risk until then (for half of the interval they leave in), never as having "
             "not returned."]
    if any(v == SUPPRESSED for column in ("returned", "censored") for v in shown[column]):
        notes.append(f"Where a count is hidden (*), the curve takes it as "
                     f"{hidden_as(get_settings().suppression_threshold):g}, the middle of what * stands for.")
    return Drawn(fig, " ".join(notes))


RETURN = Chart(
    id="jny-return", kind=ChartKind.CURVE, title="Time to a first return to A&E or a s136 detention",
    data=return_rows, queries=("journeys_return",), fields=RETURN_FIELDS, figure=return_figure,
    derive=with_cumulative,
    description="Cumulative % over 90 days after the index event, censored at the data's end (Kaplan-Meier style)",
    activity="at_risk", empty_text=SMALL_COHORT, selectable=True, selection_text=cohort_text,
    selection_check=clean_choice,
)

# --- before and after ---------------------------------------------------------------------------

RTM_CAVEAT = ("People join a cohort at a peak (the index event is a crisis), so their use of services falls "
              "back afterwards without any help: regression to the mean. Set the cohort's change against the "
              "reference group's, chosen the same way from the previous period, before reading a fall as the "
              "effect of a service.")
GROUPS = (("", "Cohort"), ("ref_", "Reference group"))
BEFORE_AFTER_FIELDS = (
    Field("label", "Measure"),
    *(Field(f"{prefix}per100_{when}", f"{group}: {when}, per 100 people", "pct", num=f"{prefix}{when}",
            den=f"{prefix}people")
      for prefix, group in GROUPS for when in ("before", "after")),
    *(Field(f"{prefix}{when}", f"{group}: {when}", "count") for prefix, group in GROUPS for when in ("before", "after")),
    *(field for prefix, group in GROUPS for field in (
        Field(f"{prefix}people", f"{group}: people included", "count"),
        Field(f"{prefix}left_out", f"{group}: people left out (a window outside the data)", "count"))),
    Field("cohort", "People in the cohort", "count"),
)
BEFORE_AFTER_COLOURS = ("#A7C7E7", figures.NHS_BLUE, "#D0D5D8", figures.NHS_DARK_GREY)


def change_text(before: Any, after: Any) -> str | None:
    """Return the change from before to after as a signed % of before, from shown values (None if not shown)."""
    if not isinstance(before, (int, float)) or not isinstance(after, (int, float)) or not before:
        return None
    return f"{100 * (after - before) / before:+.0f}%"


def before_after_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return each measure per 100 people before and after, for the cohort and the reference group."""
    columns = [f"{prefix}per100_{when}" for prefix, _ in GROUPS for when in ("before", "after")]
    names = [f"{group}, {when}" for _, group in GROUPS for when in ("before", "after")]
    fig = figures.bar_figure(shown["label"], [(name, plottable(shown[column])) for name, column in zip(names, columns)],
                             horizontal=True, height=420)
    figures.coloured(fig, BEFORE_AFTER_COLOURS)
    for trace in fig["data"]:  # bed days dwarf the other measures: each bar says its value
        trace.update(texttemplate="%{x:,.1f}", textposition="outside", cliponaxis=False, textfont={"size": 10})
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "title": {"text": "Per 100 people included"}}
    figures.mark_suppressed(fig, shown, "label", columns, horizontal=True)
    rates_hidden(fig, shown, columns)
    first = shown.iloc[0]
    groups = []
    for prefix, group in GROUPS:
        if first[f"{prefix}people"] is None:
            groups.append(f"{group}: fewer people than the disclosure threshold (or none): not shown.")
            continue
        if first[f"{prefix}people"] == 0:
            groups.append(f"{group}: no one has both windows inside the data (the period is too near its start or "
                          "end): choose a shorter span or another period.")
            continue
        changes = [f"{label} {change}" for label, b, a in zip(shown["label"], shown[f"{prefix}per100_before"],
                                                                     shown[f"{prefix}per100_after"])
                   if (change := change_text(b, a))]
        groups.append(f"{group}: {shown_count(first[f'{prefix}people'])} people included, "
                      f"{shown_count(first[f'{prefix}left_out'])} left out"
                      + (f"; after against before: {', '.join(changes)}." if changes else "."))
    return noted(fig, shown, columns, *groups, RTM_CAVEAT)


def before_after_text(selection: Mapping[str, Any]) -> str:
    """Return the cohort and the span of the before-and-after chart, in a sentence."""
    span = clean_span_choice(selection).get("span", DEFAULT_SPAN)
    return (f"{cohort_text(selection)} The {span} days before the index event against the {span} days after; "
            "the reference group is chosen the same way from the previous period of the same length.")


BEFORE_AFTER = Chart(
    id="jny-before-after", kind=ChartKind.BREAKDOWN, title="Before and after, against a reference group",
    data=before_after_rows, queries=("journeys_before_after",), fields=BEFORE_AFTER_FIELDS,
    figure=before_after_figure,
    description=("A&E attendances, s136 detentions, admissions and bed days in the N days before the index event "
                 "and the N days after, per 100 people whose windows both lie inside the data (the others left out "
                 "and counted)"),
    activity="cohort", empty_text=SMALL_COHORT, selectable=True, selection_text=before_after_text,
    selection_check=clean_span_choice,
)

# --- frequent attenders -------------------------------------------------------------------------

def frequent_trend(db: Database, filters: Filters) -> pd.DataFrame:
    """Return frequent attenders for each month of the period (the 12 months to its end), labelled by month."""
    return with_labels(frequent_rows(db, filters), replace(filters, grain="month"))


def shown_pct(value: Any) -> str:
    """Return a shown percentage as text ('*' as it is, '–' where there is nothing to divide by)."""
    return f"{value:.1f}%" if isinstance(value, (int, float)) else ("–" if value is None else str(value))


def frequent_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return frequent attenders by month as bars, and their share of all attendances as a line."""
    threshold = get_settings().frequent_attender_min
    people = plottable(shown["frequent"])
    fig = figures.bar_figure(shown["period"], [("Frequent attenders", people)])
    figures.count_axis(fig, max([v for v in people if v is not None] or [0]), "People")
    figures.mark_suppressed(fig, shown, "period", ["frequent"])
    fig["data"].append({
        "type": "scatter", "mode": "lines+markers", "name": "Their share of all attendances", "yaxis": "y2",
        "x": list(shown["period"]), "y": plottable(shown["pct_attendances"]), "connectgaps": False,
        "line": {"color": figures.CONCERN, "width": 2}, "marker": {"color": figures.CONCERN, "size": 6},
        "hovertemplate": "%{x}<br>Share of all attendances: %{y:.1f}%<extra></extra>"})
    fig["layout"]["yaxis2"] = {"overlaying": "y", "side": "right", "ticksuffix": "%", "rangemode": "tozero",
                               "showgrid": False}  # the legend names the line: a second axis title would crowd it
    fig["layout"]["showlegend"] = True
    last = shown.iloc[-1]
    return noted(fig, shown, ["frequent", "pct_attendances"],
                 f"In the 12 months to {last['period']}: {shown_count(last['frequent'])} people attended A&E "
                 f"{threshold} or more times, with "
                 f"{shown_pct(last['pct_attendances'])} of all attendances; {shown_pct(last['pct_cared'])} of them had "
                 "a liaison assessment or a care plan outcome (admitted, or referred to the crisis team or community "
                 "mental health services). Each month counts the 12 months to its end.")


FREQUENT = Chart(
    id="jny-frequent", kind=ChartKind.TREND, title="Frequent attenders at A&E",
    data=frequent_trend, queries=("journeys_frequent",),
    fields=(Field("period", "Period"),
            Field("frequent", "Frequent attenders (people)", "count"),
            Field("pct_attendances", "Their share of all attendances (%)", "pct", num="frequent_attendances",
                  den="attendances", unit="%"),
            Field("pct_cared", "With a liaison assessment or care plan outcome (%)", "pct", num="frequent_cared",
                  den="frequent", unit="%"),
            Field("frequent_attendances", "Their attendances", "count"),
            Field("attendances", "All attendances", "count")),
    figure=frequent_figure,
    description=("People with many mental health attendances at A&E in the 12 months to each month's end "
                 "(NHS England's High Intensity Use definition: 5 or more; the number is the operator's setting)"),
    activity="attendances",
)

CHART_IDS = ("jny-next", "jny-return", "jny-before-after")  # the charts drawn for the cohort's choice
register(NEXT, RETURN, BEFORE_AFTER, FREQUENT)


# --- the cohort's choice ------------------------------------------------------------------------

CONTROL, LABEL, NOTICE = "jny-choice", "jny-label", "jny-notice"  # pattern ids: see on_choice
INDEX_OPTIONS = [{"label": v, "value": k} for k, v in INDEX_EVENTS.items()]
SPAN_OPTIONS = [{"label": f"{d} days", "value": d} for d in SPANS]


def control_id(name: str) -> dict[str, str]:
    """Return the id of one of the cohort's controls ('index', 'narrow', 'span')."""
    return {"type": CONTROL, "name": name}


def dom_id(component_id: dict[str, str]) -> str:
    """Return the id a pattern id has in the page (what a label's htmlFor names)."""
    return json.dumps(component_id, sort_keys=True, separators=(",", ":"))


def choice_controls() -> html.Div:
    """Return the cohort's controls (index event, narrowing value, span) and what the page counts, in words."""
    return html.Div([
        html.Div([
            html.Div([html.Label("Index event", htmlFor=dom_id(control_id("index")), className="filter-label"),
                      dcc.Dropdown(id=control_id("index"), options=INDEX_OPTIONS, value=DEFAULT_INDEX,
                                   clearable=False, searchable=False)],
                     className="filter-item w-index"),
            html.Div([html.Label(NARROWED_BY[DEFAULT_INDEX], htmlFor=dom_id(control_id("narrow")),
                                 id={"type": LABEL, "name": "narrow"}, className="filter-label"),
                      dcc.Dropdown(id=control_id("narrow"), options=[{"label": "Every one", "value": EVERY}],
                                   value=EVERY, clearable=False)],
                     className="filter-item w-narrow"),
            html.Div([html.Span("Before and after", className="filter-label", id="jny-span-label"),
                      # The shared filter bar's radios (dbc): dcc.RadioItems nests its inputs in interactive labels
                      # (axe: nested-interactive, serious).
                      dbc.RadioItems(id=control_id("span"), options=SPAN_OPTIONS, value=DEFAULT_SPAN, inline=True,
                                     class_name="grain-radios")],
                     className="filter-item", role="group", **{"aria-labelledby": "jny-span-label"}),
        ], className="filter-bar journey-choice no-print", role="group", **{"aria-label": "Cohort"}),
        html.Div(id={"type": NOTICE, "name": "choice"}),
        html.P(["The cohort is each person's first index event in the period (of their age band, narrowed as "
                "chosen); later events of the same person are what happened next. ",
                html.Strong("Censoring: "),
                "follow-up stops at the data's end, so a person whose window is not complete is left out of that "
                "window (and counted), never read as having nothing recorded; the return curve is a life table, "
                "the Kaplan-Meier method in intervals of days. ",
                html.Strong("Regression to the mean: "), RTM_CAVEAT,
                " A cohort smaller than the disclosure threshold shows nothing."], className="page-intro journey-method"),
    ], className="journey-head")


def narrow_options(index: str, known: Mapping[str, list[str]]) -> list[dict[str, str]]:
    """Return the narrowing control's options for an index event: every one, then each value in the data."""
    labels = DETAIL_LABELS[index]
    values = known.get(index, [])
    if labels:  # coded: in the labels' order, any unknown code after
        values = [c for c in labels if c in values] + [c for c in values if c not in labels]
    return [{"label": "Every one", "value": EVERY}] + [{"label": detail_label(index, v), "value": v} for v in values]


def selections(choice: Choice) -> tuple[dict[str, Any] | None, ...]:
    """Return each chart's selection for a choice (None for the default), in CHART_IDS order."""
    return tuple(choice.selection(span=chart_id == "jny-before-after") or None for chart_id in CHART_IDS)


def choose(trigger: Any, search: str | None, index: Any, narrow: Any, span: Any, current: tuple = ()) -> tuple:
    """Return the controls, notice, URL and chart selections after the URL or a control changed.

    The URL is the source of truth, as for the shared filters: a link sets the controls and the
    charts' cohort; a control sets the URL (keeping the shared filters) and the charts' cohort.
    `current`: the charts' selections now (one that stays the same is not sent, so not redrawn).
    """
    db = get_db()
    known = details(db)
    query = url_query(search)
    if trigger in (None, "url"):
        choice, notices = choice_of(query.get("index"), query.get("narrow"), query.get("span"), known, NARROWED_BY)
        new_search: Any = no_update
    else:
        narrow = ANY if trigger == "index" or narrow == EVERY else narrow
        choice, notices = choice_of(index, narrow, span, known, NARROWED_BY)
        bounds = data_bounds(db)
        shared = parse_filters(query, *bounds).filters.query_string() if bounds else ""
        wanted = view_search(shared, {**query, **choice.params()})
        new_search = no_update if wanted == search else wanted
    current = tuple(current) + (None,) * (len(CHART_IDS) - len(current))
    stores = [no_update if new == old else new for new, old in zip(selections(choice), current)]
    notice = [html.P(text, className="notice alert alert-info") for text in notices]
    return (choice.index, narrow_options(choice.index, known), choice.narrow or EVERY, NARROWED_BY[choice.index],
            choice.span, notice, new_search, *stores)


@callback(
    Output({"type": CONTROL, "name": ALL}, "value"), Output({"type": CONTROL, "name": ALL}, "options"),
    Output({"type": LABEL, "name": ALL}, "children"), Output({"type": NOTICE, "name": ALL}, "children"),
    Output("url", "search", allow_duplicate=True),
    Output({"type": "chart-selection", "chart": ALL}, "data", allow_duplicate=True),
    Input("url", "search"), Input({"type": CONTROL, "name": ALL}, "value"),
    State({"type": "chart-selection", "chart": ALL}, "data"),
    prevent_initial_call="initial_duplicate",
)
def on_choice(search, values, selections_now):
    """Keep the cohort's controls, the URL and the charts' cohort in step (on the Journeys page only).

    The controls are matched by pattern (ALL), not by name: the URL is in every page's shell, and a
    callback whose named input is missing from the page is an error in the browser. On another
    page every pattern matches nothing, and nothing is sent back.
    """
    controls, labels, notices, _, stores = (ctx.outputs_list[i] for i in (0, 2, 3, 4, 5))
    if not controls:
        return [], [], [], [], no_update, [no_update] * len(stores)
    given = {c["id"]["name"]: v for c, v in zip(controls, values)}
    trigger = ctx.triggered_id
    trigger = trigger["name"] if isinstance(trigger, dict) else trigger
    now = {s["id"]["chart"]: v for s, v in zip(stores, selections_now)}
    index, options, narrow, label, span, notice, new_search, *chosen = choose(
        trigger, search, given.get("index"), given.get("narrow"), given.get("span"),
        tuple(now.get(chart_id) for chart_id in CHART_IDS))
    value_of = {"index": index, "narrow": narrow, "span": span}
    options_of = {"index": INDEX_OPTIONS, "narrow": options, "span": SPAN_OPTIONS}
    chosen_for = dict(zip(CHART_IDS, chosen))
    return ([value_of[c["id"]["name"]] for c in controls], [options_of[c["id"]["name"]] for c in controls],
            [label for _ in labels], [notice for _ in notices], new_search,
            [chosen_for.get(s["id"]["chart"], no_update) for s in stores])


PAGE = publish(Page(
    id="journeys", path="/journeys", title="Journeys",
    intro=("Follow people from a crisis: for everyone whose first chosen index event fell in the period, what "
           "happened next, how soon they came back to A&E or were detained under section 136, and their use of "
           "services before and after, against a reference group."),
    audience="the Crisis Care Concordat task group and commissioners",
    cards=metric_cards("ae_attendances", "s136_detentions", "liaison_referrals", "admissions", "discharges"),
    rows=((("jny-next", 6), ("jny-return", 6)),
          (("jny-before-after", 12),),
          (("jny-frequent", 12),)),
    extra=choice_controls(),
    params=("index", "narrow", "span"),
), __name__, nav="Journeys", order=6)
