"""Inpatient care (/inpatient): admissions, bed days, occupancy against commissioned beds, length of stay.

For bed managers and the inpatient service lead: where admissions come from, how
full the home system's wards are (ward by ward), how long people stay and how
many nights are spent in out-of-area placements.
"""
from __future__ import annotations

import pandas as pd

from dashboard.web import figures
from dashboard.web.breakdowns import all_suppressed, charted_note, drawable, in_type_order, most_telling
from dashboard.web.charts import Chart, register, spc_chart
from dashboard.web.components import Page, publish
from dashboard.store.data import breakdown
from dashboard.store.db import Database
from dashboard.core.disclosure import Field, plottable
from dashboard.core.filters import Filters
from dashboard.settings import get_settings

ADMISSION_SOURCE = {
    "emergency_department": "Emergency department",
    "s136": "Section 136",
    "crisis_team": "Crisis team",
    "community": "Community team",
    "transfer": "Transfer from another hospital",
    "other": "Other",
}
WARD_TYPE = {
    "adult_acute": "Adult acute",
    "picu": "PICU",
    "older_adult": "Older adult",
    "camhs_tier4": "CAMHS tier 4",
}
# Length of stay bands, in the order the query numbers them (los_band 1-9).
LOS_BANDS = ("0 nights", "1-7", "8-14", "15-28", "29-60", "61-90", "91-180", "181-365", "Over 365")
OCCUPANCY_TARGET_KEY = "occupancy_pct"


# --- admissions by source and legal status -------------------------------------------------

def admission_source_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return admissions in the period for every admission source (zeros included), by legal status."""
    rows = breakdown(db, "inpatient_admissions_by_source", filters).set_index("admission_source")
    rows = rows.reindex(list(ADMISSION_SOURCE), fill_value=0).reset_index()
    return rows.assign(source=[ADMISSION_SOURCE[s] for s in rows["admission_source"]])


def admission_source_figure(shown: pd.DataFrame, filters: Filters) -> dict:
    """Return admissions by source as bars stacked by legal status at admission."""
    if not drawable(shown["informal"], shown["detained"]):
        return all_suppressed()
    fig = figures.bar_figure(shown["source"], [("Informal", plottable(shown["informal"])),
                                               ("Detained", plottable(shown["detained"]))],
                             horizontal=True, stacked=True)
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "title": {"text": "Admissions"}}
    fig["note"] = "Legal status at admission. A bar part shown as * in the table is suppressed and not drawn."
    return fig


# --- occupancy by ward ----------------------------------------------------------------------

def ward_occupancy_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return each home-system ward's occupied and available bed days in the period (all ages only).

    Capacity is not split by age band, so under a band there is nothing to show (no rows).
    """
    if filters.age_band != "all":
        return pd.DataFrame(columns=["ward", "ward_type", "beds", "available_bed_days", "bed_days", "ward_type_label"])
    rows = in_type_order(breakdown(db, "inpatient_ward_occupancy", filters), list(WARD_TYPE))
    return rows.assign(ward_type_label=[WARD_TYPE.get(t, t) for t in rows["ward_type"]])


def ward_occupancy_figure(shown: pd.DataFrame, filters: Filters) -> dict:
    """Return occupancy by ward as horizontal bars with the 85% reference line (of many wards, the 25 fullest)."""
    target = get_settings().targets.get(OCCUPANCY_TARGET_KEY)
    charted = most_telling(shown, "occupancy")
    labels = [f"{w} ({t})" for w, t in zip(charted["ward"], charted["ward_type_label"])]
    fig = figures.bar_figure(labels, [("Occupancy", plottable(charted["occupancy"]))], horizontal=True, unit="%")
    fig["data"][0]["marker"]["color"] = [
        figures.CONCERN if isinstance(v, (int, float)) and target is not None and v > target else figures.NHS_BLUE
        for v in charted["occupancy"]]
    if target is not None:
        fig["layout"]["shapes"] = [{"type": "line", "x0": target, "x1": target, "yref": "paper", "y0": 0, "y1": 1,
                                    "line": {"color": "#DA291C", "dash": "dot", "width": 1.5}}]
        fig["layout"]["annotations"] = [{"text": f"{target:.0f}%", "x": target, "xref": "x", "y": 1, "yref": "paper",
                                         "yanchor": "bottom", "showarrow": False,
                                         "font": {"size": 12, "color": "#DA291C"}}]
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
    fig["note"] = " ".join(p for p in parts if p)
    return fig


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


def length_of_stay_figure(shown: pd.DataFrame, filters: Filters) -> dict:
    """Return the length of stay distribution as bars stacked by ward type."""
    if not drawable(*(shown[t] for t in WARD_TYPE)):
        return all_suppressed()
    fig = figures.bar_figure(shown["band"], [(WARD_TYPE[t], plottable(shown[t])) for t in WARD_TYPE], stacked=True)
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "title": {"text": "Length of stay (nights)"},
                              "type": "category"}
    fig["layout"]["yaxis"] = {**fig["layout"]["yaxis"], "title": {"text": "Stays discharged"}}
    fig["layout"]["height"] = 360
    fig["note"] = ("Nights from admission to discharge of every stay discharged in the period "
                   "(including out-of-area stays); a part shown as * in the table is suppressed and not drawn.")
    return fig


register(
    Chart("ip-admissions-source", "Admissions by source and legal status", admission_source_rows,
          (Field("source", "Admission source"), Field("informal", "Informal", "count", partition=True),
           Field("detained", "Detained", "count", partition=True),
           Field("admissions", "All admissions", "count", partition=True, parts=("informal", "detained"))),
          admission_source_figure, "Stays admitted in the period", activity="admissions"),
    spc_chart("bed_days", "ip-bed-days", "Occupied bed days", "Nights spent on a ward, home system and out of area"),
    spc_chart("occupancy_pct", "ip-occupancy", "Bed occupancy",
              "In-area occupied bed days / commissioned bed days (85% recommended maximum)"),
    spc_chart("out_of_area_bed_days", "ip-out-of-area", "Out-of-area bed days",
              "Nights spent in beds outside the home system"),
    Chart("ip-ward-occupancy", "Occupancy by ward for the period", ward_occupancy_rows,
          (Field("ward", "Ward"), Field("ward_type_label", "Ward type"),
           Field("beds", "Commissioned beds (latest in period)", "reference"),
           Field("available_bed_days", "Available bed days", "reference"),
           Field("bed_days", "Occupied bed days", "count", partition=True),
           Field("occupancy", "Occupancy (%)", "pct", num="bed_days", den="available_bed_days", unit="%")),
          ward_occupancy_figure, "Home-system wards; all ages only, as capacity is not split by age band",
          activity="available_bed_days",
          empty_text="Occupancy by ward is shown for all ages only: capacity is not split by age band."),
    Chart("ip-length-of-stay", "Length of stay of stays discharged", length_of_stay_rows,
          (Field("band", "Length of stay (nights)"),
           *(Field(t, label, "count", partition=True) for t, label in WARD_TYPE.items()),
           Field("all_stays", "All ward types", "count", partition=True, parts=tuple(WARD_TYPE))),
          length_of_stay_figure, "Stays discharged in the period, by ward type", activity="all_stays"),
)

PAGE = publish(Page(
    id="inpatient", path="/inpatient", title="Inpatient care",
    intro="Admissions to mental health wards, bed days and occupancy against commissioned beds, "
          "length of stay and out-of-area placements.",
    audience="bed managers and the inpatient service lead",
    cards=("admissions", "bed_days", "occupancy_pct", "out_of_area_bed_days", "median_los_days"),
    rows=((("ip-admissions-source", 6), ("ip-bed-days", 6)),
          (("ip-occupancy", 12),),
          (("ip-ward-occupancy", 12),),
          (("ip-out-of-area", 6), ("ip-length-of-stay", 6))),
), __name__, nav="Inpatient care", order=3)
