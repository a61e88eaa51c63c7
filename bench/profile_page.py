"""Where a page redraw's time goes inside one process: no gunicorn, no network, no parallelism.

Replays a page's redraw requests (the in-place callback, the cards, every chart) one after
the other through Flask's test client, for the benchmark's seeded filter combinations, and
prints the median time of each request and of the whole redraw:

    python bench/profile_page.py --data /tmp/national --page places-of-safety          # cold: memo cache cleared
    python bench/profile_page.py --data /tmp/national --page places-of-safety --warm   # every answer memoised
    python bench/profile_page.py --data /tmp/national --page urgent-care --profile 30  # + cProfile, top 30
    python bench/profile_page.py --data /tmp/national --page urgent-care --steady      # as a server runs

Steady is what a running server does per view: the memo kept from view to view (the whole-data
trend answers a worker already holds are reused; each view's own queries run).

Cold is DuckDB plus everything above it; warm is only what the app adds (Dash, figures,
disclosure): the part the benchmark's "ours/floor" ratio is about. Sequential times are
the CPU a redraw costs; the benchmark's redraw times are wall times, spread over workers.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]

from combos import make_combos  # noqa: E402
from replay import UPDATE, AppCallbacks, parse_router  # noqa: E402


class _Response:
    def __init__(self, response) -> None:
        self._response = response

    def json(self):
        return self._response.get_json()


class _Session:
    """Just enough of requests.Session for AppCallbacks.discover, over Flask's test client."""

    def __init__(self, client) -> None:
        self._client = client

    def get(self, url: str, timeout: float | None = None) -> _Response:
        return _Response(self._client.get(url.removeprefix("http://app")))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="a folder of extracts (its catalog is built if need be)")
    ap.add_argument("--page", required=True, help="page id: overview, urgent-care, places-of-safety, ...")
    ap.add_argument("--combos", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1, help="as the benchmark's --seed")
    ap.add_argument("--warm", action="store_true", help="redraw each view once first (every answer memoised)")
    ap.add_argument("--steady", action="store_true",
                    help="as a running server: the memo kept from view to view (each view drawn once, none cleared)")
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile the timed redraws; print top N")
    args = ap.parse_args()

    from dashboard.web.app import create_app, prepare
    from dashboard.web.components import PAGES
    from dashboard.store.data import clear_cache, data_bounds
    from dashboard.store.runtime import get_db

    app = prepare(create_app(args.data))
    client = app.server.test_client()
    cbs = AppCallbacks.discover("http://app", _Session(client))
    page = PAGES[args.page]
    bounds = data_bounds(get_db())
    if bounds is None:
        sys.exit(f"no data in {args.data}")
    combos = make_combos(*bounds, args.combos, args.seed)

    def post(body: dict) -> None:
        response = client.post(UPDATE, data=json.dumps(body), content_type="application/json")
        if response.status_code != 200:
            sys.exit(f"{response.status_code}: {response.get_data(as_text=True)[:300]}")

    first = client.post(UPDATE, data=json.dumps(cbs.router_body(page.path, combos[0].query_string())),
                        content_type="application/json")
    layout = parse_router(first.get_json(), len(first.data))

    def redraw(combo) -> dict[str, float]:
        store, times = combo.store(), {}
        calls = [("in-place", cbs.in_place_body(combo.query_string(), layout.store))] if cbs.in_place else []
        if layout.cards_page:
            calls.append(("cards", cbs.cards_body(layout.cards_page, store)))
        calls += [(chart_id, cbs.chart_body(chart_id, store)) for chart_id in layout.chart_ids]
        for name, body in calls:
            t0 = time.perf_counter()
            post(body)
            times[name] = (time.perf_counter() - t0) * 1000
        return times

    def timed(combo) -> dict[str, float]:
        if not (args.warm or args.steady):
            clear_cache()
            data_bounds(get_db())  # a worker holds it from its first request
        return redraw(combo)

    for combo in combos if args.warm else combos[:3]:  # warm: every view memoised; cold: warm the process only
        redraw(combo)
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    # steady: the three views that warmed the process are not timed (they would be memoised)
    results = [timed(c) for c in (combos[3:] if args.steady else combos)]
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)

    totals = [sum(r.values()) for r in results]
    mode = "warm" if args.warm else "steady" if args.steady else "cold"
    print(f"{page.path} ({mode}, {len(combos)} views, one request at a time): "
          f"redraw median {statistics.median(totals):.1f} ms, p95 {sorted(totals)[int(0.95 * (len(totals) - 1))]:.1f} ms")
    for name in results[0]:
        print(f"  {name:28s} {statistics.median(r[name] for r in results):7.2f} ms")


if __name__ == "__main__":
    main()
