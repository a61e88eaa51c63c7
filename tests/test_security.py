"""Access and hardening: authentication in front of every route, security headers, no stack traces,
junk from the browser answered safely, and DuckDB that can read nothing but the data.

Unit tests use a bare Flask server with ``security.install``; the end-to-end tests run the real app
(``python -m dashboard serve``) in a subprocess per auth setting, as an operator would start it.
"""
from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from base64 import b64encode
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.web import security
from dashboard.web.security import AuthConfig, ConfigurationError, install

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"
HASH = generate_password_hash(PASSWORD)
STORE = {"age_band": "all", "start": "2025-01", "end": "2025-12", "grain": "month"}
LEAKS = re.compile(r"Traceback|File \"|line \d+, in|duckdb|read_parquet|\$age_min|Catalog Error|Binder Error|"
                   r"Parser Error|KeyError|TypeError|AttributeError|ValueError|werkzeug", re.I)


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + b64encode(f"{user}:{password}".encode()).decode()}


# --- unit: a bare Flask server ----------------------------------------------------------------------

def bare_server(auth: AuthConfig | None = None) -> Flask:
    server = Flask("bare")

    @server.route("/")
    def index():
        return "hello"

    @server.route("/boom")
    def boom():
        raise RuntimeError("SELECT secret FROM read_parquet('/data/ae_attendances/*.parquet')")

    install(server, auth or AuthConfig())
    return server


def test_auth_is_off_by_default_and_on_with_one_setting(monkeypatch):
    for name in ("MHFLOW_AUTH", "MHFLOW_AUTH_USERS", "MHFLOW_AUTH_HEADER"):
        monkeypatch.delenv(name, raising=False)
    assert AuthConfig.from_env().mode == "off"
    monkeypatch.setenv("MHFLOW_AUTH", "header")
    assert AuthConfig.from_env() == AuthConfig("header", {}, "X-Remote-User")
    monkeypatch.setenv("MHFLOW_AUTH", "basic")
    monkeypatch.setenv("MHFLOW_AUTH_USERS", f"alice:{HASH}, bob:{HASH}")
    config = AuthConfig.from_env()
    assert config.mode == "basic" and set(config.users) == {"alice", "bob"}


@pytest.mark.parametrize("env", [
    {"MHFLOW_AUTH": "basci"},  # a typo must not leave the data open
    {"MHFLOW_AUTH": "basic"},  # no users
    {"MHFLOW_AUTH": "basic", "MHFLOW_AUTH_USERS": "alice:plaintext"},  # not a hash
    {"MHFLOW_AUTH": "basic", "MHFLOW_AUTH_USERS": "alice"},
])
def test_an_unusable_auth_setting_stops_the_app(env):
    with pytest.raises(ConfigurationError):
        AuthConfig.from_env(env)


def test_basic_auth_lets_in_only_a_known_user_with_the_right_password():
    client = bare_server(AuthConfig("basic", {"alice": HASH})).test_client()
    for headers in ({}, basic("alice", "wrong"), basic("mallory", PASSWORD), {"Authorization": "Bearer x"}):
        response = client.get("/", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith('Basic realm="')
        assert response.headers["Content-Security-Policy"]
    assert client.get("/", headers=basic("alice", PASSWORD)).data == b"hello"
    assert client.get("/nowhere").status_code == 401  # unknown paths too: nothing is learnt without credentials


def test_a_verified_password_is_not_hashed_again_on_every_request(monkeypatch):
    calls = []
    real = security.check_password_hash
    monkeypatch.setattr(security, "check_password_hash", lambda h, p: calls.append(1) or real(h, p))
    client = bare_server(AuthConfig("basic", {"alice": HASH})).test_client()
    for _ in range(5):
        assert client.get("/", headers=basic("alice", PASSWORD)).status_code == 200
    assert len(calls) == 1
    assert client.get("/", headers=basic("alice", "wrong")).status_code == 401
    assert len(calls) == 2


def test_header_auth_trusts_only_a_non_empty_proxy_header():
    client = bare_server(AuthConfig("header", {}, "X-Forwarded-User")).test_client()
    assert client.get("/").status_code == 401
    assert "WWW-Authenticate" not in client.get("/").headers
    assert client.get("/", headers={"X-Forwarded-User": "  "}).status_code == 401
    assert client.get("/", headers={"X-Remote-User": "alice"}).status_code == 401  # not the configured header
    assert client.get("/", headers={"X-Forwarded-User": "alice@trust.nhs.uk"}).status_code == 200


# --- the detailed view: named by the operator, resolved per request after authentication -------------

def view_server(auth: AuthConfig) -> Flask:
    """Return a bare server whose one route answers with the request's view."""
    server = Flask("views")

    @server.route("/view")
    def view():
        return security.request_policy().view

    install(server, auth)
    return server


@pytest.mark.parametrize("env, name", [
    ({"MHFLOW_DETAILED_USERS": "alice"}, "MHFLOW_DETAILED_USERS"),  # auth off: never without authentication
    ({"MHFLOW_DETAILED_GROUPS": "mh-managers"}, "MHFLOW_DETAILED_GROUPS"),
    ({"MHFLOW_AUTH": "header", "MHFLOW_DETAILED_GROUPS": "mh-managers"}, "MHFLOW_DETAILED_GROUPS"),  # no header
    ({"MHFLOW_AUTH": "basic", "MHFLOW_AUTH_USERS": f"alice:{HASH}", "MHFLOW_AUTH_GROUPS_HEADER": "X-Groups"},
     "MHFLOW_AUTH_GROUPS_HEADER"),  # under basic auth a group header would come from the browser
    ({"MHFLOW_AUTH": "basic", "MHFLOW_AUTH_USERS": f"alice:{HASH}", "MHFLOW_DETAILED_USERS": "alcie"},
     "MHFLOW_DETAILED_USERS"),  # a misspelt user
    ({"MHFLOW_AUTH": "header", "MHFLOW_AUTH_GROUPS_HEADER": "X Groups"}, "MHFLOW_AUTH_GROUPS_HEADER"),
    ({"MHFLOW_AUTH": "header", "MHFLOW_AUTH_HEADER": "X-Remote-User", "MHFLOW_AUTH_GROUPS_HEADER": "x-remote-user"},
     "MHFLOW_AUTH_GROUPS_HEADER"),
    ({"MHFLOW_AUTH": "header", "MHFLOW_DETAILED_USERS": "alice,,bob"}, "MHFLOW_DETAILED_USERS"),
])
def test_a_detailed_grant_that_could_leak_stops_the_app_with_one_line(env, name):
    with pytest.raises(ConfigurationError) as caught:
        AuthConfig.from_env(env)
    assert str(caught.value).startswith(name) and "\n" not in str(caught.value)


def test_check_configuration_refuses_a_misspelt_setting_name(monkeypatch):
    monkeypatch.setenv("MHFLOW_DETAILED_USER", "alice")
    with pytest.raises(security.SettingError, match="^MHFLOW_DETAILED_USER=.*not a setting"):
        security.check_configuration()


def test_basic_auth_users_the_operator_names_get_the_detailed_view_and_no_one_else():
    auth = AuthConfig("basic", {"alice": HASH, "bob": HASH}, detailed_users=frozenset({"alice"}))
    client = view_server(auth).test_client()
    assert client.get("/view", headers=basic("alice", PASSWORD)).data == b"detailed"
    assert client.get("/view", headers=basic("bob", PASSWORD)).data == b"protected"
    assert client.get("/view", headers=basic("alice", "wrong")).status_code == 401
    # Nothing the browser sends chooses the view.
    for prying in ({"X-View": "detailed", "Cookie": "view=detailed"}, {"X-Remote-Groups": "mh-managers"}):
        assert client.get("/view?view=detailed&detailed=1", headers={**basic("bob", PASSWORD), **prying}
                          ).data == b"protected"


def test_single_sign_on_groups_the_operator_names_get_the_detailed_view():
    auth = AuthConfig("header", {}, "X-Remote-User", frozenset({"carol"}), "X-Remote-Groups",
                      frozenset({"mh-managers"}))
    client = view_server(auth).test_client()
    view = lambda **headers: client.get("/view", headers=headers).data  # noqa: E731
    assert view(**{"X-Remote-User": "dave", "X-Remote-Groups": "staff; mh-managers"}) == b"detailed"
    assert view(**{"X-Remote-User": "dave", "X-Remote-Groups": "staff,mh-managers-readonly"}) == b"protected"
    assert view(**{"X-Remote-User": "dave"}) == b"protected"
    assert view(**{"X-Remote-User": "carol"}) == b"detailed"
    assert client.get("/view", headers={"X-Remote-Groups": "mh-managers"}).status_code == 401  # no user: no entry


def test_outside_a_request_and_without_auth_the_view_is_protected():
    assert security.request_policy().view == "protected"
    assert view_server(AuthConfig()).test_client().get("/view").data == b"protected"


def test_the_detailed_grant_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("MHFLOW_AUTH", "header")
    monkeypatch.setenv("MHFLOW_DETAILED_USERS", "alice, bob")
    monkeypatch.setenv("MHFLOW_AUTH_GROUPS_HEADER", "X-Remote-Groups")
    monkeypatch.setenv("MHFLOW_DETAILED_GROUPS", "mh-managers,pos-commissioners")
    config = AuthConfig.from_env()
    assert config.detailed_users == {"alice", "bob"} and config.groups_header == "X-Remote-Groups"
    assert config.grants_detailed("eve", {"pos-commissioners"}) and not config.grants_detailed("eve", {"staff"})


def test_security_headers_are_on_every_response():
    client = bare_server().test_client()
    for response in (client.get("/"), client.get("/nowhere"), client.get("/boom"),
                     client.post("/_dash-update-component", data="junk")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "'unsafe-eval'" not in csp and "script-src 'self'" in csp
        assert "http" not in csp  # no CDN


def test_a_server_error_is_a_plain_message_and_the_traceback_is_logged(caplog):
    client = bare_server().test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get("/boom")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert text.startswith("Sorry, something went wrong") and response.mimetype == "text/plain"
    assert not LEAKS.search(text) and "SELECT" not in text
    reference = re.search(r"reference (\w+)", text).group(1)
    assert reference in caplog.text and "Traceback" in caplog.text  # the operator can find it


def test_flask_debug_in_the_environment_cannot_turn_debug_on(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    server = Flask("debugging")
    assert server.debug
    install(server, AuthConfig())
    assert not server.debug


@pytest.mark.slow
def test_the_hash_helper_prints_a_hash_of_the_password_read_from_stdin():
    run = subprocess.run([sys.executable, "-m", "dashboard", "hash-password"], input=PASSWORD + "\n",
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stderr
    hashed = run.stdout.strip()
    assert PASSWORD not in run.stdout and check_password_hash(hashed, PASSWORD)
    assert AuthConfig.from_env({"MHFLOW_AUTH": "basic", "MHFLOW_AUTH_USERS": f"alice:{hashed}"}).users["alice"] == hashed
    named = subprocess.run([sys.executable, "-m", "dashboard", "hash-password", "--user", "alice"],
                           input=PASSWORD + "\n", capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert named.stdout.startswith("alice:") and check_password_hash(named.stdout.strip()[6:], PASSWORD)


def test_the_policy_allows_only_the_hashed_inline_scripts():
    csp = security.content_security_policy(["'sha256-abc='"])
    directives = dict(d.split(" ", 1) for d in csp.split("; "))
    assert directives["script-src"] == "'self' 'sha256-abc='"
    assert directives["style-src"] == "'self' 'unsafe-inline'"  # components set style attributes
    assert directives["img-src"] == "'self' data: blob:"  # plotly's image export
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("body", [
    "not json", "[]", "{}", json.dumps({"output": "x", "outputs": 5}),
    json.dumps({"output": "x", "inputs": "nope"}),
])
def test_a_callback_request_that_is_not_the_dash_protocol_is_refused(body):
    response = bare_server().test_client().post("/_dash-update-component", data=body,
                                                content_type="application/json")
    assert response.status_code == 400 and response.get_data(as_text=True) == "Bad request.\n"


def test_a_callback_request_over_a_megabyte_is_refused():
    body = json.dumps({"output": "x", "inputs": [{"id": "a", "property": "b", "value": "x" * 2_000_000}]})
    response = bare_server().test_client().post("/_dash-update-component", data=body,
                                                content_type="application/json")
    assert response.status_code == 413


# --- DuckDB: nothing but the data -------------------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "SELECT * FROM read_csv('{outside}')",
    "SELECT * FROM read_text('{outside}')",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_parquet('{data}/../{outside_name}')",
    "SELECT * FROM glob('{data}/../*')",
    "COPY (SELECT 1) TO '{data}/written.csv'",
    "ATTACH '{outside_dir}/new.duckdb'",
    "SET enable_external_access = true",
    "SET allowed_directories = ['/']",
    "INSTALL httpfs",
])
def test_a_query_cannot_reach_a_file_outside_the_data(statement, generated_data, tmp_path):
    from dashboard.store.db import Database

    # A file beside the data folder (same parent) and one elsewhere.
    outside = generated_data.parent / "outside-the-data.csv"
    outside.write_text("secret\nmarker-7f3a9c\n")  # a value no path or message holds by chance
    db = Database(generated_data)
    try:
        cursor = db.connection().cursor()
        assert cursor.execute("SELECT count(*) FROM ae_attendances").fetchall()[0][0] > 0
        sql = statement.format(outside=outside, outside_name=outside.name, data=generated_data,
                               outside_dir=tmp_path)
        with pytest.raises(Exception) as failure:
            cursor.execute(sql).fetchall()
        assert "marker-7f3a9c" not in str(failure.value)
        assert not (generated_data / "written.csv").exists() and not (tmp_path / "new.duckdb").exists()
    finally:
        db.close()
        outside.unlink()


# --- end to end: the real app under each auth setting ------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """A tiny HTTP client for a running app (urllib: no extra dependency)."""

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        self.base, self.headers = base, headers or {}

    def request(self, path: str, body: bytes | str | dict | list | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        data = None
        all_headers = {**self.headers, **(headers or {})}
        if body is not None:
            data = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()
            all_headers.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.base + path, data=data, headers=all_headers,
                                     method="POST" if data is not None else "GET")
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode("utf-8", "replace")


def _start(generated_data: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "dashboard", "serve", "--data", str(generated_data),
                             "--port", str(port)], cwd=ROOT, env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc, f"http://127.0.0.1:{port}"


def _wait(proc: subprocess.Popen, base: str) -> None:
    for _ in range(120):
        try:
            urllib.request.urlopen(base + "/_dash-layout", timeout=5)
            return
        except urllib.error.HTTPError:
            return  # 401: up, and asking for credentials
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.5)
    proc.kill()
    pytest.fail("the app did not start: " + (proc.stdout.read() if proc.stdout else ""))


@pytest.fixture(scope="module")
def servers(generated_data):
    """Start the app three times at once: no auth, basic auth, header auth."""
    settings = {
        "open": {"MHFLOW_AUTH": "off"},
        "basic": {"MHFLOW_AUTH": "basic", "MHFLOW_AUTH_USERS": f"alice:{HASH}"},
        "header": {"MHFLOW_AUTH": "header", "MHFLOW_AUTH_HEADER": "X-Remote-User"},
    }
    started = {name: _start(generated_data, env) for name, env in settings.items()}
    try:
        for proc, base in started.values():
            _wait(proc, base)
        yield {name: base for name, (_, base) in started.items()}
    finally:
        for proc, _ in started.values():
            proc.terminate()
        for proc, _ in started.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


CHART_OUTPUT = ('..{"chart":["MATCH"],"type":"chart-graph"}.figure...{"chart":["MATCH"],"type":"chart-table"}.children'
                '...{"chart":["MATCH"],"type":"chart-note"}.children..')


def chart_request(store, chart: str = "uec-sites", selection=None, graph_id=None) -> dict:
    """Return the request the browser sends to draw one chart."""
    key = {"chart": chart}
    return {
        "output": CHART_OUTPUT,
        "outputs": [{"id": {**key, "type": t}, "property": p}
                    for t, p in (("chart-graph", "figure"), ("chart-table", "children"), ("chart-note", "children"))],
        "inputs": [{"id": "page-filters", "property": "data", "value": store},
                   {"id": {**key, "type": "chart-selection"}, "property": "data", "value": selection}],
        "changedPropIds": ["page-filters.data"],
        "state": [{"id": {**key, "type": "chart-graph"}, "property": "id",
                   "value": graph_id if graph_id is not None else {**key, "type": "chart-graph"}},
                  {"id": {**key, "type": "chart-toggle"}, "property": "n_clicks", "value": 0}],
    }


def download_request(store, chart: str = "uec-sites") -> dict:
    """Return the request the browser sends when the CSV button is pressed."""
    button = {"chart": chart, "type": "chart-download-button"}
    return {
        "output": '{"chart":["MATCH"],"type":"chart-download"}.data',
        "outputs": {"id": {"chart": chart, "type": "chart-download"}, "property": "data"},
        "inputs": [{"id": button, "property": "n_clicks", "value": 1}],
        "changedPropIds": [json.dumps(button, separators=(",", ":")) + ".n_clicks"],
        "state": [{"id": "page-filters", "property": "data", "value": store},
                  {"id": {"chart": chart, "type": "chart-selection"}, "property": "data", "value": None}],
    }


def filters_request(search: str, age_band=None, preset=None, start=None, end=None, grain=None,
                    changed: str = "url.search") -> dict:
    """Return the request that keeps the filter controls and the URL in step."""
    values = {"url.search": search, "filter-age-band.value": age_band, "filter-preset.value": preset,
              "filter-start.value": start, "filter-end.value": end, "filter-grain.value": grain}
    return {
        "output": "..filter-age-band.value...filter-preset.value...filter-start.value...filter-end.value..."
                  "filter-grain.value...url.search..",
        "outputs": [{"id": k.split(".")[0], "property": k.split(".")[1]} for k in [*list(values)[1:], "url.search"]],
        "inputs": [{"id": k.split(".")[0], "property": k.split(".")[1], "value": v} for k, v in values.items()],
        "changedPropIds": [changed],
    }


def page_request(pathname: str, search: str) -> dict:
    """Return the request Dash pages sends to draw a page for a URL."""
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                   {"id": "_pages_location", "property": "search", "value": search}],
        "changedPropIds": ["_pages_location.pathname"],
    }


def every_route(client: Client) -> list[tuple[str, object]]:
    """Return (path, POST body or None) for every kind of route the app serves."""
    status, _, html = Client(client.base, {**client.headers, **basic("alice", PASSWORD),
                                           "X-Remote-User": "alice"}).request("/")
    assert status == 200
    suites = re.findall(r'src="(/_dash-component-suites/[^"]+)"', html)
    assets = re.findall(r'href="(/assets/[^"]+)"', html)
    assert suites and assets
    return [("/", None), ("/urgent-care?age_band=0-17", None), ("/_dash-layout", None),
            ("/_dash-dependencies", None), (suites[0], None), (assets[0], None), ("/_favicon.ico", None),
            ("/no-such-page", None), ("/_dash-update-component", chart_request(STORE)),
            ("/_dash-update-component", download_request(STORE))]


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["basic", "header"])
def test_every_route_needs_credentials_when_auth_is_on(mode, servers):
    client = Client(servers[mode])
    wrong = basic("alice", "wrong") if mode == "basic" else {"X-Other-User": "alice"}
    right = basic("alice", PASSWORD) if mode == "basic" else {"X-Remote-User": "alice"}
    for path, body in every_route(client):
        for headers in ({}, wrong):
            status, response_headers, text = client.request(path, body, headers)
            assert status == 401, (mode, path, headers)
            assert ("WWW-Authenticate" in response_headers) == (mode == "basic")
            assert "Content-Security-Policy" in response_headers
            assert "Attendances" not in text and "figure" not in text
        status, _, text = client.request(path, body, right)
        # An unknown page is the app's "not found" page, with its status (behind the same authentication).
        assert status == (404 if path == "/no-such-page" else 200), (mode, path, text[:200])
    status, _, text = client.request("/_dash-update-component", download_request(STORE), right)
    assert json.loads(text)["response"]['{"chart":"uec-sites","type":"chart-download"}']["data"]["content"] \
        .startswith("Site,Attendances")


@pytest.mark.slow
def test_every_inline_script_of_the_real_page_is_in_the_policy(servers):
    # (Run against the served app: an app made in this process would take Dash's global callbacks.)
    status, headers, html = Client(servers["open"]).request("/urgent-care")
    scripts = security.inline_script_hashes(html)
    assert status == 200 and scripts
    assert all(s in headers["Content-Security-Policy"] for s in scripts)


@pytest.mark.slow
def test_without_auth_every_route_is_open_and_carries_the_security_headers(servers):
    client = Client(servers["open"])
    for path, body in every_route(client):
        status, headers, _ = client.request(path, body)
        assert status == (404 if path == "/no-such-page" else 200), path  # the not-found page says so
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


HUGE = "9" * 900_000
SQL = "'; DROP TABLE ae_attendances; SELECT * FROM read_csv('/etc/passwd') --"
JUNK_STORES = [
    {**STORE, "age_band": "17-"}, {**STORE, "age_band": SQL}, {**STORE, "start": SQL, "end": "2025-13"},
    {**STORE, "grain": "weekly"}, {**STORE, "age_band": HUGE}, {"age_band": 5, "start": [1], "end": {"a": 1},
                                                                "grain": None},
    {"age_band": True, "start": 2025.5, "end": -1, "grain": ["month"]}, {}, None,
]


@pytest.mark.slow
@pytest.mark.parametrize("store", JUNK_STORES, ids=range(len(JUNK_STORES)))
def test_junk_filters_get_the_defaults_never_an_error(store, servers):
    client = Client(servers["open"])
    for body in (chart_request(store), chart_request(store, "uec-presentation", {"hour": SQL, "weekday": 1e308}),
                 download_request(store)):
        status, _, text = client.request("/_dash-update-component", body)
        assert status == 200, text[:300]
        assert not LEAKS.search(text.replace(SQL, "")), text[:300]
        json.loads(text)


@pytest.mark.slow
@pytest.mark.parametrize("body", [
    chart_request("not an object"), chart_request([1, 2]), chart_request(12), chart_request(STORE, "no-such-chart"),
    chart_request(STORE, SQL), chart_request(STORE, graph_id="uec-sites"), chart_request(STORE, graph_id={"x": SQL}),
    {**chart_request(STORE), "output": SQL}, {**chart_request(STORE), "inputs": SQL},
    {**chart_request(STORE), "changedPropIds": [{"a": 1}]}, [], "null", "[1,", b"\xff\xfe",
    {**chart_request(STORE), "state": []}, {**chart_request(STORE), "outputs": chart_request(STORE)["outputs"][::-1]},
    {**download_request(STORE), "outputs": [download_request(STORE)["outputs"]]},
    json.dumps({"output": CHART_OUTPUT, "inputs": [{"id": {"chart": {"$gt": ""}}, "property": "data"}]}),
], ids=lambda b: str(b)[:30])
def test_a_forged_callback_request_gets_400_never_a_stack_trace(body, servers):
    status, headers, text = Client(servers["open"]).request("/_dash-update-component", body)
    assert status == 400, text[:300]
    assert text == "Bad request.\n" and headers["Content-Type"].startswith("text/plain")


@pytest.mark.slow
def test_a_request_over_a_megabyte_gets_413(servers):
    status, _, text = Client(servers["open"]).request(
        "/_dash-update-component", chart_request({**STORE, "age_band": "x" * 1_100_000}))
    assert status == 413 and not LEAKS.search(text)


@pytest.mark.slow
@pytest.mark.parametrize("search", [f"?age_band={SQL}&start=20x5&end=2025-99&grain=1;select",
                                    "?age_band=%00%ff&start=" + "9" * 5000, "?age_band=all&age_band=0-17",
                                    "?threshold=0&MHFLOW_SUPPRESSION_THRESHOLD=0"],
                         ids=["sql", "control-and-long", "repeated", "threshold"])
def test_junk_in_the_url_shows_a_notice_and_the_defaults(search, servers):
    client = Client(servers["open"])
    status, _, text = client.request("/_dash-update-component", page_request("/urgent-care", search))
    assert status == 200 and not LEAKS.search(text), text[:300]
    if "threshold" not in search and "age_band=all" not in search:
        assert "is not one of" in text or "not a month" in text  # the page says what it replaced
    status, _, text = client.request("/_dash-update-component", filters_request(search))
    assert status == 200 and not LEAKS.search(text)
    response = json.loads(text)["response"]
    assert response["filter-age-band"]["value"] in ("all", "0-17")
    assert response["filter-grain"]["value"] in ("month", "quarter", "fy")
    status, _, _ = client.request("/urgent-care" + search.replace(" ", "%20"))
    assert status == 200


@pytest.mark.slow
def test_junk_from_the_filter_controls_falls_back_to_the_defaults(servers):
    client = Client(servers["open"])
    body = filters_request("", SQL, "2024-04|" + SQL, {"a": 1}, [SQL], 7, changed="filter-age-band.value")
    status, _, text = client.request("/_dash-update-component", body)
    assert status == 200 and not LEAKS.search(text.replace(SQL, ""))
    response = json.loads(text)["response"]
    assert response["filter-age-band"]["value"] == "all" and response["filter-grain"]["value"] == "month"
    assert response["url"]["search"].startswith("?age_band=all&")
