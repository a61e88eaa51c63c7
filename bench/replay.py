"""Replay a page redraw over HTTP exactly as the browser does it.

The request bodies are built from the app's own ``/_dash-dependencies`` (output
strings, inputs, state, MATCH ids filled in) in the shape the Dash 4 renderer
sends; ``browser.py`` checks them against bodies captured from Chromium.

A first load asks the pages router for the page's layout. A redraw after a filter
change keeps the page and does not ask the router (the app's URL component rewrites
the query string without telling it): ``redraw_in_place`` gives the page-filters
store the new view; the browser then sends one ``draw_cards`` and one ``draw_chart``
request per chart on the page, in parallel (about six connections). Its wall time
runs from the first request to the last chart/card response.
"""
from __future__ import annotations

import http.client
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import urlsplit

import brotli
import orjson
import requests

try:
    from compression import zstd  # Python 3.14
except ImportError:  # before 3.14: the backport Flask-Compress installs
    from backports import zstd

from combos import Combo
from dash_protocol import Callback, id_string

UPDATE = "/_dash-update-component"
# What Chromium and requests send; the app compresses its responses (zstd for Chromium).
HEADERS = {"Content-Type": "application/json", "Accept": "application/json",
           "Accept-Encoding": "gzip, deflate, br, zstd"}
DECODERS = {"": bytes, "identity": bytes, "gzip": lambda b: zlib.decompress(b, 16 + zlib.MAX_WBITS),
            "deflate": zlib.decompress, "br": brotli.decompress, "zstd": zstd.decompress}
ROUTER_OUTPUT = "_pages_content.children"
ABSENT = object()  # an input whose property the browser has never set: sent without "value"


def _fill(dep_id: Any, match: dict[str, Any]) -> Any:
    """Return the concrete id for a dependency id, MATCH wildcards taken from `match`."""
    if not isinstance(dep_id, dict):
        return dep_id
    return {k: (match[k] if v == ["MATCH"] else v) for k, v in dep_id.items()}


class Dependency(Callback):
    """One server callback, its request bodies filled from explicit values (the replay's)."""

    def body(self, match: dict[str, Any], values: dict[tuple[str, str], Any], changed: list[tuple[Any, str]],
             id_values: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the request body the renderer sends for this callback.

        `values` maps (id string, property) to the value in the browser (ABSENT if unset);
        `changed` lists the (id, property) pairs that triggered the call.
        """
        outputs = [{"id": _fill(i, match), "property": p} for i, p in self.outputs]

        def entry(dep_id: Any, prop: str) -> dict[str, Any]:
            concrete = _fill(dep_id, match)
            item = {"id": concrete, "property": prop}
            if prop == "id" and id_values is not None and id_string(concrete) in id_values:
                item["value"] = id_values[id_string(concrete)]
            else:
                value = values.get((id_string(concrete), prop), ABSENT)
                if value is not ABSENT:
                    item["value"] = value
            return item

        body: dict[str, Any] = {
            "output": self.output,
            "outputs": outputs if self.multi else outputs[0],
            "inputs": [entry(i, p) for i, p in self.inputs],
            "changedPropIds": [f"{id_string(i)}.{p}" for i, p in changed],
            "parsedChangedPropsIds": [i if isinstance(i, dict) else f"{i}.{p}" for i, p in changed],
        }
        if self.state:
            body["state"] = [entry(i, p) for i, p in self.state]
        return body


@dataclass
class AppCallbacks:
    """The three callbacks a redraw uses, found in /_dash-dependencies."""

    router: Dependency
    chart: Dependency
    cards: Dependency
    in_place: Dependency | None = None  # the URL's query string -> the page's filters store

    @classmethod
    def discover(cls, base: str, session: requests.Session) -> AppCallbacks:
        deps = session.get(base + "/_dash-dependencies", timeout=30).json()
        found: dict[str, Dependency] = {}
        for dep in deps:
            if dep.get("clientside_function"):
                continue
            d = Dependency.from_json(dep)
            ids = [(i, p) for i, p in d.outputs]
            if any(i == "_pages_content" and p == "children" for i, p in ids):
                found["router"] = d
            elif any(isinstance(i, dict) and i.get("type") == "chart-graph" and p == "figure" for i, p in ids):
                found["chart"] = d
            elif any(isinstance(i, dict) and i.get("type") == "cards" for i, p in ids):
                found["cards"] = d
            elif ("page-filters", "data") in ids:
                found["in_place"] = d
        missing = {"router", "chart", "cards"} - found.keys()
        if missing:
            raise RuntimeError(f"callbacks not found in /_dash-dependencies: {sorted(missing)}")
        return cls(found["router"], found["chart"], found["cards"], found.get("in_place"))

    def router_body(self, path: str, search: str) -> dict[str, Any]:
        """Return the router request of a first load (a filter change does not ask the router)."""
        values = {("_pages_location", "pathname"): path, ("_pages_location", "search"): search}
        return self.router.body({}, values, [("_pages_location", "pathname"), ("_pages_location", "search")])

    def chart_body(self, chart_id: str, store: dict[str, Any], selection: Any = ABSENT) -> dict[str, Any]:
        """Return the draw_chart request for one chart of a freshly rendered page."""
        match = {"chart": chart_id}
        values = {("page-filters", "data"): store,
                  (id_string({"chart": chart_id, "type": "chart-selection"}), "data"): selection,
                  (id_string({"chart": chart_id, "type": "chart-toggle"}), "n_clicks"): 0}  # table view closed
        id_values = {id_string({"chart": chart_id, "type": "chart-graph"}): {"type": "chart-graph", "chart": chart_id}}
        changed = [({"chart": chart_id, "type": "chart-selection"}, "data")]
        return self.chart.body(match, values, changed, id_values)

    def in_place_body(self, search: str, current_store: dict[str, Any] | None) -> dict[str, Any]:
        """Return the request that gives the page the URL's new filters (the page itself stays)."""
        assert self.in_place is not None
        values = {("url", "search"): search, ("page-filters", "data"): current_store}
        return self.in_place.body({}, values, [("url", "search")])

    def cards_body(self, page_id: str, store: dict[str, Any]) -> dict[str, Any]:
        """Return the draw_cards request for the page's card row."""
        id_values = {id_string({"page": page_id, "type": "cards"}): {"type": "cards", "page": page_id}}
        return self.cards.body({"page": page_id}, {("page-filters", "data"): store}, [], id_values)


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Yield every component (dict with 'props') in a serialised layout."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            if "props" in item and "type" in item:
                yield item
                for value in item["props"].values():
                    if isinstance(value, (list, dict)):
                        stack.append(value)
            else:
                stack.extend(v for v in item.values() if isinstance(v, (list, dict)))


@dataclass
class PageLayout:
    """What the router returned: the chart ids, the cards id and the page's filter store."""

    chart_ids: list[str]
    cards_page: str | None
    store: dict[str, Any] | None
    n_bytes: int


def parse_router(payload: dict[str, Any], n_bytes: int) -> PageLayout:
    """Return the chart ids, card id and store from a router response."""
    layout = payload["response"]["_pages_content"]["children"]
    charts, cards, store = [], None, None
    for comp in walk(layout):
        cid = comp["props"].get("id")
        if isinstance(cid, dict) and cid.get("type") == "chart-graph":
            charts.append(cid["chart"])
        elif isinstance(cid, dict) and cid.get("type") == "cards":
            cards = cid["page"]
        elif cid == "page-filters":
            store = comp["props"].get("data")
    return PageLayout(charts, cards, store, n_bytes)


@dataclass
class CallResult:
    """One callback request: what, how long (client wall time on loopback), and whether it was good."""

    kind: str  # router | chart | cards
    name: str
    ms: float
    ok: bool
    status: int
    n_bytes: int  # decoded body size
    wire_bytes: int | None  # Content-Length as sent (compressed)
    encoding: str
    empty: bool = False  # a chart that drew its "no activity" message
    error: str = ""


@dataclass
class Redraw:
    """One page redraw for one filter combination."""

    page: str
    combo: Combo
    ms: float
    first: CallResult  # the request before the cards and charts: the router on a first load, else in-place
    calls: list[CallResult] = field(default_factory=list)
    chart_ids: list[str] = field(default_factory=list)  # as the server's router laid the page out
    n_cards: int | None = None  # cards the server drew

    @property
    def ok(self) -> bool:
        return self.first.ok and all(c.ok for c in self.calls)


class Client:
    """A small pool of keep-alive HTTP connections, one per thread, as a browser keeps about six.

    Plain ``http.client`` and orjson rather than requests: on this 2-core machine the client
    shares the cores with the server, and requests cost ~1.2 ms of CPU per call against
    ~0.4 ms here (measured on places of safety: 15 ms of client CPU per redraw against 5).
    The request is the same bytes a browser sends (JSON body, the Accept-Encoding of
    requests and of Chromium's zstd), and the response is decoded and parsed in full.
    """

    def __init__(self, base: str, connections: int = 6) -> None:
        self.base = base
        parts = urlsplit(base)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port
        self._local = threading.local()
        self.pool = ThreadPoolExecutor(max_workers=connections, thread_name_prefix="bench-http")
        self.connections = connections

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        con = getattr(self._local, "connection", None)
        if con is None:
            con = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
            self._local.connection = con
        return con

    def _send(self, data: bytes, timeout: float) -> tuple[http.client.HTTPResponse, bytes]:
        """POST to the callback URL on this thread's connection (reopened once if the server closed it)."""
        for attempt in (1, 2):
            con = self._connection(timeout)
            try:
                con.request("POST", UPDATE, data, HEADERS)
                response = con.getresponse()
                return response, response.read()
            except (http.client.HTTPException, OSError) as exc:
                con.close()
                self._local.connection = None  # never reuse a connection left mid-request
                # Only a keep-alive connection the server had closed is retried (never a timeout).
                if attempt == 2 or not isinstance(exc, (ConnectionError, http.client.RemoteDisconnected)):
                    raise
        raise AssertionError("unreachable")

    def post(self, kind: str, name: str, body: dict[str, Any], timeout: float = 120.0) -> tuple[CallResult, Any]:
        """POST one callback; return its result and decoded JSON (None on failure)."""
        t0 = time.perf_counter()
        try:
            response, raw = self._send(orjson.dumps(body), timeout)
            encoding = response.getheader("Content-Encoding", "") or ""
            content = DECODERS[encoding](raw)
            ms = (time.perf_counter() - t0) * 1000
            result = CallResult(kind, name, ms, response.status == 200, response.status, len(content), len(raw),
                                encoding)
            if response.status != 200:
                result.error = content[:300].decode("utf-8", "replace")
                return result, None
            return result, orjson.loads(content)
        except (OSError, http.client.HTTPException, KeyError, ValueError, zlib.error, brotli.error) as exc:
            return CallResult(kind, name, (time.perf_counter() - t0) * 1000, False, 0, 0, None, "", error=repr(exc)), None

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def check_chart(result: CallResult, payload: Any, chart_id: str) -> None:
    """Mark `result` bad unless the response holds a figure (data list + layout) for the chart."""
    if payload is None:
        return
    try:
        fig = payload["response"][id_string({"chart": chart_id, "type": "chart-graph"})]["figure"]
        if not isinstance(fig.get("data"), list) or not isinstance(fig.get("layout"), dict):
            raise ValueError("figure without data/layout")
        result.empty = not fig["data"]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        result.ok, result.error = False, f"no figure in response: {exc!r}"


def check_cards(result: CallResult, payload: Any, page_id: str, expected: int | None) -> int | None:
    """Mark `result` bad unless the response holds the page's cards; return how many."""
    if payload is None:
        return None
    try:
        cards = payload["response"][id_string({"page": page_id, "type": "cards"})]["children"]
        if not isinstance(cards, list) or not cards or (expected is not None and len(cards) != expected):
            raise ValueError(f"{len(cards) if isinstance(cards, list) else '?'} cards, expected {expected or 'some'}")
        return len(cards)
    except (KeyError, TypeError, ValueError) as exc:
        result.ok, result.error = False, f"bad cards response: {exc!r}"
        return None


_pages: dict[tuple[str, str], PageLayout] = {}  # (server, path) -> the page as last laid out, its store current


def redraw(client: Client, cbs: AppCallbacks, path: str, combo: Combo, n_cards: int | None = None,
           first_load: bool = False) -> Redraw:
    """Redraw `path` for `combo` as the browser does; return the timings (wall: first request to last response).

    A first load asks the pages router for the page. After that a filter change keeps the
    page: the in-place callback gives the page-filters store the new view (the router is
    not asked), then cards and charts redraw.
    """
    t0 = time.perf_counter()
    known = _pages.get((client.base, path))
    if first_load or known is None or cbs.in_place is None:
        first, payload = client.post("router", "router", cbs.router_body(path, combo.query_string()))
        if payload is None:
            return Redraw(path, combo, (time.perf_counter() - t0) * 1000, first)
        layout = parse_router(payload, first.n_bytes)
        if not layout.chart_ids or layout.store is None:
            first.ok, first.error = False, "router response without charts or page-filters store"
            return Redraw(path, combo, (time.perf_counter() - t0) * 1000, first)
        _pages[(client.base, path)] = layout
    else:
        layout = known
        first, answer = client.post("in-place", "in-place", cbs.in_place_body(combo.query_string(), layout.store))
        if answer is None:
            return Redraw(path, combo, (time.perf_counter() - t0) * 1000, first)
        store = ((answer.get("response") or {}).get("page-filters") or {}).get("data", layout.store)
        layout = PageLayout(layout.chart_ids, layout.cards_page, store, layout.n_bytes)
        _pages[(client.base, path)] = layout
    # The store holds the view asked for; a page may keep choices of its own beside it (urgent
    # care's site, empty for every department), which the combinations leave as they are.
    asked = combo.store()
    if not isinstance(layout.store, dict) or {k: layout.store.get(k) for k in asked} != asked \
            or any(v for k, v in layout.store.items() if k not in asked):
        first.ok, first.error = False, f"page-filters store {layout.store} != {asked}"

    counted: list[int | None] = []

    def cards_call() -> CallResult:
        res, data = client.post("cards", "cards", cbs.cards_body(layout.cards_page, layout.store))
        counted.append(check_cards(res, data, layout.cards_page, n_cards))
        return res

    def chart_call(chart_id: str) -> CallResult:
        res, data = client.post("chart", chart_id, cbs.chart_body(chart_id, layout.store))
        check_chart(res, data, chart_id)
        return res

    futures = []
    if layout.cards_page:
        futures.append(client.pool.submit(cards_call))
    futures += [client.pool.submit(chart_call, c) for c in layout.chart_ids]
    calls = [f.result() for f in futures]
    return Redraw(path, combo, (time.perf_counter() - t0) * 1000, first, calls, layout.chart_ids,
                  counted[0] if counted else None)
