"""Recovery (/recovery): discharge from a mental health ward and what follows it.

For community and inpatient service leads: 72-hour follow-up after discharge,
readmission and return to A&E within 30 days, where people go on discharge,
how soon community teams see them, and which ward types do best.
"""
from __future__ import annotations

import pandas as pd

from dashboard.web import figures
from dashboard.web.breakdowns import WARD_TYPES_IN_FULL, categories, noted
from dashboard.web.cards import metric_cards
from dashboard.web.charts import (Chart, ChartKind, register, spc_chart, spc_trend_figure, with_labels,
                                  with_open_window)
from dashboard.core.windows import RETURNED_AE_DAYS
from dashboard.web.components import Page, publish
from dashboard.store.data import breakdown, by_period
from dashboard.store.db import Database
from dashboard.core.disclosure import Field, plottable
from dashboard.web.figures import Drawn, count_axis, horizontal_bars, mark_suppressed, percent_axis, reference_line
from dashboard.core.filters import Filters
from dashboard.settings import get_settings

DESTINATIONS = {
    "home": "Home",
    "supported_accommodation": "Supported accommodation",
    "care_home": "Care home",
    "other_hospital": "Another hospital (transfer)",
    "died": "Died",
    "other": "Other destination",
    "not_recorded": "Destination not recorded",
}
# Time from discharge to first community contact; the first two make up "within 72 hours".
FOLLOW_UP_TIMING = {
    "within_24h": ("Within 24 hours", "#005EB8"),
    "after_24h_to_72h": ("24 to 72 hours", "#41B6E6"),
    "after_72h_to_7d": ("3 to 7 days", figures.CONCERN),
    "after_7d": ("Over 7 days", "#D55E00"),
    "none": ("No follow-up recorded", "#A6A6A6"),
}
WARD_TYPES = WARD_TYPES_IN_FULL


# --- return to A&E within 30 days -----------------------------------------------------------

def discharge_trend(db: Database, filters: Filters) -> pd.DataFrame:
    """Return discharges_by_period for every bucket of the period, with a 'period' label.

    A bucket whose discharges have not all had 30 days to return to A&E is labelled as not complete.
    """
    return with_open_window(with_labels(by_period(db, "discharges_by_period", filters), filters), db, filters,
                            RETURNED_AE_DAYS)


RETURNED_AE = Field("pct_returned_ae", "Returned to A&E within 30 days (%)", "pct", num="returned_ae_30d",
                    den="discharges", unit="%")


def returned_ae_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return the XmR chart of discharges followed by an A&E mental health attendance within 30 days."""
    return spc_trend_figure(shown, RETURNED_AE.name, name="Returned to A&E within 30 days", unit="%", better="down",
                            percent=True, base=RETURNED_AE.den, window_days=RETURNED_AE_DAYS)


RETURNED_AE_CHART = Chart(
    id="rec-returned-ae", kind=ChartKind.SPC, title="Returned to A&E within 30 days of discharge",
    data=discharge_trend, queries=("discharges_by_period",),
    fields=(Field("period", "Period"), RETURNED_AE, Field("discharges", "Discharges", "count", partition=True)),
    figure=returned_ae_figure,
    description="% of discharges followed by a mental health attendance at A&E within 30 days (a month whose "
                "discharges have not all had 30 days by the data's end is marked 'not complete')",
    activity="discharges",
)


# --- destinations ---------------------------------------------------------------------------

def destination_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return stays discharged in the period by destination, every destination listed."""
    return categories(breakdown(db, "discharge_destinations", filters), "destination", DESTINATIONS)


def destination_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return stays discharged by destination as horizontal bars."""
    not_counted = {DESTINATIONS["died"], DESTINATIONS["other_hospital"]}
    fig = horizontal_bars(shown, "stays_discharged", "Stays discharged",
                          [figures.NHS_MID_GREY if label in not_counted else figures.NHS_BLUE
                           for label in shown["label"]])
    return noted(fig, shown, ["stays_discharged"],
                 "Grey: not counted as discharges in the follow-up and readmission measures.")


DESTINATION_MIX = Chart(
    id="rec-destinations", kind=ChartKind.BREAKDOWN, title="Where people went on discharge",
    data=destination_rows, queries=("discharge_destinations",),
    fields=(Field("label", "Destination"), Field("stays_discharged", "Stays discharged", "count", partition=True),
            Field("pct_72h", "Followed up within 72 hours (%)", "pct", num="followed_up_72h", den="discharges",
                  unit="%")),
    figure=destination_figure, description="Every ward stay discharged in the period, by discharge destination",
)


# --- follow-up timing -----------------------------------------------------------------------

def timing_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return discharges by time to first community contact, every band listed."""
    labels = {code: label for code, (label, _) in FOLLOW_UP_TIMING.items()}
    return categories(breakdown(db, "recovery_followup_timing", filters), "timing", labels)


def timing_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return discharges by time to first community contact as bars (blue: within 72 hours)."""
    fig = figures.bar_figure(shown["label"], [("Discharges", plottable(shown["discharges"]))])
    colour_of = {label: colour for label, colour in FOLLOW_UP_TIMING.values()}
    fig["data"][0]["marker"]["color"] = [colour_of.get(label, figures.NHS_MID_GREY) for label in shown["label"]]
    count_axis(fig, max([v for v in plottable(shown["discharges"]) if v is not None] or [0]), "Discharges")
    mark_suppressed(fig, shown, "label", ["discharges"])
    return noted(fig, shown, ["discharges"],
                 "The two blue bars together are the discharges followed up within 72 hours.")


FOLLOW_UP_TIMING_CHART = Chart(
    id="rec-followup-timing", kind=ChartKind.BREAKDOWN, title="How soon people were followed up",
    data=timing_rows, queries=("recovery_followup_timing",),
    fields=(Field("label", "Time to first community contact"),
            Field("discharges", "Discharges", "count", partition=True)),
    figure=timing_figure, description="Discharges in the period by time from discharge to first community contact",
)


# --- by ward type ---------------------------------------------------------------------------

def ward_type_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return discharges, 72-hour follow-up and 30-day readmission by ward type."""
    return categories(breakdown(db, "recovery_by_ward_type", filters), "ward_type", WARD_TYPES)


def ward_type_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return 72-hour follow-up and 30-day readmission by ward type as grouped horizontal bars."""
    fig = figures.bar_figure(shown["label"], [
        ("Followed up within 72 hours", plottable(shown["pct_72h"])),
        ("Readmitted within 30 days", plottable(shown["pct_readmit"])),
    ], horizontal=True, unit="%")
    fig["data"][1]["marker"]["color"] = figures.CONCERN
    percent_axis(fig)
    mark_suppressed(fig, shown, "label", ["pct_72h", "pct_readmit"], horizontal=True)
    target = get_settings().targets.get("followup_72h_pct")
    note = ""
    if target is not None:
        fig["layout"]["shapes"] = [reference_line(target)]
        note = f"Red dotted line: the {target:.0f}% 72-hour follow-up expectation."
    return noted(fig, shown, ["pct_72h", "pct_readmit"], note,
                 suppressed_note="* marks a ward type with too few discharges to show a rate.")


WARD_TYPE = Chart(
    id="rec-ward-type", kind=ChartKind.BREAKDOWN, title="Follow-up and readmission by ward type",
    data=ward_type_rows, queries=("recovery_by_ward_type",),
    fields=(Field("label", "Ward type"), Field("discharges", "Discharges", "count", partition=True),
            Field("pct_72h", "Followed up within 72 hours (%)", "pct", num="followed_up_72h", den="discharges",
                  unit="%"),
            Field("pct_readmit", "Readmitted within 30 days (%)", "pct", num="readmitted_30d", den="discharges",
                  unit="%")),
    figure=ward_type_figure, description="Discharges in the period by the type of ward the person left",
)


register(
    spc_chart("followup_72h_pct", "rec-followup", "Followed up within 72 hours of discharge"),
    spc_chart("readmit_30d_pct", "rec-readmit", "Readmitted within 30 days"),
    spc_chart("discharges", "rec-discharges", "Discharges"),
    RETURNED_AE_CHART, DESTINATION_MIX, FOLLOW_UP_TIMING_CHART, WARD_TYPE,
)

PAGE = publish(Page(
    id="recovery", path="/recovery", title="Recovery after discharge",
    intro=("Discharges from mental health wards: follow-up within 72 hours, readmission and return to A&E "
           "within 30 days, and where people went."),
    audience="community and inpatient service leads",
    cards=metric_cards("discharges", "followup_72h_pct", "readmit_30d_pct", "median_los_days"),
    rows=((("rec-followup", 6), ("rec-readmit", 6)),
          (("rec-discharges", 6), ("rec-returned-ae", 6)),
          (("rec-followup-timing", 6), ("rec-destinations", 6)),
          (("rec-ward-type", 12),)),
), __name__, nav="Recovery", order=5)
