"""Wards and capacity: wards planned to sit slightly below demand, stays placed in them, a closure."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard.extracts.generate.constants import (
    ADULT, BED_RATIO, DAY, DEST_OTHER_HOSP, HOUR, MIN_WARDS, NONE, SRC_TRANSFER, STAFFED_SHARE, UNIT_NAMES,
    WARD_SIZE, WARD_WORDS,
)
from dashboard.extracts.generate.helpers import Window, _cat, _month_start, _ymd, month_at
from dashboard.extracts.generate.people import People
from dashboard.extracts.generate.stays import Stays

@dataclass
class WardPlan:
    """Named wards in each area: beds, validity, and the ones that open, close or change beds."""

    group: np.ndarray  # area * 4 + ward type, per ward (wards are in group order)
    beds: np.ndarray
    beds_after: np.ndarray  # beds from change_day (differs only for the changing ward)
    valid_from: np.ndarray
    valid_to: np.ndarray  # NONE = still open
    change_day: int
    rundown_day: int  # the closing ward admits nobody from this day
    closing: int
    changing: int
    names: list[str]
    staffed: np.ndarray  # share of each ward's commissioned beds it can use (at least one bed)

    def beds_on(self, day: int) -> np.ndarray:
        """Beds of each ward that can take an admission on `day` (the staffed ones)."""
        valid = (self.valid_from <= day) & ((self.valid_to == NONE) | (day <= self.valid_to))
        beds = np.where(day >= self.change_day, self.beds_after, self.beds)
        beds = np.where(valid, np.maximum(1, np.rint(beds * self.staffed)).astype(np.int64), 0)
        if day >= self.rundown_day:
            beds[self.closing] = 0
        return beds


def _ward_names(rng: np.random.Generator, n: int) -> list[str]:
    """Unique plausible ward names: '<Word> Ward, <Unit>', eight wards to a unit."""
    words = [WARD_WORDS[i] for i in rng.permutation(len(WARD_WORDS))]
    names = []
    for k in range(n):
        unit_i = k // 8
        unit = UNIT_NAMES[unit_i % len(UNIT_NAMES)]
        if unit_i >= len(UNIT_NAMES):  # national scale: numbered units
            unit = f"{unit} {unit_i // len(UNIT_NAMES) + 1}"
        names.append(f"{words[k % len(words)]} Ward, {unit}")
    return names


def _nights_in(adm_day: np.ndarray, dis_day: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Nights d with adm_day <= d < dis_day and lo <= d < hi."""
    return np.maximum(0, np.minimum(dis_day, hi) - np.maximum(adm_day, lo))


def _plan_wards(rng: np.random.Generator, s: Stays, group: np.ndarray, n_groups: int, win: Window) -> WardPlan:
    """Size each area's wards a little short of the demand for beds (beds are always short).

    Each ward can use only a share of its beds (``STAFFED_SHARE``), so wards are commissioned
    that much larger and their occupancy differs; the beds in use still fall short of demand.

    In the first area one adult ward is re-provided: a new ward opens mid-window and
    an old one closes a few months later; another adult ward gains beds.
    """
    adm_day = s.admitted // DAY
    dis_day = np.minimum(s.discharged, win.extract_min) // DAY
    nights = _nights_in(adm_day, dis_day, win.start_day, win.extract_day)
    demand = np.bincount(group, weights=nights, minlength=n_groups) / win.n_days
    base_from = _month_start(int(_ymd(np.array([win.warm_day]))[0][0]) - 1, 4)

    open_day, close_day, change_day = month_at(win, 0.50), month_at(win, 0.60) - 1, month_at(win, 0.75)
    grp, beds, vf, vt, staffed = [], [], [], [], []
    lo, hi = STAFFED_SHARE
    for g in range(n_groups):
        wt = g % 4
        first_adult = g == ADULT  # group 0 * 4 + ADULT: the first area's adult wards
        cap = demand[g] * BED_RATIO[wt] / ((lo + hi) / 2)
        n_w = max(MIN_WARDS[wt] if first_adult else 1, int(round(cap / WARD_SIZE[wt])))
        w = rng.uniform(0.75, 1.25, n_w)
        b = np.maximum(1, np.rint(cap * w / w.sum())).astype(np.int64)
        grp += [g] * n_w
        beds += list(b)
        vf += [base_from] * n_w
        vt += [NONE] * n_w
        staffed += list(rng.uniform(lo, hi, n_w))
        if first_adult:  # ward 0 closes, a new ward of its size opens before it does, ward 1 gains beds
            vt[0] = close_day
            grp.append(g)
            beds.append(beds[0])
            vf.append(open_day)
            vt.append(NONE)
            staffed.append(hi)  # the new ward opens fully staffed
    beds_arr = np.array(beds, dtype=np.int64)
    after = beds_arr.copy()
    after[1] += max(1, int(round(0.2 * beds_arr[1])))
    return WardPlan(group=np.array(grp, dtype=np.int64), beds=beds_arr, beds_after=after,
                    valid_from=np.array(vf, dtype=np.int64), valid_to=np.array(vt, dtype=np.int64),
                    change_day=change_day, rundown_day=close_day - 60, closing=0, changing=1,
                    names=_ward_names(rng, len(beds)), staffed=np.array(staffed))


def _place_stays(rng: np.random.Generator, s: Stays, group: np.ndarray, plan: WardPlan, win: Window) -> np.ndarray:
    """Admit each stay, day by day, to a free bed in its area; none free: out of area (-1).

    A loop over days (a few thousand), vectorised over the day's admissions and wards:
    free beds become slots, shuffled within each area and ward type, and the day's
    admissions take them in turn.
    """
    n, n_groups = len(s.admitted), int(plan.group.max()) + 1
    first, n_total = win.warm_day, win.extract_day - win.warm_day
    adm = s.admitted // DAY - first
    dis = np.minimum(s.discharged // DAY - first, n_total)
    order = np.lexsort((rng.random(n), group, adm))
    day_start = np.searchsorted(adm[order], np.arange(n_total + 1))
    n_wards = len(plan.group)
    leaving = np.zeros((n_total + 1, n_wards), dtype=np.int32)
    running = np.zeros(n_wards, dtype=np.int64)
    ward_of = np.full(n, NONE, dtype=np.int64)
    for d in range(n_total):
        running -= leaving[d]
        lo, hi = day_start[d], day_start[d + 1]
        if lo == hi:
            continue
        idx = order[lo:hi]
        free = np.maximum(plan.beds_on(first + d) - running, 0)
        cnt = np.bincount(plan.group, weights=free, minlength=n_groups).astype(np.int64)
        slots = np.repeat(np.arange(n_wards), free)
        slots = slots[np.lexsort((rng.random(len(slots)), plan.group[slots]))]
        g = group[idx]
        rank = np.arange(len(idx)) - np.searchsorted(g, g, side="left")
        ok = rank < cnt[g]
        w = slots[(np.cumsum(cnt) - cnt)[g[ok]] + rank[ok]]
        ward_of[idx[ok]] = w
        night = dis[idx[ok]] > d  # a same-day discharge never holds a bed overnight
        np.add.at(running, w[night], 1)
        np.add.at(leaving, (dis[idx[ok]][night], w[night]), 1)
    return ward_of


def _closure_transfers(rng: np.random.Generator, people: People, s: Stays, ward_of: np.ndarray,
                       plan: WardPlan) -> tuple[Stays, np.ndarray]:
    """Patients still on the closing ward move to another ward: one stay ends, a transfer begins."""
    c = plan.closing
    close = int(plan.valid_to[c])
    i = np.flatnonzero((ward_of == c) & (s.discharged // DAY > close))
    k = len(i)
    moved_at = close * DAY + 10 * HOUR + rng.integers(0, 60, k)
    admitted = moved_at + rng.integers(30, 120, k)
    new = Stays(person=s.person[i], admitted=admitted, discharged=s.discharged[i], source=np.full(k, SRC_TRANSFER),
                legal=s.legal[i], anchor=admitted, linked=np.zeros(k, dtype=bool),
                age=people.age_at(s.person[i], admitted // DAY), ward_type=s.ward_type[i], dest=s.dest[i])
    targets = np.flatnonzero((plan.group == plan.group[c]) & (plan.beds_on(close + 1) > 0))
    s.discharged[i] = moved_at
    s.dest[i] = DEST_OTHER_HOSP  # not a discharge: excluded from follow-up and readmission
    new_ward = targets[_cat(rng, plan.beds[targets].astype(float), k)]
    return Stays.concat([s, new]), np.concatenate([ward_of, new_ward])
