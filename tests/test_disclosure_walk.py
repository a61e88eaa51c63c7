"""Disclosure walk: no small count and no rate on a small denominator leaves the server.

For a small generated data set (many small numbers), every registered chart is
drawn for every age band over one month and over a year at every grain (and the
drill-down charts for some heatmap cells), and every page's cards are computed.

Two kinds of proof, both against the raw, unprotected rows (the chart's own
data function, called directly):

1. What is shown: every count cell of the table (and so of the CSV download) is
   0, '*' or at least the threshold; a rate on fewer than `threshold` records and
   a median on fewer than `threshold` records is '*'.
2. Nothing else depends on a hidden value (non-interference): each hidden raw
   value (a count from 1 to 7; the numerator and denominator of a rate whose
   denominator is below 8; a median on fewer than 8 records) is changed to
   another value it could have had, and the whole output (figure JSON with
   its traces, hover text and annotations, the table, the CSV, the note) must
   stay byte for byte the same. If any number that leaves the server were
   computed from a hidden value, it would change. Cards add months up to the
   headline, so there hidden months trade values with each other (the period
   totals stay) and the cards, icons and change text must not move.

A rate card is never shown while its numerator is a hidden count card of its own
(delayed days as a share of bed days): the national rule hides a rate whose
numerator is '*'.

No hidden cell can be worked out from a total and the other cells: for the sums the
charts declare (``Field.partition`` / ``Field.parts``, and ``RECOMMENDED``), the total's
interval minus the other cells' intervals (``disclosure.interval``: what a shown value
stands for under rounding) always leaves a hidden cell two or more values.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import sys
from typing import Any, Iterable

import pandas as pd
import pytest

from dashboard.web import cards as cards_module
from dashboard.web.charts import CHARTS, Chart, ChartKind, render, to_csv
from dashboard.core.disclosure import SUPPRESSED, Field, Policy
from dashboard.core.filters import Filters
from dashboard.core.metrics import METRICS
from dashboard.core.periods import Period
from dashboard.settings import AGE_BANDS, GRAINS

THRESHOLD = 8
POLICY = Policy(THRESHOLD, "national", 5)

pytestmark = pytest.mark.slow  # every chart, card and download for every band and grain: the fast lane skips it

ONE_MONTH = Period.from_months("2025-06", "2025-06")
A_YEAR = Period.from_months("2025-01", "2025-12")
VIEWS = tuple(
    [Filters(band, ONE_MONTH, "month") for band in AGE_BANDS]
    + [Filters(band, A_YEAR, grain) for band in AGE_BANDS for grain in GRAINS]
    # The small data set has its few under-18 detentions in 2022 and 2024.
    + [Filters("0-17", Period.from_months("2024-01", "2024-12"), "month"),
       Filters("all", Period.from_months("2022-04", "2022-04"), "month")]
)
SELECTIONS = ({}, {"hour": 22, "weekday": 6}, {"hour": 4, "weekday": 2})
# The Journeys charts' selection is the page's cohort: index events of every kind, and narrowed ones.
JOURNEY_CHOICES = ({}, {"index": "s136", "narrow": ""}, {"index": "s136", "narrow": "police_custody"},
                   {"index": "liaison", "narrow": ""}, {"index": "admission", "narrow": "adult_acute"},
                   {"index": "discharge", "narrow": ""}, {"span": 30}, {"index": "s136", "narrow": "", "span": 180})
# Columns shown as labels or reference values that hold numbers, and why that is safe.
NUMERIC_LABELS = {
    "hour": "hour of the day, a category",
    "beds": "commissioned beds: capacity, not people",
    "available_bed_days": "commissioned bed days: capacity, not people",
    "residents": "residents from the population table (mid-year estimates): not people in crisis",
    "day_to": "days after a Journeys index event: the time axis of a life table, not people",
}


def _register_pages() -> None:
    """Import every page (so every chart and card list is registered) before tests are collected."""
    from dashboard.web.app import PAGE_MODULES, import_pages

    if any(f"pages.{name}" not in sys.modules for name in PAGE_MODULES):
        import dash

        dash.Dash(__name__, use_pages=True, pages_folder="")  # a page registers only once an app uses pages
        import_pages()


_register_pages()


@pytest.fixture(scope="module")
def registry():
    """Return the registered pages."""
    from dashboard.web.components import PAGES

    assert CHARTS and PAGES
    return PAGES


def view_id(filters: Filters) -> str:
    return f"{filters.age_band}-{filters.period.label()}-{filters.grain}"


def selections(chart: Chart) -> Iterable[dict[str, Any]]:
    if chart.selection_check is not None:  # as the app checks them for this chart (e.g. a span for one only)
        checked = [chart.selection_check(choice) for choice in JOURNEY_CHOICES]
        return [c for i, c in enumerate(checked) if c not in checked[:i]]
    return SELECTIONS if chart.selectable else ({},)


def raw_rows(chart: Chart, db, filters: Filters, selection: dict[str, int]) -> pd.DataFrame:
    return chart.data(db, filters, **selection)


# --- what is hidden --------------------------------------------------------------------------------

def _int(value: Any) -> int:
    return 0 if value is None or (isinstance(value, float) and pd.isna(value)) else int(value)


def small(value: Any) -> bool:
    """Return whether a raw count must not be shown (1 to threshold-1)."""
    return 0 < _int(value) < THRESHOLD


def hidden_cells(raw: pd.DataFrame, fields: Iterable[Field]) -> dict[tuple[int, str], str]:
    """Return {(row, column): why} for every raw value that must not influence what is shown.

    A rate's numerator or denominator that is also a count column of the table is
    hidden only if that count is (a count of 0 is shown as 0 whatever the rate).
    """
    fields = list(fields)
    counts = {f.name for f in fields if f.kind == "count"}
    hidden: dict[tuple[int, str], str] = {}
    for i, record in enumerate(raw.to_dict("records")):
        for f in fields:
            if f.kind == "count" and small(record[f.name]):
                hidden[(i, f.name)] = "count"
            elif f.kind == "pct" and small(record[f.den]):
                if f.den not in counts:
                    hidden.setdefault((i, f.den), "denominator")
                if f.num not in counts:
                    hidden.setdefault((i, f.num), "numerator")
            elif f.kind == "pct" and small(record[f.num]) and f.num not in counts:
                # The rule hides a rate on a small numerator: its 1..7 must not show through.
                hidden.setdefault((i, f.num), "small numerator")
            elif f.kind == "measure" and _int(record[f.den]) < THRESHOLD and not pd.isna(record[f.name]):
                hidden[(i, f.name)] = "measure"
    return hidden


def perturbed(raw: pd.DataFrame, hidden: dict[tuple[int, str], str], shift: int) -> pd.DataFrame:
    """Return `raw` with every hidden value changed to another value it could have had."""
    out = raw.copy()
    columns = {c for _, c in hidden}
    for c in columns:  # allow floats (medians) and objects in the changed columns
        if out[c].dtype.kind in "iu":
            out[c] = out[c].astype("int64")
    for (i, c), why in sorted(hidden.items(), key=lambda item: item[1] == "numerator"):
        value = out.at[i, c]
        if why in ("count", "denominator", "small numerator"):
            out.at[i, c] = (_int(value) - 1 + shift) % (THRESHOLD - 1) + 1
        elif why == "measure":
            out.at[i, c] = float(value) + 10.5 * shift
    for (i, c), why in hidden.items():
        if why == "numerator":
            den_cols = [d for (j, d), w in hidden.items() if j == i and w in ("denominator", "count")]
            top = min(_int(out.at[i, d]) for d in den_cols) if den_cols else THRESHOLD - 1
            out.at[i, c] = (_int(raw.at[i, c]) + shift) % (top + 1)
    return out


def fingerprint(rendered) -> str:
    """Return everything a chart sends to the browser, as one string."""
    return json.dumps({"figure": rendered.figure, "table": rendered.table.astype(object).to_dict("split"),
                       "note": rendered.note, "csv": to_csv(rendered), "empty": rendered.empty},
                      sort_keys=True, default=str)


def render_from(chart: Chart, rows: pd.DataFrame, filters: Filters, selection, monkeypatch) -> Any:
    """Render `chart` as the app does, but from the given raw rows."""
    fake = dataclasses.replace(chart, data=lambda db, f, **kw: rows.copy())
    with monkeypatch.context() as patch:
        patch.setitem(CHARTS, chart.id, fake)
        return render(chart.id, filters, policy=POLICY, selection=selection)


# --- 1. what is shown --------------------------------------------------------------------------------

def assert_shown_is_safe(chart: Chart, raw: pd.DataFrame, rendered, where: str) -> None:
    if rendered.empty:
        return
    shown = rendered.table
    labels = {f.name: f.label for f in chart.fields}
    records = raw.to_dict("records")
    for f in chart.fields:
        column = list(shown[labels[f.name]])
        for i, (value, record) in enumerate(zip(column, records)):
            value = None if isinstance(value, float) and pd.isna(value) else value
            cell = f"{where} row {i} {f.name}={value!r}"
            if f.kind == "count":
                assert value in (0, SUPPRESSED, None) or (isinstance(value, int) and value >= THRESHOLD), cell
                if small(record[f.name]):
                    assert value == SUPPRESSED, cell
            elif f.kind == "pct" and small(record[f.den]):
                assert value == SUPPRESSED, cell
            elif f.kind == "measure" and _int(record[f.den]) < THRESHOLD and value is not None:
                assert value == SUPPRESSED, cell
            elif f.kind in ("label", "reference") and isinstance(value, (int, float)) and not isinstance(value, bool):
                assert f.name in NUMERIC_LABELS, f"{cell}: a numeric column shown unprotected"
    # The CSV download is the table exactly as shown (numbers to the one decimal place the table shows).
    parsed = list(csv.reader(io.StringIO(to_csv(rendered))))
    assert parsed[0] == list(shown.columns)
    assert len(parsed) - 1 == len(shown)
    for row_text, row_shown in zip(parsed[1:], shown.itertuples(index=False)):
        for text, value in zip(row_text, row_shown):
            if value == SUPPRESSED:
                assert text == SUPPRESSED, where
            elif isinstance(value, (int, float)) and not isinstance(value, bool) and not pd.isna(value):
                assert float(text) == pytest.approx(round(float(value), 1)), where  # as the table shows it


@pytest.mark.parametrize("chart_id", sorted(CHARTS))
def test_every_chart_shows_no_small_count_and_no_rate_on_a_small_base(chart_id, registry, app_db, monkeypatch):
    chart = CHARTS[chart_id]
    checked_hidden = 0
    for filters in VIEWS:
        for selection in selections(chart):
            where = f"{chart_id} {view_id(filters)} {selection}"
            raw = raw_rows(chart, app_db, filters, selection)
            rendered = render(chart_id, filters, policy=POLICY, selection=selection)
            assert_shown_is_safe(chart, raw.reset_index(drop=True), rendered, where)

            # 2. Non-interference: change every hidden value; nothing that leaves the server may change.
            raw = raw.reset_index(drop=True)
            hidden = hidden_cells(raw, chart.fields)
            if not hidden or rendered.empty:
                continue
            checked_hidden += len(hidden)
            before = fingerprint(render_from(chart, raw, filters, selection, monkeypatch))
            assert before == fingerprint(rendered), f"{where}: rendering is not a function of the rows"
            for shift in (1, 3):
                after = fingerprint(render_from(chart, perturbed(raw, hidden, shift), filters, selection,
                                                monkeypatch))
                assert after == before, f"{where}: output depends on a hidden value ({_first_difference(before, after)})"
    # The walk is only a proof if the data set exercised it.
    assert checked_hidden or chart_id in NEVER_SMALL or chart_id in WALKED_ELSEWHERE, \
        f"{chart_id}: no small number met in the walk"


# Charts whose rows are never small (nothing hidden to perturb), and why.
NEVER_SMALL = {
    "ip-occupancy": "bed days of the whole home system against commissioned bed days: hundreds a month",
    "overview-occupancy": "the same chart on the overview",
    "ip-ward-occupancy": "bed days of a ward over at least a month, all ages only",
    "spc-board": "text read from the metrics' protected trends (charts.trend_reading_of): no count of its own",
    **{f"spc-board-{stage}": "the board's part for one stage of the pathway: as spc-board"
       for stage in ("crisis", "s136", "inpatient")},
    "spc-changes": "text read from the metrics' protected trends: no count of its own",
}


# Charts whose small numbers the generated data rarely holds, walked on small rows elsewhere.
WALKED_ELSEWHERE = {
    "pos-t-under18": "tests/test_trend.py::test_a_rare_event_chart_depends_on_no_hidden_count",
    "pos-t-over-limit": "tests/test_trend.py::test_a_rare_event_chart_depends_on_no_hidden_count",
}


def _first_difference(a: str, b: str) -> str:
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"…{a[max(0, i - 80):i + 40]}… vs …{b[max(0, i - 80):i + 40]}…"


# --- cards ---------------------------------------------------------------------------------------

def card_columns(keys: Iterable[str]) -> list[tuple[str, str, str | None]]:
    """Return (kind, value column, denominator column) of each card metric."""
    return [(METRICS[k].kind, METRICS[k].value, METRICS[k].denominator) for k in keys]


def reshuffled_months(months: pd.DataFrame, keys: tuple[str, ...], shift: int, period) -> pd.DataFrame:
    """Return the cards' monthly rows with hidden monthly values changed, every period total kept.

    The cards add months up to the headline (the previous and the current period, in one frame
    that may start earlier, with the monthly trend's history), so a hidden month may only change
    against another hidden month of the same period: one gains what the other loses. Months
    before the previous period are a block of their own. Monthly medians on too few records
    change freely.
    """
    out = months.copy().reset_index(drop=True)
    buckets = list(out["bucket"])
    starts = (period.previous().start, period.start)
    blocks = [[i for i, b in enumerate(buckets) if b < starts[0]],
              [i for i, b in enumerate(buckets) if starts[0] <= b < starts[1]],
              [i for i, b in enumerate(buckets) if b >= starts[1]]]
    for kind, value, den in card_columns(keys):
        if value not in out:  # a median of its own query: perturbed_medians
            continue
        for block in blocks:
            if kind == "median":
                for i in block:
                    if _int(out.at[i, den]) < THRESHOLD and not pd.isna(out.at[i, value]):
                        out.at[i, value] = float(out.at[i, value]) + 10.5 * shift
                continue
            base = value if kind == "count" else den
            rows = [i for i in block if small(out.at[i, base])]
            top = (lambda i: THRESHOLD - 1) if kind == "count" else (lambda i: _int(out.at[i, den]))
            bottom = 1 if kind == "count" else 0
            for a, b in zip(rows[shift % 2::2], rows[shift % 2 + 1::2]):
                if _int(out.at[a, value]) < top(a) and _int(out.at[b, value]) > bottom:
                    out.at[a, value] = _int(out.at[a, value]) + 1
                    out.at[b, value] = _int(out.at[b, value]) - 1
    return out


def card_fingerprint(db, filters: Filters, cards: tuple) -> str:
    shown = cards_module.card_values(cards, filters, db, policy=POLICY)
    return json.dumps([dataclasses.asdict(c) for c in shown]
                      + [cards_module.card_component(c, d).to_plotly_json() for c, d in zip(shown, cards)],
                      sort_keys=True, default=str)


def assert_card_is_safe(card, row: pd.Series, where: str) -> None:
    """Check one headline (now or previous) against the unprotected flow-table row."""
    metric = METRICS[card.key]
    for value, raw in ((card.value, row["now"]), (card.previous, row["before"])):
        if metric.kind == "count":
            assert value in (0, SUPPRESSED, None) or value >= THRESHOLD, where
            if small(raw[metric.value]):
                assert value == SUPPRESSED, where
        elif _int(raw[metric.denominator]) < THRESHOLD and value is not None:
            assert value == SUPPRESSED, where
    if SUPPRESSED in (card.value, card.previous):
        assert not any(ch.isdigit() for ch in card.change), f"{where}: {card.change}"


def _card_pages():
    from dashboard.web.components import PAGES

    return sorted(PAGES)


def perturbed_medians(db, name: str, filters: Filters, grain: str | None = None, shift: int = 1) -> pd.DataFrame:
    """Return by_period's rows with the monthly medians of a median-only query changed where few records."""
    from dashboard.store.data import MEDIAN_QUERIES, by_period, flow_table

    frame = by_period(db, name, filters, grain)
    if (grain or filters.grain) == "month" and name in MEDIAN_QUERIES:
        for metric in (m for m in METRICS.values() if m.query == name):
            den = flow_table(db, filters, "month", metric.also)[metric.denominator].to_numpy()
            few = (den < THRESHOLD) & frame[metric.value].notna().to_numpy()
            frame.loc[few, metric.value] = frame.loc[few, metric.value] + 10.5 * shift
    return frame


@pytest.mark.parametrize("page_id", _card_pages())
def test_every_pages_cards_show_nothing_small_and_depend_on_nothing_hidden(page_id, registry, app_db, monkeypatch):
    from dashboard.store.data import flow_table, side_by_side_buckets

    page = registry[page_id]
    queries = tuple(dict.fromkeys(q for k in page.card_keys for q in METRICS[k].queries))
    for filters in VIEWS:
        where = f"cards of {page.id} {view_id(filters)}"
        previous = filters.with_period(filters.period.previous())
        raw = {"now": flow_table(app_db, filters, "period", queries).iloc[0],
               "before": flow_table(app_db, previous, "period", queries).iloc[0]}
        for card in cards_module.card_values(page.cards, filters, app_db, policy=POLICY):
            assert_card_is_safe(card, raw, f"{where} {card.key}")
        before = card_fingerprint(app_db, filters, page.cards)
        for shift in (1, 2):
            with monkeypatch.context() as patch:
                patch.setattr(cards_module, "side_by_side_buckets",  # the cards' months, both periods
                              lambda frames, _s=shift, _k=page.card_keys, _p=filters.period:
                              reshuffled_months(side_by_side_buckets(frames), _k, _s, _p))
                patch.setattr(cards_module, "by_period",
                              lambda db, name, f, grain=None, _s=shift: perturbed_medians(db, name, f, grain, _s))
                after = card_fingerprint(app_db, filters, page.cards)
            assert after == before, f"{where}: a card depends on a hidden value ({_first_difference(before, after)})"


def test_no_rate_card_gives_back_a_hidden_count_card(registry, app_db):
    """A rate card whose numerator is a count card's column must be hidden when that count is.

    Delayed days hidden ('*') on their card beside "delayed days as a share of bed days" would
    give the count back as share × bed days (a card on the inpatient page); the rule hides both.
    """
    from dashboard.web.cards import shown_value
    from dashboard.store.data import flow_table

    counts = {METRICS[k].value: k for page in registry.values() for k in page.card_keys
              if METRICS[k].kind == "count"}
    rates = {k for page in registry.values() for k in page.card_keys
             if METRICS[k].kind == "pct" and METRICS[k].value in counts}
    problems = []
    for key in sorted(rates):
        metric, count = METRICS[key], METRICS[counts[METRICS[key].value]]
        for filters in VIEWS:
            row = flow_table(app_db, filters, "period", tuple(dict.fromkeys(metric.queries + count.queries))).iloc[0]
            if shown_value(count, row, filters.age_band, POLICY) == SUPPRESSED and \
                    shown_value(metric, row, filters.age_band, POLICY) not in (SUPPRESSED, None):
                problems.append(f"{key} shown while {count.key} is hidden ({view_id(filters)})")
    assert not problems, "; ".join(problems[:3])


# --- secondary suppression -------------------------------------------------------------------------

# For each chart, the partitions its counts belong to (the flags its fields should carry): cells
# that add up to a total shown on a card, in another chart of the page or in the same row.
PLACES = ("health_based", "emergency_department", "police_custody", "other_place")
CONVEYANCE = ("ambulance", "police_vehicle", "other_conveyance")
WARD_TYPES = ("adult_acute", "picu", "older_adult", "camhs_tier4")
ORGS = ("nhs_days", "social_care_days", "both_days")
COLUMN = {"partition": True}
RECOMMENDED: dict[str, dict[str, dict[str, Any]]] = {
    "overview-pathway": {"people": {"partition": ("from", "to")}},
    "uec-sites": {"attendances": COLUMN, "over_12h": COLUMN, "departure_not_recorded": COLUMN,
                  "dta_over_12h": COLUMN},
    "uec-dta-sites": {"dta_over_12h": COLUMN},
    "uec-dta-wait": {"attendances": COLUMN},
    "uec-heatmap": {"attendances": COLUMN},
    "uec-presentation": {"attendances": COLUMN},
    "uec-arrival": {"attendances": COLUMN},
    "uec-liaison-sites": {"referrals": COLUMN},
    "uec-liaison-hour": {"referrals": COLUMN},
    "uec-liaison-grid": {"emergency_assessed": {}},  # no total of these is shown (the card is a rate)
    "pos-place-mix": {"detentions": {"partition": True, "parts": PLACES}, **{c: COLUMN for c in PLACES}},
    "pos-conveyance": {"detentions": {"partition": True, "parts": CONVEYANCE}, **{c: COLUMN for c in CONVEYANCE}},
    "pos-over-limit": {"detentions": {"partition": True, "parts": ("ended_recorded", "ended_not_recorded")},
                       "ended_recorded": COLUMN, "over_limit": COLUMN, "ended_not_recorded": COLUMN},
    "pos-under18": {"under18_detentions": COLUMN, "under18_custody": COLUMN, "under18_health_based": COLUMN},
    "pos-outcomes": {"detentions": COLUMN},
    "pos-intoxication": {"detentions": COLUMN},
    "pos-ethnicity": {"detentions": COLUMN},
    "pos-repeat": {"people": COLUMN, "detentions": COLUMN},  # (detentions: when the chart shows them)
    "pos-assessment-hours": {"detentions": {"partition": True, "parts": (
        "assess_0_1", "assess_1_2", "assess_2_3", "assess_3_6", "assess_6_12", "assess_12_24", "assess_over_24",
        "assess_not_recorded")}, **{c: COLUMN for c in ("assess_0_1", "assess_1_2", "assess_2_3", "assess_3_6",
                                                          "assess_6_12", "assess_12_24", "assess_over_24",
                                                          "assess_not_recorded")}},
    "pos-detained-hours": {"detentions": {"partition": True, "parts": (
        "held_0_6", "held_6_12", "held_12_24", "held_24_36", "held_over_36", "held_not_recorded")},
        **{c: COLUMN for c in ("held_0_6", "held_6_12", "held_12_24", "held_24_36", "held_over_36",
                               "held_not_recorded")}},
    "pos-under18-places": {"detentions": COLUMN},
    "pos-age-rates": {"detentions": COLUMN},
    "pos-ethnicity-rates": {"detentions": COLUMN},
    "pos-ethnicity-ratio": {"detentions": COLUMN},
    "ip-admissions-source": {"admissions": {"partition": True, "parts": ("informal", "detained")},
                             "informal": COLUMN, "detained": COLUMN},
    "ip-ward-occupancy": {"bed_days": COLUMN},
    "ip-length-of-stay": {"all_stays": {"partition": True, "parts": WARD_TYPES}, **{c: COLUMN for c in WARD_TYPES}},
    "dtoc-org": {"delayed_days": {"partition": True, "parts": ORGS}, **{c: COLUMN for c in ORGS}},
    "dtoc-reason": {"delayed_days": COLUMN, "delays": COLUMN},
    "dtoc-open": {"open_delays": COLUMN},
    "dtoc-ward": {"delayed_days": COLUMN, "bed_days": COLUMN},
    "rec-returned-ae": {"discharges": COLUMN},
    "rec-destinations": {"stays_discharged": COLUMN},
    "rec-followup-timing": {"discharges": COLUMN},
    "rec-ward-type": {"discharges": COLUMN},
    # Journeys: a person can have several outcomes, so no column of what happened next adds up to a
    # total; a life table's at-risk count is the next row's plus the returned and censored, a sum across
    # rows of three rounded counts (wider than the two-answer difference the rule is proved against).
    "jny-next": {"cohort": {}},
    "jny-return": {"at_risk": {}},
    "jny-before-after": {"cohort": {}},
    "jny-frequent": {"frequent": {}},  # each month counts its own 12 months: the months add up to nothing
}
# Every SPC chart of a count: it runs over the history to the period's end, and within each span
# (the chosen period, the previous equal period, earlier) its buckets add up to a card (the period's,
# the previous period's), as `records`, the base of a rate, adds up to the base of the card's rate.
# A rate whose numerator is a count card of its own hides a small numerator.
SPAN = {"partition": "span"}
for _id, _chart in list(CHARTS.items()):
    if _id in RECOMMENDED:
        continue
    _names = {f.name for f in _chart.fields}
    if _chart.kind in (ChartKind.SPC, ChartKind.RARE) and "records" in _names:
        RECOMMENDED[_id] = {"records": SPAN}
    elif _chart.kind in (ChartKind.SPC, ChartKind.RARE) and _chart.fields[3].kind == "count":
        RECOMMENDED[_id] = {_chart.fields[3].name: SPAN}
RECOMMENDED["dtoc-pct"] = {"records": SPAN, "value": {"hide_small_numerator": True}}
# The definitions page's data quality: one row per field of an extract; its counts add up to nothing shown
# (records repeat the extract's size; the empty counts of different fields overlap), so no partition.
RECOMMENDED["def-quality"] = {"not_recorded": {"partition": False}, "records": {"partition": False}}


def declared(chart: Chart, flags: dict[str, dict[str, Any]]) -> Chart:
    """Return the chart with the given secondary-suppression flags on its fields."""
    fields = tuple(dataclasses.replace(f, **flags.get(f.name, {})) for f in chart.fields)
    assert {f.name for f in chart.fields} & set(flags), f"{chart.id}: none of {sorted(flags)} is a field"
    return dataclasses.replace(chart, fields=fields)


def recoverable(shown: pd.DataFrame, raw: pd.DataFrame, fields: tuple[Field, ...],
                rows: set[int] | None = None) -> list[str]:
    """Return every hidden cell that a declared sum pins to one value: the total's interval minus the
    other cells' intervals (``disclosure.interval``: the true values a shown value stands for).

    A total outside the table (a card, another chart) is shown as the rule shows it: its interval
    is that of the rounded true total.
    """
    from dashboard.core.disclosure import interval, partitions

    records = raw.to_dict("records")
    out = {f.name: list(shown[f.label]) for f in fields}
    problems = []
    for cells, total in partitions(records, fields):
        if rows is not None and total is None:
            # A trend drawn over the whole history: its months add up to a card over the chosen period only.
            cells = [c for c in cells if c[1] in rows]
            if not cells:
                continue
        if total is not None:
            shown_total = out[total[0]][total[1]]
        else:
            shown_total = POLICY.count(sum(_int(records[row][column]) for column, row in cells))
        t_low, t_high = interval(shown_total, THRESHOLD, POLICY.base)
        spans = [interval(out[c][r], THRESHOLD, POLICY.base) for c, r in cells]
        for k, (column, row) in enumerate(cells):
            if out[column][row] != SUPPRESSED:
                continue
            others_low = sum(lo for j, (lo, _) in enumerate(spans) if j != k)
            others_high = sum(hi for j, (_, hi) in enumerate(spans) if j != k)
            low, high = max(1, t_low - others_high), min(THRESHOLD - 1, t_high - others_low)
            if low >= high:
                problems.append(f"{(column, row)} = {low} from {cells[:3]}… (total {total} shown {shown_total})")
    return problems


def test_every_chart_has_a_recommendation_or_none_is_needed(registry):
    single_row_or_no_counts = {c for c, chart in CHARTS.items()
                               if not any(f.kind == "count" for f in chart.fields)}
    assert set(CHARTS) - set(RECOMMENDED) <= single_row_or_no_counts, sorted(set(CHARTS) - set(RECOMMENDED))


@pytest.mark.parametrize("chart_id", sorted(RECOMMENDED))
def test_declared_partitions_leave_no_hidden_cell_recoverable(chart_id, registry, app_db, monkeypatch):
    chart = declared(CHARTS[chart_id], RECOMMENDED[chart_id])
    for filters in VIEWS:
        for selection in selections(chart):
            raw = raw_rows(chart, app_db, filters, selection).reset_index(drop=True)
            rendered = render_from(chart, raw, filters, selection, monkeypatch)
            if rendered.empty:
                continue
            where = f"{chart_id} {view_id(filters)} {selection}"
            rows = None
            if "bucket" in raw and len(raw) > 1:
                buckets = pd.to_datetime(raw["bucket"], errors="coerce").dt.date
                rows = {i for i, b in enumerate(buckets) if b == b and filters.period.start <= b <= filters.period.end}
            assert not recoverable(rendered.table, raw, chart.fields, rows), where
            assert_shown_is_safe(chart, raw, rendered, where)
            # Row totals really are the sum of their parts (the declaration is true of the data).
            for f in chart.fields:
                if f.parts:
                    assert (raw[list(f.parts)].sum(axis=1) == raw[f.name]).all(), f"{where}: {f.name} ≠ sum of parts"


def test_registered_charts_declare_their_partitions(registry):
    missing = []
    for chart_id, flags in RECOMMENDED.items():
        fields = {f.name: f for f in CHARTS[chart_id].fields}
        for name, wanted in flags.items():
            if name in fields and any(getattr(fields[name], k) != v for k, v in wanted.items()):
                missing.append(f"{chart_id}.{name}")
    assert not missing, missing


# --- the operator sets the threshold; the browser cannot ------------------------------------------

def test_the_operators_threshold_changes_what_is_hidden(registry, app_db, monkeypatch):
    from dashboard.settings import SettingError

    filters = Filters("all", A_YEAR, "month")
    raw = CHARTS["uec-sites"].data(app_db, filters)
    assert raw["over_12h"].between(8, 198).any()
    monkeypatch.setenv("MHFLOW_SUPPRESSION_THRESHOLD", "199")  # 200 with base 5 is refused (see disclosure)
    shown = render("uec-sites", filters).table["Over 12 hours"]
    assert all(v == SUPPRESSED for v, n in zip(shown, raw["over_12h"]) if 0 < n < 199)
    # Threshold 0 no longer turns protection off: it is refused; exact figures are the detailed view's.
    monkeypatch.setenv("MHFLOW_SUPPRESSION_THRESHOLD", "0")
    small_view = Filters("all", ONE_MONTH, "month")
    with pytest.raises(SettingError, match="MHFLOW_SUPPRESSION_THRESHOLD"):
        render("pos-outcomes", small_view)
    monkeypatch.delenv("MHFLOW_SUPPRESSION_THRESHOLD")
    small_raw = CHARTS["pos-outcomes"].data(app_db, small_view)
    assert small_raw["detentions"].between(1, 7).any()
    exact = render("pos-outcomes", small_view, policy=Policy.detailed_view()).table["Detentions"]
    assert list(exact) == list(small_raw["detentions"])


def test_the_browser_cannot_change_the_threshold(registry, app_db):
    from flask import Flask

    from dashboard.web import callbacks
    from dashboard.web.components import page_frame

    store = {"age_band": "0-17", "start": "2025-06", "end": "2025-06", "grain": "month"}
    prying = {**store, "threshold": 0, "suppression_threshold": "0", "MHFLOW_SUPPRESSION_THRESHOLD": "0",
              "suppression_rule": "off", "policy": {"threshold": 0}}
    graph = {"type": "chart-graph", "chart": "uec-sites"}
    plain = callbacks.draw_chart(store, None, graph, 1)  # table view open
    assert SUPPRESSED in json.dumps(plain[0]) + str(plain[1].to_plotly_json())
    assert json.dumps(callbacks.draw_chart(prying, None, graph, 1), default=str) == json.dumps(plain, default=str)
    toggle = {"type": "chart-toggle", "chart": "uec-sites"}
    assert str(callbacks.draw_table(1, prying, None, toggle).to_plotly_json()) == str(plain[1].to_plotly_json())

    query = {"age_band": "0-17", "start": "2025-06", "end": "2025-06", "threshold": "0", "suppression": "off"}
    server = Flask(__name__)
    with server.test_request_context("/urgent-care?threshold=0&MHFLOW_SUPPRESSION_THRESHOLD=0",
                                     headers={"X-Suppression-Threshold": "0",
                                              "Cookie": "MHFLOW_SUPPRESSION_THRESHOLD=0"}):
        assert Policy.from_settings() == POLICY
        assert json.dumps(callbacks.draw_chart(prying, None, graph, 1), default=str) == json.dumps(plain, default=str)
        layout = page_frame(registry["urgent-care"], query).to_plotly_json()
    assert json.dumps(layout, default=str) == json.dumps(
        page_frame(registry["urgent-care"], {k: query[k] for k in ("age_band", "start", "end")}).to_plotly_json(),
        default=str)


# --- exports: the Excel workbook, the HTTP API and the meeting pack -------------------------------

EXPORT_VIEWS = (Filters("0-17", ONE_MONTH, "month"), Filters("all", A_YEAR, "quarter"))


def _export_fingerprint(page_id: str, filters: Filters, db) -> str:
    """Return everything the page's exports send for the view: workbook cells, API JSON, pack document."""
    from datetime import datetime, timezone

    from openpyxl import load_workbook

    from dashboard.web import api
    from dashboard.web.excel import workbook_bytes
    from dashboard.web.outputs import page_outputs
    from dashboard.web.pack import pack_html

    produced = datetime(2026, 1, 5, tzinfo=timezone.utc)
    outputs = page_outputs(page_id, filters, POLICY, db, produced)
    book = load_workbook(io.BytesIO(workbook_bytes(outputs)))
    cells = [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book]
    answer = [api._table_json(chart) for chart in outputs.charts] + [api._rows(outputs.headlines)]
    document = pack_html([page_id], filters, POLICY, db, produced, with_plotly=False)
    return json.dumps({"workbook": cells, "api": answer, "pack": document}, sort_keys=True, default=str)


@pytest.mark.parametrize("page_id", _card_pages())
def test_every_export_of_a_page_holds_the_pages_own_protected_tables_and_cards(page_id, registry, app_db):
    """The workbook, the API and the pack take each chart from the render path and each headline from the cards."""
    from dashboard.web.outputs import page_chart_ids, page_outputs

    for filters in EXPORT_VIEWS:
        outputs = page_outputs(page_id, filters, POLICY, app_db)
        assert [c.chart_id for c in outputs.charts] == list(page_chart_ids(page_id))
        for chart in outputs.charts:
            rendered = render(chart.chart_id, filters, policy=POLICY)
            assert fingerprint(rendered) == fingerprint(dataclasses.replace(
                rendered, figure=chart.figure, table=chart.table, note=chart.note, empty=chart.empty)), chart.chart_id
        shown = cards_module.card_values(registry[page_id].cards, filters, app_db, policy=POLICY)
        assert list(outputs.headlines["Value"]) == [c.value for c in shown]
        assert list(outputs.headlines["Previous equal period"]) == [c.previous for c in shown]


def test_no_export_depends_on_a_hidden_value(registry, app_db, monkeypatch):
    """Change each hidden value of each chart of a page full of small numbers: no export may change."""
    from dashboard.web.outputs import page_chart_ids

    page_id, filters = "places-of-safety", EXPORT_VIEWS[0]
    before = _export_fingerprint(page_id, filters, app_db)
    checked = 0
    for chart_id in page_chart_ids(page_id):
        chart = CHARTS[chart_id]
        raw = raw_rows(chart, app_db, filters, {}).reset_index(drop=True)
        hidden = hidden_cells(raw, chart.fields)
        if not hidden:
            continue
        checked += len(hidden)
        for shift in (1, 3):
            fake = dataclasses.replace(chart, data=lambda db, f, _rows=perturbed(raw, hidden, shift), **kw: _rows.copy())
            with monkeypatch.context() as patch:
                patch.setitem(CHARTS, chart_id, fake)
                after = _export_fingerprint(page_id, filters, app_db)
            assert after == before, f"{chart_id}: an export depends on a hidden value ({_first_difference(before, after)})"
    assert checked, "the view met no small number: the walk proved nothing"
