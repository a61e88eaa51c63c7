"""Mix charts under protection: a category never vanishes while its share is large, and a mix that
would be mostly hidden period by period is shown over the whole period, saying so."""
from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from dashboard.core.disclosure import SUPPRESSED, Policy
from dashboard.core.filters import Filters
from dashboard.core.periods import Period
from dashboard.web.breakdowns import MIX_NOTE, WHOLE_PERIOD, with_whole_period
from dashboard.web.charts import CHARTS, render

PROTECTED = Policy(8, "national", 5)
YEAR = Filters("0-17", Period.from_months("2025-01", "2025-12"), "month")
PLACES = ("health_based", "emergency_department", "police_custody", "other_place")


@pytest.fixture(scope="module", autouse=True)
def pages():
    from tests.test_disclosure_walk import _register_pages

    _register_pages()


def rows(per_month: dict[str, list[int]]) -> pd.DataFrame:
    months = pd.date_range("2025-01-01", periods=12, freq="MS").date
    frame = pd.DataFrame({"bucket": months, "period": [m.strftime("%b %Y") for m in months], **per_month})
    frame["detentions"] = frame[list(per_month)].sum(axis=1)
    return with_whole_period(frame, ["detentions", *per_month])


def drawn_from(chart_id: str, raw: pd.DataFrame, monkeypatch, policy: Policy = PROTECTED):
    fake = dataclasses.replace(CHARTS[chart_id], data=lambda db, f, **kw: raw.copy())
    monkeypatch.setitem(CHARTS, chart_id, fake)
    return render(chart_id, YEAR, db=object(), policy=policy)


def test_a_mix_mostly_hidden_month_by_month_is_drawn_over_the_whole_period_and_says_so(monkeypatch):
    raw = rows({"health_based": [5, 6, 4, 7, 5, 6, 3, 5, 6, 4, 5, 7], "emergency_department": [2] * 12,
                "police_custody": [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], "other_place": [0] * 12})
    rendered = drawn_from("pos-place-mix", raw, monkeypatch)
    assert MIX_NOTE in rendered.note
    trace = rendered.figure["data"][0]
    assert trace["orientation"] == "h"
    bars = dict(zip(trace["y"], trace["x"]))
    assert bars["Health-based place of safety"] == 65.0  # 63, rounded
    assert bars["Emergency department"] == 25.0  # 24, rounded: every month's 2 was hidden, the mix is not
    assert bars["Police custody"] is None and "*" in json.dumps(rendered.figure)  # 2: hidden, marked, not absent
    # The table keeps every period, and the whole period's row, protected.
    table = rendered.table
    assert list(table["Period"])[-1] == WHOLE_PERIOD and len(table) == 13
    assert list(table["Emergency department"])[:12] == [SUPPRESSED] * 12


def test_a_mix_mostly_shown_stays_by_period(monkeypatch):
    raw = rows({"health_based": [40 + i for i in range(12)], "emergency_department": [12] * 12,
                "police_custody": [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], "other_place": [9] * 12})
    rendered = drawn_from("pos-place-mix", raw, monkeypatch)
    assert MIX_NOTE not in rendered.note
    assert [t["name"] for t in rendered.figure["data"][:4]] == [
        "Health-based place of safety", "Emergency department", "Police custody", "Other place of safety"]
    assert WHOLE_PERIOD not in json.dumps(rendered.figure)  # the whole period is not a bar beside the months
    assert rendered.figure["data"][0]["y"][:2] == [40.0, 40.0]


@pytest.mark.parametrize("chart_id", ["pos-place-mix", "pos-conveyance"])
def test_no_large_category_vanishes_from_a_mix_chart(chart_id, app_db):
    """In every band and month of the generated data, a category of 8 or more is drawn (rounded)."""
    chart = CHARTS[chart_id]
    series = [f.name for f in chart.fields if f.kind == "count" and f.name != "detentions"]
    labels = {f.name: f.label for f in chart.fields}
    for band in ("all", "0-17", "18-25", "26-64", "65+"):
        filters = Filters(band, Period.from_months("2025-01", "2025-12"), "month")
        raw = chart.data(app_db, filters)
        rendered = render(chart_id, filters, policy=PROTECTED)
        if rendered.empty:
            continue
        drawn = {t["name"]: t for t in rendered.figure["data"] if t.get("type") == "bar"}
        if not drawn:  # the all-suppressed message: only when nothing was 8 or more
            assert all(int(raw[c].iloc[-1]) < 8 for c in series), band
            continue
        first = next(iter(drawn.values()))
        for column in series:
            if first.get("orientation") == "h":  # the whole period's mix
                whole = int(raw[column].iloc[-1])
                bars = dict(zip(first["y"], first["x"]))
                assert whole < 8 or bars[labels[column]] == PROTECTED.count(whole), (band, column)
            else:
                for month, value in zip(raw[column].iloc[:-1], drawn[labels[column]]["y"]):
                    assert month < 8 or value == PROTECTED.count(month), (band, column, month)
