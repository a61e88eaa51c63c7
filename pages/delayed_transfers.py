"""Delayed transfers (/delayed-transfers): delayed days, why people wait and who is responsible.

For the discharge (flow) group of the NHS trust and local authority: delayed days
as a share of bed days against the local ambition, by reason (A to I), by
responsible organisation over time, the delays still open at the period end, and
where (ward) the delayed days fall.
"""
from __future__ import annotations

from datetime import timedelta

import pandas as pd

from dashboard.web import figures
from dashboard.web.breakdowns import (WARD_TYPES, all_suppressed, charted_note, drawable, in_type_order, most_telling,
                                      noted)
from dashboard.web.cards import metric_cards
from dashboard.web.charts import Chart, ChartKind, register, spc_chart, with_labels
from dashboard.web.components import Page, publish
from dashboard.web.figures import Drawn
from dashboard.store.data import breakdown, by_period
from dashboard.store.db import Database
from dashboard.core.disclosure import SUPPRESSED, Field, plottable
from dashboard.core.filters import Filters

REASON = {
    "a_assessment": "A: Awaiting completion of assessment",
    "b_public_funding": "B: Awaiting public funding",
    "c_nhs_non_acute_care": "C: Awaiting further NHS non-acute care",
    "di_residential_home": "D(i): Awaiting residential home place",
    "dii_nursing_home": "D(ii): Awaiting nursing home place",
    "e_care_package_home": "E: Awaiting care package at home",
    "f_equipment_adaptations": "F: Awaiting equipment or adaptations",
    "g_patient_family_choice": "G: Patient or family choice",
    "h_disputes": "H: Disputes",
    "i_housing": "I: Housing",
}
RESPONSIBLE_ORG = {"nhs": "NHS", "social_care": "Social care", "both": "Both"}
# The home system's ward types, then the two a delay can have without a home ward.
WARD_TYPE = {**WARD_TYPES, "out_of_area": "Out of area", "not_known": "Not known"}
ALL_REASONS = "all"  # the total row of delays_open_at_period_end
ALL_REASONS_LABEL = "All reasons"
WARD_NAME = {"out_of_area": "Out-of-area placements (all providers)", "not_known": "Stay not found"}


def period_end_text(filters: Filters) -> str:
    """Return the last day of the period as '31 Dec 2025'."""
    last_day = filters.period.stop - timedelta(days=1)
    return f"{last_day.day} {last_day:%b %Y}"


# --- by reason --------------------------------------------------------------------------------

def reason_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return delayed days and delays in the period for every reason A to I (zeros included)."""
    rows = breakdown(db, "delays_by_reason", filters).set_index("reason")
    rows = rows.reindex(list(REASON), fill_value=0).reset_index()
    return rows.assign(reason_label=[REASON[r] for r in rows["reason"]])


def reason_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return delayed days by reason as horizontal bars."""
    if not drawable(shown["delayed_days"]):
        return all_suppressed()
    fig = figures.bar_figure(shown["reason_label"], [("Delayed days", plottable(shown["delayed_days"]))],
                             horizontal=True)
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "title": {"text": "Delayed days in the period"}}
    known = [(v, r) for v, r in zip(shown["delayed_days"], shown["reason_label"]) if isinstance(v, (int, float))]
    top = max(known, default=None)
    return Drawn(fig, (f"Most delayed days: {top[1]} ({top[0]:,} days). " if top and top[0] else "")
                 + "Reason codes as in the national delayed transfers of care return.")


# --- by responsible organisation, as a trend ---------------------------------------------------

def org_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return delayed days by responsible organisation for every trend bucket of the period."""
    rows = with_labels(by_period(db, "delays_by_org_by_period", filters), filters)
    return rows.assign(delayed_days=rows["nhs_days"] + rows["social_care_days"] + rows["both_days"])


def org_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return delayed days by responsible organisation as bars stacked by bucket."""
    if not drawable(*(shown[f"{org}_days"] for org in RESPONSIBLE_ORG)):
        return all_suppressed()
    fig = figures.bar_figure(shown["period"], [(label, plottable(shown[f"{org}_days"]))
                                               for org, label in RESPONSIBLE_ORG.items()], stacked=True)
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "type": "category"}
    fig["layout"]["yaxis"] = {**fig["layout"]["yaxis"], "title": {"text": "Delayed days"}}
    totals = {label: sum(v for v in plottable(shown[f"{org}_days"]) if v) for org, label in RESPONSIBLE_ORG.items()}
    all_days = sum(totals.values())
    note = "Organisation responsible for the delay. "
    if all_days:
        note += "Of the delayed days shown: " + ", ".join(
            f"{label} {100 * days / all_days:.0f}%" for label, days in totals.items()) + "."
    return Drawn(fig, note)


# --- delays still open at the period end -------------------------------------------------------

def open_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return delays still open at the period end: all reasons first, then each reason A to I.

    Each row gives how many delays are open and the median days delayed so far.
    """
    rows = breakdown(db, "delays_open_at_period_end", filters).set_index("reason")
    rows = rows.reindex([ALL_REASONS, *REASON])
    rows["open_delays"] = rows["open_delays"].fillna(0).astype("int64")
    rows = rows.reset_index()
    return rows.assign(reason_label=[REASON.get(r, ALL_REASONS_LABEL) for r in rows["reason"]])


def open_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return open delays (all reasons, then each reason) as bars labelled with the median days so far.

    A suppressed count is drawn as a labelled '*' at zero, so it is not mistaken for no delays.
    """
    counts = list(shown["open_delays"])
    values = [0.0 if c == SUPPRESSED else float(c) for c in counts]
    text = [_open_text(c, m) for c, m in zip(counts, shown["median_days_so_far"])]
    fig = figures.bar_figure(shown["reason_label"], [("Delays open", values)], horizontal=True)
    colours = [figures.NHS_DARK_BLUE if label == ALL_REASONS_LABEL else figures.NHS_BLUE
               for label in shown["reason_label"]]
    fig["data"][0].update(text=text, textposition="outside", cliponaxis=False, marker={"color": colours},
                          textfont={"size": 12, "color": figures.NHS_DARK_GREY},
                          hovertemplate="%{y}: %{text}<extra></extra>")
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "rangemode": "nonnegative",
                              "title": {"text": f"Delays open at the end of {period_end_text(filters)}"}}
    if max(values, default=0) < 5:  # only zeros and '*': whole-number ticks, not Plotly's 0, 0.5, 1
        fig["layout"]["xaxis"]["range"] = [0, 5]
    fig["layout"]["margin"] = {**fig["layout"]["margin"], "r": 150}
    return Drawn(fig, f"Delays that had started by {period_end_text(filters)} and had not ended, with the median "
                      "days delayed so far. A suppressed count (*) is drawn at zero.")


def _open_text(count, median) -> str:
    """Return a bar label such as '21 open · median 8 days' (or '* open · median *')."""
    if count == 0:
        return "0"
    shown_count = count if count == SUPPRESSED else f"{count:,}"
    shown_median = "*" if median == SUPPRESSED or median is None else f"{median:,.0f} days"
    return f"{shown_count} open · median {shown_median}"


# --- by ward ----------------------------------------------------------------------------------

def ward_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return delayed days and bed days in the period by ward (out-of-area placements as one row)."""
    rows = in_type_order(breakdown(db, "delays_by_ward", filters), list(WARD_TYPE))
    return rows.assign(ward_label=[WARD_NAME.get(w, w) for w in rows["ward"]],
                       ward_type_label=[WARD_TYPE.get(t, t) for t in rows["ward_type"]])


def ward_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return delayed days by ward as horizontal bars coloured by ward type, most delayed first (at most 25)."""
    if not drawable(shown["delayed_days"]):
        return all_suppressed()
    top = most_telling(shown, "delayed_days")
    values = plottable(top["delayed_days"])
    types = list(dict.fromkeys(top["ward_type_label"]))
    series = [(t, [v if wt == t else None for v, wt in zip(values, top["ward_type_label"])]) for t in types]
    fig = figures.bar_figure(top["ward_label"], series, horizontal=True, stacked=True)
    colour_of = {label: figures.PALETTE[i % len(figures.PALETTE)] for i, label in enumerate(WARD_TYPE.values())}
    for trace in fig["data"]:  # the same colour for a ward type whichever types are present
        trace["marker"] = {"color": colour_of.get(trace["name"], figures.NHS_MID_GREY)}
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "title": {"text": "Delayed days in the period"}}
    fig["layout"]["legend"] = {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "traceorder": "normal"}
    fig["layout"]["margin"] = {**fig["layout"]["margin"], "t": 40}
    return noted(fig, shown, (), charted_note(shown, top, "wards", "the most delayed days"),
                 "A delay belongs to the ward of its stay. The table adds bed days and delayed days as a share "
                 "of each ward's bed days.")


register(
    spc_chart("delayed_pct", "dtoc-pct", "Delayed days as a share of bed days",
              "Against the local ambition (red dotted line)"),
    Chart(id="dtoc-org", kind=ChartKind.TREND, title="Delayed days by responsible organisation",
          data=org_rows, queries=("delays_by_org_by_period",),
          fields=(Field("period", "Period"),
                  *(Field(f"{org}_days", f"{label} (days)", "count", partition=True)
                    for org, label in RESPONSIBLE_ORG.items()),
                  Field("delayed_days", "All delayed days", "count", partition=True,
                        parts=tuple(f"{org}_days" for org in RESPONSIBLE_ORG))),
          figure=org_figure, description="NHS, social care or both", activity="delayed_days"),
    Chart(id="dtoc-reason", kind=ChartKind.BREAKDOWN, title="Delayed days by reason",
          data=reason_rows, queries=("delays_by_reason",),
          fields=(Field("reason_label", "Reason"), Field("delayed_days", "Delayed days", "count", partition=True),
                  Field("delays", "Delays", "count", partition=True)),
          figure=reason_figure, description="Days delayed in the period, reasons A to I", activity="delayed_days"),
    Chart(id="dtoc-open", kind=ChartKind.BREAKDOWN, title="Delays still open at the period end",
          data=open_rows, queries=("delays_open_at_period_end",),
          fields=(Field("reason_label", "Reason"), Field("open_delays", "Delays open", "count", partition=True),
                  Field("median_days_so_far", "Median days delayed so far", "measure", den="open_delays",
                        unit="days")),
          figure=open_figure, description="People still waiting to leave hospital, by reason",
          activity="open_delays", empty_text="No delays open at the end of the period."),
    Chart(id="dtoc-ward", kind=ChartKind.BREAKDOWN, title="Delayed days by ward",
          data=ward_rows, queries=("delays_by_ward",),
          fields=(Field("ward_label", "Ward"), Field("ward_type_label", "Ward type"),
                  Field("delayed_days", "Delayed days", "count", partition=True),
                  Field("bed_days", "Occupied bed days", "count", partition=True),
                  Field("delayed_share", "Delayed days as a share of bed days (%)", "pct", num="delayed_days",
                        den="bed_days", unit="%")),
          figure=ward_figure, description="Where the delayed days fall, by ward and ward type",
          activity="delayed_days"),
)

PAGE = publish(Page(
    id="delayed-transfers", path="/delayed-transfers", title="Delayed transfers of care",
    intro="People clinically ready to leave a mental health ward but still in a bed: how many days, why, "
          "and which organisation is responsible.",
    audience="the joint NHS and social care discharge group",
    cards=metric_cards("delayed_days", "delayed_pct"),
    rows=((("dtoc-pct", 6), ("dtoc-org", 6)),
          (("dtoc-reason", 6), ("dtoc-open", 6)),
          (("dtoc-ward", 12),)),
), __name__, nav="Delayed transfers", order=4)
