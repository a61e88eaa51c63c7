"""Urgent and emergency care (/urgent-care): A&E 4-hour and 12-hour waits, liaison response.

For the liaison team manager: both four-hour standards, 12-hour waits from arrival and from
the decision to admit, sites side by side, by hour and day (arrivals or breach rates, with a
heatmap cell that drills into the presentation and arrival mode mix of the attendances in
it), and liaison response by hour and day. A site view (``?site=``, ``Page.site_view``) puts
one emergency department on the whole page: cards, trends, heatmap and liaison read its
attendances (and the liaison referrals from them); the charts by site still compare every
site, the chosen one darker.
"""
from __future__ import annotations

import html
from dataclasses import replace
from typing import Any

import pandas as pd
from dash import Input, Output, State, callback, html as dash_html, no_update

from dashboard.web import figures
from dashboard.web.breakdowns import all_suppressed, charted_note, drawable, most_telling, noted
from dashboard.web.cards import metric_cards
from dashboard.web.callbacks import CELL, cell_of, with_param
from dashboard.web.charts import Chart, ChartKind, register, spc_chart
from dashboard.web.components import Page, publish
from dashboard.web.figures import Drawn
from dashboard.store.data import breakdown
from dashboard.store.db import Database
from dashboard.core.disclosure import SUPPRESSED, Field, plottable
from dashboard.core.filters import Filters
from dashboard.core.periods import financial_year_label
from dashboard.settings import get_settings, operational_standard


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


def highlight_site(fig: dict, sites: pd.Series, filters: Filters) -> dict:
    """Return a bar chart of sites with every site but the one chosen (the site view) paler; as it is without one."""
    if not filters.site:
        return fig
    chosen = {filters.site, html.escape(filters.site, quote=False)}  # names with '<' are drawn escaped
    opacity = [1.0 if site in chosen else 0.4 for site in sites]
    for trace in fig["data"]:
        if trace.get("type") == "bar":
            trace["marker"] = {**trace.get("marker", {}), "opacity": opacity}
    return fig


def four_hour_standards(filters: Filters) -> tuple[list[dict[str, Any]], str]:
    """Return the lines of both four-hour standards on a bar chart of sites, and the words that say which is which.

    The constitutional standard is the 4-hour SPC chart's target (95%); the operational one is the
    operator's for the financial year the period ends in (MHFLOW_AE_OPERATIONAL_STANDARD).
    """
    settings = get_settings()
    target = settings.targets.get("ae_4h_pct")
    operational = operational_standard(filters.period.end, settings.ae_operational_standard)
    shapes, words = [], []
    if target is not None:
        shapes.append(figures.reference_line(target))
        words.append(f"red dotted line: the constitutional {target:.0f}% standard")
    if operational is not None:
        shapes.append(figures.reference_line(operational, colour=figures.STANDARD_PURPLE, dash="dash"))
        words.append(f"purple dashed line: the operational standard of {operational:.0f}% "
                     f"for {financial_year_label(filters.period.end)}")
    return shapes, (("; ".join(words)).capitalize() + ". ") if words else ""


def site_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return 4-hour performance by site as horizontal bars (of many sites, the 25 lowest), both standards as lines."""
    charted = most_telling(shown, "pct_4h", lowest=True)
    fig = figures.bar_figure(charted["site"], [("Left within 4 hours", plottable(charted["pct_4h"]))],
                             horizontal=True, unit="%")
    shapes, standards = four_hour_standards(filters)
    if shapes:
        fig["layout"]["shapes"] = shapes
    figures.percent_axis(fig)
    highlight_site(fig, charted["site"], filters)
    return noted(fig, shown, (),
                 charted_note(shown, charted, "emergency departments", "the lowest four-hour performance"),
                 f"{standards}The table view adds 12-hour waits (from arrival and from decision to admit) "
                 "and median time.")


FOUR_HOUR = spc_chart("ae_4h_pct", "uec-4h", "Left A&E within 4 hours")


def four_hour_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return the 4-hour XmR chart with both standards: the constitutional 95% (its target) and the operational one.

    The operational standard steps with the financial year of each point (a quarter or year
    takes the standard of the year it starts in).
    """
    drawn = FOUR_HOUR.figure(shown, filters)
    for trace in drawn.figure["data"]:
        if str(trace.get("name", "")).startswith("Target "):  # the SPC target: the constitutional standard
            trace["name"] = trace["name"].replace("Target", "Constitutional standard", 1)
    settings = get_settings()
    line = [operational_standard(b, settings.ae_operational_standard) for b in shown["bucket"]]
    note = drawn.note
    target = settings.targets.get("ae_4h_pct")
    if target is not None:
        note = f"{note} Red dotted: the constitutional {target:.0f}% standard (assurance is judged against it)."
    if any(v is not None for v in line):
        drawn.figure["data"].append({
            "type": "scatter", "mode": "lines", "name": "Operational standard", "x": list(shown["period"]),
            "y": line, "line": {"color": figures.STANDARD_PURPLE, "width": 1.5, "dash": "dash", "shape": "hv"},
            "hovertemplate": "Operational standard: %{y:.0f}%<extra></extra>"})
        note = f"{note} Purple dashed: the operational standard of each financial year."
    return Drawn(drawn.figure, note, drawn.columns)  # the XmR columns of the table view and CSV kept


def dta_wait_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return the time from decision to admit to leaving A&E as bars by band, the 12-hour waits marked."""
    colours = [figures.NHS_BLUE] * 3 + [figures.CONCERN] * 2 + [figures.NHS_MID_GREY]
    fig = figures.bar_figure(shown["label"], [("Attendances", plottable(shown["attendances"]))])
    fig["data"][0]["marker"]["color"] = colours[:len(shown)]
    figures.mark_suppressed(fig, shown, "label", ["attendances"])
    fig["layout"]["yaxis"] = {**fig["layout"]["yaxis"], "title": {"text": "Attendances"}}
    return noted(fig, shown, ["attendances"],
                 "Attendances with a decision to admit, by the time from the decision to leaving the department "
                 "(month of arrival). Orange: over 12 hours, the 12-hour waits from decision to admit.")


def dta_site_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return 12-hour waits from decision to admit by site as horizontal bars (of many sites, the 25 with most)."""
    charted = most_telling(shown, "dta_over_12h")
    fig = figures.horizontal_bars(charted, "dta_over_12h", "12-hour waits from decision to admit",
                                  [figures.CONCERN] * len(charted), category="site")
    highlight_site(fig, charted["site"], filters)
    return noted(fig, charted, ["dta_over_12h"],
                 charted_note(shown, charted, "emergency departments", "the most 12-hour waits"),
                 "The table view adds their share of decisions to admit.")


def dta_wait_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return attendances with a decision to admit by the time from the decision to departure (every band)."""
    return breakdown(db, "ae_dta_waits", filters)


CHOSEN = "drill-down"  # the 'Chosen' column's mark on the cell the drill-down shows


def heatmap_rows(db: Database, filters: Filters, hour: int = -1, weekday: int = -1) -> pd.DataFrame:
    """Return attendances for every hour of every weekday (zeros included), the drill-down's cell marked."""
    rows = breakdown(db, "ae_by_hour_weekday", filters)
    grid = pd.MultiIndex.from_product([range(1, 8), range(24)], names=["weekday", "hour"])
    rows = rows.set_index(["weekday", "hour"]).reindex(grid, fill_value=0).reset_index()
    chosen = (rows["weekday"] == weekday) & (rows["hour"] == hour)
    return rows.assign(day=[WEEKDAYS[d - 1] for d in rows["weekday"]],
                       chosen=[CHOSEN if c else "" for c in chosen])


def grid(shown: pd.DataFrame, column: str, unit: str = "") -> tuple[list[list[Any]], list[list[str]]]:
    """Return a shown column as a weekday-by-hour grid of values and of their labels ('*' where suppressed)."""
    z: list[list[Any]] = [[None] * 24 for _ in WEEKDAYS]
    text = [[""] * 24 for _ in WEEKDAYS]
    for day, hour, value in zip(shown["day"], shown["hour"], shown[column]):
        row = WEEKDAYS.index(day)
        z[row][int(hour)] = None if value == SUPPRESSED or value is None or value != value else value
        text[row][int(hour)] = ("*" if value == SUPPRESSED else "–" if z[row][int(hour)] is None
                                else f"{value:,.1f}%" if unit == "%" else f"{value:,}")
    return z, text


# The heatmap's measures: arrivals, and the share of attendances (departure recorded) over 4 and 12 hours.
HEATMAP_MEASURES = (("attendances", "Arrivals", ""), ("pct_over_4h", "Over 4 hours (%)", "%"),
                    ("pct_over_12h", "Over 12 hours (%)", "%"))


def heatmap_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return the hour-by-weekday heatmap: arrivals, or the 4-hour or 12-hour breach rate (a menu on the chart).

    Every measure's cells are in the figure (each protected: a rate on a small cell is '*'),
    so switching measure needs no request; suppressed cells are left blank.
    """
    if not drawable(shown["attendances"]):  # blank and zero cells only: nothing to see or click
        return all_suppressed()
    grids = {column: grid(shown, column, unit) for column, _, unit in HEATMAP_MEASURES}
    z, text = grids["attendances"]
    fig = figures.heatmap_figure(list(range(24)), list(WEEKDAYS), z, name="Arrivals", text=text)
    buttons = []
    for column, name, unit in HEATMAP_MEASURES:
        cells, labels = grids[column]
        buttons.append({"label": name, "method": "restyle", "args": [{
            "z": [cells], "text": [labels], "name": name, "zmax": [100 if unit == "%" else None],
            "colorbar.title.text": name, "hovertemplate": "%{y} %{x}:00<br>" + name + ": %{text}<extra></extra>"}]})
    fig["layout"]["updatemenus"] = [{"type": "dropdown", "buttons": buttons, "x": 0, "xanchor": "left", "y": 1.0,
                                     "yanchor": "bottom", "showactive": True, "active": 0,
                                     "pad": {"t": 0, "b": 2}, "font": {"size": 12}}]
    fig["layout"]["margin"] = {**fig["layout"]["margin"], "t": 44}
    marked = [(day, int(hour)) for day, hour, c in zip(shown["day"], shown["hour"], shown["chosen"]) if c]
    for day, hour in marked:  # the drill-down's cell, outlined
        row = WEEKDAYS.index(day)
        fig["layout"]["shapes"] = [{"type": "rect", "xref": "x", "yref": "y", "x0": hour - 0.5, "x1": hour + 0.5,
                                    "y0": row - 0.5, "y1": row + 0.5, "name": "chosen cell",
                                    "line": {"color": figures.CONCERN, "width": 3}}]
    chosen = "".join(f"Outlined: {day}s, arrivals {hour:02d}:00–{hour:02d}:59 (the drill-down). "
                     for day, hour in marked)
    return Drawn(fig, f"{chosen}Choose arrivals or the share over 4 or 12 hours (of attendances with a departure "
                      "recorded) in the menu. Click a cell to see the presentation and arrival mode mix for "
                      "that hour and day.")


def liaison_grid_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return emergency liaison referrals assessed, and seen within 1 hour, for every hour of every weekday."""
    rows = breakdown(db, "liaison_by_hour_weekday", filters)
    index = pd.MultiIndex.from_product([range(1, 8), range(24)], names=["weekday", "hour"])
    rows = rows.set_index(["weekday", "hour"]).reindex(index, fill_value=0).reset_index()
    return rows.assign(day=[WEEKDAYS[d - 1] for d in rows["weekday"]])


def liaison_grid_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return emergency referrals seen within 1 hour by hour and weekday (cells of few referrals blank)."""
    if not drawable(shown["pct_1h"]):
        return all_suppressed()
    z, text = grid(shown, "pct_1h", "%")
    fig = figures.heatmap_figure(list(range(24)), list(WEEKDAYS), z, name="Seen within 1 hour (%)", text=text)
    fig["data"][0]["zmax"] = 100
    fig["data"][0]["colorscale"] = [[0, "#ED8B00"], [0.6, "#F0F4F5"], [1, figures.NHS_BLUE]]  # low: orange
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "title": {"text": "Hour of referral"}}
    return noted(fig, shown, ["pct_1h"], "Emergency referrals with an assessment recorded, by the hour and day "
                                         "they were made. Orange: fewer seen within the hour.")


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
    highlight_site(fig, charted["site"], filters)
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


DTA_OVER_12H = Field("dta_over_12h", "12-hour waits from decision to admit", "count", partition=True)


def site_view(*charts: Chart) -> tuple[Chart, ...]:
    """Return the page's charts reading the site view's choice (every chart of this page does)."""
    return tuple(replace(chart, site_view=True) for chart in charts)


register(*site_view(
    replace(FOUR_HOUR, figure=four_hour_figure,
            description="Red dotted: the constitutional 95% standard; purple dashed: the operational standard"),
    spc_chart("ae_12h_from_arrival", "uec-12h", "12-hour waits from arrival"),
    spc_chart("ae_12h_from_dta", "uec-12h-dta", "12-hour waits from decision to admit"),
    Chart(id="uec-dta-wait", kind=ChartKind.BREAKDOWN, title="Time from decision to admit to leaving A&E",
          data=dta_wait_rows, queries=("ae_dta_waits",),
          fields=(Field("label", "Time from decision to admit"),
                  Field("attendances", "Attendances", "count", partition=True)),
          figure=dta_wait_figure, description="Attendances with a decision to admit (the 'trolley wait')"),
    Chart(id="uec-dta-sites", kind=ChartKind.BREAKDOWN,
          title="12-hour waits from decision to admit by emergency department",
          data=site_counts, queries=("ae_site_counts",),
          fields=(Field("site", "Site"), DTA_OVER_12H,
                  Field("dta_pct", "Of decisions to admit (%)", "pct", num="dta_over_12h",
                        den="dta_departure_recorded", unit="%")),
          figure=dta_site_figure, activity="dta_departure_recorded",
          description="Decisions to admit with a departure recorded"),
    spc_chart("liaison_1h_pct", "uec-liaison-1h", "Emergency liaison referrals seen within 1 hour"),
    spc_chart("ae_median_minutes", "uec-median", "Median time in A&E (minutes)"),
    Chart(id="uec-sites", kind=ChartKind.BREAKDOWN, title="Four-hour performance by emergency department",
          data=site_rows, queries=("ae_by_site", "ae_site_counts"),
          fields=(Field("site", "Site"), Field("attendances", "Attendances", "count", partition=True), PCT_4H,
                  Field("over_12h", "Over 12 hours", "count", partition=True),
                  Field("median_minutes", "Median minutes", "measure", den="departure_recorded"),
                  Field("departure_not_recorded", "Departure not recorded", "count", partition=True),
                  DTA_OVER_12H),
          figure=site_figure, description="Attendances with a departure recorded",
          table_only=("median_minutes",), figure_data=site_counts),
    Chart(id="uec-heatmap", kind=ChartKind.GRID, title="Attendances by hour and day of the week",
          data=heatmap_rows, queries=("ae_by_hour_weekday",),
          fields=(Field("day", "Day"), Field("hour", "Hour"),
                  Field("attendances", "Attendances", "count", partition=True),
                  Field("chosen", "Chosen"),
                  Field("pct_over_4h", "Over 4 hours (%)", "pct", num="over_4h", den="departure_recorded", unit="%"),
                  Field("pct_over_12h", "Over 12 hours (%)", "pct", num="over_12h", den="departure_recorded",
                        unit="%")),
          figure=heatmap_figure, description="When people in mental health crisis arrive, and when they wait longest",
          selectable=True),
    Chart(id="uec-liaison-grid", kind=ChartKind.GRID, title="Liaison: emergency referrals seen within 1 hour",
          data=liaison_grid_rows, queries=("liaison_by_hour_weekday",),
          fields=(Field("day", "Day"), Field("hour", "Hour"),
                  Field("pct_1h", "Seen within 1 hour (%)", "pct", num="emergency_within_1h",
                        den="emergency_assessed", unit="%"),
                  Field("emergency_assessed", "Emergency referrals assessed", "count")),
          figure=liaison_grid_figure, activity="emergency_assessed",
          description="By hour of referral and day of the week: nights and weekends"),
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
))

PAGE = publish(Page(
    id="urgent-care", path="/urgent-care", title="Urgent and emergency care",
    intro="Mental health attendances at A&E: four-hour and 12-hour waits, and how fast the liaison team responds.",
    audience="liaison team managers",
    cards=metric_cards("ae_attendances", "ae_4h_pct", "ae_12h_from_arrival", "ae_12h_from_dta",
                       "ae_median_minutes", "liaison_referrals", "liaison_1h_pct", "liaison_24h_pct"),
    rows=((("uec-4h", 6), ("uec-12h", 6)),
          (("uec-12h-dta", 6), ("uec-dta-wait", 6)),
          (("uec-liaison-1h", 6), ("uec-median", 6)),
          (("uec-sites", 6), ("uec-dta-sites", 6)),
          (("uec-heatmap", 6), ("uec-presentation", 3), ("uec-arrival", 3)),
          (("uec-liaison-sites", 6), ("uec-liaison-hour", 6)),
          (("uec-liaison-grid", 12),)),
    site_view=True,
    params=("cell",),  # the heatmap drill-down's cell: kept in the URL when a shared filter changes
    extra=dash_html.Div([
        dash_html.Span("Drill-down: click a cell of the heatmap (it is kept in the link).", className="drill-hint"),
        dash_html.Button("Clear the cell", id="uec-clear-cell", className="btn btn-outline-primary btn-sm",
                         n_clicks=0, disabled=True, title="Show every hour and day again"),
    ], className="drill-bar no-print"),
), __name__, nav="Urgent care", order=1)


def heatmap_selection(click_data: Any) -> dict[str, int] | None:
    """Return the hour and weekday of a clicked heatmap cell, or None."""
    try:
        point = click_data["points"][0]
        return {"hour": int(point["x"]), "weekday": WEEKDAYS.index(point["y"]) + 1}
    except (TypeError, KeyError, IndexError, ValueError):
        return None


DRILLED = ("uec-heatmap", "uec-presentation", "uec-arrival")  # the charts that read the drill-down's cell


@callback(
    Output("url", "search", allow_duplicate=True),
    Input({"type": "chart-graph", "chart": "uec-heatmap"}, "clickData"),
    State("url", "search"),
    prevent_initial_call=True,
)
def drill_into_cell(click_data, search):
    """Put the clicked heatmap cell in the URL (?cell=<weekday>-<hour>): the drill-down then follows it."""
    selection = heatmap_selection(click_data)
    if not selection:
        return no_update
    return with_param(search, CELL, f"{selection['weekday']}-{selection['hour']}")


@callback(
    *[Output({"type": "chart-selection", "chart": chart_id}, "data") for chart_id in DRILLED],
    Output("uec-clear-cell", "disabled"),
    Input("url", "search"),
    *[State({"type": "chart-selection", "chart": chart_id}, "data") for chart_id in DRILLED],
)
def cell_from_url(search, *held):
    """Give the heatmap (to mark it) and the mix charts (to drill in) the cell the URL names, or none.

    A store already holding it is left alone: setting it again would redraw its chart a second
    time on every filter change.
    """
    cell = cell_of(search)
    return (*[no_update if current == cell else cell for current in held], cell is None)


@callback(Output("url", "search", allow_duplicate=True), Input("uec-clear-cell", "n_clicks"), State("url", "search"),
          prevent_initial_call=True)
def clear_cell(n_clicks, search):
    """Take the drill-down's cell out of the URL: every hour and day again."""
    return with_param(search, CELL, None) if n_clicks else no_update

