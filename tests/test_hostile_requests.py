"""Hostile requests get 400 (never 500), and responses carrying figures or data are never cached."""
from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import sys

import pytest

from dashboard.web.hardening import MAX_JSON_DEPTH, json_depth
from tests.test_security import (ROOT, STORE, Client, _free_port, _wait, chart_request, download_request,
                                 filters_request, page_request)

pytestmark = pytest.mark.slow  # a served app in a subprocess, and fuzzing: the fast lane skips it


class Answer:
    """A response as the tests read it: status code, headers, body bytes."""

    def __init__(self, status: int, headers: dict[str, str], text: str) -> None:
        self.status_code, self.headers, self.data = status, headers, text.encode()


class AppClient:
    """The real app served in its own process (as an operator starts it), asked over HTTP."""

    def __init__(self, base: str) -> None:
        self.http = Client(base)

    def get(self, path: str) -> Answer:
        return Answer(*self.http.request(path))

    def post(self, path: str, data: str | bytes) -> Answer:
        return Answer(*self.http.request(path, data if isinstance(data, bytes) else data.encode()))


@pytest.fixture(scope="module")
def client(generated_data, tmp_path_factory):
    port = _free_port()
    # The server's log goes to a file: a pipe nobody reads fills up under the fuzz and stalls the server.
    log = (tmp_path_factory.mktemp("hostile") / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "dashboard", "serve", "--data", str(generated_data),
                             "--port", str(port)], cwd=ROOT, env={**os.environ, "MHFLOW_AUTH": "off"},
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(proc, base)
        yield AppClient(base)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def post(client, body):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/_dash-update-component", data)


@pytest.mark.parametrize("body", [
    chart_request(STORE, graph_id={"chart": 12, "type": "chart-graph"}),
    {**chart_request(STORE), "outputs": [{"id": {"chart": 12, "type": t}, "property": p} for t, p in
                                         (("chart-graph", "figure"), ("chart-table", "children"),
                                          ("chart-note", "children"))]},
    chart_request(STORE, graph_id={"chart": 1.5, "type": "chart-graph"}),
    json.dumps(chart_request(STORE, graph_id={"chart": 0, "type": "chart-graph"})).replace("0}", "NaN}"),
    {"output": '{"page":["MATCH"],"type":"cards"}.children',
     "outputs": {"id": {"page": 3, "type": "cards"}, "property": "children"},
     "inputs": [{"id": "page-filters", "property": "data", "value": STORE}], "changedPropIds": [],
     "state": [{"id": {"page": 3, "type": "cards"}, "property": "id", "value": {"page": 3, "type": "cards"}}]},
], ids=["graph-id-int", "outputs-int", "float", "nan", "page-int"])
def test_a_chart_or_page_id_of_the_wrong_type_gets_400(client, body):
    response = post(client, body)
    assert response.status_code == 400, response.data[:200]


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 200_000])
def test_a_deeply_nested_body_gets_400_before_anyone_parses_it(client, depth):
    body = "[" * depth + "]" * depth
    assert json_depth(body) == depth
    assert post(client, body).status_code == 400
    nested = {**chart_request(STORE), "inputs": [{"id": "page-filters", "property": "data",
                                                 "value": json.loads("[" * 50 + "]" * 50)}]}
    assert post(client, {"deep": "[" * depth, **nested}).status_code == 400  # brackets in strings don't count


@pytest.mark.parametrize("path", [
    "/_dash-component-suites/dash/../../../../etc/passwd",
    "/_dash-component-suites/dash/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/_dash-component-suites/dash/..%2f..%2f..%2fetc%2fpasswd",
    "/_dash-component-suites/dash/dash_table/../../../setup.py",
    "/_dash-component-suites/dash/./deps/..\\..\\x.js",
    "/_dash-component-suites/dash/deps/%00.js",
])
def test_a_component_suite_path_that_climbs_out_gets_400(client, path):
    response = client.get(path)
    assert response.status_code == 400 and b"root:" not in response.data


@pytest.mark.parametrize("path", ["/_dash-component-suites/nope/x.js", "/_dash-component-suites/dash/nope.js",
                                  "/_dash-component-suites/dash/deps/polyfill@7.v3_0_0m1.js"])
def test_a_component_suite_file_dash_never_registered_is_not_found(client, path):
    assert client.get(path).status_code == 404


def _mutations(value, rng: random.Random):
    """Yield junk to put where `value` was: wrong types, huge, nested, odd strings."""
    yield from (None, 0, -1, 2**70, 1.5, float("inf"), True, "", "x" * 5000, "../../etc", "\u202e\x00",
                [], {}, [value], {"$gt": ""}, [[[[[]]]]], {"chart": {"chart": 1}})
    yield rng.choice(["<script>", "'; DROP TABLE x; --", "%s%n", "{{7*7}}"])


def _paths(node, prefix=()):
    """Yield every path (tuple of keys/indexes) inside a JSON document."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


def _replace(doc, path, new):
    doc = copy.deepcopy(doc)
    if not path:
        return new
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = new
    return doc


def test_fuzzed_callback_requests_never_get_a_server_error(client):
    rng = random.Random(19)
    bases = [chart_request(STORE), download_request(STORE), filters_request("?age_band=all"),
             page_request("/urgent-care", "?age_band=all"), chart_request(STORE, "uec-heatmap")]
    statuses: dict[int, int] = {}
    for base in bases:
        for path in _paths(base):
            for junk in _mutations(None, rng):
                body = json.dumps(_replace(base, path, junk), allow_nan=True)
                try:
                    status = post(client, body).status_code
                except TimeoutError:
                    raise AssertionError(("timeout", path, repr(junk)[:60]))
                statuses[status] = statuses.get(status, 0) + 1
                assert status in (200, 204, 400), (status, path, repr(junk)[:60])
    assert statuses.get(400, 0) > 100  # the fuzz did reach the checks


def test_every_response_carrying_figures_or_data_says_no_store(client):
    responses = {
        "page": client.get("/urgent-care?age_band=all"),
        "layout": client.get("/_dash-layout"),
        "chart": post(client, chart_request(STORE)),
        "download": post(client, download_request(STORE)),
        "refused": post(client, {"output": "x"}),
        "not found": client.get("/no-such-page/../x"),
    }
    for name, response in responses.items():
        assert response.headers.get("Cache-Control") == "no-store", name
    assert responses["chart"].status_code == 200 and b"figure" in responses["chart"].data
    assert responses["download"].status_code == 200 and b"content" in responses["download"].data
    script = client.get("/_dash-component-suites/plotly/package_data/plotly.min.js")
    assert script.status_code == 200 and "no-store" not in script.headers.get("Cache-Control", "")
