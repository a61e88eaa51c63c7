"""Places of safety (/places-of-safety): section 136 detentions, where people were taken and what followed.

For commissioners and the Crisis Care Concordat partners (police, ambulance, councils):
the volume of detentions, the first place of safety (police custody should be rare,
and never for under-18s), conveyance, detentions over the legal time limit, outcomes,
intoxication, the ethnicity mix and people detained more than once.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import pandas as pd

from dashboard.web import figures
from dashboard.web.breakdowns import (categories, mostly_hidden, noted, split_whole_period, whole_period_mix,
                                      with_whole_period)
from dashboard.web.cards import Alert, Card, metric_cards
from dashboard.web.charts import Chart, ChartKind, rare_event_chart, register, spc_chart, with_labels
from dashboard.web.components import Page, publish
from dashboard.store.data import breakdown, by_period
from dashboard.store.db import Database
from dashboard.core.disclosure import SUPPRESSED, Field, plottable
from dashboard.web.figures import Drawn, coloured, count_axis, horizontal_bars, mark_suppressed
from dashboard.core.filters import Filters
from dashboard.settings import AGE_BANDS

# First place of safety: column of s136_by_period -> (label, colour). Custody stands out in vermilion.
PLACES = {
    "health_based": ("Health-based place of safety", figures.NHS_BLUE),
    "emergency_department": ("Emergency department", "#56B4E9"),
    "police_custody": ("Police custody", "#D55E00"),
    "other_place": ("Other place of safety", "#A6A6A6"),
}
CONVEYANCE = {
    "ambulance": ("Ambulance", "#009E73"),
    "police_vehicle": ("Police vehicle", figures.NHS_DARK_BLUE),
    "other_conveyance": ("Other transport", "#A6A6A6"),
}
OUTCOMES = {
    "admitted_detained": "Admitted, detained under the Mental Health Act",
    "admitted_informal": "Admitted informally",
    "crisis_team": "Referred to the crisis team",
    "community_mh": "Referred to community mental health services",
    "no_mh_follow_up": "No mental health follow-up",
    "other": "Other outcome",
    "not_recorded": "Outcome not recorded",
}
ETHNIC_GROUPS = {
    "white": "White",
    "mixed": "Mixed or multiple ethnic groups",
    "asian": "Asian or Asian British",
    "black": "Black or Black British",
    "other": "Other ethnic group",
    "not_stated": "Not stated (person asked, did not say)",
    "not_recorded": "Not recorded",
}
TIMES_DETAINED = {"1": "Once", "2": "Twice", "3": "3 times", "4+": "4 or more times"}


# --- shared helpers -------------------------------------------------------------------------

def s136_trend(db: Database, filters: Filters) -> pd.DataFrame:
    """Return s136_by_period for every bucket of the period, with a 'period' label."""
    return with_labels(by_period(db, "s136_by_period", filters), filters)


def s136_trend_with_median(db: Database, filters: Filters) -> pd.DataFrame:
    """Return s136_trend with the median hours detained in each bucket (the over-limit table view)."""
    medians = by_period(db, "s136_median_by_period", filters)["median_hours"].to_numpy()
    return s136_trend(db, filters).assign(median_hours=medians)


def stacked_trend(shown: pd.DataFrame, series: Mapping[str, tuple[str, str]]) -> dict:
    """Return stacked bars by period, one trace per (column -> (label, colour)), '*' over hidden segments."""
    fig = figures.bar_figure(shown["period"], [(label, plottable(shown[col])) for col, (label, _) in series.items()],
                             stacked=True)
    stacks = [sum(v or 0 for v in plottable(values)) for values in zip(*(shown[c] for c in series))]
    count_axis(fig, max(stacks or [0]), "Detentions")
    coloured(fig, [colour for _, colour in series.values()])
    return mark_suppressed(fig, shown, "period", list(series), stacked=True)


def stacked_trend_chart(chart_id: str, title: str, series: Mapping[str, tuple[str, str]], note: str,
                        description: str) -> Chart:
    """Return the chart of detentions by period stacked by `series` (column -> (label, colour)), with `note`."""
    def data(db: Database, filters: Filters) -> pd.DataFrame:
        return with_whole_period(s136_trend(db, filters), ["detentions", *series])

    def figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
        periods, whole = split_whole_period(shown)
        # A mix hidden period by period would read as if those categories were absent: show the whole period's.
        if mostly_hidden(periods, list(series)) and not whole.empty:
            mix = whole_period_mix(whole, series, "Detentions")
            return Drawn(mix.figure, f"{mix.note} {note}")
        return noted(stacked_trend(periods, series), periods, list(series), note)

    return Chart(
        id=chart_id, kind=ChartKind.TREND, title=title, data=data, queries=("s136_by_period",),
        fields=(Field("period", "Period"),
                Field("detentions", "Detentions", "count", partition=True, parts=tuple(series)),
                *(Field(col, label, "count", partition=True) for col, (label, _) in series.items())),
        figure=figure, description=description, activity="detentions",
    )


def shown_sum(values: Sequence) -> int | None:
    """Return the total of shown whole numbers, or None when any value is suppressed."""
    if any(v == SUPPRESSED for v in values):
        return None
    return int(sum(v for v in values if v is not None))


# --- place of safety mix --------------------------------------------------------------------

PLACE_MIX = stacked_trend_chart(
    "pos-place-mix", "First place of safety", PLACES,
    "A police cell should be used only in exceptional circumstances, and never for under-18s.",
    "Where people were first taken, by period",
)


# --- under-18s in police custody ------------------------------------------------------------

def under18_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return under-18 detentions and those taken to police custody by period (none if the band is adult)."""
    frame = with_labels(by_period(db, "s136_under18_by_period", filters), filters)
    if AGE_BANDS[filters.age_band][0] >= 18:
        return frame.iloc[0:0]
    return frame


def under18_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return under-18 detentions as bars and those taken to police custody as a red line (should be 0)."""
    custody = plottable(shown["under18_custody"])
    fig = figures.bar_figure(shown["period"], [("Under-18 detentions", plottable(shown["under18_detentions"]))])
    fig["data"][0]["marker"]["color"] = "#41B6E6"
    mark_suppressed(fig, shown, "period", ["under18_detentions"])
    fig["data"].append({
        "type": "scatter", "mode": "lines+markers", "name": "Under-18s taken to police custody",
        "x": list(shown["period"]), "y": custody, "connectgaps": False,
        "line": {"color": "#DA291C", "width": 3}, "marker": {"color": "#DA291C", "size": 9},
        "hovertemplate": "%{x}<br>Taken to police custody: %{y:,.0f}<extra></extra>",
    })
    fig["layout"]["showlegend"] = True
    top = max([v for v in plottable(shown["under18_detentions"]) + custody if v is not None] or [0])
    count_axis(fig, top, "Detentions", minimum=5, headroom=1.4)
    custody_shown = list(shown["under18_custody"])
    if all(v == 0 for v in custody_shown):
        figures.headline(fig, "None taken to police custody", figures.NHS_GREEN)
        note = ("No under-18s were taken to police custody in this period, as it should be: "
                "a police station may never be a place of safety for a child.")
    else:
        periods = sum(1 for v in custody_shown if v != 0)
        figures.headline(fig, f"Taken to police custody in {periods} period(s)", figures.NHS_RED)
        note = (f"Under-18s were taken to police custody in {periods} period(s): this should never happen, "
                "and each case needs review.")
    return noted(fig, shown, ["under18_detentions", "under18_custody"], note)


UNDER18_CUSTODY = Chart(
    id="pos-under18", kind=ChartKind.TREND, title="Under-18s taken to police custody (should be zero)",
    data=under18_rows, queries=("s136_under18_by_period",),
    fields=(Field("period", "Period"), Field("under18_detentions", "Under-18 detentions", "count", partition=True),
            Field("under18_custody", "Under-18s taken to police custody", "count", partition=True),
            Field("under18_health_based", "Under-18s taken to a health-based place of safety", "count",
                  partition=True)),
    figure=under18_figure,
    description="Children and young people detained under section 136, and how many went to a police cell",
    # Activity is every detention in the band: zero under-18s in custody is the answer to show, not "no data".
    activity="detentions",
    empty_text="No under-18 detentions to show (under-18s are in the All ages and 0-17 bands only).",
)


# --- conveyance -----------------------------------------------------------------------------

CONVEYANCE_TREND = stacked_trend_chart(
    "pos-conveyance", "Conveyance to the place of safety", CONVEYANCE,
    "People in a mental health crisis should be conveyed by ambulance rather than a police vehicle.",
    "Ambulance, police vehicle or other transport, by period",
)


# --- over the legal limit -------------------------------------------------------------------

def over_limit_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return detentions over the legal limit by period, with those whose end was not recorded beside them."""
    fig = figures.bar_figure(shown["period"], [
        ("Over the legal limit", plottable(shown["over_limit"])),
        ("End time not recorded", plottable(shown["ended_not_recorded"])),
    ])
    fig = coloured(fig, [figures.CONCERN, "#A6A6A6"])
    drawn = [v for c in ("over_limit", "ended_not_recorded") for v in plottable(shown[c]) if v is not None]
    count_axis(fig, max(drawn or [0]), "Detentions")
    mark_suppressed(fig, shown, "period", ["over_limit", "ended_not_recorded"])
    over = shown_sum(shown["over_limit"])
    missing = shown_sum(shown["ended_not_recorded"])
    notes = ["The limit is 24 hours, or 36 hours where the detention was lawfully extended."]
    if over == 0:  # the answer the chart is there for, said where its bars would be
        figures.headline(fig, "None over the legal limit", figures.NHS_GREEN)
        notes.append("No detention with an end time recorded ran over the limit.")
    elif not any(plottable(shown["over_limit"])):
        # Every period is 0 or '*' (a '*' is never a hidden 0): when it happened is the answer, so the
        # chart keeps its '*' marks under a headline rather than giving way to the suppressed message.
        periods = sum(1 for v in shown["over_limit"] if v != 0)
        figures.headline(fig, f"Over the legal limit in {periods} period(s)", figures.NHS_RED)
    if missing:
        notes.append(f"{missing:,} detention(s) had no end time recorded, so cannot be checked against the limit.")
    elif missing is None:
        notes.append("Some detentions had no end time recorded, so cannot be checked against the limit.")
    return noted(fig, shown, ["over_limit", "ended_not_recorded"], *notes)


OVER_LIMIT = Chart(
    id="pos-over-limit", kind=ChartKind.TREND, title="Detentions over the legal time limit",
    data=s136_trend_with_median, queries=("s136_by_period", "s136_median_by_period"),
    fields=(Field("period", "Period"),
            Field("detentions", "Detentions", "count", partition=True,
                  parts=("ended_recorded", "ended_not_recorded")),
            Field("ended_recorded", "End time recorded", "count", partition=True),
            Field("over_limit", "Over the legal limit", "count", partition=True),
            Field("ended_not_recorded", "End time not recorded", "count", partition=True),
            Field("median_hours", "Median hours detained", "measure", den="ended_recorded", unit="hours")),
    figure=over_limit_figure, description="Over 24 hours (36 if extended), of detentions with an end time recorded",
    activity="detentions", table_only=("median_hours",), figure_data=s136_trend,
)


# --- outcomes -------------------------------------------------------------------------------

def outcome_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return detentions by outcome, every outcome listed."""
    return categories(breakdown(db, "s136_outcomes", filters), "outcome", OUTCOMES)


def outcome_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return detentions by outcome as horizontal bars."""
    fig = horizontal_bars(shown, "detentions", "Detentions",
                          [figures.CONCERN if label == OUTCOMES["no_mh_follow_up"] else figures.NHS_BLUE
                           for label in shown["label"]])
    return noted(fig, shown, ["detentions"],
                 "'No mental health follow-up': assessed and not detained, with no further mental health care.")


OUTCOME_MIX = Chart(
    id="pos-outcomes", kind=ChartKind.BREAKDOWN, title="Outcome of the detention",
    data=outcome_rows, queries=("s136_outcomes",),
    fields=(Field("label", "Outcome"), Field("detentions", "Detentions", "count", partition=True)),
    figure=outcome_figure, description="What happened after the Mental Health Act assessment",
)


# --- intoxication ---------------------------------------------------------------------------

def intoxication_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return the share of detentions recorded as intoxicated on arrival, by period."""
    fig = figures.bar_figure(shown["period"], [("Intoxicated on arrival", plottable(shown["pct_intoxicated"]))],
                             unit="%")
    fig["data"][0]["marker"]["color"] = "#CC79A7"
    mark_suppressed(fig, shown, "period", ["pct_intoxicated"])
    return noted(fig, shown, ["pct_intoxicated"],
                 "Share of detentions recorded as intoxicated (alcohol or drugs) on arrival at the place of safety.",
                 suppressed_note="* marks a period with too few detentions to show a rate.")


INTOXICATION = Chart(
    id="pos-intoxication", kind=ChartKind.TREND, title="Intoxicated on arrival",
    data=s136_trend, queries=("s136_by_period",),
    fields=(Field("period", "Period"), Field("detentions", "Detentions", "count", partition=True),
            Field("pct_intoxicated", "Intoxicated on arrival (%)", "pct", num="intoxicated", den="detentions",
                  unit="%")),
    figure=intoxication_figure, description="Share of detentions, by period", activity="detentions",
)


# --- ethnicity ------------------------------------------------------------------------------

def ethnicity_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return detentions by ethnic group, 'not stated' and 'not recorded' kept apart."""
    return categories(breakdown(db, "s136_by_ethnicity", filters), "ethnic_group", ETHNIC_GROUPS)


def ethnicity_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return detentions by ethnic group as horizontal bars."""
    unknown = {ETHNIC_GROUPS["not_stated"], ETHNIC_GROUPS["not_recorded"]}
    fig = horizontal_bars(shown, "detentions", "Detentions",
                          [figures.NHS_MID_GREY if label in unknown else figures.NHS_BLUE for label in shown["label"]])
    return noted(fig, shown, ["detentions"],
                 "Compare with the ethnic mix of the local population; the table adds where each group was taken.")


ETHNICITY = Chart(
    id="pos-ethnicity", kind=ChartKind.BREAKDOWN, title="Detentions by ethnic group",
    data=ethnicity_rows, queries=("s136_by_ethnicity",),
    fields=(Field("label", "Ethnic group"), Field("detentions", "Detentions", "count", partition=True),
            Field("pct_custody", "Taken to police custody (%)", "pct", num="police_custody", den="detentions",
                  unit="%"),
            Field("pct_health_based", "Taken to a health-based place of safety (%)", "pct", num="health_based",
                  den="detentions", unit="%")),
    figure=ethnicity_figure, description="Grey: ethnic group not stated or not recorded",
)


# --- repeat detentions ----------------------------------------------------------------------

def repeat_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return people detained in the period by how many times they were detained (1, 2, 3, 4+)."""
    return categories(breakdown(db, "s136_repeat_detentions", filters), "times", TIMES_DETAINED)


def repeat_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return people by number of detentions in the period as bars."""
    fig = figures.bar_figure(shown["label"], [("People", plottable(shown["people"]))])
    fig["data"][0]["marker"]["color"] = [figures.NHS_BLUE] + [figures.CONCERN] * (len(shown) - 1)
    mark_suppressed(fig, shown, "label", ["people"])
    fig["layout"]["yaxis"] = {**fig["layout"]["yaxis"], "title": {"text": "People"}}
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "title": {"text": "Times detained in the period"}}
    repeat = shown_sum(list(shown["people"])[1:])
    note = ""
    if repeat:
        note = (f"{repeat:,} people were detained more than once in the period: "
                "people who may benefit from a joint crisis plan with the police.")
    elif repeat == 0:
        note = "No one was detained more than once in the period."
    return noted(fig, shown, ["people"], note)


REPEAT = Chart(
    id="pos-repeat", kind=ChartKind.BREAKDOWN, title="People detained more than once",
    data=repeat_rows, queries=("s136_repeat_detentions",),
    # Detentions are not shown beside people: 2 x people (or 3 x) would give away a suppressed count.
    fields=(Field("label", "Times detained"), Field("people", "People", "count", partition=True)),
    figure=repeat_figure,
    description="People by the number of section 136 detentions in the period (age at each detention)",
    activity="people",
)


register(
    spc_chart("s136_detentions", "pos-detentions", "Section 136 detentions"),
    rare_event_chart("s136_under18_custody", "pos-t-under18", "Time between under-18s taken to police custody"),
    rare_event_chart("s136_over_limit", "pos-t-over-limit", "Time between detentions over the legal limit"),
    UNDER18_CUSTODY, PLACE_MIX, CONVEYANCE_TREND, OVER_LIMIT, OUTCOME_MIX, INTOXICATION, ETHNICITY, REPEAT,
)

PAGE = publish(Page(
    id="places-of-safety", path="/places-of-safety", title="Places of safety (section 136)",
    intro=("Section 136 detentions: where people were first taken, how they got there, how long they were held "
           "and what happened next."),
    audience="commissioners, police, ambulance and council partners",
    cards=(Card(metric="s136_detentions"),
           Card(metric="s136_under18_custody", alert=Alert.ABOVE_ZERO),  # a child in a police cell: always flagged
           *metric_cards("s136_police_custody_pct", "s136_ambulance_pct", "s136_over_limit", "s136_admitted_pct")),
    rows=((("pos-detentions", 6), ("pos-under18", 6)),
          (("pos-place-mix", 12),),
          (("pos-t-under18", 6), ("pos-t-over-limit", 6)),
          (("pos-conveyance", 6), ("pos-over-limit", 6)),
          (("pos-outcomes", 6), ("pos-intoxication", 6)),
          (("pos-ethnicity", 6), ("pos-repeat", 6))),
), __name__, nav="Places of safety", order=2)
