"""The definitions page: every metric defined, the loaded extracts' data quality (protected), the limits."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from dashboard.core.definitions import CAVEATS, DEFINITIONS, EMPTY_MEANS, metric_definitions
from dashboard.core.disclosure import DETAILED_MARK, SUPPRESSED, Policy
from dashboard.core.filters import Filters
from dashboard.core.metrics import METRICS
from dashboard.core.periods import Period
from dashboard.extracts.schema import EXTRACTS
from tests.pagecheck import extract

YEAR = Filters("all", Period.from_months("2025-01", "2025-12"))


@pytest.fixture(scope="module")
def app(generated_data):
    from dashboard.web.app import create_app

    return create_app(generated_data)


def test_every_metric_has_a_definition_and_the_table_lists_them_all():
    assert set(DEFINITIONS) == set(METRICS)
    table = metric_definitions()
    assert list(table["Key"]) == list(METRICS)
    assert list(table["Metric"]) == [m.label for m in METRICS.values()]
    assert table.loc[table["Key"] == "occupancy_pct", "Age bands"].item() == "All ages only"
    assert table.loc[table["Key"] == "ae_4h_pct", "Better when"].item() == "Higher"


def test_every_nullable_column_of_the_extracts_is_described_and_counted(app_db):
    from dashboard.store.quality import data_quality

    nullable = [(e.name, c.name) for e in EXTRACTS.values() for c in e.columns if c.nullable]
    assert list(EMPTY_MEANS) == nullable
    rows = data_quality(app_db)
    assert list(zip(rows["field"], rows["meaning"])) == [(f, EMPTY_MEANS[(e, f)]) for e, f in nullable]


def test_the_data_quality_counts_are_the_extracts_own(app_db, generated_data):
    from dashboard.store.quality import data_quality

    rows = data_quality(app_db)
    stays = extract(generated_data, "inpatient_stays")
    discharged = stays[stays["discharged_at"].notna()]
    for (name, field), row in zip(EMPTY_MEANS, rows.itertuples(index=False)):
        frame = extract(generated_data, name)
        if name == "inpatient_stays" and field in ("discharge_destination", "followed_up_at"):
            frame = discharged
        assert (row.records, row.not_recorded) == (len(frame), int(frame[field].isna().sum())), (name, field)
    ae = extract(generated_data, "ae_attendances")
    first = rows.iloc[0]
    assert first.first_month == pd.Timestamp(ae["arrival_at"].min()).strftime("%b %Y")
    assert first.last_month == pd.Timestamp(ae["arrival_at"].max()).strftime("%b %Y")


def test_the_data_quality_table_is_protected_like_any_other(app, app_db):
    from dashboard.store.quality import data_quality
    from dashboard.web.charts import render

    raw = data_quality(app_db)
    policy = Policy.from_settings()
    shown = render("def-quality", YEAR, policy=policy).table
    assert list(shown["Records"]) == [policy.count(n) for n in raw["records"]]
    assert list(shown["Empty"]) == [policy.count(n) for n in raw["not_recorded"]]
    assert all(v in (0, SUPPRESSED) or v % 5 == 0 for v in shown["Empty"])
    exact = render("def-quality", YEAR, policy=Policy.detailed_view()).table
    assert list(exact["Empty"]) == list(raw["not_recorded"])


def test_the_definitions_page_is_served_with_definitions_quality_and_limits(app, app_db):
    client = app.server.test_client()
    assert client.get("/definitions").status_code == 200
    from pages.definitions import layout

    with app.server.test_request_context("/definitions"):
        page = json.dumps(layout().to_plotly_json(), default=str)
    for text in ("Definitions and data quality", METRICS["readmit_30d_pct"].label, DEFINITIONS["bed_days"],
                 EMPTY_MEANS[("inpatient_stays", "discharged_at")], CAVEATS[0], "Loaded ", "* = a count from 1 to 7"):
        assert json.dumps(text)[1:-1] in page, text
    assert DETAILED_MARK not in page


def test_the_definitions_page_made_in_the_detailed_view_is_marked_and_exact(app, app_db):
    from flask import g

    from dashboard.store.quality import data_quality
    from pages.definitions import layout

    with app.server.test_request_context("/definitions"):
        g.detailed = True
        page = json.dumps(layout().to_plotly_json(), default=str)
    assert DETAILED_MARK in page and "detailed-banner" in page
    assert f"{int(data_quality(app_db)['records'].iloc[0]):,}" in page  # an exact count, as the table prints it


def test_the_data_quality_query_follows_the_house_rules():
    from tests.pagecheck import check_queries

    check_queries(["data_quality"])
