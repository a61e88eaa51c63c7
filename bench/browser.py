"""Headless Chromium: time from a filter change to every chart painted, and the page's transfer size.

One fresh browser (empty cache, cache disabled) per page:
1. open the page for a filter choice, wait until every chart and card is drawn, and
   sum ``encodedBodySize`` over the navigation entry and every resource entry (the
   bytes on the wire, compression on);
2. capture the callback request bodies the renderer sent, to check the shape of the
   bodies ``replay.py`` builds;
3. make ~10 filter changes through the real controls (trend grain radio, age band
   and period dropdowns), each timed from the click event to the second animation
   frame after the page shows the new filters, no callback is loading, every chart
   has been drawn by Plotly with its final figure, and every card is there.
"""
from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import urllib3
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from dashboard.web.components import describe, period_presets
from dashboard.core.filters import Filters
from dashboard.core.periods import Period, month_label

from combos import Combo
from replay import AppCallbacks

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1000")

# Installed before a change: records the click time, then the first double animation frame at which
# the page shows the expected filters with every chart and card drawn and nothing loading.
WATCH_JS = r"""
const [expected, nCharts, nCards, inPlace] = arguments;
window.__bench = {t0: null, done: null, polls: 0};
// Charts are redrawn in place: a chart is done when its graph holds a figure newer than the one shown now.
const shownBefore = new Map(!inPlace ? [] : Array.from(document.querySelectorAll('div[id]'))
  .filter(e => e.id.includes('"type":"chart-graph"'))
  .map(e => [e.id, (e.querySelector('.js-plotly-plot') || {}).data]));
document.addEventListener('click', e => { if (window.__bench.t0 === null) window.__bench.t0 = performance.now(); },
                          {capture: true, once: true});
function ready() {
  const ctx = document.querySelector('.page-context');
  if (!ctx || ctx.textContent.trim() !== expected) return false;
  if (document.querySelector('[data-dash-is-loading="true"]')) return false;
  const graphs = Array.from(document.querySelectorAll('div[id]')).filter(e => e.id.includes('"type":"chart-graph"'));
  if (graphs.length !== nCharts) return false;
  for (const g of graphs) {
    const gd = g.querySelector('.js-plotly-plot');
    if (!gd || !gd._fullLayout || !gd.querySelector('.main-svg')) return false;
    if (shownBefore.has(g.id) && gd.data === shownBefore.get(g.id)) return false;
    const ann = (gd.layout && gd.layout.annotations) || [];
    if (ann.length && ann[0].text === 'Loading…') return false;
  }
  if (document.querySelectorAll('.kpi-card').length !== nCards) return false;
  return true;
}
window.__benchReady = ready;
function poll() {
  window.__bench.polls++;
  if (window.__bench.t0 !== null && ready()) {
    requestAnimationFrame(() => requestAnimationFrame(() => { window.__bench.done = performance.now(); }));
    return;
  }
  setTimeout(poll, 4);
}
poll();
"""

RESOURCES_JS = """
const nav = performance.getEntriesByType('navigation').map(e => ({name: e.name, enc: e.encodedBodySize, dec: e.decodedBodySize, xfer: e.transferSize}));
const res = performance.getEntriesByType('resource').map(e => ({name: e.name, enc: e.encodedBodySize, dec: e.decodedBodySize, xfer: e.transferSize}));
return {nav, res};
"""


@dataclass
class BrowserPage:
    """What the browser saw on one page."""

    page: str
    first_load_ms: float | None = None
    transfer_bytes: int | None = None  # encodedBodySize: navigation + every resource
    decoded_bytes: int | None = None
    largest: list[tuple[str, int]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)  # {control, value, ms | error}
    bodies_checked: int = 0
    bodies_matching: int = 0
    body_mismatches: list[str] = field(default_factory=list)
    error: str = ""

    def change_ms(self) -> list[float]:
        return [c["ms"] for c in self.changes if "ms" in c]


def make_driver() -> webdriver.Chrome:
    """Return a headless Chromium with performance logging (to read request bodies)."""
    opts = webdriver.ChromeOptions()
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.binary_location = CHROMIUM
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    return driver


def _wait(driver: webdriver.Chrome, timeout: float) -> float | None:
    """Return ms from the click to all painted, or None on timeout.

    A page whose main thread is busy does not answer WebDriver at all: that is waited out too.
    """
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            state = driver.execute_script("return window.__bench")
        except (WebDriverException, urllib3.exceptions.HTTPError, OSError):  # renderer busy past a command timeout
            time.sleep(0.5)
            continue
        if state and state.get("done") is not None and state.get("t0") is not None:
            return state["done"] - state["t0"]
        time.sleep(0.02)
    return None


def _captured_bodies(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    bodies = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") != "Network.requestWillBeSent":
            continue
        req = msg["params"]["request"]
        if "/_dash-update-component" in req["url"] and req.get("postData"):
            try:
                bodies.append(json.loads(req["postData"]))
            except ValueError:
                pass
    return bodies


def check_bodies(result: BrowserPage, bodies: list[dict[str, Any]], cbs: AppCallbacks, path: str,
                 combo: Combo) -> None:
    """Compare the renderer's router/chart/card bodies with the ones replay.py builds for the same view."""
    store = combo.store()
    for body in bodies:
        if body.get("output") == cbs.chart.output:
            chart_id = body["outputs"][0]["id"]["chart"]
            mine = cbs.chart_body(chart_id, store)
        elif body.get("output") == cbs.cards.output:
            mine = cbs.cards_body(body["outputs"]["id"]["page"], store)
        elif body.get("output") == cbs.router.output:
            mine = cbs.router_body(path, combo.query_string())
        else:
            continue
        result.bodies_checked += 1
        if mine == body:
            result.bodies_matching += 1
        elif len(result.body_mismatches) < 3:
            result.body_mismatches.append(f"browser {json.dumps(body)[:400]} / ours {json.dumps(mine)[:400]}")


def _expected_text(filters: Filters) -> str:
    return describe(filters)


def plan_changes(start: Combo, first, last, n: int, seed: int) -> list[tuple[str, str, Filters]]:
    """Return `n` single-control changes (control, value, filters after) from `start`, seeded."""
    rng = random.Random(seed)
    # Presets starting before the data's first month are left out: the From dropdown has no such month,
    # drops the value and the app falls back to the last 12 months (reported as an app bug).
    presets = [o["value"] for o in period_presets(first, last)
               if o["value"] != "custom" and o["value"].split("|")[0] >= month_label(first)]
    current = start.filters()
    plan = []
    controls = ("grain", "age_band", "preset")
    for i in range(n):
        control = controls[i % len(controls)]
        if control == "grain":
            value = rng.choice([g for g in ("month", "quarter", "fy") if g != current.grain])
            after = Filters(current.age_band, current.period, value)
        elif control == "age_band":
            value = rng.choice([b for b in ("all", "0-17", "18-25", "26-64", "65+") if b != current.age_band])
            after = Filters(value, current.period, current.grain)
        else:
            here = f"{month_label(current.period.start)}|{month_label(current.period.end)}"
            value = rng.choice([p for p in presets if p != here])
            s, e = value.split("|")
            after = Filters(current.age_band, Period.from_months(s, e), current.grain)
        plan.append((control, value, after))
        current = after
    return plan


def _click_option(driver: webdriver.Chrome, dropdown_id: str, value: str) -> Any:
    driver.find_element(By.ID, dropdown_id).click()
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline:
        options = driver.find_elements(By.CSS_SELECTOR, f"label[role=option] input[value='{value}']")
        if options:
            return options[0]
        time.sleep(0.02)
    raise TimeoutError(f"option {value!r} of {dropdown_id} did not appear")


def browse_page(base: str, path: str, page_id: str, start: Combo, first, last, n_charts: int, n_cards: int,
                cbs: AppCallbacks, n_changes: int = 10, seed: int = 0, timeout: float = 150.0,
                budget: float = 300.0) -> BrowserPage:
    """Open a page in headless Chromium, measure its transfer size and ~n timed filter changes.

    Bounded: each wait by `timeout` seconds; no new change starts once `budget` seconds
    have passed since the page was opened (at least three are made).
    """
    result = BrowserPage(page_id)
    driver = None
    opened = time.perf_counter()
    try:
        driver = make_driver()
        driver.set_page_load_timeout(timeout)
        driver.set_script_timeout(timeout)
        try:  # WebDriver's own HTTP timeout must outlast a renderer that is busy for `timeout` seconds
            driver.command_executor.client_config.timeout = timeout + 30
        except AttributeError:
            pass
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        driver.get(base + path + start.query_string())
        # First load: from navigation start (t0 = 0) to everything drawn.
        driver.execute_script(WATCH_JS, _expected_text(start.filters()), n_charts, n_cards, False)
        driver.execute_script("window.__bench.t0 = 0;")
        ms = _wait(driver, timeout)
        # Bytes on the wire are counted even when drawing has not finished (every request has by then).
        entries = driver.execute_script(RESOURCES_JS)
        all_entries = entries["nav"] + entries["res"]
        result.transfer_bytes = int(sum(e["enc"] or 0 for e in all_entries))
        result.decoded_bytes = int(sum(e["dec"] or 0 for e in all_entries))
        result.largest = sorted(((e["name"].split("?")[0].rsplit("/", 1)[-1], int(e["enc"] or 0)) for e in all_entries),
                                key=lambda t: -t[1])[:5]
        check_bodies(result, _captured_bodies(driver), cbs, path, start)
        if ms is None:
            raise TimeoutError(f"first load did not finish drawing within {timeout:.0f} s")
        result.first_load_ms = ms

        for i, (control, value, after) in enumerate(plan_changes(start, first, last, n_changes, seed)):
            if i >= 3 and time.perf_counter() - opened > budget:
                result.error = f"browser budget of {budget:.0f} s spent after {i} changes"
                break
            record: dict[str, Any] = {"control": control, "value": value}
            try:
                if control == "grain":
                    target = driver.find_element(By.CSS_SELECTOR, f"label[for='_dbcprivate_radioitems_filter-grain_input_{value}']")
                    driver.execute_script(WATCH_JS, _expected_text(after), n_charts, n_cards, True)
                    target.click()
                else:
                    option = _click_option(driver, "filter-age-band" if control == "age_band" else "filter-preset", value)
                    label = option.find_element(By.XPATH, "./ancestor::label[1]")
                    driver.execute_script(WATCH_JS, _expected_text(after), n_charts, n_cards, True)
                    label.click()
                ms = _wait(driver, timeout)
                if ms is None:
                    record["error"] = "timeout"
                else:
                    record["ms"] = ms
            except (WebDriverException, TimeoutError, urllib3.exceptions.HTTPError, OSError) as exc:
                record["error"] = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"
            result.changes.append(record)
    except (WebDriverException, TimeoutError, urllib3.exceptions.HTTPError, OSError) as exc:
        result.error = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:300]}"
    finally:
        if driver is not None:
            try:
                driver.quit()
            except WebDriverException:
                pass
    return result
