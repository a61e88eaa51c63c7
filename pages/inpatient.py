"""Inpatient care (/inpatient): admissions, bed days, occupancy against commissioned beds, length of stay.

For bed managers and the inpatient service lead: where admissions come from, how
full the home system's wards are (ward by ward), how long people stay and how
many nights are spent in out-of-area placements.
"""
from __future__ import annotations

import pandas as pd

from dashboard.web import figures
from dashboard.web.breakdowns import WARD_TYPES, all_suppressed, charted_note, drawable, in_type_order, most_telling
from dashboard.web.cards import metric_cards
from dashboard.web.charts import Chart, ChartKind, register, spc_chart
from dashboard.web.components import Page, publish
from dashboard.web.figures import Drawn
from dashboard.store.data import breakdown
from dashboard.store.db import Database
from dashboard.core.disclosure import Field, plottable
from dashboard.core.filters import Filters
from dashboard.core.metrics import METRICS
from dashboard.settings import get_settings

ADMISSION_SOURCE = {
    "emergency_department": "Emergency department",
    "s136": "Section 136",
    "crisis_team": "Crisis team",
    "community": "Community team",
    "transfer": "Transfer from another hospital",
    "other": "Other",
}
WARD_TYPE = WARD_TYPES
# Length of stay bands, in the order the query numbers them (los_band 1-9).
LOS_BANDS = ("0 nights", "1-7", "8-14", "15-28", "29-60", "61-90", "91-180", "181-365", "Over 365")
OCCUPANCY_TARGET_KEY = "occupancy_pct"


# --- admissions by source and legal status -------------------------------------------------

def admission_source_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return admissions in the period for every admission source (zeros included), by legal status."""
    rows = breakdown(db, "inpatient_admissions_by_source", filters).set_index("admission_source")
    rows = rows.reindex(list(ADMISSION_SOURCE), fill_value=0).reset_index()
    return rows.assign(source=[ADMISSION_SOURCE[s] for s in rows["admission_source"]])


def admission_source_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return admissions by source as bars stacked by legal status at admission."""
    if not drawable(shown["informal"], shown["detained"]):
        return all_suppressed()
    fig = figures.bar_figure(shown["source"], [("Informal", plottable(shown["informal"])),
                                               ("Detained", plottable(shown["detained"]))],
                             horizontal=True, stacked=True)
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "title": {"text": "Admissions"}}
    return Drawn(fig, "Legal status at admission. A bar part shown as * in the table is suppressed and not drawn.")


# --- occupancy by ward ----------------------------------------------------------------------

def ward_occupancy_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return each home-system ward's occupied and available bed days in the period (all ages only).

    Capacity is not split by age band (the occupancy metric's rule), so under a band there is nothing
    to show (no rows).
    """
    if not METRICS[OCCUPANCY_TARGET_KEY].shown_for(filters.age_band):
        return pd.DataFrame(columns=["ward", "ward_type", "beds", "available_bed_days", "bed_days", "ward_type_label"])
    rows = in_type_order(breakdown(db, "inpatient_ward_occupancy", filters), list(WARD_TYPE))
    return rows.assign(ward_type_label=[WARD_TYPE.get(t, t) for t in rows["ward_type"]])


def ward_occupancy_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return occupancy by ward as horizontal bars with the 85% reference line (of many wards, the 25 fullest)."""
    target = get_settings().targets.get(OCCUPANCY_TARGET_KEY)
    charted = most_telling(shown, "occupancy")
    labels = [f"{w} ({t})" for w, t in zip(charted["ward"], charted["ward_type_label"])]
    fig = figures.bar_figure(labels, [("Occupancy", plottable(charted["occupancy"]))], horizontal=True, unit="%")
    fig["data"][0]["marker"]["color"] = [
        figures.CONCERN if isinstance(v, (int, float)) and target is not None and v > target else figures.NHS_BLUE
        for v in charted["occupancy"]]
    if target is not None:
        fig["layout"]["shapes"] = [figures.reference_line(target, width=1.5)]
        fig["layout"]["annotations"] = [{"text": f"{target:.0f}%", "x": target, "xref": "x", "y": 1, "yref": "paper",
                                         "yanchor": "bottom", "showarrow": False,
                                         "font": {"size": 12, "color": figures.REFERENCE_RED}}]
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "dtick": 10, "nticks": None,
                              "title": {"text": "Occupied bed days as % of available bed days"}}
    closed = [w for w, b in zip(shown["ward"], shown["beds"]) if not b]
    over = sum(1 for v in shown["occupancy"] if isinstance(v, (int, float)) and target is not None and v > target)
    parts = [charted_note(shown, charted, "wards", "the highest occupancy"),
             f"{over} of {len(shown)} wards above the {target:.0f}% recommended maximum (orange)."
             if target is not None else ""]
    parts.append("Occupied in-area bed days / commissioned bed days while each ward was open; "
                 "out-of-area placements are not counted.")
    if closed:
        parts.append(f"No commissioned beds in the period: {', '.join(closed)}.")
    return Drawn(fig, " ".join(p for p in parts if p))


# --- length of stay -------------------------------------------------------------------------

def length_of_stay_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return stays discharged in the period by length-of-stay band (rows) and ward type (columns)."""
    rows = breakdown(db, "inpatient_length_of_stay", filters)
    grid = rows.pivot_table(index="los_band", columns="ward_type", values="stays", aggfunc="sum", fill_value=0)
    grid = grid.reindex(index=range(1, len(LOS_BANDS) + 1), columns=list(WARD_TYPE), fill_value=0)
    grid = grid.fillna(0).astype("int64")
    grid["all_stays"] = grid.sum(axis=1)
    grid = grid.reset_index()
    return grid.assign(band=[LOS_BANDS[b - 1] for b in grid["los_band"]])


def length_of_stay_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return the length of stay distribution as bars stacked by ward type."""
    if not drawable(*(shown[t] for t in WARD_TYPE)):
        return all_suppressed()
    fig = figures.bar_figure(shown["band"], [(WARD_TYPE[t], plottable(shown[t])) for t in WARD_TYPE], stacked=True)
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "title": {"text": "Length of stay (nights)"},
                              "type": "category"}
    fig["layout"]["yaxis"] = {**fig["layout"]["yaxis"], "title": {"text": "Stays discharged"}}
    fig["layout"]["height"] = 360
    return Drawn(fig, "Nights from admission to discharge of every stay discharged in the period "
                      "(including out-of-area stays); a part shown as * in the table is suppressed and not drawn.")


register(
    Chart(id="ip-admissions-source", kind=ChartKind.BREAKDOWN, title="Admissions by source and legal status",
          data=admission_source_rows, queries=("inpatient_admissions_by_source",),
          fields=(Field("source", "Admission source"), Field("informal", "Informal", "count", partition=True),
                  Field("detained", "Detained", "count", partition=True),
                  Field("admissions", "All admissions", "count", partition=True, parts=("informal", "detained"))),
          figure=admission_source_figure, description="Stays admitted in the period", activity="admissions"),
    spc_chart("bed_days", "ip-bed-days", "Occupied bed days", "Nights spent on a ward, home system and out of area"),
    spc_chart("occupancy_pct", "ip-occupancy", "Bed occupancy",
              "In-area occupied bed days / commissioned bed days (85% recommended maximum)"),
    spc_chart("out_of_area_bed_days", "ip-out-of-area", "Out-of-area bed days",
              "Nights spent in beds outside the home system"),
    Chart(id="ip-ward-occupancy", kind=ChartKind.BREAKDOWN, title="Occupancy by ward for the period",
          data=ward_occupancy_rows, queries=("inpatient_ward_occupancy",),
          fields=(Field("ward", "Ward"), Field("ward_type_label", "Ward type"),
                  Field("beds", "Commissioned beds (latest in period)", "reference"),
                  Field("available_bed_days", "Available bed days", "reference"),
                  Field("bed_days", "Occupied bed days", "count", partition=True),
                  Field("occupancy", "Occupancy (%)", "pct", num="bed_days", den="available_bed_days", unit="%")),
          figure=ward_occupancy_figure,
          description="Home-system wards; all ages only, as capacity is not split by age band",
          activity="available_bed_days",
          empty_text="Occupancy by ward is shown for all ages only: capacity is not split by age band."),
    Chart(id="ip-length-of-stay", kind=ChartKind.BREAKDOWN, title="Length of stay of stays discharged",
          data=length_of_stay_rows, queries=("inpatient_length_of_stay",),
          fields=(Field("band", "Length of stay (nights)"),
                  *(Field(t, label, "count", partition=True) for t, label in WARD_TYPE.items()),
                  Field("all_stays", "All ward types", "count", partition=True, parts=tuple(WARD_TYPE))),
          figure=length_of_stay_figure, description="Stays discharged in the period, by ward type",
          activity="all_stays"),
)

PAGE = publish(Page(
    id="inpatient", path="/inpatient", title="Inpatient care",
    intro="Admissions to mental health wards, bed days and occupancy against commissioned beds, "
          "length of stay and out-of-area placements.",
    audience="bed managers and the inpatient service lead",
    cards=metric_cards("admissions", "bed_days", "occupancy_pct", "out_of_area_bed_days", "median_los_days"),
    rows=((("ip-admissions-source", 6), ("ip-bed-days", 6)),
          (("ip-occupancy", 12),),
          (("ip-ward-occupancy", 12),),
          (("ip-out-of-area", 6), ("ip-length-of-stay", 6))),
), __name__, nav="Inpatient care", order=3)
