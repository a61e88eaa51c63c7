"""Benchmark: every page redrawn over HTTP under gunicorn, against DuckDB alone and plain pandas.

    python bench/benchmark.py [--data DIR] [--population 56000000] [--combos 50] [--workers 2] [--out bench/out]

See bench/README.md for what is measured and how. Traffic goes to 127.0.0.1 only; every
loop is bounded in count and time; gunicorn is stopped (its whole process group) on
the way out, error or not.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT)]

import numpy as np  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import requests  # noqa: E402

from combos import Combo, make_combos  # noqa: E402
from replay import AppCallbacks, Client, Redraw, parse_router, redraw  # noqa: E402
from server import Server, cpu_since, cpu_snapshot  # noqa: E402

TARGETS = {"p95_ms": 150.0, "floor_ratio": 1.5, "pandas_ratio": 10.0, "cold_start_s": 5.0, "worker_mb": 1536.0,
           "browser_p95_ms": 1000.0, "transfer_mb": 2.0}
EXTRACTS = ("ae_attendances", "liaison_referrals", "s136_detentions", "inpatient_stays", "delayed_transfers",
            "ward_capacity")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def has_data(folder: Path) -> bool:
    return folder.is_dir() and any(folder.glob("*/**/*.parquet"))


def row_counts(folder: Path) -> dict[str, int]:
    """Return the row count of each extract from parquet metadata."""
    return {name: sum(pq.ParquetFile(f).metadata.num_rows for f in (folder / name).glob("**/*.parquet"))
            for name in EXTRACTS}


def generate(folder: Path, population: int, end_month: str | None, seed: int | None) -> dict[str, Any]:
    """Run the project's generator (its own progress bar on stderr); return seconds and peak memory."""
    cmd = [sys.executable, "-m", "dashboard", "generate", "--out", str(folder), "--population", str(population)]
    if end_month:
        cmd += ["--end-month", end_month]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    log("generating: " + " ".join(cmd[1:]))
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=sys.stderr, timeout=3600)
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"command": " ".join(["python", *cmd[1:]]), "seconds": seconds, "peak_mb": peak_mb}


def source_state() -> dict[str, Any]:
    """Return the app's code version: git HEAD, changed files, and a hash of every source file the app runs."""
    import hashlib
    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("dashboard/**/*.py"), *ROOT.glob("pages/*.py"), *ROOT.glob("queries/**/*.sql"),
                        *ROOT.glob("assets/*")]):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())

    def git(*cmd: str) -> str:
        try:
            return subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"head": git("rev-parse", "--short", "HEAD"), "dirty": git("status", "--short", "--", "dashboard", "pages",
                                                                        "queries", "assets").splitlines(),
            "sources_sha256": digest.hexdigest()[:16]}


def prepare_catalog(data_dir: Path) -> dict[str, Any]:
    """Build the app's catalog for the data if it is not there yet (timed): part of loading, not of cold start."""
    try:
        from dashboard.store.db import catalog_path, ensure_catalog
    except ImportError:  # an app without a catalog
        return {"catalog": None}
    path = catalog_path(data_dir)
    existed = path.exists()
    t0 = time.perf_counter()
    ensure_catalog(data_dir)
    seconds = time.perf_counter() - t0
    info = {"path": str(path), "existed": existed, "seconds": None if existed else seconds,
            "mb": path.stat().st_size / 1e6}
    log(f"catalog {path} " + ("already built" if existed else f"built in {seconds:.1f} s") + f", {info['mb']:.0f} MB")
    from dashboard.store.db import Database
    db = Database(data_dir)
    t0 = time.perf_counter()
    for _ in range(100):
        db.version()
    info["version_check_us"] = (time.perf_counter() - t0) * 1e4
    return info


# --- the HTTP part -------------------------------------------------------------------------------

def first_page(base: str, path: str, cbs_box: dict[str, AppCallbacks]) -> None:
    """Fetch what a browser needs to show `path`: the page, the layout, the callbacks, the page content."""
    s = requests.Session()
    for url in (base + path, base + "/_dash-layout", base + "/_dash-dependencies"):
        r = s.get(url, timeout=120)
        r.raise_for_status()
    cbs = AppCallbacks.discover(base, s)
    r = s.post(base + "/_dash-update-component", data=json.dumps(cbs.router_body(path, "")),
               headers={"Content-Type": "application/json"}, timeout=120)
    r.raise_for_status()
    if not parse_router(r.json(), len(r.content)).chart_ids:
        raise RuntimeError(f"router returned no charts for {path}")
    cbs_box["cbs"] = cbs


def cbs_deps(base: str):
    """Return the filter/URL sync callback (string ids only: the cheapest real callback) from the app."""
    from replay import Dependency
    for dep in requests.get(base + "/_dash-dependencies", timeout=30).json():
        if "filter-age-band.value" in dep["output"] and not dep.get("clientside_function"):
            return Dependency.from_json(dep)
    return None


def probe(client: Client, dep, n: int = 20) -> float | None:
    """Return the median round trip of the URL->filters sync callback, one at a time: Dash+Flask per-request cost."""
    if dep is None:
        return None
    search = "?age_band=all&grain=month"
    values = {("url", "search"): search}
    for i, p in dep.inputs:
        values.setdefault((i, p), None)
    body = dep.body({}, values, [("url", "search")])
    times = []
    for _ in range(n):
        res, payload = client.post("probe", "sync", body)
        if res.ok:
            times.append(res.ms)
    return statistics.median(times) if times else None


def default_combo(first, last) -> Combo:
    from dashboard.core.periods import last_12_months, month_label
    p = last_12_months(last)
    return Combo("all", month_label(max(p.start, first)), month_label(p.end), "month", "last12")


def warmup_combos(first) -> list[Combo]:
    """Return two cheap views outside the measured list (the data's first month) to warm both workers."""
    from dashboard.core.periods import month_label
    m = month_label(first)
    return [Combo("65+", m, m, "month", "warmup"), Combo("0-17", m, m, "quarter", "warmup")]


def run_page_server(args, data_dir: Path, page, combos: list[Combo], browser_combo: Combo, bounds,
                    out: Path, references: References) -> dict[str, Any]:
    """Start gunicorn, time its cold start, replay every combination, run the browser, stop it.

    The combinations go in blocks of ``args.block``: the block's redraws, then, while the
    server idles, the same combinations' floor and pandas baseline (``references``). Each
    ratio then compares times taken seconds apart, so the machine's speed drifting during
    the run (it does, by a fifth) moves both alike, and each side runs warm, as it would
    alone: a block starts with one throw-away redraw of a view outside the list (the
    baseline's gigabyte of frames has just been through the caches).
    """
    from browser import browse_page

    first, last = bounds
    server = Server(data_dir, args.workers, args.threads, log_path=out / f"gunicorn-{page.id}.log")
    res: dict[str, Any] = {"page": page.id, "path": page.path, "command": None}
    client = None
    try:
        server.start()
        res["command"] = " ".join(server.command())
        box: dict[str, AppCallbacks] = {}
        res["cold_start_s"] = server.wait_until_serving(lambda: first_page(server.base, page.path, box))
        cbs = box["cbs"]
        client = Client(server.base, args.connections)
        full = redraw(client, cbs, page.path, default_combo(first, last), None, first_load=True)
        res["cold_full_page_s"] = time.perf_counter() - server.started_at
        res["cold_full_page_ok"] = full.ok
        # The page as this server lays it out (the app's code may be newer than this process's import).
        n_cards, n_charts = full.n_cards, len(full.chart_ids)
        res["charts"], res["cards"] = full.chart_ids, n_cards
        for combo in warmup_combos(first):
            redraw(client, cbs, page.path, combo, n_cards)
        res["probe_ms"] = probe(client, cbs_deps(server.base))
        log(f"{page.path}: cold start {res['cold_start_s']:.2f} s (first full page {res['cold_full_page_s']:.2f} s), "
            f"workers {server.worker_pids()}; one cheap callback round trip {res['probe_ms'] or float('nan'):.1f} ms")

        redraws: list[Redraw] = []
        deadline = time.perf_counter() + args.replay_budget
        # CPU during the redraws (not the references between them): the workers', this process's
        # (the HTTP client) and the whole machine's, and what the cores had (wall time x cores).
        spent, wall = [0.0, 0.0, 0.0], 0.0
        blocks = [combos[i:i + args.block] for i in range(0, len(combos), args.block)]
        spare = iter(make_combos(first, last, len(blocks), args.seed + 3, exclude={*combos, browser_combo}))
        for i, block in enumerate(blocks):
            if time.perf_counter() > deadline:
                log(f"{page.path}: replay budget of {args.replay_budget:.0f} s spent after {len(redraws)} combinations")
                break
            warm = next(spare, None)
            if i and warm is not None:
                redraw(client, cbs, page.path, warm, n_cards)  # not counted: warms the workers again
            before, t0 = cpu_snapshot(server.worker_pids()), time.perf_counter()
            done = [redraw(client, cbs, page.path, combo, n_cards) for combo in block]
            wall += time.perf_counter() - t0
            spent = [x + y for x, y in zip(spent, cpu_since(before, server.worker_pids()))]
            redraws += done
            for rd in done:
                if not rd.ok:
                    bad = [c for c in [rd.first, *rd.calls] if not c.ok]
                    log(f"{page.path} {rd.combo.label()}: FAILED {bad[0].kind} {bad[0].name}: {bad[0].status} "
                        f"{bad[0].error[:200]}")
            references.measure(page, block, warm)
        if redraws:
            res["cpu_ms_per_redraw"] = {
                "workers": spent[0] * 1000 / len(redraws), "client": spent[1] * 1000 / len(redraws),
                "machine": spent[2] * 1000 / len(redraws),
                "capacity": wall * 1000 * (os.cpu_count() or 1) / len(redraws)}
        res["redraws"] = [{
            "combo": asdict(rd.combo), "ms": rd.ms, "ok": rd.ok,
            "first": asdict(rd.first), "calls": [asdict(c) for c in rd.calls]} for rd in redraws]
        ms = [rd.ms for rd in redraws]
        log(f"{page.path}: {len(redraws)} redraws, p50 {pct(ms, 50):.0f} ms, p95 {pct(ms, 95):.0f} ms, "
            f"{sum(not rd.ok for rd in redraws)} failed")

        if not args.no_browser:
            b = browse_page(server.base, page.path, page.id, browser_combo, first, last,
                            n_charts, n_cards or 0, cbs, n_changes=args.browser_changes,
                            seed=args.seed + 7, budget=args.browser_budget, timeout=args.browser_timeout)
            res["browser"] = asdict(b)
            bms = b.change_ms()
            log(f"{page.path}: browser first load {b.first_load_ms or float('nan'):.0f} ms, transfer "
                f"{(b.transfer_bytes or 0) / 1e6:.2f} MB, {len(bms)} changes p95 {pct(bms, 95) or float('nan'):.0f} ms"
                f", request bodies {b.bodies_matching}/{b.bodies_checked} as built" + (f", ERROR {b.error}" if b.error else ""))
    finally:
        if client is not None:
            client.close()
        server.stop()
        res["peak_worker_mb"] = server.peak_worker_mb()
        res["peak_rss_mb_by_worker"] = {str(k): v / 1024 for k, v in server.peak_rss_kb.items()}
    return res


# --- the in-process references ------------------------------------------------------------------

class References:
    """The floor and the pandas baseline, measured in this process a block of combinations at a time.

    The extracts are read into pandas once, up front (on pandas' own default string
    storage, as an analyst's pandas runs); each combination's floor records the queries
    its redraw needs, and the baseline answers exactly those. For the first `check`
    combinations of each page, every pandas answer is compared with DuckDB's.
    """

    def __init__(self, data_dir: Path, budget: float, check: int) -> None:
        import baseline
        import pandas as pd
        from dashboard.store.db import Database
        from floor import TimedDatabase

        self._baseline, self._pd = baseline, pd
        self.budget, self.check = budget, check
        self.db = TimedDatabase(data_dir)
        self.checker = Database(data_dir)  # the app's own query path
        log("pandas baseline: loading the extracts into memory")
        with self._pandas_defaults():
            self.extracts = baseline.Extracts(data_dir)
        log(f"pandas baseline: loaded in {self.extracts.load_seconds:.1f} s, {self.extracts.memory_mb():.0f} MB in frames")
        self.floors: dict[str, list] = {}
        self.pandas: dict[str, Any] = {"load_seconds": self.extracts.load_seconds,
                                       "memory_mb": self.extracts.memory_mb(), "pages": {}, "checks": 0,
                                       "mismatches": []}
        self._pandas_spent: dict[str, float] = {}
        self._unported: set[str] = set()

    def _pandas_defaults(self):
        return self._pd.option_context("mode.string_storage", self._baseline.PANDAS_STRING_STORAGE)

    def measure(self, page, combos: list[Combo], warm: Combo | None = None) -> None:
        """Time the floor of each combination, then its pandas baseline (`warm`: a floor not kept, first)."""
        from floor import measure_floor

        if warm is not None:
            measure_floor(self.db, page.id, warm)
        results = [measure_floor(self.db, page.id, combo) for combo in combos]
        for fr in results:
            self._record(page, fr)

    def _record(self, page, fr) -> None:
        """Keep a floor result, and time the pandas baseline on the queries it recorded."""
        floors = self.floors.setdefault(page.id, [])
        floors.append(fr)
        for chart_id, err in fr.render_errors.items():
            log(f"app error in render({chart_id!r}) for {fr.combo.label()}: {err}")
        times = self.pandas["pages"].setdefault(page.id, [])
        spent = self._pandas_spent.get(page.id, 0.0)
        if spent > self.budget and len(times) >= 5:
            if times[-1] is not None:
                log(f"pandas {page.path}: budget of {self.budget:.0f} s spent after {len(times)} combinations")
            times.append(None)
            return
        calls = [(name, params) for name, params, _ in fr.calls if name in self._baseline.QUERIES]
        missing = sorted({name for name, _, _ in fr.calls} - {name for name, _ in calls} - self._unported)
        if missing:  # a query added to the app before its pandas port: timed without it, and said once
            log(f"pandas baseline: no port of {', '.join(missing)} (left out of the pandas timings)")
            self._unported.update(missing)
        with self._pandas_defaults():
            t0 = time.perf_counter()
            answers = [(name, params, self._baseline.QUERIES[name](self.extracts, params)) for name, params in calls]
            seconds = time.perf_counter() - t0
        times.append(seconds * 1000)
        self._pandas_spent[page.id] = spent + seconds
        if len(times) <= self.check:
            for name, params, mine in answers:
                why = self._baseline.compare(self.checker.query(name, params), mine)
                self.pandas["checks"] += 1
                if why:
                    self.pandas["mismatches"].append({"page": page.id, "combo": fr.combo.label(), "query": name,
                                                      "params": {k: str(v) for k, v in params.items()}, "why": why})

    def log_page(self, page) -> None:
        floors = self.floors.get(page.id, [])
        if floors:
            ms = [r.ms for r in floors]
            log(f"floor {page.path}: p50 {pct(ms, 50):.0f} ms, p95 {pct(ms, 95):.0f} ms over {len(ms)} combinations "
                f"({statistics.median(len(r.calls) for r in floors):.0f} queries each)")
        done = [t for t in self.pandas["pages"].get(page.id, []) if t is not None]
        if done:
            log(f"pandas {page.path}: p50 {pct(done, 50):.0f} ms, p95 {pct(done, 95):.0f} ms over {len(done)} combinations")

    def close(self) -> None:
        self.db.close()
        self.checker.close()
        log(f"pandas baseline agrees with DuckDB on {self.pandas['checks'] - len(self.pandas['mismatches'])}/"
            f"{self.pandas['checks']} query results")


# --- report -------------------------------------------------------------------------------------

def paired_median(a: list[float | None], b: list[float | None]) -> float | None:
    ratios = [x / y for x, y in zip(a, b) if x is not None and y is not None and y > 0]
    return statistics.median(ratios) if ratios else None


def summarise(pages, http: dict[str, dict], floors: dict[str, list], pandas: dict[str, Any] | None) -> list[dict]:
    rows = []
    for page in pages:
        h = http[page.id]
        page_floors = floors.get(page.id, [])
        redraws = h.get("redraws", [])
        ok = [r for r in redraws if r["ok"]]
        ours = [r["ms"] if r["ok"] else None for r in redraws]
        floor = [f.ms for f in page_floors][:len(ours)]
        pd_ms = (pandas or {}).get("pages", {}).get(page.id, [])[:len(ours)]
        b = h.get("browser") or {}
        bms = [c["ms"] for c in b.get("changes", []) if "ms" in c]
        charts = {}
        for r in ok:
            for c in r["calls"]:
                charts.setdefault(c["name"], []).append(c["ms"])
        slowest = max(((k, v) for k, v in charts.items() if k != "cards"), key=lambda kv: statistics.median(kv[1]),
                      default=(None, [0]))
        rows.append({
            "page": page.path, "id": page.id, "charts": len(h.get("charts") or []),
            "n": len(ok), "failed": len(redraws) - len(ok),
            "p50_ms": pct([r["ms"] for r in ok], 50), "p95_ms": pct([r["ms"] for r in ok], 95),
            "floor_p50_ms": pct(floor, 50), "floor_p95_ms": pct(floor, 95),
            "ours_over_floor": paired_median(ours, floor),
            "pandas_p50_ms": pct([t for t in pd_ms if t is not None], 50),
            "pandas_over_ours": paired_median(pd_ms, ours),
            "pandas_n": sum(t is not None for t in pd_ms),
            "cold_start_s": h.get("cold_start_s"), "cold_full_page_s": h.get("cold_full_page_s"),
            "peak_worker_mb": h.get("peak_worker_mb"),
            "browser_p95_ms": pct(bms, 95), "browser_p50_ms": pct(bms, 50), "browser_n": len(bms),
            "browser_first_load_ms": b.get("first_load_ms"),
            "transfer_mb": (b["transfer_bytes"] / 1e6) if b.get("transfer_bytes") else None,
            "first_p50_ms": pct([r["first"]["ms"] for r in ok], 50),
            "cards_p50_ms": pct(charts.get("cards", []), 50),
            "slowest_call": slowest[0], "slowest_call_p50_ms": statistics.median(slowest[1]),
            "server_work_p50_ms": pct([r["first"]["ms"] + sum(c["ms"] for c in r["calls"]) for r in ok], 50),
            "render_p50_ms": pct([f.render_ms for f in page_floors], 50),
            "cards_fn_p50_ms": pct([f.cards_ms for f in page_floors], 50),
            "cards_db_p50_ms": pct([f.cards_db_ms for f in page_floors], 50),
            "cards_warm_p50_ms": pct([f.render_parts.get("cards", 0.0) for f in page_floors], 50),
            "cpu_ms_per_redraw": h.get("cpu_ms_per_redraw"),
            "probe_ms": h.get("probe_ms"), "browser_errors": [c.get("error") for c in b.get("changes", []) if "error" in c]
            + ([b["error"]] if b.get("error") else []),
            "top_queries": top_queries(page_floors),
            "data_fns_p50_ms": pct([f.data_fns_ms for f in page_floors], 50),
            "response_kb_p50": pct([(r["first"]["n_bytes"] + sum(c["n_bytes"] for c in r["calls"])) / 1e3 for r in ok], 50),
        })
    return rows


def top_queries(results: list, n: int = 3) -> list[tuple[str, float]]:
    """Return the page's slowest queries at the floor: (name, p50 ms)."""
    per: dict[str, list[float]] = {}
    for fr in results:
        for name, _, ms in fr.calls:
            per.setdefault(name, []).append(ms)
    return sorted(((k, statistics.median(v)) for k, v in per.items()), key=lambda kv: -kv[1])[:n]


def fmt(v: float | None, spec: str = ".0f", suffix: str = "") -> str:
    return "–" if v is None else f"{v:{spec}}{suffix}"


TABLE_COLUMNS = ("page", "ok", "p50 ms", "p95 ms", "floor p50", "ours/floor", "pandas p50", "pandas/ours", "cold start",
                 "peak MB/worker", "browser p95", "transfer")


def table_lines(rows: list[dict]) -> list[list[str]]:
    return [[r["page"], f"{r['n']}/{r['n'] + r['failed']}", fmt(r["p50_ms"]), fmt(r["p95_ms"]), fmt(r["floor_p50_ms"]), fmt(r["ours_over_floor"], ".2f", "x"),
             fmt(r["pandas_p50_ms"]), fmt(r["pandas_over_ours"], ".1f", "x"), fmt(r["cold_start_s"], ".2f", " s"),
             fmt(r["peak_worker_mb"]), fmt(r["browser_p95_ms"], ".0f", " ms") + (f" (n={r['browser_n']})" if
             r["browser_p95_ms"] is not None and r["browser_n"] < 10 else ""), fmt(r["transfer_mb"], ".2f", " MB")]
            for r in rows]


def render_table(rows: list[dict]) -> str:
    body = table_lines(rows)
    widths = [max(len(h), *(len(line[i]) for line in body)) for i, h in enumerate(TABLE_COLUMNS)]
    sep = "  "
    out = [sep.join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(TABLE_COLUMNS, widths)))]
    out.append(sep.join("-" * w for w in widths))
    for line in body:
        out.append(sep.join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))))
    return "\n".join(out)


def markdown_table(rows: list[dict]) -> str:
    out = ["| " + " | ".join(TABLE_COLUMNS) + " |", "|" + "---|" * len(TABLE_COLUMNS)]
    out += ["| " + " | ".join(line) + " |" for line in table_lines(rows)]
    return "\n".join(out)


def verdicts(rows: list[dict]) -> list[tuple[str, str, bool | None]]:
    def worst(key: str, fn=max):
        vals = [(r[key], r["page"]) for r in rows if r[key] is not None]
        return fn(vals) if vals else (None, None)

    checks = [
        ("p95 redraw", "p95_ms", max, TARGETS["p95_ms"], "<=", " ms", ".0f"),
        ("ours/floor", "ours_over_floor", max, TARGETS["floor_ratio"], "<=", "x", ".2f"),
        ("pandas/ours", "pandas_over_ours", min, TARGETS["pandas_ratio"], ">=", "x", ".1f"),
        ("cold start", "cold_start_s", max, TARGETS["cold_start_s"], "<=", " s", ".2f"),
        ("peak worker", "peak_worker_mb", max, TARGETS["worker_mb"], "<=", " MB", ".0f"),
        ("browser p95", "browser_p95_ms", max, TARGETS["browser_p95_ms"], "<=", " ms", ".0f"),
        ("transfer", "transfer_mb", max, TARGETS["transfer_mb"], "<=", " MB", ".2f"),
    ]
    out = []
    for label, key, fn, target, op, unit, spec in checks:
        v, where = worst(key, fn)
        ok = None if v is None else (v <= target if op == "<=" else v >= target)
        at = f" on {where}" if where and len(rows) > 1 else ""
        out.append((label, f"{label} {fmt(v, spec, unit)}{at} (target {op} {target:g}{unit})", ok))
    return out


def summary_line(rows: list[dict], meta: dict[str, Any]) -> str:
    v = verdicts(rows)
    parts = [f"{text} {'ok' if ok else 'MISS' if ok is False else 'n/a'}" for _, text, ok in v]
    met = sum(ok is True for _, _, ok in v)
    counts = meta["rows"]
    people = f"{meta['population']:,} people" if meta.get("population") else meta["label"]
    scale = (f"{people} ({counts['ae_attendances'] / 1e6:.2f}M A&E, "
             f"{counts['s136_detentions'] / 1e3:.0f}k s136, {meta['bed_days'] / 1e6:.1f}M bed days)")
    return f"SUMMARY {scale}, worst page: " + "; ".join(parts) + f" -> {met}/{len(v)} targets met"


def breakdown_lines(rows: list[dict], floors: dict[str, list]) -> list[str]:
    """Return where the time goes per page, and the slowest queries at the floor."""
    lines = ["Where the time goes (p50 per page; HTTP client times on loopback, 'render' = in-process "
             "render() + cards with results memoised, no DuckDB):"]
    for r in rows:
        lines.append(
            f"  {r['page']:<20} redraw {fmt(r['p50_ms'])} ms = filters {fmt(r['first_p50_ms'])} ms, then parallel calls; "
            f"cards {fmt(r['cards_p50_ms'])} ms (in process: card_values {fmt(r['cards_fn_p50_ms'])} ms of which "
            f"DuckDB {fmt(r['cards_db_p50_ms'])} ms; memoised {fmt(r['cards_warm_p50_ms'])} ms); slowest chart {r['slowest_call']} {fmt(r['slowest_call_p50_ms'])} ms; "
            f"sum of call times (parallel, with queueing) {fmt(r['server_work_p50_ms'])} ms; "
            f"one cheap callback {fmt(r['probe_ms'], '.1f')} ms; DuckDB {fmt(r['floor_p50_ms'])} ms "
            f"(top: {', '.join(f'{n} {ms:.0f}' for n, ms in r['top_queries'])}); "
            f"data functions {fmt(r['data_fns_p50_ms'])} ms; render {fmt(r['render_p50_ms'])} ms; "
            f"responses {fmt(r['response_kb_p50'])} kB decoded"
            + (f"; CPU per redraw (mean): workers {cpu['workers']:.0f} ms, client {cpu['client']:.0f} ms, whole "
               f"machine {cpu['machine']:.0f} ms of {cpu['capacity']:.0f} ms the cores had"
               if (cpu := r.get("cpu_ms_per_redraw")) else "")
            + (f"; browser: {'; '.join(sorted(set(e for e in r['browser_errors'] if e)))}" if r["browser_errors"] else ""))
    per_query: dict[str, list[float]] = {}
    for results in floors.values():
        for fr in results:
            for name, _, ms in fr.calls:
                per_query.setdefault(name, []).append(ms)
    lines.append("Slowest queries at the floor (DuckDB alone, ms):")
    for name, ms in sorted(per_query.items(), key=lambda kv: -statistics.median(kv[1]))[:10]:
        lines.append(f"  {name:<34} p50 {pct(ms, 50):7.1f}  p95 {pct(ms, 95):7.1f}  max {max(ms):7.1f}  (n={len(ms)})")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="extracts folder: reused if it holds data, else generated into and kept")
    ap.add_argument("--population", type=int, default=None,
                    help="people to generate for (default 56,000,000: England); with --data DIR holding data, a label only")
    ap.add_argument("--label", default=None, help="name of the output files (default: 56M, 1M... or the data folder)")
    ap.add_argument("--end-month", default=None, help="YYYY-MM, last month of generated data (default: generator's)")
    ap.add_argument("--data-seed", type=int, default=None, help="generator seed (default: generator's)")
    ap.add_argument("--combos", type=int, default=50, help="filter combinations per page (>= 50 for the issue)")
    ap.add_argument("--seed", type=int, default=2024, help="seed of the combination list")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--connections", type=int, default=6, help="parallel connections, as a browser")
    ap.add_argument("--block", type=int, default=10,
                    help="combinations redrawn before their floor and baseline are taken")
    ap.add_argument("--pages", nargs="*", default=None, help="page ids to run (default: all six)")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--browser-changes", type=int, default=10)
    ap.add_argument("--browser-budget", type=float, default=300, help="seconds per page in Chromium (>= 3 changes)")
    ap.add_argument("--browser-timeout", type=float, default=150, help="seconds to wait for one load or change")
    ap.add_argument("--replay-budget", type=float, default=900, help="seconds per page for the HTTP replay")
    ap.add_argument("--baseline-budget", type=float, default=240, help="seconds per page for the pandas baseline")
    ap.add_argument("--check", type=int, default=2, help="combinations per page whose pandas answers are checked")
    ap.add_argument("--out", type=Path, default=BENCH / "out")
    args = ap.parse_args(argv)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks (stop gunicorn)
    args.out.mkdir(parents=True, exist_ok=True)
    temp_dir = None
    if args.data is None:
        temp_dir = Path(tempfile.mkdtemp(prefix="mhflow-bench-"))
    if "MHFLOW_CATALOG_DIR" not in os.environ:
        # Keep this run's catalog beside its data, not in the repository's shared data/.catalog
        # (which prunes to the newest four): the app's, the generator's and gunicorn's all see it.
        base = temp_dir if temp_dir else args.data.resolve().parent
        os.environ["MHFLOW_CATALOG_DIR"] = str(base / f".{(args.data.name if args.data else 'parquet')}-catalog")
    meta: dict[str, Any] = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                            "argv": sys.argv, "population": args.population, "cpus": os.cpu_count()}
    meta["code_at_start"] = source_state()
    meta["loadavg_at_start"] = os.getloadavg()
    try:
        if args.data and has_data(args.data):
            data_dir = args.data.resolve()
            meta["generation"] = {"reused": str(data_dir)}
            log(f"reusing the extracts in {data_dir} (no generation)")
        else:
            if args.data:
                data_dir = args.data.resolve()
            else:
                data_dir = temp_dir / "parquet"
            args.population = args.population or 56_000_000
            meta["population"] = args.population
            meta["generation"] = generate(data_dir, args.population, args.end_month, args.data_seed)
            log(f"generated in {meta['generation']['seconds']:.1f} s (peak {meta['generation']['peak_mb']:.0f} MB)")
        meta["data_dir"] = str(data_dir)
        meta["catalog"] = prepare_catalog(data_dir)
        pop = args.population
        meta["label"] = args.label or (f"{pop // 1_000_000}M" if pop and pop >= 1_000_000 else str(pop) if pop
                                       else data_dir.name)
        meta["rows"] = row_counts(data_dir)
        meta["data_mb"] = sum(f.stat().st_size for f in data_dir.glob("*/**/*.parquet")) / 1e6

        from dashboard.web.app import create_app
        create_app(data_dir)  # registers the pages and points the runtime at the data, as a worker does
        from dashboard.web.components import PAGES
        from dashboard.store.data import data_bounds
        from dashboard.core.periods import Period
        from dashboard.store.runtime import get_db

        bounds = data_bounds(get_db())
        if bounds is None:
            raise SystemExit("the data folder holds no events")
        first, last = bounds
        full = Period(first, last)
        meta["bounds"] = [str(first), str(last)]
        meta["bed_days"] = int(get_db().query("bed_days_by_period", {**full.sql_params(), "age_min": 0,
                                                                      "age_max": 200, "grain": "period"})["bed_days"].sum())
        log(f"data {first:%b %Y} to {last:%b %Y}: " + ", ".join(f"{k} {v:,}" for k, v in meta["rows"].items())
            + f"; {meta['bed_days']:,} occupied bed days; {meta['data_mb']:.0f} MB of parquet")
        combos = make_combos(first, last, args.combos, args.seed)
        # The browser's starting view: not in the replayed list, and starting in the data (see browser.py).
        browser_combo = next(c for c in make_combos(first, last, 40, args.seed + 1, exclude=set(combos))
                             if c.start >= f"{first:%Y-%m}")
        meta["combos"] = [asdict(c) for c in combos]
        if len(combos) < args.combos:
            log(f"only {len(combos)} distinct combinations exist")
        pages = [p for p in PAGES.values() if args.pages is None or p.id in args.pages]

        references = References(data_dir, args.baseline_budget, args.check)
        http: dict[str, dict] = {}
        for page in pages:
            http[page.id] = run_page_server(args, data_dir, page, combos, browser_combo, bounds, args.out, references)
            references.log_page(page)
        references.close()
        floors, pandas = references.floors, references.pandas

        meta["code_at_end"] = source_state()
        meta["loadavg_at_end"] = os.getloadavg()
        if meta["code_at_end"]["sources_sha256"] != meta["code_at_start"]["sources_sha256"]:
            log("WARNING: the app's source files changed during the run: servers started later ran newer code")
        rows = summarise(pages, http, floors, pandas)
        breakdown = breakdown_lines(rows, floors)
        table, summary = render_table(rows), summary_line(rows, meta)
        meta["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        gen = meta["generation"]
        gen_text = (f"generation {gen['seconds']:.1f} s (peak {gen['peak_mb']:.0f} MB): {gen['command']}"
                    if "seconds" in gen else f"data reused from {gen['reused']}")
        code = meta["code_at_start"]
        header = (f"{meta['label']} ({args.population or 'population not given'} people); app {code['head']}"
                  f"{'+dirty' if code['dirty'] else ''} sources {code['sources_sha256']}; load average "
                  f"{meta['loadavg_at_start'][1]:.1f} at start, {meta['loadavg_at_end'][1]:.1f} at end (5 min); {gen_text}; {len(combos)} combinations x {len(pages)} pages; "
                  f"gunicorn --workers {args.workers} --threads {args.threads}; {args.connections} connections")

        for line in breakdown:
            print(line, file=sys.stderr)
        if pandas["mismatches"]:
            print(f"pandas/DuckDB mismatches: {pandas['mismatches'][:5]}", file=sys.stderr)
        print(header)
        print(table)
        print(summary)

        report = {"meta": meta, "targets": TARGETS, "rows": rows, "summary": summary, "breakdown": breakdown,
                  "http": http, "pandas": {k: v for k, v in pandas.items()},
                  "floor": {pid: [{"combo": asdict(f.combo), "ms": f.ms, "data_fns_ms": f.data_fns_ms,
                                   "render_ms": f.render_ms, "render_parts": f.render_parts,
                                   "render_errors": f.render_errors, "cards_ms": f.cards_ms,
                                   "cards_db_ms": f.cards_db_ms,
                                   "calls": [[n, {k: str(v) for k, v in p.items()}, ms] for n, p, ms in f.calls]}
                                  for f in res] for pid, res in floors.items()}}
        stamp = meta["label"]
        (args.out / f"benchmark-{stamp}.json").write_text(json.dumps(report, indent=1, default=str))
        (args.out / f"benchmark-{stamp}.md").write_text(
            f"# Benchmark, {stamp}\n\n{header}\n\n{markdown_table(rows)}\n\n{summary}\n\n```\n"
            + "\n".join(breakdown) + "\n```\n")
        log(f"wrote {args.out / f'benchmark-{stamp}.json'} and .md")
        return 0
    finally:
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
