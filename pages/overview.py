"""Overview (/): the whole system at a glance, a card per stage and the pathway flow."""
from __future__ import annotations

import pandas as pd

from dashboard.web import figures
from dashboard.web.breakdowns import all_suppressed
from dashboard.web.cards import metric_cards
from dashboard.web.charts import Chart, ChartKind, register, spc_chart
from dashboard.web.components import Page, publish
from dashboard.web.figures import Drawn
from dashboard.store.data import breakdown
from dashboard.store.db import Database
from dashboard.core.disclosure import SUPPRESSED, Field
from dashboard.core.filters import Filters


# Column of each stage in the pathway (0 = crisis entry ... 1 = readmission).
COLUMNS = {"ae": 0.0, "s136": 0.0, "ward_liaison": 0.0, "other_route": 0.0,
           "community_support": 0.33, "home": 0.33, "left": 0.33, "admitted_acute": 0.33, "police_custody": 0.33,
           "other_outcome": 0.33, "admitted": 0.33, "admitted_before": 0.33,
           "still_in_hospital": 0.6, "died_or_transferred": 0.6, "discharged": 0.6,
           "followed_up_72h": 0.82, "not_followed_up_72h": 0.82, "readmitted_30d": 1.0}

STAGES = {
    "ae": ("A&E mental health attendance", figures.NHS_BLUE),
    "s136": ("Section 136 detention", "#330072"),
    "ward_liaison": ("Liaison referral from a ward", "#41B6E6"),
    "other_route": ("Other route (crisis team, community, transfer)", figures.NHS_MID_GREY),
    "community_support": ("Crisis or community mental health team", "#009E73"),
    "home": ("Home, GP or no mental health follow-up", "#56B4E9"),
    "left": ("Left A&E before treatment", "#D55E00"),
    "admitted_acute": ("Admitted to an acute (general) ward", "#AE2573"),
    "police_custody": ("Police custody", "#8A1538"),
    "other_outcome": ("Other outcome", "#A6A6A6"),
    "admitted": ("Admitted to a mental health ward", figures.NHS_DARK_BLUE),
    "admitted_before": ("In a mental health ward before the period", "#768692"),
    "still_in_hospital": ("Still in hospital at period end", "#768692"),
    "died_or_transferred": ("Died or moved to another hospital", "#A6A6A6"),
    "discharged": ("Discharged", "#009E73"),
    "followed_up_72h": ("Followed up within 72 hours", "#41B6E6"),
    "not_followed_up_72h": ("Not followed up within 72 hours", figures.CONCERN),
    "readmitted_30d": ("Readmitted within 30 days", "#DA291C"),
}


def pathway_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return the pathway links with stage names: from, to, people."""
    links = breakdown(db, "pathway_flow", filters)
    return pd.DataFrame({
        "from": [STAGES[s][0] for s in links["source"]],
        "to": [STAGES[t][0] for t in links["target"]],
        "people": links["people"],
    })


AE_NODE = ("The A&E node counts attendances by their outcome, but those admitted to a mental health ward as "
           "admissions from A&E in the period (the inpatient extract), so it can differ from the A&E card, which "
           "counts every attendance: an admission can fall in the period after its attendance, someone brought to "
           "A&E under section 136 and admitted is counted from the section 136 node, and each link is rounded on "
           "its own.")


def pathway_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return the Sankey of the shown links (suppressed links are left out and said so)."""
    visible = shown[shown["people"] != SUPPRESSED]
    hidden = len(shown) - len(visible)
    note = (f"{hidden} link(s) not drawn: too few people to show, or hidden so that another "
            "cannot be worked out (* in the table). " if hidden else "") + (
        "Crisis entries flow to their outcome; stays admitted in the period flow on to discharge or are still in "
        "hospital at its end; every discharge of the period (with those admitted before it) flows on to 72-hour "
        "follow-up and readmission within 30 days. " + AE_NODE)
    if visible.empty:
        return all_suppressed(note)
    labels = list(dict.fromkeys([*visible["from"], *visible["to"]]))
    colour_of = {name: colour for name, colour in STAGES.values()}
    column_of = {STAGES[code][0]: column for code, column in COLUMNS.items()}
    # Stages with no link drawn (a narrow view) leave their columns out: the drawn ones use the
    # whole width, so the first column's labels do not run into the next column's.
    last = max(column_of[label] for label in labels) or 1.0
    index = {label: i for i, label in enumerate(labels)}
    fig = figures.sankey_figure(labels, [colour_of[label] for label in labels],
                                [index[s] for s in visible["from"]], [index[t] for t in visible["to"]],
                                [float(v) for v in visible["people"]], [column_of[label] / last for label in labels])
    ae = STAGES["ae"][0]
    if ae in labels:  # the node a reader checks against the card: its total, and why it may differ, on the chart
        total = sum(float(v) for v in visible.loc[visible["from"] == ae, "people"])
        fig["layout"]["annotations"] = [{
            "name": "ae-node", "text": figures.wrap(f"A&E node: {total:,.0f}. Admissions from A&E are counted by "
                                                    "admission date and source, so it may differ from the A&E "
                                                    "card (see below).", 60),
            "showarrow": False, "xref": "paper", "yref": "paper", "x": 0, "y": 0, "xanchor": "left",
            "yanchor": "top", "align": "left", "font": {"size": 11, "color": figures.NHS_DARK_GREY}}]
        fig["layout"]["margin"] = {**fig["layout"]["margin"], "b": 44}
    return Drawn(fig, note)


PATHWAY = Chart(
    id="overview-pathway", kind=ChartKind.FLOW, title="Pathway from crisis to recovery",
    data=pathway_rows, queries=("pathway_flow",),
    fields=(Field("from", "From"), Field("to", "To"),
            Field("people", "People", "count", partition=("from", "to"))),
    figure=pathway_figure, description="People and events in the period, linked across the five data sets",
    activity="people",
)

register(
    PATHWAY,
    spc_chart("ae_attendances", "overview-ae", "A&E mental health attendances"),
    spc_chart("s136_detentions", "overview-s136", "Section 136 detentions"),
    spc_chart("occupancy_pct", "overview-occupancy", "Bed occupancy"),
    spc_chart("followup_72h_pct", "overview-followup", "Followed up within 72 hours of discharge"),
)

PAGE = publish(Page(
    id="overview", path="/", title="Whole-system overview",
    intro="From crisis (A&E, section 136, liaison) through inpatient care to discharge and recovery.",
    audience="the Crisis Care Concordat task group",
    cards=metric_cards("ae_attendances", "liaison_1h_pct", "s136_detentions", "admissions", "occupancy_pct",
                       "delayed_pct", "followup_72h_pct"),
    rows=((("overview-pathway", 12),),
          (("overview-ae", 6), ("overview-s136", 6)),
          (("overview-occupancy", 6), ("overview-followup", 6))),
), __name__, nav="Overview", order=0)

