"""The detailed view: exact figures for users the operator names, marked on every page and download,
and never served to anyone else (the app is driven through its own server with the Flask test client).

Alice is granted the detailed view (``MHFLOW_DETAILED_USERS``), Bob is not. Both ask the same
views at the same time, from many threads: every answer must be the one their own view gives
asked alone, so no cache, shared dict or thread carries a detailed answer to Bob.
"""
from __future__ import annotations

import json
import re
from base64 import b64encode
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.security import generate_password_hash

from dashboard.core.disclosure import DETAILED_MARK, SUPPRESSED

from tests.test_security import chart_request, download_request, page_request

PASSWORD = "a long enough passphrase"
STORE = {"age_band": "0-17", "start": "2025-01", "end": "2025-06", "grain": "month"}
CHARTS_ASKED = ("uec-sites", "uec-4h", "pos-place-mix", "pos-under18", "pos-ethnicity", "pos-repeat", "dtoc-reason")
PAGES_ASKED = ("/", "/urgent-care", "/places-of-safety", "/inpatient", "/delayed-transfers", "/recovery")


def basic(user: str) -> dict[str, str]:
    return {"Authorization": "Basic " + b64encode(f"{user}:{PASSWORD}".encode()).decode(),
            "Content-Type": "application/json"}


def cards_request(store, page: str) -> dict:
    """Return the request the browser sends to draw a page's cards."""
    key = {"page": page, "type": "cards"}
    return {"output": '{"page":["MATCH"],"type":"cards"}.children',
            "outputs": {"id": key, "property": "children"},
            "inputs": [{"id": "page-filters", "property": "data", "value": store}],
            "changedPropIds": ["page-filters.data"],
            "state": [{"id": key, "property": "id", "value": key}]}


@pytest.fixture(scope="module")
def server(generated_data):
    """Return the app's Flask server with basic auth: alice (detailed) and bob (protected)."""
    from dashboard.web.app import create_app, prepare

    hashed = generate_password_hash(PASSWORD)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MHFLOW_AUTH", "basic")
        patch.setenv("MHFLOW_AUTH_USERS", f"alice:{hashed},bob:{hashed}")
        patch.setenv("MHFLOW_DETAILED_USERS", "alice")
        app = prepare(create_app(generated_data))
    return app.server


def ask(server, user: str, body: dict) -> str:
    response = server.test_client().post("/_dash-update-component", data=json.dumps(body), headers=basic(user))
    assert response.status_code == 200, response.data[:200]
    return response.get_data(as_text=True)


def requests() -> list[tuple[str, dict]]:
    asked = [(f"chart {c}", chart_request(STORE, c)) for c in CHARTS_ASKED]
    asked += [(f"csv {c}", download_request(STORE, c)) for c in CHARTS_ASKED[:3]]
    asked += [(f"cards {p}", cards_request(STORE, p)) for p in ("urgent-care", "places-of-safety")]
    return asked


def table_numbers(answer: str) -> list[int]:
    """Return the whole numbers in the table cells of a chart answer ('1,234' -> 1234)."""
    cells = re.findall(r'"props":\s*\{"children":\s*"([0-9,]+)"', answer)
    return [int(c.replace(",", "")) for c in cells]


def test_the_detailed_user_gets_exact_figures_and_the_other_the_protected_view(server):
    sites = chart_request(STORE, "uec-sites")
    sites["state"][1]["value"] = 1  # the table view open
    alice, bob = ask(server, "alice", sites), ask(server, "bob", sites)
    assert DETAILED_MARK in alice and DETAILED_MARK not in bob
    assert SUPPRESSED not in table_numbers(bob)
    assert all(n % 5 == 0 for n in table_numbers(bob)) and '"*"' in bob
    assert any(n % 5 for n in table_numbers(alice)) and '"*"' not in alice


def test_every_page_made_in_the_detailed_view_says_so_and_no_other_does(server):
    for path in PAGES_ASKED:
        alice = ask(server, "alice", page_request(path, "?age_band=0-17"))
        bob = ask(server, "bob", page_request(path, "?age_band=0-17"))
        assert DETAILED_MARK in alice and "detailed-banner" in alice, path
        assert DETAILED_MARK not in bob and "detailed-banner" not in bob, path
    # The footer (in the shell every page shares) says it too.
    client = server.test_client()
    assert DETAILED_MARK in client.get("/_dash-layout", headers=basic("alice")).get_data(as_text=True)
    assert DETAILED_MARK not in client.get("/_dash-layout", headers=basic("bob")).get_data(as_text=True)


@pytest.mark.parametrize("chart", CHARTS_ASKED)
def test_every_download_and_chart_image_made_in_the_detailed_view_is_marked(server, chart):
    alice = json.loads(ask(server, "alice", download_request(STORE, chart)))["response"]
    bob = json.loads(ask(server, "bob", download_request(STORE, chart)))["response"]
    sent_alice = next(iter(alice.values()))["data"]
    sent_bob = next(iter(bob.values()))["data"]
    assert sent_alice["content"].splitlines()[0] == DETAILED_MARK
    assert sent_alice["filename"].endswith("_DETAILED.csv")
    assert DETAILED_MARK not in sent_bob["content"] and not sent_bob["filename"].endswith("_DETAILED.csv")
    figure_alice = json.loads(ask(server, "alice", chart_request(STORE, chart)))["response"]
    annotations = json.dumps(figure_alice)
    assert DETAILED_MARK in annotations  # on the figure itself: its image export carries the mark


def test_both_kinds_of_user_asking_the_same_views_at_once_each_get_their_own_view(server):
    asked = requests()
    # Each answer, asked alone: what the two views are.
    alone = {(user, name): ask(server, user, body) for user in ("alice", "bob") for name, body in asked}
    for name, _ in asked:
        assert alone[("alice", name)] != alone[("bob", name)], f"{name}: the views should differ on this data"
        assert DETAILED_MARK not in alone[("bob", name)], name
    jobs = [(user, name, body) for _ in range(4) for user in ("bob", "alice") for name, body in asked]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda job: (job[0], job[1], ask(server, job[0], job[2])), jobs))
    wrong = [f"{user} {name}" for user, name, answer in answers if answer != alone[(user, name)]]
    assert not wrong, wrong[:5]


def test_a_browser_cannot_ask_for_the_detailed_view(server):
    prying = {**STORE, "view": "detailed", "detailed": True, "policy": "detailed"}
    headers = {**basic("bob"), "X-Remote-Groups": "mh-managers", "X-View": "detailed", "Cookie": "view=detailed"}
    response = server.test_client().post("/_dash-update-component?view=detailed",
                                         data=json.dumps(chart_request(prying, "uec-sites")), headers=headers)
    assert DETAILED_MARK not in response.get_data(as_text=True)
    # Without credentials there is no view at all.
    assert server.test_client().post("/_dash-update-component", data=json.dumps(chart_request(STORE))).status_code == 401
