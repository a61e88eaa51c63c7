"""Places of safety (/places-of-safety): section 136 detentions, where people were taken and what followed.

For commissioners and the Crisis Care Concordat partners (police, ambulance, councils):
the volume of detentions and their rate per 100,000 residents, the time to the Mental Health
Act assessment and the time detained by place of safety, the first place of safety (police
custody should be rare, and never for under-18s), conveyance, detentions over the legal time
limit, outcomes, intoxication, rates by age band and ethnic group with the rate ratio to White
residents, and people detained more than once.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Sequence

import pandas as pd

from dashboard.web import figures
from dashboard.web.breakdowns import (categories, drawable, mostly_hidden, noted, split_whole_period,
                                      whole_period_mix, with_whole_period)
from dashboard.web.cards import Alert, Card, metric_cards
from dashboard.web.charts import (POPULATION_NEEDED, Chart, ChartKind, rare_event_chart, register, spc_chart,
                                  with_labels)
from dashboard.web.components import Page, publish
from dashboard.store.data import breakdown, by_period
from dashboard.store.db import Database
from dashboard.core.disclosure import SUPPRESSED, Field, plottable
from dashboard.web.figures import (Drawn, coloured, count_axis, horizontal_bars, mark_suppressed, percent_axis,
                                   rate_ratio_figure)
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
# First place of safety as the extract codes it (row-level queries), in the order of PLACES.
PLACE_CODES = {"health_based": PLACES["health_based"][0], "emergency_department": PLACES["emergency_department"][0],
               "police_custody": PLACES["police_custody"][0], "other": PLACES["other_place"][0]}
# Hours from detention to the Mental Health Act assessment (s136_hours_by_place): column -> (label, colour).
# The three blues make up "within 3 hours" (the Code of Practice's expectation, s136_assessed_3h_pct).
TO_ASSESSMENT = {
    "assess_0_1": ("Within 1 hour", figures.NHS_DARK_BLUE),
    "assess_1_2": ("1 to 2 hours", figures.NHS_BLUE),
    "assess_2_3": ("2 to 3 hours", "#41B6E6"),
    "assess_3_6": ("3 to 6 hours", "#FFB81C"),
    "assess_6_12": ("6 to 12 hours", figures.CONCERN),
    "assess_12_24": ("12 to 24 hours", "#D55E00"),
    "assess_over_24": ("Over 24 hours", "#8A1538"),
    "assess_not_recorded": ("Not recorded", "#A6A6A6"),
}
# Hours detained: within the 24-hour limit in blues; over 24 (lawful only if extended) and over 36 hours.
HELD = {
    "held_0_6": ("Within 6 hours", figures.NHS_DARK_BLUE),
    "held_6_12": ("6 to 12 hours", figures.NHS_BLUE),
    "held_12_24": ("12 to 24 hours", "#41B6E6"),
    "held_24_36": ("24 to 36 hours", figures.CONCERN),
    "held_over_36": ("Over 36 hours", "#DA291C"),
    "held_not_recorded": ("End time not recorded", "#A6A6A6"),
}


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


# --- time to assessment and time detained, by place of safety --------------------------------

def hours_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return detentions by first place of safety with hours to assessment and hours detained in bands."""
    return categories(breakdown(db, "s136_hours_by_place", filters), "place_of_safety", PLACE_CODES,
                      measures=("median_hours_to_assessment", "median_hours"))


def hours_chart(chart_id: str, title: str, bands: Mapping[str, tuple[str, str]], median: tuple[str, str, str],
                note: str, description: str) -> Chart:
    """Return a chart of each place of safety's detentions by band of hours (shares of the place's detentions).

    `median` is the (column, label, records column) of the median shown in the table view.
    """
    shares = [f"pct_{col}" for col in bands]

    def figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
        fig = figures.bar_figure(shown["label"], [(label, plottable(shown[f"pct_{col}"]))
                                                  for col, (label, _) in bands.items()],
                                 horizontal=True, stacked=True, unit="%", height=400)  # room for the legend
        coloured(fig, [colour for _, colour in bands.values()])
        percent_axis(fig)
        fig["layout"]["xaxis"]["title"] = {"text": "Share of the place's detentions"}
        fig["layout"]["yaxis"]["title"] = {"text": ""}
        mark_suppressed(fig, shown, "label", shares, horizontal=True, stacked=True)
        if not drawable(*(shown[c] for c in shares)):  # the table still shows counts and medians: say so
            figures.headline(fig, TOO_FEW, figures.NHS_DARK_GREY)
        return noted(fig, shown, shares, note,
                     "Shares come from the rounded counts, so a bar may not add up to exactly 100%.",
                     suppressed_note="* marks a share of too few detentions to show; the table lists every value.")

    column, label, records = median
    return Chart(
        id=chart_id, kind=ChartKind.BREAKDOWN, title=title, data=hours_rows, queries=("s136_hours_by_place",),
        fields=(Field("label", "First place of safety"),
                Field("detentions", "Detentions", "count", partition=True, parts=tuple(bands)),
                *(Field(col, name, "count", partition=True) for col, (name, _) in bands.items()),
                *(Field(f"pct_{col}", f"{name} (%)", "pct", num=col, den="detentions", unit="%")
                  for col, (name, _) in bands.items()),
                Field(column, label, "measure", den=records, unit="hours")),
        figure=figure, description=description, activity="detentions",
    )


ASSESSMENT_HOURS = hours_chart(
    "pos-assessment-hours", "Time to Mental Health Act assessment, by place of safety", TO_ASSESSMENT,
    ("median_hours_to_assessment", "Median hours to assessment", "assessment_recorded"),
    "Blues: assessment started within 3 hours of detention, as the Code of Practice expects.",
    "Hours from detention to the start of the assessment, as a share of each place's detentions",
)
HELD_HOURS = hours_chart(
    "pos-detained-hours", "Time detained, by place of safety", HELD,
    ("median_hours", "Median hours detained", "ended_recorded"),
    "The limit is 24 hours, or 36 where the detention was lawfully extended: orange is lawful only if extended.",
    "Hours from detention to its end, as a share of each place's detentions",
)


# --- rates per 100,000 residents: by age band and by ethnic group ------------------------------

RATE_LABEL = "Detentions per 100,000 residents a year"
# The headline of a chart whose shares or ratios are all hidden while its table shows counts.
TOO_FEW = "Too few detentions to draw: see the table"


def months_in(filters: Filters) -> int:
    """Return the number of months of the chosen period (person-months / months = average residents)."""
    return max(1, filters.period.months)


def age_rate_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return detentions and residents of each age band inside the chosen one, over the whole period."""
    low, high = AGE_BANDS[filters.age_band]
    bands = [b for b, (lo, hi) in AGE_BANDS.items() if b != "all" and low <= lo and hi <= high] or [filters.age_band]
    rows = []
    for band in bands:
        view = replace(filters, age_band=band)
        detentions = by_period(db, "s136_by_period", view, "period")["detentions"]
        population = by_period(db, "population_by_period", view, "period")["population_months"]
        rows.append({"band": band, "label": "All ages" if band == "all" else f"Ages {band}",
                     "detentions": int(detentions.sum()), "population_months": int(population.sum())})
    frame = pd.DataFrame(rows)
    return frame.assign(residents=(frame["population_months"] / months_in(filters)).round().astype("int64"))


def rate_bars(shown: pd.DataFrame, colours: Sequence[str]) -> dict:
    """Return horizontal bars of the shown rate per 100,000 by label, the shown count written beside each."""
    fig = horizontal_bars(shown, "rate", RATE_LABEL, colours)
    fig["data"][0]["text"] = [SUPPRESSED if v == SUPPRESSED else ("" if v is None else f"{int(v):,}")
                              for v in shown["detentions"]]
    fig["data"][0]["texttemplate"] = "%{x:,.1f} (n = %{text})"
    fig["data"][0]["textposition"] = "outside"
    fig["data"][0]["cliponaxis"] = False
    top = max([v for v in plottable(shown["rate"]) if v is not None] or [0])
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "range": [0, max(top * 1.45, 1)]}  # room for the labels
    return fig


RATE_NOTE = ("Rates use the population table's residents of each group over the period, and the rounded counts "
             "(n): compare groups by rate, not count, as the groups differ in size.")

AGE_RATES = Chart(
    id="pos-age-rates", kind=ChartKind.BREAKDOWN, title="Detention rate by age band",
    data=age_rate_rows, queries=("s136_by_period", "population_by_period"),
    fields=(Field("label", "Age band"), Field("detentions", "Detentions", "count", partition=True),
            Field("residents", "Residents (average over the period)", "reference"),
            Field("rate", RATE_LABEL, "rate", num="detentions", den="population_months", unit="per 100k")),
    figure=lambda shown, filters: noted(rate_bars(shown, [figures.NHS_BLUE] * len(shown)), shown, ["rate"],
                                        RATE_NOTE),
    description="Section 136 detentions per 100,000 residents of each age band a year, beside the count",
    activity="population_months", empty_text=POPULATION_NEEDED,
)


def ethnicity_rate_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return detentions and residents by ethnic group, with the White group's beside each (the reference).

    The White row is not compared with itself: its reference residents are left out, so its ratio is empty.
    """
    rows = ethnicity_rows(db, filters)
    population = breakdown(db, "population_by_ethnicity", filters)
    months = dict(zip(population["ethnic_group"], population["population_months"]))
    rows = rows.assign(population_months=[int(months.get(g, 0)) for g in rows["ethnic_group"]])
    white = rows["ethnic_group"] == "white"
    white_count = int(rows.loc[white, "detentions"].sum())
    white_months = int(rows.loc[white, "population_months"].sum())
    return rows.assign(residents=(rows["population_months"] / months_in(filters)).round().astype("int64"),
                       white_detentions=white_count,
                       white_population_months=[0 if w else white_months for w in white])


REFERENCE = ("white_detentions", "white_population_months")
ETHNIC_RATE_FIELDS = (
    Field("label", "Ethnic group"), Field("detentions", "Detentions", "count", partition=True),
    Field("residents", "Residents (average over the period)", "reference"),
    Field("rate", RATE_LABEL, "rate", num="detentions", den="population_months", unit="per 100k"),
)
UNKNOWN_GROUPS = {ETHNIC_GROUPS["not_stated"], ETHNIC_GROUPS["not_recorded"]}


def ethnicity_rate_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return detentions per 100,000 residents a year by ethnic group as horizontal bars, counts beside."""
    colours = [figures.NHS_MID_GREY if label in UNKNOWN_GROUPS else figures.NHS_BLUE for label in shown["label"]]
    return noted(rate_bars(shown, colours), shown, ["rate"], RATE_NOTE,
                 "Not stated and not recorded have no residents to divide by: their counts are in the table.")


ETHNICITY_RATES = Chart(
    id="pos-ethnicity-rates", kind=ChartKind.BREAKDOWN, title="Detention rate by ethnic group",
    data=ethnicity_rate_rows, queries=("s136_by_ethnicity", "population_by_ethnicity"),
    fields=ETHNIC_RATE_FIELDS, figure=ethnicity_rate_figure,
    description="Section 136 detentions per 100,000 residents of each ethnic group a year, beside the count",
    activity="population_months", empty_text=POPULATION_NEEDED,
)

RATIO_METHOD = ("95% confidence interval: log rate ratio with Poisson variance (Katz's method), "
                "exp(ln RR ± 1.96 × √(1/a + 1/b)) for the two groups' detentions a and b, residents taken as known.")


def ethnicity_ratio_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return each group's detention rate ratio to White residents with its 95% confidence interval."""
    fig = rate_ratio_figure(shown["label"], shown["ratio"], shown["ratio_low"], shown["ratio_high"],
                            reference="White")
    if not drawable(shown["ratio"]):  # the table still shows the counts and rates: say so
        figures.headline(fig, TOO_FEW, figures.NHS_DARK_GREY)
    return noted(fig, shown, ["ratio"],
                 "A ratio above 1: detained more often than White residents, per resident. " + RATIO_METHOD,
                 "Computed from the rounded counts.",
                 suppressed_note="* marks a group (or White) with too few detentions for a ratio.")


ETHNICITY_RATIO = Chart(
    id="pos-ethnicity-ratio", kind=ChartKind.BREAKDOWN, title="Detention rate ratio to White residents",
    data=ethnicity_rate_rows, queries=("s136_by_ethnicity", "population_by_ethnicity"),
    fields=(*ETHNIC_RATE_FIELDS,
            *(Field(name, label, kind, num="detentions", den="population_months", reference=REFERENCE)
              for name, label, kind in (("ratio", "Rate ratio to White", "ratio"),
                                        ("ratio_low", "95% CI lower", "ratio_lower"),
                                        ("ratio_high", "95% CI upper", "ratio_upper")))),
    figure=ethnicity_ratio_figure,
    description="Each group's detentions per resident over White residents', with 95% confidence intervals",
    activity="population_months", empty_text=POPULATION_NEEDED,
)


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


# Where under-18s were first taken, over the whole period (by month most counts would be '*').
UNDER18_PLACES = {"under18_health_based": PLACES["health_based"], "under18_emergency_department":
                  PLACES["emergency_department"], "under18_custody": PLACES["police_custody"],
                  "under18_other_place": PLACES["other_place"]}


def under18_place_rows(db: Database, filters: Filters) -> pd.DataFrame:
    """Return under-18 detentions over the whole period by first place of safety (none if the band is adult)."""
    total = by_period(db, "s136_under18_by_period", filters, "period")
    rows = pd.DataFrame({"place": list(UNDER18_PLACES), "label": [label for label, _ in UNDER18_PLACES.values()],
                         "detentions": [int(total[c].sum()) for c in UNDER18_PLACES]})
    return rows.iloc[0:0] if AGE_BANDS[filters.age_band][0] >= 18 else rows


def under18_place_figure(shown: pd.DataFrame, filters: Filters) -> Drawn:
    """Return under-18 detentions over the period by first place of safety; police custody in red."""
    fig = horizontal_bars(shown, "detentions", "Under-18 detentions", [colour for _, colour in UNDER18_PLACES.values()])
    top = max([v for v in plottable(shown["detentions"]) if v is not None] or [0])
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "range": [0, max(top * 1.15, 10)]}  # counts: from 0
    custody = shown.loc[shown["label"] == PLACES["police_custody"][0], "detentions"].tolist()
    note = "Over the whole period: by month, most of these counts would be too small to show."
    if custody == [0]:
        figures.headline(fig, "None taken to police custody", figures.NHS_GREEN)
    elif custody:
        figures.headline(fig, "Under-18s taken to police custody: each case needs review", figures.NHS_RED)
    return noted(fig, shown, ["detentions"], note)


UNDER18_PLACE_MIX = Chart(
    id="pos-under18-places", kind=ChartKind.BREAKDOWN, title="Where under-18s were taken (whole period)",
    data=under18_place_rows, queries=("s136_under18_by_period",),
    fields=(Field("label", "First place of safety"), Field("detentions", "Under-18 detentions", "count",
                                                           partition=True)),
    figure=under18_place_figure,
    description="First place of safety of children and young people detained in the period",
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
    spc_chart("s136_per_100k", "pos-rate", "Detentions per 100,000 residents a year"),
    spc_chart("s136_assessed_3h_pct", "pos-assessed-3h", "Assessed within 3 hours of detention"),
    spc_chart("s136_median_hours_to_assessment", "pos-median-assessment",
              "Median time to Mental Health Act assessment"),
    ASSESSMENT_HOURS, HELD_HOURS, AGE_RATES, ETHNICITY_RATES, ETHNICITY_RATIO, UNDER18_PLACE_MIX,
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
           *metric_cards("s136_police_custody_pct", "s136_ambulance_pct", "s136_over_limit", "s136_admitted_pct",
                         "s136_assessed_3h_pct", "s136_median_hours_to_assessment", "s136_per_100k",
                         "s136_black_white_rate_ratio")),
    rows=((("pos-detentions", 6), ("pos-rate", 6)),
          (("pos-assessed-3h", 6), ("pos-median-assessment", 6)),
          (("pos-assessment-hours", 6), ("pos-detained-hours", 6)),
          (("pos-place-mix", 12),),
          (("pos-under18", 6), ("pos-under18-places", 6)),
          (("pos-t-under18", 6), ("pos-t-over-limit", 6)),
          (("pos-conveyance", 6), ("pos-over-limit", 6)),
          (("pos-age-rates", 6), ("pos-ethnicity", 6)),
          (("pos-ethnicity-rates", 6), ("pos-ethnicity-ratio", 6)),
          (("pos-outcomes", 6), ("pos-intoxication", 6)),
          (("pos-repeat", 6),)),
), __name__, nav="Places of safety", order=2)
