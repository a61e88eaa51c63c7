"""The overview's pathway (Sankey) and the trend charts' caveats: issue 20's overview and recovery items.

Acute-ward admission and police custody are outcomes of their own; every discharge of the period
flows into "Discharged" (so a one-month view has flows into it, not only out); the A&E node says
on the chart how it differs from the A&E card; months whose follow-up window is not complete are
drawn apart and flagged on the card; a value axis that does not start at zero says so.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from dashboard.web import figures
from dashboard.web.charts import OPEN, render
from dashboard.core.disclosure import Policy
from dashboard.core.filters import Filters
from dashboard.store.cli_metrics import compute_metrics
from dashboard.core.periods import Period
from dashboard.core.windows import first_open_month, open_months
from tests.builders import row

EXACT = Policy(0)
JAN = Filters("all", Period.from_months("2024-01", "2024-01"))


@pytest.fixture(scope="module")
def pages(generated_data):
    """Create the app (registers every page's charts) over the generated data."""
    from dashboard.web.app import create_app

    create_app(generated_data)
    return generated_data


def links(rendered) -> dict[tuple[str, str], int]:
    table = rendered.table
    return {(f, t): int(n) for f, t, n in zip(table["From"], table["To"], table["People"])}


def test_acute_ward_admission_and_police_custody_are_outcomes_of_their_own(pages, hand_db):
    t = datetime(2024, 1, 10, 10, 0)
    db = hand_db(ae_attendances=[row("ae_attendances", arrival_at=t, disposal=d)
                                 for d in ("admitted_acute", "admitted_acute", "police_custody", "other", "home")])
    got = links(render("overview-pathway", JAN, db=db, policy=EXACT))
    ae = "A&E mental health attendance"
    assert got[(ae, "Admitted to an acute (general) ward")] == 2
    assert got[(ae, "Police custody")] == 1
    assert got[(ae, "Other outcome")] == 1 and got[(ae, "Home, GP or no mental health follow-up")] == 1


def test_every_discharge_of_a_one_month_view_flows_into_discharged_and_on(pages, hand_db):
    stay = lambda **kw: row("inpatient_stays", **kw)  # noqa: E731
    db = hand_db(inpatient_stays=[
        # admitted in December, discharged in January: "before the period" -> discharged -> followed up
        stay(person_id="A", admitted_at=datetime(2023, 12, 1, 12), discharged_at=datetime(2024, 1, 5, 12),
             followed_up_at=datetime(2024, 1, 6, 12)),
        # admitted and discharged in January, readmitted within 30 days (the next stay)
        stay(person_id="B", admitted_at=datetime(2024, 1, 2, 12), discharged_at=datetime(2024, 1, 8, 12)),
        stay(person_id="B", admitted_at=datetime(2024, 1, 20, 12), discharged_at=None, discharge_destination=None),
        # admitted before, died in January: not a discharge
        stay(person_id="C", admitted_at=datetime(2023, 11, 1, 12), discharged_at=datetime(2024, 1, 9, 12),
             discharge_destination="died"),
    ])
    got = links(render("overview-pathway", JAN, db=db, policy=EXACT))
    before = "In a mental health ward before the period"
    assert got[(before, "Discharged")] == 1 and got[(before, "Died or moved to another hospital")] == 1
    assert got[("Admitted to a mental health ward", "Discharged")] == 1
    assert got[("Admitted to a mental health ward", "Still in hospital at period end")] == 1
    assert got[("Discharged", "Followed up within 72 hours")] == 1
    assert got[("Discharged", "Not followed up within 72 hours")] == 1
    assert got[("Not followed up within 72 hours", "Readmitted within 30 days")] == 1
    metrics = compute_metrics(db, JAN)
    into = sum(n for (_, to), n in got.items() if to == "Discharged")
    out = sum(n for (source, _), n in got.items() if source == "Discharged")
    assert into == out == metrics["discharges"] == 2


def test_in_a_one_month_view_discharged_has_flows_in_and_out_on_the_generated_data(pages, app_db):
    month = Filters("all", Period.from_months("2025-06", "2025-06"))
    got = links(render("overview-pathway", month, policy=EXACT))
    into = sum(n for (_, to), n in got.items() if to == "Discharged")
    out = sum(n for (source, _), n in got.items() if source == "Discharged")
    assert into == out == compute_metrics(app_db, month)["discharges"] > 0


def test_the_a_and_e_node_says_on_the_chart_how_it_differs_from_the_card(pages, app_db):
    year = Filters("all", Period.from_months("2025-01", "2025-12"))
    rendered = render("overview-pathway", year)
    ae = "A&E mental health attendance"
    total = sum(int(n) for f, n in zip(rendered.table["From"], rendered.table["People"]) if f == ae and n != "*")
    note, = [a["text"] for a in rendered.figure["layout"]["annotations"] if a.get("name") == "ae-node"]
    assert note.replace("<br>", " ").startswith(f"A&E node: {total:,}.") and "A&E card" in note.replace("<br>", " ")
    assert "counts every attendance" in rendered.note and "section 136" in rendered.note


# --- follow-up windows not complete at the data's end ------------------------------------------

@pytest.mark.parametrize("last, days, first_open", [
    (date(2025, 12, 1), 30, date(2025, 12, 1)),  # 1 Jan - 30 days = 2 Dec: only December
    (date(2025, 12, 1), 3, date(2025, 12, 1)),  # 29 Dec: December (its last three days)
    (date(2025, 2, 1), 30, date(2025, 1, 1)),  # 1 Mar - 30 days = 30 Jan: 31 January's discharges too
    (date(2024, 2, 1), 30, date(2024, 1, 1)),  # leap year: 31 Jan
    (date(2025, 3, 1), 30, date(2025, 3, 1)),  # 1 Apr - 30 days = 2 Mar: February is complete
    (date(2025, 5, 1), 30, date(2025, 5, 1)),  # 1 Jun - 30 days = 2 May
])
def test_the_first_month_not_complete_is_worked_from_the_data_end(last, days, first_open):
    assert first_open_month(last, days) == first_open


def test_open_months_count_only_those_inside_the_period():
    assert open_months(date(2025, 12, 1), date(2025, 12, 1)) == 1
    assert open_months(date(2025, 11, 1), date(2025, 12, 1)) == 2
    assert open_months(date(2025, 12, 1), date(2025, 11, 1)) == 0


def test_readmission_in_the_last_month_is_drawn_apart_and_flagged_on_the_card(pages, app_db):
    from dashboard.web.cards import card_values, metric_cards

    year = Filters("all", Period.from_months("2025-01", "2025-12"))  # the data end in December 2025
    rendered = render("rec-readmit", year, policy=Policy.detailed_view())  # exact: no month hidden as small
    periods = list(rendered.table["Period"])
    assert periods[-1] == "Dec 2025" + OPEN and not any(p.endswith(OPEN) for p in periods[:-1])
    line = rendered.figure["data"][0]
    assert line["y"][-1] is None and line["y"][-2] is not None  # not in the calculation
    hollow, = [t for t in rendered.figure["data"] if t.get("name") == "Not complete (not in the calculation)"]
    assert hollow["x"] == ["Dec 2025" + OPEN]
    assert "30 days" in rendered.note and "left out of the mean and limits" in rendered.note
    card, = card_values(metric_cards("readmit_30d_pct"), year, app_db)
    assert card.note.startswith("Not complete: discharges in Dec 2025 have not all had 30 days")
    # A period ending earlier has nothing open in it: no caveat on the card (the chart runs to its end).
    earlier = Filters("all", Period.from_months("2024-01", "2024-12"))
    card, = card_values(metric_cards("readmit_30d_pct"), earlier, app_db)
    assert "Not complete" not in card.note
    assert not any(p.endswith(OPEN) for p in render("rec-readmit", earlier).table["Period"])


def test_follow_up_and_return_to_a_and_e_flag_their_open_months_too(pages, app_db):
    year = Filters("all", Period.from_months("2025-01", "2025-12"), "quarter")
    followup = render("rec-followup", year)
    assert list(followup.table["Period"])[-1] == "Q3 2025/26" + OPEN  # Oct-Dec holds the last 3 days
    returned = render("rec-returned-ae", year, policy=Policy.detailed_view())  # exact: no quarter hidden
    assert list(returned.table["Period"])[-1].endswith(OPEN)
    assert returned.figure["data"][0]["y"][-1] is None and "30 days" in returned.note


# --- axes that show the variation ----------------------------------------------------------------

def test_a_range_far_from_zero_is_zoomed_and_says_where_it_starts():
    # 91 to 95: a margin of at least 1 point either side
    assert figures.value_range([91.0, 95.0, 93.5, None], percent=True) == (90.0, 96.0)
    assert figures.value_range([1000.0, 1300.0]) == (970.0, 1330.0)  # a tenth of the spread
    assert figures.value_range([40.0, 100.0]) is None  # under half the top: from zero
    assert figures.value_range([0.0, 5.0]) is None
    assert figures.value_range([99.0, 100.0], percent=True)[1] == pytest.approx(100.5)  # at most 100 + half the margin
    note = figures.axis_note(88.4, "%")
    assert note["text"] == "Axis starts at 88%, not 0" and note["name"] == figures.AXIS_NOTE


def test_an_spc_chart_of_occupancy_at_91_to_95_percent_is_zoomed_and_says_so():
    from dashboard.core.spc import spc

    values = [91.0, 93.5, 95.0, 92.0, 94.0, 93.0, 91.5, 94.5, 92.5, 93.0, 95.0, 92.0, 93.5, 94.0]
    labels = [f"M{i}" for i in range(len(values))]
    fig = figures.spc_figure(labels, values, spc(values, "down", 85.0, lower_bound=0.0, upper_bound=100.0),
                             name="Bed occupancy", unit="%", target=85.0)
    low, high = fig["layout"]["yaxis"]["range"]
    drawn = [y for t in fig["data"] for y in t["y"] if y is not None]  # values, mean, limits, the 85% target
    spread = max(drawn) - 85.0  # to the upper process limit
    assert min(drawn) == 85.0 and low == pytest.approx(85.0 - spread / 10) and max(drawn) < high <= 100.5
    note, = [a for a in fig["layout"]["annotations"] if a.get("name") == figures.AXIS_NOTE]
    assert note["text"] == "Axis starts at 84%, not 0"
    assert fig["layout"]["margin"]["t"] == 16  # the axis note takes no room above the plot
    # Counts from 3 to 40: the axis starts at zero and says nothing.
    counts = [3.0, 40.0, 12.0] * 5
    plain = figures.spc_figure([f"M{i}" for i in range(15)], counts, spc(counts, None), name="Detentions")
    assert "range" not in plain["layout"]["yaxis"]
    assert not [a for a in plain["layout"]["annotations"] if a.get("name") == figures.AXIS_NOTE]
