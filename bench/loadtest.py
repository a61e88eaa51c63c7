"""Load test: the app under gunicorn on loopback, driven by simulated people (not run in CI).

    python bench/loadtest.py --data /tmp/d1                  # 50 users for 60 s (the target run)
    python bench/loadtest.py --data DIR --users 80 --duration 120 --json out.json

Starts ``gunicorn --workers 2 --threads 4 --bind 127.0.0.1:PORT dashboard.wsgi:server`` with
MHFLOW_DATA_DIR=DIR in its own process group (never --preload), waits until it answers, then
runs N simulated users for the given time. Each user behaves as a person with a browser:

- opens a page (the HTML, and on a first visit the scripts and styles a browser would fetch,
  then ``/_dash-layout`` and ``/_dash-dependencies``), then sends the callback requests the
  Dash renderer sends, in the same order and up to 6 at a time (a browser's connections per
  host): the URL→filters sync and the page router, then the cards, every chart and the nav links;
- then, after a think time of 1 to 5 seconds each, changes a filter (age band, period preset,
  trend grain, a custom month), moves to another page, clicks a heatmap cell on the urgent care
  page (drill-down), downloads a chart's CSV, or reloads the page.

Every callback request is built from ``/_dash-dependencies`` (outputs, inputs, state, wildcard
ids filled from the layout the server sent), so the test follows the app as it changes. The
run is bounded in time (--duration) and in requests (--max-requests) and stops by itself;
gunicorn is stopped at the end whatever happens (SIGTERM to its group, then SIGKILL).

Prints requests served, errors, and p50/p95/p99 latency (overall and by kind of request).
Target on the 2-core machine at the default data size (1M people): 0 errors, p95 <= 1 s.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import requests

from dash_protocol import Callback as DashCallback, id_string as id_key, parse_id
from server import Server, cpu_since, cpu_snapshot

PAGES_OUTPUT = ".._pages_content.children..._pages_store.data.."
BROWSER_CONNECTIONS = 6  # parallel requests per user, as a browser does per host
ASYNC_CHUNKS = ("/_dash-component-suites/dash/dcc/async-dropdown.js",
                "/_dash-component-suites/dash/dcc/async-graph.js",
                "/_dash-component-suites/plotly/package_data/plotly.min.js")
HEADERS = {"Accept-Encoding": "gzip, deflate", "User-Agent": "mhflow-loadtest"}
ARRIVAL_S = 15.0  # users arrive over the first think time; report the steady state after this too
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --- Dash's protocol, from /_dash-dependencies ------------------------------------------------------

def wildcard(value: Any) -> str | None:
    return value[0] if isinstance(value, list) and len(value) == 1 and value[0] in ("MATCH", "ALL") else None


def matches(pattern: Any, concrete: Any) -> bool:
    """Return whether a concrete id fits a (possibly wildcard) dependency id."""
    if not isinstance(pattern, dict):
        return pattern == concrete
    return isinstance(concrete, dict) and set(pattern) == set(concrete) and all(
        wildcard(v) or concrete[k] == v for k, v in pattern.items())


class Callback(DashCallback):
    """One server-side callback, its request bodies filled from the layout a simulated browser holds."""

    def body(self, layout: Layout, match: dict[str, Any] | None, changed: list[str],
             overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the request body, filling wildcard ids and values from the layout (and overrides)."""
        overrides = overrides or {}

        def concrete(dep_id: Any, prop: str, with_value: bool) -> Any:
            if isinstance(dep_id, dict) and any(wildcard(v) == "ALL" for v in dep_id.values()):
                return [entry(i, prop, with_value) for i in layout.ids_like(dep_id)]
            if isinstance(dep_id, dict):
                dep_id = {k: (match or {}).get(k) if wildcard(v) == "MATCH" else v for k, v in dep_id.items()}
            return entry(dep_id, prop, with_value)

        def entry(cid: Any, prop: str, with_value: bool) -> dict[str, Any]:
            item: dict[str, Any] = {"id": cid, "property": prop}
            if with_value:
                key = f"{id_key(cid)}.{prop}"
                item["value"] = overrides[key] if key in overrides else (
                    cid if prop == "id" else layout.value(cid, prop))
            return item

        outputs = [concrete(i, p, False) for i, p in self.outputs]
        return {"output": self.output, "outputs": outputs if self.output.startswith("..") else outputs[0],
                "inputs": [concrete(i, p, True) for i, p in self.inputs],
                "changedPropIds": changed, "state": [concrete(i, p, True) for i, p in self.state]}


class App:
    """The app's callbacks by role, found in /_dash-dependencies by what they output."""

    def __init__(self, deps: list[dict[str, Any]]) -> None:
        server_side = [Callback.from_json(d) for d in deps if not d.get("clientside_function")]

        def find(pattern: str) -> Callback:
            found = [c for c in server_side if re.search(pattern, c.output)]
            if len(found) != 1:
                raise RuntimeError(f"expected one callback for {pattern!r}, found {len(found)}")
            return found[0]

        self.router = find(r"_pages_content\.children")
        self.in_place = find(r"page-filters\.data")
        self.filters = find(r"filter-age-band\.value")
        self.nav = find(r'"nav-link"\}\.href')
        self.chart = find(r'"chart-graph"\}\.figure')
        self.cards = find(r'"cards"\}\.children')
        self.download = find(r'"chart-download"\}\.data')
        self.drill = find(r'"chart-selection"\}\.data')


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Yield every component (props with an id) of a layout tree."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            props = item.get("props")
            if isinstance(props, dict):
                if "id" in props:
                    yield props
                stack.extend(v for v in props.values() if isinstance(v, (dict, list)))


class Layout:
    """The components a browser holds: the shell (from /_dash-layout) and the current page."""

    def __init__(self, shell: Any) -> None:
        self.shell = {id_key(p["id"]): p for p in walk(shell)}
        self.page: dict[str, dict[str, Any]] = {}
        self.props: dict[str, dict[str, Any]] = {}  # values set by callbacks since

    def set_page(self, tree: Any) -> None:
        self.page = {id_key(p["id"]): p for p in walk(tree)}

    def ids_like(self, pattern: dict[str, Any]) -> list[Any]:
        return [p["id"] for p in [*self.shell.values(), *self.page.values()] if matches(pattern, p["id"])]

    def value(self, cid: Any, prop: str) -> Any:
        key = id_key(cid)
        if prop in self.props.get(key, {}):
            return self.props[key][prop]
        component = self.page.get(key) or self.shell.get(key) or {}
        return component.get(prop)

    def set(self, cid: Any, prop: str, value: Any) -> None:
        self.props.setdefault(id_key(cid), {})[prop] = value

    def charts(self) -> list[str]:
        return [p["id"]["chart"] for p in self.page.values()
                if isinstance(p["id"], dict) and p["id"].get("type") == "chart-graph"]

    def card_groups(self) -> list[dict[str, Any]]:
        return [p["id"] for p in self.page.values() if isinstance(p["id"], dict) and p["id"].get("type") == "cards"]

    def options(self, cid: str) -> list[Any]:
        return [o["value"] if isinstance(o, dict) else o for o in (self.shell.get(cid, {}).get("options") or [])]


# --- measurements ------------------------------------------------------------------------------------

@dataclass
class Sample:
    kind: str
    status: int
    seconds: float
    started: float
    error: str = ""


@dataclass
class Recorder:
    start: float
    end: float
    max_requests: int
    samples: list[Sample] = field(default_factory=list)
    actions: list[tuple[str, float]] = field(default_factory=list)
    resent: int = 0  # requests resent after the server closed an idle kept-alive connection
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def done(self) -> bool:
        return time.monotonic() >= self.end or len(self.samples) >= self.max_requests


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


# --- a simulated person ------------------------------------------------------------------------------

class User:
    """One person with a browser: a session, a cache of static files, the layout they see."""

    def __init__(self, n: int, base: str, app: App, shell: Any, html_pages: list[str], recorder: Recorder,
                 rng: random.Random, think: tuple[float, float]) -> None:
        self.n, self.base, self.app, self.recorder, self.rng, self.think = n, base, app, recorder, rng, think
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=BROWSER_CONNECTIONS)
        self.session.mount("http://", adapter)
        self.session.headers.update(HEADERS)
        self.pool = ThreadPoolExecutor(BROWSER_CONNECTIONS, thread_name_prefix=f"user{n}")
        self.layout = Layout(shell)
        self.pages = html_pages
        self.path = rng.choice(html_pages)
        self.search = ""
        self.cached = False  # static files fetched once, then served from the browser cache

    # transport ----------------------------------------------------------------------------------------
    def send(self, path: str, body: Any) -> requests.Response:
        """Send one request; like a browser, resend once if a kept-alive connection was closed under it."""
        for attempt in (1, 2):
            try:
                if body is None:
                    return self.session.get(self.base + path, timeout=30, stream=True)
                return self.session.post(self.base + path, json=body, timeout=30, stream=True)
            except requests.ConnectionError as exc:
                reset = any(isinstance(a, (ConnectionResetError, BrokenPipeError)) or "RemoteDisconnected" in repr(a)
                            for a in getattr(exc, "args", ()) + (exc.__context__,))
                if attempt == 2 or not (reset or "Connection aborted" in str(exc)):
                    raise
                with self.recorder.lock:
                    self.recorder.resent += 1
        raise AssertionError("unreachable")

    def request(self, kind: str, path: str, body: Any = None, parse: bool = False) -> Any:
        started = time.monotonic()
        status, error, payload = 0, "", None
        try:
            response = self.send(path, body)
            status = response.status_code
            if parse:
                payload = response.json() if status == 200 else None
            else:
                response.raw.read(decode_content=False)  # the whole body, left compressed as sent
            response.close()
            if status >= 400:
                error = f"HTTP {status}"
        except (requests.RequestException, ValueError) as exc:
            error = f"{type(exc).__name__}: {str(exc)[-90:]}"
        self.recorder.add(Sample(kind, status, time.monotonic() - started, started - self.recorder.start, error))
        return payload

    def callback(self, kind: str, body: dict[str, Any], parse: bool = False) -> Any:
        return self.request(kind, "/_dash-update-component", body, parse)

    def together(self, calls: list[tuple[str, dict[str, Any], bool]]) -> list[Any]:
        """Send callback requests at once (a browser's parallel connections); return their answers."""
        futures = [self.pool.submit(self.callback, kind, body, parse) for kind, body, parse in calls]
        return [f.result() for f in futures]

    # the page --------------------------------------------------------------------------------------
    def apply(self, answer: Any) -> None:
        """Keep the values a callback set (e.g. the filter controls, the URL's query string)."""
        for key, props in ((answer or {}).get("response") or {}).items():
            for prop, value in props.items():
                if key == "_pages_content" and prop == "children":
                    self.layout.set_page(value)
                else:
                    self.layout.set(parse_id(key), prop, value)

    def redraw(self) -> None:
        """Draw the page's cards and every chart, as the renderer does when a page's layout arrives."""
        app, layout = self.app, self.layout
        calls = [("cards", app.cards.body(layout, group, []), False) for group in layout.card_groups()]
        calls += [("chart", app.chart.body(layout, {"chart": c}, [f'{id_key({"chart": c, "type": "chart-selection"})}.data']),
                   False) for c in layout.charts()]
        self.together(calls)

    def route(self, changed: str) -> None:
        """Ask the page router for the page at the current path and query string."""
        body = self.app.router.body(self.layout, None, [changed], {
            "_pages_location.pathname": self.path, "_pages_location.search": self.search})
        self.apply(self.callback("router", body, parse=True))

    def full_load(self) -> None:
        """Open the current URL in the browser (a new tab, a reload or a shared link)."""
        self.request("page", self.path + self.search)
        if not self.cached:
            for asset in self.static_files():
                self.request("static", asset)
            self.cached = True
        self.request("layout", "/_dash-layout")
        self.request("dependencies", "/_dash-dependencies")
        self.layout.props.clear()
        self.layout.set("url", "search", self.search)
        self.layout.set("url", "pathname", self.path)
        sync = self.app.filters.body(self.layout, None, ["url.search"])
        router = self.app.router.body(self.layout, None, ["_pages_location.pathname", "_pages_location.search"],
                                      {"_pages_location.pathname": self.path, "_pages_location.search": self.search})
        synced, page = self.together([("filters", sync, True), ("router", router, True)])
        self.apply(synced)
        self.apply(page)
        # The controls now differ from the shell's defaults: the renderer syncs once more (the preset).
        self.apply(self.callback("filters", self.app.filters.body(self.layout, None, ["filter-preset.value"]),
                                 parse=True))
        nav = ("nav", self.app.nav.body(self.layout, None, ["url.search"]), False)
        self.together([nav])
        self.redraw()

    def static_files(self) -> list[str]:
        return STATIC_FILES

    # what a person does ----------------------------------------------------------------------------
    def change_filter(self) -> None:
        layout, rng = self.layout, self.rng
        control = rng.choice(["filter-age-band", "filter-age-band", "filter-preset", "filter-grain", "filter-start"])
        options = [o for o in layout.options(control) if o not in (layout.value(control, "value"), "custom")]
        if control == "filter-grain":
            options = [o for o in ("month", "quarter", "fy") if o != layout.value(control, "value")]
        if not options:
            return
        if control == "filter-start":  # a custom period: a start month before the end month
            end = layout.value("filter-end", "value") or options[0]
            options = [o for o in options if o < end] or options
        layout.set(control, "value", rng.choice(options))
        answer = self.callback("filters", self.app.filters.body(layout, None, [f"{control}.value"]), parse=True)
        self.apply(answer)
        new_search = layout.value("url", "search")
        if isinstance(new_search, str) and new_search != self.search:
            self.search = new_search
            # The page stays and the pages router is not asked: its filters store takes the new view.
            filters, _ = self.together([
                ("in-place", self.app.in_place.body(layout, None, ["url.search"]), True),
                ("nav", self.app.nav.body(layout, None, ["url.search"]), False)])
            self.apply(filters)
            self.redraw()

    def navigate(self) -> None:
        self.path = self.rng.choice([p for p in self.pages if p != self.path])
        self.route("_pages_location.pathname")
        self.redraw()

    def drill_down(self) -> None:
        """Click a cell of the urgent care heatmap: the mix charts redraw for that hour and day."""
        if "uec-heatmap" not in self.layout.charts():
            return self.change_filter()
        heatmap = {"chart": "uec-heatmap", "type": "chart-graph"}
        click = {"points": [{"x": self.rng.randrange(24), "y": self.rng.choice(WEEKDAYS), "curveNumber": 0}]}
        body = self.app.drill.body(self.layout, None, [f"{id_key(heatmap)}.clickData"],
                                   {f"{id_key(heatmap)}.clickData": click})
        self.apply(self.callback("drill", body, parse=True))
        calls = []
        for chart in ("uec-presentation", "uec-arrival"):
            selection = {"chart": chart, "type": "chart-selection"}
            calls.append(("chart", self.app.chart.body(self.layout, {"chart": chart}, [f"{id_key(selection)}.data"]),
                          False))
        self.together(calls)

    def download(self) -> None:
        charts = self.layout.charts()
        if not charts:
            return
        chart = self.rng.choice(charts)
        button = {"chart": chart, "type": "chart-download-button"}
        body = self.app.download.body(self.layout, {"chart": chart}, [f"{id_key(button)}.n_clicks"],
                                      {f"{id_key(button)}.n_clicks": 1})
        self.callback("download", body)

    def run(self) -> None:
        """Act as a person until the run ends: open the dashboard, then look, think and act."""
        rng, recorder = self.rng, self.recorder
        time.sleep(rng.uniform(0, self.think[1]))  # people do not all arrive in the same instant
        if recorder.done():
            return
        self.timed("open", self.full_load)
        actions = [(self.change_filter, 45), (self.navigate, 25), (self.drill_down, 10), (self.download, 10),
                   (self.full_load, 10)]
        while not recorder.done():
            pause = rng.uniform(*self.think)
            if time.monotonic() + pause >= recorder.end:
                break
            time.sleep(pause)
            action = rng.choices([a for a, _ in actions], [w for _, w in actions])[0]
            self.timed(action.__name__, action)
        self.pool.shutdown(wait=True)
        self.session.close()

    def timed(self, name: str, action) -> None:
        started = time.monotonic()
        try:
            action()
        except Exception as exc:  # a broken response (e.g. an error page) must not stop the person
            self.recorder.add(Sample(f"action:{name}", 0, 0.0, started - self.recorder.start, type(exc).__name__))
            return
        with self.recorder.lock:
            self.recorder.actions.append((name, time.monotonic() - started))


STATIC_FILES: list[str] = []


def discover(base: str) -> tuple[App, Any, list[str]]:
    """Return the callbacks, the shell layout and the page paths; fill STATIC_FILES from the HTML."""
    session = requests.Session()
    html = session.get(base + "/", timeout=60).text
    STATIC_FILES[:] = [*re.findall(r'<script src="([^"]+)"', html), *re.findall(r'<link rel="stylesheet" href="([^"]+)"', html),
                       *re.findall(r'<link[^>]+href="(/assets/[^"]+)"', html), *ASYNC_CHUNKS, "/_favicon.ico"]
    STATIC_FILES[:] = list(dict.fromkeys(STATIC_FILES))
    deps = session.get(base + "/_dash-dependencies", timeout=60).json()
    shell = session.get(base + "/_dash-layout", timeout=60).json()
    paths = [p["id"]["path"] for p in walk(shell) if isinstance(p["id"], dict) and p["id"].get("type") == "nav-link"]
    return App(deps), shell, paths


def warm_up(base: str, app: App, shell: Any, paths: list[str], workers: int) -> None:
    """Open every page once per worker (not measured): DuckDB connections and the catalog are ready."""
    recorder = Recorder(time.monotonic(), time.monotonic() + 600, 10 ** 9)
    for n in range(workers):
        user = User(-1 - n, base, app, shell, paths, recorder, random.Random(n), (0, 0))
        for path in paths:
            user.path = path
            user.full_load()
        user.pool.shutdown()
    bad = [s for s in recorder.samples if s.error]
    if bad:
        raise RuntimeError(f"warm-up failed: {bad[:3]}")


def report(recorder: Recorder, users: int, duration: float, args: argparse.Namespace, command: list[str]) -> dict:
    samples = [s for s in recorder.samples if s.started <= duration]
    served = [s for s in samples if not s.kind.startswith("action:")]
    errors = [s for s in samples if s.error]
    latencies = [s.seconds for s in served]
    kinds: dict[str, list[Sample]] = {}
    for s in served:
        kinds.setdefault(s.kind, []).append(s)
    result = {
        "command": " ".join(command), "data": str(args.data), "users": users, "duration_s": duration,
        "think_s": list(args.think), "requests": len(served), "requests_per_s": len(served) / duration,
        "errors": len(errors), "p50_s": percentile(latencies, 0.5), "p95_s": percentile(latencies, 0.95),
        "p99_s": percentile(latencies, 0.99), "max_s": max(latencies, default=float("nan")),
        "by_kind": {k: {"n": len(v), "errors": sum(1 for s in v if s.error),
                        "p50_s": percentile([s.seconds for s in v], 0.5),
                        "p95_s": percentile([s.seconds for s in v], 0.95),
                        "p99_s": percentile([s.seconds for s in v], 0.99)} for k, v in sorted(kinds.items())},
        "actions": {name: {"n": len(v), "p50_s": percentile(v, 0.5), "p95_s": percentile(v, 0.95)}
                    for name in sorted({a for a, _ in recorder.actions})
                    for v in [[t for a, t in recorder.actions if a == name]]},
        "error_examples": sorted({f"{s.kind}: {s.error}" for s in errors})[:10],
        "resent_after_keepalive_close": recorder.resent,
    }
    # Everyone's first visit (scripts, styles) falls in the first seconds; after it, the steady state.
    settled = [s.seconds for s in served if s.started > ARRIVAL_S]
    result["after_arrivals"] = {"from_s": ARRIVAL_S, "requests": len(settled), "p50_s": percentile(settled, 0.5),
                                "p95_s": percentile(settled, 0.95), "p99_s": percentile(settled, 0.99)}
    print(f"\n{users} users for {duration:.0f} s, think time {args.think[0]:g}-{args.think[1]:g} s, data {args.data}")
    print(f"requests served: {result['requests']}  ({result['requests_per_s']:.1f}/s)   errors: {result['errors']}")
    print(f"latency p50 {result['p50_s'] * 1000:.0f} ms   p95 {result['p95_s'] * 1000:.0f} ms   "
          f"p99 {result['p99_s'] * 1000:.0f} ms   max {result['max_s'] * 1000:.0f} ms")
    after = result["after_arrivals"]
    print(f"after the first {ARRIVAL_S:.0f} s (everyone has arrived): {after['requests']} requests, "
          f"p50 {after['p50_s'] * 1000:.0f} ms   p95 {after['p95_s'] * 1000:.0f} ms   p99 {after['p99_s'] * 1000:.0f} ms")
    print(f"\n{'request':<14}{'n':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for kind, row in result["by_kind"].items():
        print(f"{kind:<14}{row['n']:>7}{row['errors']:>8}{row['p50_s'] * 1000:>9.0f}{row['p95_s'] * 1000:>9.0f}"
              f"{row['p99_s'] * 1000:>9.0f}")
    print(f"\n{'action (all its requests)':<26}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}")
    for name, row in result["actions"].items():
        print(f"{name:<26}{row['n']:>6}{row['p50_s'] * 1000:>9.0f}{row['p95_s'] * 1000:>9.0f}")
    if errors:
        print("\nerrors:", "; ".join(result["error_examples"]))
    if recorder.resent:
        print(f"resent once on a fresh connection (the server had closed an idle kept-alive one, as a browser "
              f"does): {recorder.resent}")
    target = result["errors"] == 0 and result["p95_s"] <= 1.0
    print(f"\ntarget (0 errors, p95 <= 1 s): {'met' if target else 'NOT met'}")
    result["target_met"] = target
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/d1"), help="served data folder (default /tmp/d1)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 5.0), metavar=("MIN", "MAX"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop early after this many requests")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--startup-timeout", type=float, default=600.0)
    parser.add_argument("--no-warm-up", action="store_true", help="measure from a cold start")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        parser.error(f"no data folder {args.data} (python -m dashboard generate --out {args.data})")

    log = Path(tempfile.gettempdir()) / f"mhflow-loadtest-gunicorn-{os.getpid()}.log"
    server = Server(args.data.resolve(), args.workers, args.threads, log, port=args.port or None)
    command = ["gunicorn", *server.command()[1:]]  # as the README gives it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print("server:", " ".join(command), f"(MHFLOW_DATA_DIR={args.data}, log {log})", flush=True)
    try:
        server.start()
        ready = server.wait_until_serving(lambda: None, args.startup_timeout)
        print(f"ready in {ready:.1f} s; load average {os.getloadavg()[0]:.2f}", flush=True)
        app, shell, paths = discover(server.base)
        if not args.no_warm_up:
            warm_up(server.base, app, shell, paths, args.workers)
            print("warmed up (every page opened once per worker, not measured)", flush=True)
        rng = random.Random(args.seed)
        start = time.monotonic()
        recorder = Recorder(start, start + args.duration, args.max_requests)
        users = [User(n, server.base, app, shell, paths, recorder, random.Random(rng.random()), tuple(args.think))
                 for n in range(args.users)]
        threads = [threading.Thread(target=u.run, name=f"user{u.n}", daemon=True) for u in users]
        workers = server.worker_pids()
        cpu_before = cpu_snapshot(workers)
        for t in threads:
            t.start()
        for t in threads:  # bounded: every user stops at the deadline, after its last action (≤ 30 s timeouts)
            t.join(timeout=max(0.0, recorder.end - time.monotonic()) + 120)
        elapsed = time.monotonic() - start
        cpu = cpu_since(cpu_before, workers)
        print(f"load average at the end {os.getloadavg()[0]:.2f}", flush=True)
        result = report(recorder, args.users, args.duration, args, command)
        result["elapsed_s"] = elapsed
        server.read_high_water_marks()
        result["peak_worker_mb"] = server.peak_worker_mb()
        result["cpu_s"] = {"gunicorn_workers": cpu[0], "load_generator": cpu[1],
                           "everything_else": cpu[2] - cpu[0] - cpu[1], "machine_capacity": elapsed * os.cpu_count()}
        print(f"CPU over {elapsed:.0f} s on {os.cpu_count()} cores ({elapsed * os.cpu_count():.0f} CPU-s): gunicorn "
              f"workers {cpu[0]:.0f} s, this load generator {cpu[1]:.0f} s, other processes "
              f"{cpu[2] - cpu[0] - cpu[1]:.0f} s; peak worker memory {result['peak_worker_mb']:.0f} MB")
        if args.json:
            args.json.write_text(json.dumps(result, indent=2))
        return 0 if result["target_met"] else 1
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
