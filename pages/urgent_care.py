"""Urgent and emergency care (/urgent-care): A&E 4-hour and 12-hour waits, liaison response.

For the liaison team manager: by site, by hour and day, with a heatmap cell that
drills into the presentation and arrival mode mix of the attendances in it.
"""
from __future__ import annotations

from typing import Any

import pandas as pd
from dash import Input, Output, callback, no_update

from dashboard.web import figures
from dashboard.web.breakdowns import all_suppressed, charted_note, drawable, most_telling, noted
from dashboard.web.cards import metric_cards
from dashboard.web.charts import Chart, ChartKind, register, spc_chart
from dashboard.web.components import Page, publish
from dashboard.web.figures import Drawn
from dashboard.store.data import breakdown
from dashboard.store.db import Database
from dashboard.core.disclosure import Field, plottable
from dashboard.core.filters import Filters
from dashboard.settings import get_settings


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PRESENTATION = {"self_harm": "Self-harm", "suicidal_ideation": "Suicidal ideation", "psychosis": "Psychosis",
                "intoxication": "Intoxication", "anxiety_depression": "Anxiety or depression",
                "other_mh": "Other mental health"}
ARRIVAL_MODE = {"ambulance": "Ambulance", "police": "Police", "walk_in": "Walk-in", "other": "Other"}
PCT_4H = Field("pct_4h", "Left within 4 hours (%)", "pct", num="within_4h", den="departure_recorded", unit="%")


def site_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return A&E performance by emergency department, with the median time (the table view)."""
    return breakdown(db, "ae_by_site", filters)


def site_counts(db: Database, filters: Filters) -> pd.DataFrame:
    """Return A&E performance by emergency department without the median (what the chart draws).

    A median per site reads every attendance of the period (~50 ms over five years at
    national scale); the counts come from monthly sums, so a redraw does not wait for a
    column only the table view shows.
    """
    return breakdown(db, "ae_site_counts", filters)


def site_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return 4-hour performance by site as horizontal bars (of many sites, the 25 lowest), the standard as a line."""
    charted = most_telling(shown, "pct_4h", lowest=True)
    fig = figures.bar_figure(charted["site"], [("Left within 4 hours", plottable(charted["pct_4h"]))],
                             horizontal=True, unit="%")
    target = get_settings().targets.get("ae_4h_pct")  # the standard the 4-hour SPC chart is judged against
    standard = ""
    if target is not None:
        fig["layout"]["shapes"] = [figures.reference_line(target)]
        standard = f"Red dotted line: the {target:.0f}% four-hour standard. "
    figures.percent_axis(fig)
    return noted(fig, shown, (),
                 charted_note(shown, charted, "emergency departments", "the lowest four-hour performance"),
                 f"{standard}The table view adds 12-hour waits and median time.")


def heatmap_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return attendances for every hour of every weekday (zeros included)."""
    rows = breakdown(db, "ae_by_hour_weekday", filters)
    grid = pd.MultiIndex.from_product([range(1, 8), range(24)], names=["weekday", "hour"])
    rows = rows.set_index(["weekday", "hour"]).reindex(grid, fill_value=0).reset_index()
    return rows.assign(day=[WEEKDAYS[d - 1] for d in rows["weekday"]])


def heatmap_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return the hour-by-weekday heatmap of attendances (suppressed cells left blank)."""
    if not drawable(shown["attendances"]):  # blank and zero cells only: nothing to see or click
        return all_suppressed()
    z = [[None] * 24 for _ in WEEKDAYS]
    text = [[""] * 24 for _ in WEEKDAYS]
    for day, hour, value in zip(shown["day"], shown["hour"], shown["attendances"]):
        row = WEEKDAYS.index(day)
        z[row][int(hour)] = None if value == "*" else value
        text[row][int(hour)] = "*" if value == "*" else f"{value:,}"
    fig = figures.heatmap_figure(list(range(24)), list(WEEKDAYS), z, name="Attendances", text=text)
    return Drawn(fig, "Click a cell to see the presentation and arrival mode mix for that hour and day.")


def mix_rows(dimension: str, labels: dict[str, str]):
    """Return the data function for one dimension of the attendance mix (drillable by hour/day)."""
    def rows(db: Database, filters: Filters, hour: int = -1, weekday: int = -1) -> pd.DataFrame:
        frame = breakdown(db, "ae_mix", filters, hour=hour, weekday=weekday)
        frame = frame[frame["dimension"] == dimension]
        return frame.assign(label=[labels.get(c, c) for c in frame["category"]])
    return rows


def mix_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return attendances by category as horizontal bars."""
    return Drawn(figures.bar_figure(shown["label"], [("Attendances", plottable(shown["attendances"]))],
                                    horizontal=True))


def selection_text(selection: dict[str, Any]) -> str:
    """Describe the heatmap cell chosen, if any."""
    if selection.get("weekday", -1) > 0 and selection.get("hour", -1) >= 0:
        return f"Showing {WEEKDAYS[selection['weekday'] - 1]}s, arrivals {selection['hour']:02d}:00–{selection['hour']:02d}:59."
    return "All hours and days (click a heatmap cell to drill in)."


def liaison_site_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return liaison response within target by referral source site (of many sources, the 25 busiest)."""
    charted = most_telling(shown, "referrals")
    fig = figures.bar_figure(charted["site"], [
        ("Emergency seen within 1 hour", plottable(charted["pct_1h"])),
        ("Urgent seen within 24 hours", plottable(charted["pct_24h"])),
    ], horizontal=True, unit="%")
    figures.mark_suppressed(fig, charted, "site", ["pct_1h", "pct_24h"], horizontal=True)
    return noted(fig, charted, ["pct_1h", "pct_24h"],
                 charted_note(shown, charted, "referral sources", "the most referrals"))


def liaison_hour_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return emergency liaison referrals and 1-hour response by hour of referral."""
    hours = [f"{h:02d}" for h in shown["hour"]]
    fig = figures.bar_figure(hours, [("Referrals", plottable(shown["referrals"]))])
    figures.mark_suppressed(fig, {"hour": hours, "referrals": shown["referrals"]}, "hour", ["referrals"])
    fig["data"].append({"type": "scatter", "mode": "lines+markers", "name": "Emergency seen within 1 hour (%)",
                        "x": hours, "y": plottable(shown["pct_1h"]), "yaxis": "y2",
                        "line": {"color": figures.CONCERN}, "connectgaps": False})
    # Ticks of its own (an overlaying axis otherwise copies the bars' grid: 29.1%, 58.1%...).
    fig["layout"]["yaxis2"] = {"overlaying": "y", "side": "right", "range": [0, 100], "ticksuffix": "%",
                               "showgrid": False, "tickmode": "linear", "tick0": 0, "dtick": 25}
    fig["layout"]["showlegend"] = True
    fig["layout"]["margin"] = {**fig["layout"]["margin"], "r": 52, "t": 36}  # the 100% tick clear of the mode bar
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "title": {"text": "Hour of referral"}}
    return noted(fig, shown, ["referrals", "pct_1h"])


def liaison_hour_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return liaison referrals for every hour of the day (zeros included)."""
    rows = breakdown(db, "liaison_by_hour", filters).set_index("hour").reindex(range(24), fill_value=0)
    return rows.reset_index().rename(columns={"index": "hour"})


def liaison_site_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return liaison response by the site referrals came from (A&E departments; ward referrals together)."""
    return breakdown(db, "liaison_by_site", filters)


register(
    spc_chart("ae_4h_pct", "uec-4h", "Left A&E within 4 hours"),
    spc_chart("ae_12h_from_arrival", "uec-12h", "12-hour waits from arrival"),
    spc_chart("liaison_1h_pct", "uec-liaison-1h", "Emergency liaison referrals seen within 1 hour"),
    spc_chart("ae_median_minutes", "uec-median", "Median time in A&E (minutes)"),
    Chart(id="uec-sites", kind=ChartKind.BREAKDOWN, title="Four-hour performance by emergency department",
          data=site_rows, queries=("ae_by_site", "ae_site_counts"),
          fields=(Field("site", "Site"), Field("attendances", "Attendances", "count", partition=True), PCT_4H,
                  Field("over_12h", "Over 12 hours", "count", partition=True),
                  Field("median_minutes", "Median minutes", "measure", den="departure_recorded"),
                  Field("departure_not_recorded", "Departure not recorded", "count", partition=True)),
          figure=site_figure, description="Attendances with a departure recorded",
          table_only=("median_minutes",), figure_data=site_counts),
    Chart(id="uec-heatmap", kind=ChartKind.GRID, title="Attendances by hour and day of the week",
          data=heatmap_rows, queries=("ae_by_hour_weekday",),
          fields=(Field("day", "Day"), Field("hour", "Hour"),
                  Field("attendances", "Attendances", "count", partition=True)),
          figure=heatmap_figure, description="When people in mental health crisis arrive"),
    Chart(id="uec-presentation", kind=ChartKind.BREAKDOWN, title="Presentation",
          data=mix_rows("presentation", PRESENTATION), queries=("ae_mix",),
          fields=(Field("label", "Presentation"), Field("attendances", "Attendances", "count", partition=True),
                  PCT_4H),
          figure=mix_figure, selectable=True, selection_text=selection_text),
    Chart(id="uec-arrival", kind=ChartKind.BREAKDOWN, title="Arrival mode",
          data=mix_rows("arrival_mode", ARRIVAL_MODE), queries=("ae_mix",),
          fields=(Field("label", "Arrival mode"), Field("attendances", "Attendances", "count", partition=True),
                  PCT_4H),
          figure=mix_figure, selectable=True, selection_text=selection_text),
    Chart(id="uec-liaison-sites", kind=ChartKind.BREAKDOWN, title="Liaison response by referral source",
          data=liaison_site_rows, queries=("liaison_by_site",),
          fields=(Field("site", "Source"), Field("referrals", "Referrals", "count", partition=True),
                  Field("pct_1h", "Emergency within 1 hour (%)", "pct", num="emergency_within_1h",
                        den="emergency_assessed"),
                  Field("pct_24h", "Urgent within 24 hours (%)", "pct", num="urgent_within_24h",
                        den="urgent_assessed")),
          figure=liaison_site_figure,
          description="A&E referrals by the department they came from; ward referrals together"),
    Chart(id="uec-liaison-hour", kind=ChartKind.BREAKDOWN, title="Liaison referrals by hour",
          data=liaison_hour_rows, queries=("liaison_by_hour",),
          fields=(Field("hour", "Hour"), Field("referrals", "Referrals", "count", partition=True),
                  Field("pct_1h", "Emergency within 1 hour (%)", "pct", num="emergency_within_1h",
                        den="emergency_assessed")),
          figure=liaison_hour_figure, description="Bars: referrals; line: emergency referrals seen within 1 hour"),
)

PAGE = publish(Page(
    id="urgent-care", path="/urgent-care", title="Urgent and emergency care",
    intro="Mental health attendances at A&E: four-hour and 12-hour waits, and how fast the liaison team responds.",
    audience="liaison team managers",
    cards=metric_cards("ae_attendances", "ae_4h_pct", "ae_12h_from_arrival", "ae_median_minutes",
                       "liaison_referrals", "liaison_1h_pct", "liaison_24h_pct"),
    rows=((("uec-4h", 6), ("uec-12h", 6)),
          (("uec-liaison-1h", 6), ("uec-median", 6)),
          (("uec-sites", 12),),
          (("uec-heatmap", 6), ("uec-presentation", 3), ("uec-arrival", 3)),
          (("uec-liaison-sites", 6), ("uec-liaison-hour", 6))),
), __name__, nav="Urgent care", order=1)


def heatmap_selection(click_data: Any) -> dict[str, int] | None:
    """Return the hour and weekday of a clicked heatmap cell, or None."""
    try:
        point = click_data["points"][0]
        return {"hour": int(point["x"]), "weekday": WEEKDAYS.index(point["y"]) + 1}
    except (TypeError, KeyError, IndexError, ValueError):
        return None


@callback(
    Output({"type": "chart-selection", "chart": "uec-presentation"}, "data"),
    Output({"type": "chart-selection", "chart": "uec-arrival"}, "data"),
    Input({"type": "chart-graph", "chart": "uec-heatmap"}, "clickData"),
    prevent_initial_call=True,
)
def drill_into_cell(click_data):
    """Send the clicked heatmap cell to the presentation and arrival mode charts."""
    selection = heatmap_selection(click_data)
    return (selection, selection) if selection else (no_update, no_update)

