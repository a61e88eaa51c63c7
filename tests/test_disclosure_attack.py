"""An attacker with the app's own answers: no hidden count may be worked out exactly (protected view).

The attacker asks the app what one user can ask it, through the same functions the callbacks
call (``cards.card_values``, ``charts.render``), on the generated data:

- every contiguous period of a window of months, for every age band, on every page's cards
  (and each card's "previous period"): overlapping periods, m-k..m against m-k..m-1;
- one age band against all ages: all ages is the sum of the four bands;
- the month-by-month tables of the trend charts beside the cards (a card against a chart);
- rate cards beside the count card of their denominator (a card against a card);
- a table's rate beside its counts (the site table's four-hour % against attendances and
  departures not recorded; the ethnicity table's custody % against detentions).

Every answer becomes an interval constraint on the true counts (``disclosure.interval``: the
values a shown '*', 0 or rounded count stands for), and an interval-constraint solver
propagates them to a fixed point. A hidden count is recovered when its interval shrinks to one
value. The same attacker run against the withdrawn 'local' rule (exact counts of 8 and more)
recovers hidden counts: the attack can fail.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from dashboard.core.disclosure import SUPPRESSED, Policy, interval
from dashboard.core.filters import Filters
from dashboard.core.metrics import METRICS
from dashboard.core.periods import Period, add_months, parse_month

pytestmark = pytest.mark.slow  # minutes of answers collected and intersected: the fast lane skips it

BANDS = ("0-17", "18-25", "26-64", "65+")
THRESHOLD, BASE = 8, 5
PROTECTED = Policy(THRESHOLD, "national", BASE)
WINDOW = [add_months(parse_month("2025-01"), i) for i in range(6)]  # the periods asked about
TREND_CHARTS = ("pos-place-mix", "pos-conveyance", "pos-over-limit", "pos-under18")


class LocalRule(Policy):
    """The withdrawn 'local' rule (1..7 '*', every other count exact): the attacker's control."""

    def __init__(self) -> None:
        object.__setattr__(self, "threshold", THRESHOLD)
        object.__setattr__(self, "rule", "national")
        object.__setattr__(self, "base", 1)
        object.__setattr__(self, "view", "protected")

    def pct(self, numerator: Any, denominator: Any, hide_small_numerator: bool = False) -> Any:
        den, num = int(denominator or 0), int(numerator or 0)
        if den == 0:
            return None
        return SUPPRESSED if den < THRESHOLD else 100.0 * num / den


def shown_interval(shown: Any, policy: Policy) -> tuple[int, int]:
    """Return the true values a shown count stands for under `policy` (what the attacker knows of the rule)."""
    return interval(shown, policy.threshold, policy.base)


@dataclass
class Attacker:
    """Interval constraints on true counts per (column, band, month); bounds propagation to a fixed point."""

    policy: Policy
    index: dict[tuple[str, str, date], int] = field(default_factory=dict)
    constraints: list[tuple[tuple[int, ...], int, int]] = field(default_factory=list)
    hidden: set[tuple[str, str, date]] = field(default_factory=set)
    counts: dict[tuple[str, str, date, date], Any] = field(default_factory=dict)

    def var(self, column: str, band: str, month: date) -> int:
        return self.index.setdefault((column, band, month), len(self.index))

    def cells(self, column: str, band: str, start: date, end: date) -> tuple[int, ...]:
        months = [add_months(start, i) for i in range((end.year - start.year) * 12 + end.month - start.month + 1)]
        bands = BANDS if band == "all" else (band,)
        return tuple(self.var(column, b, m) for b in bands for m in months)

    def count(self, column: str, band: str, start: date, end: date, shown: Any) -> None:
        """Learn a shown count: the sum of its cells lies in the shown value's interval."""
        if shown is None:
            return
        self.counts[(column, band, start, end)] = shown
        low, high = shown_interval(shown, self.policy)
        self.constraints.append((self.cells(column, band, start, end), low, high))
        if shown == SUPPRESSED and start == end and band != "all":
            self.hidden.add((column, band, start))

    def rate(self, numerator: str, denominator: str, band: str, start: date, end: date, shown: Any) -> None:
        """Learn a shown rate beside its shown denominator: the numerator's possible values."""
        den = self.counts.get((denominator, band, start, end))
        if shown is None or den is None or den == SUPPRESSED or den == 0:
            return
        d_low, d_high = shown_interval(den, self.policy)
        candidates = [n for d in range(d_low, d_high + 1) for n in range(0, d + 1)
                      if self.policy.pct(n, d) == shown]
        if candidates:
            self.constraints.append((self.cells(numerator, band, start, end), min(candidates), max(candidates)))

    def solve(self, rounds: int = 60) -> tuple[list[int], list[int]]:
        """Return the lowest and highest value of every cell consistent with all constraints (propagated)."""
        low, high = [0] * len(self.index), [10 ** 9] * len(self.index)
        for _ in range(rounds):
            changed = False
            for cells, c_low, c_high in self.constraints:
                sum_low = sum(low[c] for c in cells)
                sum_high = sum(high[c] for c in cells)
                for c in cells:
                    new_low = max(low[c], c_low - (sum_high - high[c]))
                    new_high = min(high[c], c_high - (sum_low - low[c]))
                    if new_low != low[c] or new_high != high[c]:
                        sum_low += new_low - low[c]
                        sum_high += new_high - high[c]
                        low[c], high[c] = new_low, new_high
                        changed = True
            if not changed:
                break
        return low, high

    def recovered(self) -> list[str]:
        """Return every hidden single-month count of one band that the constraints pin to one value."""
        low, high = self.solve()
        return [f"{column} {band} {month:%Y-%m} = {low[self.index[(column, band, month)]]}"
                for column, band, month in sorted(self.hidden)
                if low[self.index[(column, band, month)]] == high[self.index[(column, band, month)]]]


def _pages():
    from tests.test_disclosure_walk import _register_pages

    _register_pages()
    from dashboard.web.components import PAGES

    return PAGES


def periods_and_cards(attacker: Attacker, db) -> None:
    """Ask every page's cards for every period of the window, every band (and each card's previous period)."""
    from dashboard.web.cards import card_values

    pages = _pages()
    rates = []
    for page in pages.values():
        for band, (i, j) in itertools.product(("all", *BANDS), itertools.combinations_with_replacement(range(6), 2)):
            period = Period(WINDOW[i], WINDOW[j])
            before = period.previous()
            for card in card_values(page.cards, Filters(band, period, "month"), db, attacker.policy):
                metric = METRICS[card.key]
                for shown, span in ((card.value, period), (card.previous, before)):
                    if metric.kind == "count":
                        attacker.count(metric.value, band, span.start, span.end, shown)
                    elif metric.kind == "pct" and not metric.band_all_only:
                        rates.append((metric.value, metric.denominator, band, span.start, span.end, shown))
    for rate in rates:  # after every count is known: a rate is read beside its denominator's card
        attacker.rate(*rate)


def trend_tables(attacker: Attacker, db) -> None:
    """Read the month-by-month tables of the trend charts (a card against a chart)."""
    from dashboard.web.charts import CHARTS, render

    for chart_id, band in itertools.product(TREND_CHARTS, ("all", *BANDS)):
        chart = CHARTS[chart_id]
        for period in (Period(WINDOW[0], WINDOW[-1]), Period(WINDOW[0], WINDOW[-1]).previous()):
            rendered = render(chart_id, Filters(band, period, "month"), db=db, policy=attacker.policy)
            if rendered.empty:
                continue
            months = [add_months(period.start, k) for k in range(period.months)]
            for f in chart.fields:
                if f.kind != "count":
                    continue
                for month, shown in zip(months, rendered.table[f.label]):
                    attacker.count(f.name, band, month, month, shown)


def attack(policy: Policy, db) -> Attacker:
    _pages()
    attacker = Attacker(policy)
    trend_tables(attacker, db)
    periods_and_cards(attacker, db)
    return attacker


def _attack_on(generated_data, policy: Policy) -> Attacker:
    from dashboard.store import runtime
    from dashboard.store.data import clear_cache

    clear_cache()
    try:
        return attack(policy, runtime.configure(generated_data))
    finally:
        clear_cache()


@pytest.fixture(scope="module")
def protected_attack(generated_data) -> Attacker:
    """Return the attacker after asking everything of the protected view."""
    return _attack_on(generated_data, PROTECTED)


@pytest.fixture(scope="module")
def local_attack(generated_data) -> Attacker:
    """Return the attacker after asking everything under the withdrawn local rule."""
    return _attack_on(generated_data, LocalRule())


def test_the_attacker_meets_hidden_counts_and_wins_against_the_local_rule(local_attack):
    local = local_attack
    assert len(local.hidden) > 50, "the generated data must give the attacker hidden counts to go after"
    assert len(local.recovered()) > 10, "the attacker must be able to win: it recovers counts under the local rule"


def test_no_hidden_count_is_recovered_from_overlapping_periods_bands_cards_and_charts(protected_attack):
    attacker = protected_attack
    assert len(attacker.hidden) > 50 and len(attacker.constraints) > 3000
    assert attacker.recovered() == []


# --- a table's precision against its own counts ------------------------------------------------------

def candidates_from_site_row(policy: Policy, attendances: Any, not_recorded: Any, pct_4h: Any) -> set[int]:
    """Return every 'departure not recorded' count consistent with one row of the site table.

    Within four hours is a share of the departures recorded, attendances minus those not recorded.
    """
    found = set()
    a_low, a_high = shown_interval(attendances, policy)
    d_low, d_high = shown_interval(not_recorded, policy)
    for a in range(a_low, a_high + 1):
        for d in range(d_low, min(d_high, a) + 1):
            recorded = a - d
            if pct_4h is None and recorded == 0 or any(policy.pct(w, recorded) == pct_4h
                                                        for w in range(0, recorded + 1)):
                found.add(d)
    return found


def candidates_from_rate_row(policy: Policy, denominator: Any, rate: Any) -> set[int]:
    """Return every numerator consistent with a row's shown denominator and rate."""
    d_low, d_high = shown_interval(denominator, policy)
    return {n for d in range(d_low, d_high + 1) for n in range(0, d + 1) if policy.pct(n, d) == rate}


def table_precision_recoveries(policy: Policy, db) -> tuple[int, list[str]]:
    """Return (hidden cells met, cells recovered) for the site table and the ethnicity table, month by month."""
    from dashboard.web.charts import CHARTS, render

    _pages()
    met, recovered = 0, []
    for band, month in itertools.product(("all", *BANDS), WINDOW):
        filters = Filters(band, Period(month, month), "month")
        sites = CHARTS["uec-sites"].data(db, filters)
        shown = render("uec-sites", filters, db=db, policy=policy).table
        for row, raw in zip(shown.itertuples(index=False), sites.itertuples(index=False)):
            attendances, _, _, _, not_recorded = row[1], row[2], row[3], row[4], row[5]
            if not_recorded != SUPPRESSED:
                continue
            met += 1
            found = candidates_from_site_row(policy, attendances, not_recorded, row[2])
            if found == {raw.departure_not_recorded}:
                recovered.append(f"uec-sites {band} {month:%Y-%m} {raw.site}: {raw.departure_not_recorded}")
        ethnic = CHARTS["pos-ethnicity"].data(db, filters)
        shown = render("pos-ethnicity", filters, db=db, policy=policy).table
        for row, raw in zip(shown.itertuples(index=False), ethnic.itertuples(index=False)):
            if not 0 < raw.police_custody < THRESHOLD or row[1] in (SUPPRESSED, 0):
                continue
            met += 1
            if candidates_from_rate_row(policy, row[1], row[2]) == {raw.police_custody}:
                recovered.append(f"pos-ethnicity {band} {month:%Y-%m} {raw.label}: {raw.police_custody}")
    return met, recovered


def test_a_tables_rate_does_not_give_back_a_hidden_count_beside_it(generated_data, app_db):
    met, recovered = table_precision_recoveries(PROTECTED, app_db)
    assert met >= 5 and recovered == []
    # The same reading recovers them under the local rule's full-precision rates.
    assert table_precision_recoveries(LocalRule(), app_db)[1]
