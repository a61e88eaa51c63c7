"""The detailed view: exact figures for users the operator names, marked on every page and download,
and never served to anyone else (the app runs as an operator starts it, on 127.0.0.1, threaded).

Alice is granted the detailed view (``MHFLOW_DETAILED_USERS``), Bob is not. Both ask the same
views at the same time, from many threads: every answer must be the one their own view gives
asked alone, so no cache, shared dict or thread carries a detailed answer to Bob.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from base64 import b64encode
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.security import generate_password_hash

from dashboard.core.disclosure import DETAILED_MARK, SUPPRESSED

from tests.test_security import ROOT, Client, _free_port, _wait, chart_request, download_request, page_request

pytestmark = pytest.mark.slow  # a served app under eight threads: the fast lane skips it

PASSWORD = "a long enough passphrase"
STORE = {"age_band": "0-17", "start": "2025-01", "end": "2025-06", "grain": "month"}
CHARTS_ASKED = ("uec-sites", "uec-4h", "pos-place-mix", "pos-under18", "pos-ethnicity", "pos-repeat", "dtoc-reason")
PAGES_ASKED = ("/", "/urgent-care", "/places-of-safety", "/inpatient", "/delayed-transfers", "/recovery")


def basic(user: str) -> dict[str, str]:
    return {"Authorization": "Basic " + b64encode(f"{user}:{PASSWORD}".encode()).decode()}


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
    """Return the address of the app served with basic auth: alice (detailed) and bob (protected)."""
    hashed = generate_password_hash(PASSWORD)
    env = {**os.environ, "MHFLOW_AUTH": "basic", "MHFLOW_AUTH_USERS": f"alice:{hashed},bob:{hashed}",
           "MHFLOW_DETAILED_USERS": "alice"}
    port = _free_port()
    # The request log is not read: it goes nowhere rather than fill a pipe and stall the server.
    proc = subprocess.Popen([sys.executable, "-m", "dashboard", "serve", "--data", str(generated_data),
                             "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(proc, base)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def get(server: str, user: str | None, path: str) -> tuple[int, str]:
    status, _, text = Client(server, basic(user) if user else {}).request(path)
    return status, text


def ask(server: str, user: str | None, body: dict, path: str = "/_dash-update-component",
        headers: dict[str, str] | None = None) -> str:
    status, _, text = Client(server, basic(user) if user else {}).request(path, body, headers)
    assert status == 200, (status, text[:200])
    return text


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
    assert DETAILED_MARK in get(server, "alice", "/_dash-layout")[1]
    assert DETAILED_MARK not in get(server, "bob", "/_dash-layout")[1]


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
    headers = {"X-Remote-Groups": "mh-managers", "X-View": "detailed", "Cookie": "view=detailed"}
    answer = ask(server, "bob", chart_request(prying, "uec-sites"), "/_dash-update-component?view=detailed", headers)
    assert DETAILED_MARK not in answer
    # Without credentials there is no view at all.
    status, _, _ = Client(server).request("/_dash-update-component", chart_request(STORE))
    assert status == 401
