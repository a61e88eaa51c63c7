"""The HTTP API: every chart's table and the headlines as JSON and CSV, behind the app's authentication,
exactly as the pages show them to the user who asks (protected, or detailed and marked); 400 for a bad view.

The app is made in this process with basic auth: alice holds the detailed view, bob does not.
"""
from __future__ import annotations

import csv
import io
import json
from base64 import b64encode

import pytest
from werkzeug.security import generate_password_hash

from dashboard.core.disclosure import DETAILED_MARK, SUPPRESSED, Policy
from dashboard.core.filters import Filters
from dashboard.core.periods import Period
from dashboard.web.charts import CHARTS, render, to_csv

PASSWORD = "correct horse battery staple"
YEAR = Filters("all", Period.from_months("2025-01", "2025-12"))
NARROW = Filters("all", Period.from_months("2025-06", "2025-06"))
YEAR_QUERY = "?age_band=all&start=2025-01&end=2025-12&grain=month"
NARROW_QUERY = "?age_band=all&start=2025-06&end=2025-06"


def basic(user: str, password: str = PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture(scope="module")
def client(generated_data):
    hashed = generate_password_hash(PASSWORD)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MHFLOW_AUTH", "basic")
        patch.setenv("MHFLOW_AUTH_USERS", f"alice:{hashed},bob:{hashed}")
        patch.setenv("MHFLOW_DETAILED_USERS", "alice")
        from dashboard.web.app import create_app

        app = create_app(generated_data)
    return app.server.test_client()


def get(client, path: str, user: str | None = "bob", **kw):
    return client.get(path, headers=basic(user) if user else {}, **kw)


def rows_of(table) -> list[list]:
    """Return a table's rows as JSON gives them: gaps as None, dates as ISO text."""
    from dashboard.web.outputs import plain_value

    return [[plain_value(v) for v in row] for row in table.itertuples(index=False)]


@pytest.mark.parametrize("chart_id", ["uec-sites", "pos-outcomes", "uec-4h", "def-quality"])
def test_a_chart_answers_its_table_exactly_as_the_page_shows_it_in_json_and_csv(chart_id, client, app_db):
    for query, filters in ((YEAR_QUERY, YEAR), (NARROW_QUERY, NARROW)):
        shown = render(chart_id, filters, policy=Policy.from_settings())
        answer = get(client, f"/api/v1/charts/{chart_id}{query}")
        assert answer.status_code == 200 and answer.mimetype == "application/json"
        body = answer.get_json()
        assert body["detailed"] is False and body["marking"] is None
        assert body["chart"]["columns"] == list(shown.table.columns)
        assert [[r[c] for c in body["chart"]["columns"]] for r in body["chart"]["rows"]] == rows_of(shown.table)
        assert body["chart"]["note"] == shown.note and body["chart"]["title"] == CHARTS[chart_id].title
        assert body["view"]["age_band"] == filters.age_band and body["view"]["start"] == query.split("start=")[1][:7]
        text = get(client, f"/api/v1/charts/{chart_id}{query}&format=csv")
        assert text.status_code == 200 and text.mimetype == "text/csv"
        assert text.get_data(as_text=True) == to_csv(shown)


def test_the_narrow_view_hides_small_counts_in_the_api_as_on_the_page(client, app_db):
    body = get(client, f"/api/v1/charts/pos-outcomes{NARROW_QUERY}").get_json()
    counts = [r["Detentions"] for r in body["chart"]["rows"]]
    assert SUPPRESSED in counts
    assert all(v in (0, SUPPRESSED) or v >= 8 for v in counts)


def test_the_detailed_user_gets_exact_figures_marked_and_the_other_the_protected_view(client, app_db):
    exact = render("pos-outcomes", NARROW, policy=Policy.detailed_view()).table
    alice = get(client, f"/api/v1/charts/pos-outcomes{NARROW_QUERY}", "alice")
    assert alice.headers["X-Figures-View"] == "detailed"
    body = alice.get_json()
    assert body["detailed"] is True and body["marking"] == DETAILED_MARK and DETAILED_MARK in body["chart"]["note"]
    assert [r["Detentions"] for r in body["chart"]["rows"]] == list(exact["Detentions"])
    assert SUPPRESSED not in [r["Detentions"] for r in body["chart"]["rows"]]
    csv_text = get(client, f"/api/v1/charts/pos-outcomes{NARROW_QUERY}&format=csv", "alice").get_data(as_text=True)
    assert csv_text.splitlines()[0] == DETAILED_MARK
    bob = get(client, f"/api/v1/charts/pos-outcomes{NARROW_QUERY}", "bob")
    assert bob.headers["X-Figures-View"] == "protected"
    assert DETAILED_MARK not in bob.get_data(as_text=True)
    for path in ("/api/v1", f"/api/v1/headlines{NARROW_QUERY}", f"/api/v1/pages/places-of-safety{NARROW_QUERY}"):
        assert get(client, path, "alice").get_json()["marking"] == DETAILED_MARK, path
        assert get(client, path, "bob").get_json()["marking"] is None, path


def test_every_api_route_needs_credentials(client):
    for path in ("/api/v1", "/api/v1/", f"/api/v1/charts/uec-sites{YEAR_QUERY}", "/api/v1/headlines",
                 "/api/v1/pages/overview", "/api/v1/charts/no-such-chart"):
        for headers in ({}, basic("bob", "wrong")):
            answer = client.get(path, headers=headers)
            assert answer.status_code == 401, path
            assert "Attendances" not in answer.get_data(as_text=True)


@pytest.mark.parametrize("query, says", [
    ("?age_band=old", "Age band 'old' is not one of"),
    ("?start=2025-13", "The start month '2025-13' is not a month"),
    ("?start=2025-06&end=2025-01", "The period ended before it started"),
    ("?end=2031-01", "Data run to Dec 2025"),
    ("?grain=week", "Trend grain 'week' is not one of"),
    ("?format=xml", "Format 'xml' is not one of json, csv"),
    ("?ageband=0-17", "Unknown parameter 'ageband'"),
    ("?age_band=all&age_band=0-17", "Parameter 'age_band' is given 2 times"),
])
def test_a_bad_view_is_refused_with_400_and_a_clear_json_message(query, says, client):
    for path in ("/api/v1/charts/uec-sites", "/api/v1/headlines"):
        answer = get(client, path + query)
        assert answer.status_code == 400, (path, query)
        body = answer.get_json()
        assert body["error"].startswith("Bad view") and any(p.startswith(says) for p in body["problems"]), body
        assert body["allowed"]["age_band"][0] == "all" and body["allowed"]["format"] == ["json", "csv"]
        assert "Traceback" not in answer.get_data(as_text=True)


def test_an_unknown_chart_or_page_is_404_with_a_json_message(client):
    for path in ("/api/v1/charts/no-such-chart", "/api/v1/pages/nowhere", "/api/v1/headlines?page=nowhere"):
        answer = get(client, path)
        assert answer.status_code == 404 and answer.get_json()["error"].startswith("No "), path


def test_headlines_are_every_metric_as_the_cards_show_them(client, app_db):
    from dashboard.core.metrics import METRICS
    from dashboard.web.cards import Card, card_values

    body = get(client, f"/api/v1/headlines{NARROW_QUERY}").get_json()
    cards = card_values([Card(metric=k) for k in METRICS], NARROW, app_db, Policy.from_settings())
    assert [(r["Key"], r["Value"]) for r in body["rows"]] == [(c.key, c.value) for c in cards]
    page = get(client, f"/api/v1/headlines{NARROW_QUERY}&page=urgent-care&format=csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(page)))
    assert rows[0][:3] == ["Metric", "Key", "Value"] and rows[1][1] == "ae_attendances"


def test_a_page_answers_its_headlines_and_every_chart(client, app_db):
    from dashboard.web.outputs import page_chart_ids

    body = get(client, f"/api/v1/pages/recovery{YEAR_QUERY}").get_json()
    assert [c["id"] for c in body["charts"]] == list(page_chart_ids("recovery"))
    assert body["headlines"]["rows"] and body["page"]["title"]
    assert get(client, f"/api/v1/pages/recovery{YEAR_QUERY}&format=csv").status_code == 400


def test_the_index_lists_every_page_chart_and_metric_with_its_definition(client):
    from dashboard.core.metrics import METRICS
    from dashboard.web.components import PAGES

    body = get(client, "/api/v1").get_json()
    assert [p["id"] for p in body["pages"]] == list(PAGES)
    listed = {c["id"] for p in body["pages"] for c in p["charts"]} | {c["id"] for c in body["other_charts"]}
    assert listed == set(CHARTS)
    assert [m["key"] for m in body["metrics"]] == list(METRICS) and all(m["definition"] for m in body["metrics"])


def test_api_answers_carry_no_store_and_the_security_headers(client):
    answer = get(client, f"/api/v1/charts/uec-sites{YEAR_QUERY}")
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in answer.headers and answer.headers["X-Content-Type-Options"] == "nosniff"
    assert client.post("/api/v1/headlines", headers=basic("bob")).status_code == 405


def test_guessing_passwords_at_the_api_is_throttled_like_the_rest(client):
    guesser = {"REMOTE_ADDR": "10.9.9.9"}  # a client of its own, so no other test is slowed
    codes = [client.get("/api/v1", headers=basic("mallory", f"guess{i}"), environ_overrides=guesser).status_code
             for i in range(12)]
    assert codes[:10] == [401] * 10 and codes[-1] == 429
    assert json.loads(get(client, "/api/v1").get_data(as_text=True))["pages"]  # a signed-in user is not slowed
