"""Journeys: the cohort, what happened next and the return curve, against hand-made people.

The people (index event: A&E attendances in January 2024; the data end on 20 Feb 2024 12:00,
the latest event of anyone, a person who attended in February):
- P1 attends twice in January (two index events: the first is the index, the second is
  "back to A&E" on day 3) and is detained under s136 30 days exactly after the first;
- P2 is admitted 30 days exactly after the index, and attends A&E one second after day 30;
- P3 attends on 31 January: the data end 20 days later, so their 30- and 90-day windows are cut;
- P5 is detained 30 days exactly after the index (a first return on day 30).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
from dash import no_update

from dashboard.core.disclosure import SUPPRESSED, Policy
from dashboard.core.filters import Filters
from dashboard.core.journeys import Choice, choice_of, clean_choice, cumulative_returned
from dashboard.core.periods import Period
from dashboard.store.data import clear_cache
from dashboard.store.db import Database
from dashboard.store.journeys import journey_params, next_rows, return_rows
from tests.builders import row, write_extracts

JANUARY = Filters("all", Period.from_months("2024-01", "2024-01"))
DATA_END = datetime(2024, 2, 20, 12, 0)


def attendance(person: str, at: datetime, site: str = "City General", **kw) -> dict:
    return row("ae_attendances", person_id=person, arrival_at=at, departure_at=None, site=site, **kw)


def detention(person: str, at: datetime) -> dict:
    return row("s136_detentions", person_id=person, detained_at=at, assessment_at=None, ended_at=None)


@pytest.fixture()
def people(tmp_path):
    """Return a Database of the hand-made people above."""
    clear_cache()
    p1, p2, p3, p5 = (datetime(2024, 1, 5, 10), datetime(2024, 1, 10, 10), datetime(2024, 1, 31, 12),
                      datetime(2024, 1, 15, 8))
    db = Database(write_extracts(
        tmp_path,
        ae_attendances=[
            attendance("P1", p1), attendance("P1", p1 + timedelta(days=3), site="Northside"),
            attendance("P2", p2), attendance("P2", p2 + timedelta(days=30, seconds=1)),
            attendance("P3", p3), attendance("P5", p5),
            attendance("P9", DATA_END),  # after the period: sets the data's end, never in the cohort
        ],
        s136_detentions=[detention("P1", p1 + timedelta(days=30)), detention("P5", p5 + timedelta(days=30))],
        inpatient_stays=[row("inpatient_stays", person_id="P2", admitted_at=p2 + timedelta(days=30),
                             discharged_at=p2 + timedelta(days=36), followed_up_at=None)],
    ))
    yield db
    db.close()
    clear_cache()


def query(db: Database, name: str, index: str = "ae", narrow: str = "", filters: Filters = JANUARY) -> pd.DataFrame:
    return db.query(name, journey_params(filters, index, narrow))


def test_what_happened_next_counts_each_person_once_from_their_first_index_event(people):
    rows = query(people, "journeys_next").set_index("window_days")
    assert list(rows.index) == [7, 30, 90]
    assert list(rows["cohort"]) == [4, 4, 4]  # P1's two January attendances make one person
    # Within 7 days: all four followed; P1's second attendance (day 3) is back to A&E.
    assert rows.loc[7, ["followed", "ae", "s136", "admitted", "followed_up", "nothing"]].tolist() == [4, 1, 0, 0, 0, 3]
    # Within 30 days: P3's window is cut by the data's end (left out, not "nothing"). Day 30 exactly
    # counts (P1's and P5's detentions, P2's admission); P2's attendance one second later does not.
    assert rows.loc[30, ["followed", "ae", "s136", "admitted", "followed_up", "nothing"]].tolist() == [3, 1, 2, 1, 0, 0]
    # No one has been followed 90 days: nothing is counted, not even "nothing".
    assert rows.loc[90, ["followed", "ae", "s136", "admitted", "followed_up", "nothing"]].tolist() == [0, 0, 0, 0, 0, 0]


def test_narrowing_to_the_site_of_a_second_attendance_makes_it_the_index_event(people):
    rows = query(people, "journeys_next", narrow="Northside").set_index("window_days")
    assert rows.loc[7, ["cohort", "followed", "ae", "nothing"]].tolist() == [1, 1, 0, 1]
    assert rows.loc[30, ["followed", "s136"]].tolist() == [1, 1]  # the detention is day 27 after this index


def test_the_return_life_table_censors_at_the_data_end_and_puts_day_30_in_the_interval_ending_there(people):
    table = query(people, "journeys_return")
    assert list(table["day_to"]) == [7, 14, 21, 30, 45, 60, 75, 90]
    assert list(table["at_risk"]) == [4, 3, 3, 2, 1, 0, 0, 0]
    # P1 returns on day 3; P5 on day 30 exactly; P2 one second after day 30 (the next interval).
    assert list(table["returned"]) == [1, 0, 0, 1, 1, 0, 0, 0]
    # P3 is followed 20 days with no return: censored in 14-21, not counted as not returning.
    assert list(table["censored"]) == [0, 0, 1, 0, 0, 0, 0, 0]
    # Each interval's people at risk are the last one's, less those who returned or were censored.
    at_risk, gone = list(table["at_risk"]), list(table["returned"] + table["censored"])
    assert all(at_risk[i + 1] == at_risk[i] - gone[i] for i in range(7))


def test_a_cohort_below_the_threshold_gives_no_rows_whatever_the_view(people, monkeypatch):
    assert next_rows(people, JANUARY).empty and return_rows(people, JANUARY).empty  # 4 people, threshold 8
    monkeypatch.setenv("MHFLOW_SUPPRESSION_THRESHOLD", "4")
    shown = next_rows(people, JANUARY)
    assert list(shown["cohort"]) == [4] * 5 and shown.loc[shown["outcome"] == "s136", "people_30"].item() == 2
    assert list(return_rows(people, JANUARY)["interval"])[:2] == ["0–7", "7–14"]
    monkeypatch.setenv("MHFLOW_SUPPRESSION_THRESHOLD", "5")
    assert next_rows(people, JANUARY).empty


def test_a_small_cohort_shows_its_note_and_nothing_else_in_both_views(people):
    from dashboard.web.app import import_pages
    from dashboard.web.charts import CHARTS, render

    if "jny-next" not in CHARTS:
        import dash

        dash.Dash(__name__, use_pages=True, pages_folder="")
        import_pages()
    for policy in (Policy.from_settings(), Policy.detailed_view()):
        for chart_id in ("jny-next", "jny-return"):
            rendered = render(chart_id, JANUARY, db=people, policy=policy)
            assert rendered.empty and rendered.figure["data"] == [] and list(rendered.table.index) == [], chart_id
            assert "fewer people than the disclosure threshold" in rendered.note, chart_id


def test_the_cumulative_curve_reads_only_shown_counts_and_stops_where_they_are_hidden():
    # Interval 1: 10 of 100 - 10/2 return: 10.5%. Interval 2: a hidden count taken as 4, of 80:
    # 1 - (1 - 10/95) * (1 - 4/80) = 15.0%. Interval 3: the people at risk are hidden: '*'.
    assert cumulative_returned([100, 80, SUPPRESSED], [10, SUPPRESSED, 5], [10, 0, 0], 4) == [10.5, 15.0, SUPPRESSED]
    assert cumulative_returned([10, 0], [10, 0], [0, 0], 4) == [100.0, None]  # no one left: the curve ends


def test_a_choice_from_the_browser_is_checked():
    assert clean_choice({"index": "s136", "narrow": "police_custody"}) == {"index": "s136", "narrow": "police_custody"}
    assert clean_choice({"index": "ae", "narrow": ""}) == {}  # the default
    assert clean_choice({"index": "DROP TABLE", "narrow": "x"}) == {}
    assert clean_choice({"index": "ae", "narrow": "x" * 201}) == {}
    assert clean_choice("nonsense") == {} and clean_choice(None) == {}
    known, names = {"s136": ["police_custody"]}, {"ae": "Site", "s136": "Place"}
    assert choice_of("s136", "police_custody", "180", known, names) == (Choice("s136", "police_custody", 180), [])
    choice, notices = choice_of("s136", "the moon", None, known, names)
    assert choice == Choice("s136") and "not a place in the data" in notices[0]
    choice, notices = choice_of("nope", None, "ninety", known, names)
    assert choice == Choice() and len(notices) == 2
    assert clean_choice({"span": 30}) == {} and clean_choice({"span": 30}, span=True) == {"span": 30}
    assert clean_choice({"span": True}, span=True) == {} and clean_choice({"span": "30"}, span=True) == {}


@pytest.fixture(scope="module")
def app(generated_data):
    from dashboard.web.app import create_app

    return create_app(generated_data)


def test_a_shared_filter_change_keeps_the_cohort_in_the_url(app, app_db):
    from dashboard.web import callbacks

    out = callbacks.sync_filters("filter-age-band", "?age_band=all&index=s136&narrow=police_custody", "0-17",
                                 "custom", "2025-01", "2025-06", "month")
    assert out[5] == "?age_band=0-17&start=2025-01&end=2025-06&grain=month&index=s136&narrow=police_custody"


def test_the_url_sets_the_cohort_and_a_control_sets_the_url(app, app_db):
    from pages.journeys import EVERY, choose

    index, options, narrow, label, span, notice, search, *stores = choose(
        "url", "?age_band=all&index=s136&narrow=police_custody&span=30", None, None, None)
    assert (index, narrow, label, span, search) == ("s136", "police_custody", "First place of safety", 30, no_update)
    cohort = {"index": "s136", "narrow": "police_custody"}
    assert stores == [cohort, cohort, {**cohort, "span": 30}] and notice == []  # the span is one chart's
    assert {"label": "Police custody", "value": "police_custody"} in options
    # Choosing another index event resets the narrowing and keeps the shared filters and the span.
    index, _, narrow, _, span, _, search, *stores = choose(
        "index", "?age_band=18-25&start=2025-01&end=2025-12&grain=month&index=s136&narrow=police_custody&span=30",
        "liaison", "police_custody", 30, (cohort, cohort, {**cohort, "span": 30}))
    assert (index, narrow, span) == ("liaison", EVERY, 30)
    assert search == "?age_band=18-25&start=2025-01&end=2025-12&grain=month&index=liaison&span=30"
    liaison = {"index": "liaison", "narrow": ""}
    assert stores == [liaison, liaison, {**liaison, "span": 30}]
    # Only the span changes: only the before-and-after chart is sent a new selection.
    *_, search, s1, s2, s3 = choose("span", search, "liaison", EVERY, 180,
                                    (liaison, liaison, {**liaison, "span": 30}))
    assert search.endswith("&index=liaison&span=180") and (s1, s2, s3) == (no_update, no_update,
                                                                              {**liaison, "span": 180})
    # A link naming a place the data does not hold says so and shows every one.
    _, _, narrow, _, _, notice, _, *stores = choose("url", "?index=s136&narrow=the%20moon&span=7", None, None, None)
    assert narrow == EVERY and "not a first place of safety in the data" in notice[0].children
    assert "'7' days is not one of 30, 90, 180" in notice[1].children
    assert stores == [{"index": "s136", "narrow": ""}] * 2 + [{"index": "s136", "narrow": ""}]
    # The default cohort from a plain link leaves the charts' selections as they are (no second draw).
    assert choose(None, "?age_band=all", None, None, None)[7:] == (no_update,) * 3


# --- before and after ---------------------------------------------------------------------------
# The data run from 1 Jun 2023 (Q0) to 30 Jun 2024 10:00 (Q9). The cohort: first A&E attendances
# in March 2024; the reference group: the same in February 2024.
# - Q1 attends on 10 Feb (the reference group's index) and on 10 Mar (the cohort's): one person in
#   both groups, each time from their own index; detained 1 Mar; a ward stay 12-15 Mar (3 nights);
# - Q2 attends on 20 Mar: 180 days after run past the data's end (left out of that span);
# - Q3 attends on 5 Mar and is detained 30 days exactly after it.
MARCH = Filters("all", Period.from_months("2024-03", "2024-03"))
FEBRUARY = Filters("all", Period.from_months("2024-02", "2024-02"))


@pytest.fixture()
def before_after(tmp_path):
    clear_cache()
    q1, q2, q3 = datetime(2024, 3, 10, 10), datetime(2024, 3, 20, 10), datetime(2024, 3, 5, 10)
    db = Database(write_extracts(
        tmp_path,
        ae_attendances=[attendance("Q0", datetime(2023, 6, 1, 10)), attendance("Q1", datetime(2024, 2, 10, 10)),
                        attendance("Q1", q1), attendance("Q2", q2), attendance("Q3", q3),
                        attendance("Q9", datetime(2024, 6, 30, 10))],
        s136_detentions=[detention("Q1", datetime(2024, 3, 1, 10)), detention("Q3", q3 + timedelta(days=30))],
        inpatient_stays=[row("inpatient_stays", person_id="Q1", admitted_at=datetime(2024, 3, 12, 10),
                             discharged_at=datetime(2024, 3, 15, 10), followed_up_at=None)],
    ))
    yield db
    db.close()
    clear_cache()


COUNTS = ["people", "left_out", "ae_before", "ae_after", "s136_before", "s136_after", "admissions_before",
          "admissions_after", "bed_days_before", "bed_days_after"]


def test_before_and_after_counts_each_side_of_the_index_and_leaves_out_cut_windows(before_after):
    rows = query(before_after, "journeys_before_after", filters=MARCH).set_index("window_days")
    assert list(rows.index) == [30, 90, 180] and list(rows["cohort"]) == [3, 3, 3]
    # 30 days: Q1's February attendance and 1 March detention are before; Q3's detention on day 30
    # exactly is after, as are Q1's admission on 12 March and its 3 nights.
    assert rows.loc[30, COUNTS].tolist() == [3, 0, 1, 0, 1, 1, 0, 1, 0, 3]
    assert rows.loc[90, ["people", "left_out"]].tolist() == [3, 0]
    assert rows.loc[180, COUNTS].tolist() == [0, 3, 0, 0, 0, 0, 0, 0, 0, 0]  # every 180-day window runs past the end


def test_a_person_in_the_cohort_and_the_reference_group_is_counted_in_each_from_their_own_index(before_after):
    reference = query(before_after, "journeys_before_after", filters=FEBRUARY).set_index("window_days")
    # Q1 alone, from 10 Feb: the detention (1 Mar) and the March attendance (day 29) are after it; the
    # admission on 12 Mar 10:00 is past day 30 (11 Mar 10:00), and so are its nights.
    assert reference.loc[30, COUNTS].tolist() == [1, 0, 0, 1, 0, 1, 0, 0, 0, 0]
    cohort = query(before_after, "journeys_before_after", filters=MARCH).set_index("window_days")
    assert cohort.loc[30, "ae_before"] == 1  # the same February attendance, before the cohort's index


def test_the_before_and_after_rows_set_a_reference_group_too_small_aside(before_after, monkeypatch):
    from dashboard.store.journeys import before_after_rows

    assert before_after_rows(before_after, MARCH, span=30).empty  # 3 people, threshold 8
    monkeypatch.setenv("MHFLOW_SUPPRESSION_THRESHOLD", "3")
    rows = before_after_rows(before_after, MARCH, span=30).set_index("measure")
    assert rows.loc["s136", ["before", "after", "people", "cohort"]].tolist() == [1, 1, 3, 3]
    assert rows.loc["bed_days", "after"] == 3
    assert rows["ref_before"].isna().all() and rows["ref_people"].isna().all()  # 1 person: not shown


# --- frequent attenders -------------------------------------------------------------------------
# The 12 months to the end of June 2024 run from July 2023. F1 attends 5 times in them and has a
# liaison assessment; F2 4 times; F3 5 times, but one is in June 2023 (the 13th month back); F4
# 6 times, once discharged to the crisis team (a care plan outcome).
JUNE = Filters("all", Period.from_months("2024-06", "2024-06"))


@pytest.fixture()
def attenders(tmp_path):
    clear_cache()
    days = [datetime(2023, 7, 15), datetime(2023, 10, 1), datetime(2024, 1, 1), datetime(2024, 3, 1),
            datetime(2024, 6, 10), datetime(2024, 6, 20)]
    rows = ([attendance("F1", d) for d in days[:5]] + [attendance("F2", d) for d in days[:4]]
            + [attendance("F3", datetime(2023, 6, 30))] + [attendance("F3", d) for d in days[1:5]]
            + [attendance("F4", d, disposal="crisis_team" if d == days[2] else "home") for d in days])
    db = Database(write_extracts(tmp_path, ae_attendances=rows, liaison_referrals=[
        row("liaison_referrals", person_id="F1", referred_at=datetime(2024, 2, 1, 9),
            assessed_at=datetime(2024, 2, 1, 10))]))
    yield db
    db.close()
    clear_cache()


def test_frequent_attenders_have_the_settings_number_of_attendances_in_the_12_months(attenders, monkeypatch):
    from dashboard.store.journeys import frequent_rows

    june = frequent_rows(attenders, JUNE).iloc[0]
    assert june[["attendances", "frequent", "frequent_attendances", "frequent_cared"]].tolist() == [19, 2, 11, 2]  # F1 and F4; F3's June 2023 attendance is outside the 12 months
    monkeypatch.setenv("MHFLOW_FREQUENT_ATTENDER_MIN", "6")
    june = frequent_rows(attenders, JUNE).iloc[0]
    assert june[["frequent", "frequent_attendances", "frequent_cared"]].tolist() == [1, 6, 1]  # F4 alone


# --- the catalog's timelines against their definition -------------------------------------------

def _by_definition(span_days: tuple[int, ...]) -> str:
    """Return SQL working out each person_events row's next_* times and before/after counts the plain way.

    A join of every row with every event of the same person, then the definitions of
    queries/catalog/22_person_events.sql word for word: what the catalog's windowed sums must equal.
    """
    counts = []
    for n in span_days:
        for measure, kind in (("ae", "ae"), ("s136", "s136"), ("admissions", "admission")):
            counts.append(f"count(*) FILTER (WHERE x.kind = '{kind}' AND x.event_at >= i.event_at - INTERVAL {n} DAY "
                          f"AND x.event_at < i.event_at) AS {measure}_before_{n}")
            counts.append(f"count(*) FILTER (WHERE x.kind = '{kind}' AND x.event_at > i.event_at "
                          f"AND x.event_at <= i.event_at + INTERVAL {n} DAY) AS {measure}_after_{n}")
        nights = ("greatest(0, date_diff('day', greatest(x.event_at::DATE, {lo}), "
                  "least(coalesce(x.ends_at, (SELECT max(event_at) FROM person_events) + INTERVAL 1 DAY)::DATE, {hi})))")
        counts.append(f"coalesce(sum({nights.format(lo=f'i.event_at::DATE - {n}', hi='i.event_at::DATE')}) "
                      f"FILTER (WHERE x.kind = 'admission'), 0) AS bed_days_before_{n}")
        counts.append(f"coalesce(sum({nights.format(lo='i.event_at::DATE + 1', hi=f'i.event_at::DATE + {n + 1}')}) "
                      f"FILTER (WHERE x.kind = 'admission'), 0) AS bed_days_after_{n}")
    within = "x.event_at > i.event_at AND x.event_at <= i.event_at + INTERVAL 90 DAY"
    return f"""
        SELECT i.rowid AS id,
               min(x.event_at) FILTER (WHERE x.kind = 'ae' AND {within}) AS next_ae_at,
               min(x.event_at) FILTER (WHERE x.kind = 's136' AND {within}) AS next_s136_at,
               min(x.event_at) FILTER (WHERE x.kind = 'admission' AND {within}) AS next_admission_at,
               min(x.event_at) FILTER (WHERE x.kind IN ('liaison', 'contact') AND {within}) AS next_follow_up_at,
               {', '.join(counts)}
        FROM person_events i JOIN person_events x ON x.person_key = i.person_key
        WHERE i.kind <> 'contact'
        GROUP BY i.rowid ORDER BY i.rowid"""


def test_each_events_next_times_and_before_after_counts_in_the_catalog_follow_their_definition(generated_data):
    spans = (30, 90, 180)
    db = Database(generated_data)
    try:
        con = db.connection()
        expected = con.execute(_by_definition(spans)).df().set_index("id")
        got = con.execute("SELECT rowid AS id, * FROM person_events WHERE kind <> 'contact' ORDER BY rowid").df()
        got = got.set_index("id")
        contacts = con.execute("SELECT count(*) FILTER (WHERE ae_before_30 IS NOT NULL OR bed_days_after_180 IS NOT NULL), "
                               "count(*) FROM person_events WHERE kind = 'contact'").fetchone()
    finally:
        db.close()
    assert len(got) > 5_000 and got["ae_after_90"].sum() > 100 and got["bed_days_before_180"].sum() > 100  # not empty
    pd.testing.assert_frame_equal(got[expected.columns], expected, check_dtype=False)
    assert contacts[0] == 0 and contacts[1] > 0  # a contact is never an index event: no counts


def test_the_cohort_without_grouping_is_each_persons_first_event_for_every_band_narrowing_and_kind(generated_data):
    from dashboard.settings import AGE_BANDS

    by_grouping = """
        SELECT person_key, min(event_at) AS index_at FROM person_events
        WHERE kind = $kind AND event_at >= $start AND event_at < $end AND age BETWEEN $lo AND $hi
          AND ($narrow = '' OR detail = $narrow)
        GROUP BY person_key ORDER BY person_key"""
    cohort = ("SELECT person_key, index_at FROM journey_cohort($kind, $narrow, $start, $end, $lo, $hi) "
              "ORDER BY person_key")
    db = Database(generated_data)
    checked = 0
    try:
        con = db.connection()
        details = con.execute("SELECT kind, min(detail) FROM person_events WHERE kind <> 'contact' GROUP BY kind").fetchall()
        for kind, detail in details:
            for narrow in ("", detail):
                for lo, hi in AGE_BANDS.values():
                    for start, end in (("2024-01-01", "2025-01-01"), ("2025-06-01", "2025-07-01")):
                        params = {"kind": kind, "narrow": narrow, "start": start, "end": end, "lo": lo, "hi": hi}
                        expected = con.execute(by_grouping, params).df()
                        got = con.execute(cohort, params).df()
                        pd.testing.assert_frame_equal(got, expected, check_dtype=False, obj=str(params))
                        checked += len(got)
        with pytest.raises(Exception, match="neither every age nor one of the filters' bands"):
            con.execute(cohort, {"kind": "ae", "narrow": "", "start": "2024-01-01", "end": "2025-01-01",
                                 "lo": 18, "hi": 64}).fetchall()
    finally:
        db.close()
    assert checked > 2_000  # every kind and band had people to check
