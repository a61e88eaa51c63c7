"""Discharges: follow-up, delayed transfers, returns to A&E, deaths."""
from __future__ import annotations

import numpy as np

from dashboard.extracts.generate.constants import (
    AE_RETURN_TARGET, DAY, DELAY_DAYS, DELAY_P, DEST, DEST_DIED, DEST_OTHER_HOSP, HOUR, NONE, ORG_BY_REASON,
    REASON_BY_DEST, _ix,
)
from dashboard.extracts.generate.helpers import Window, _cat_by, _ln, _next_within, _whole
from dashboard.extracts.generate.people import People
from dashboard.extracts.generate.events import AeBlock, Sites, _ae_block
from dashboard.extracts.generate.stays import Stays, _readmission_base

def _followup(rng: np.random.Generator, s: Stays, ooa: np.ndarray) -> np.ndarray:
    """First community contact: ~78% within 72 hours, some later, some never."""
    n = len(s.admitted)
    u = rng.random(n)
    within = np.where(ooa, 0.70, 0.785)
    soon = s.discharged + _whole(72 * HOUR * rng.beta(1.3, 2.2, n), 30)
    later = s.discharged + _whole(rng.uniform(72 * HOUR + 1, 28 * DAY, n))
    fu = np.where(u < within, soon, np.where(u < within + 0.12, later, NONE))
    return np.where((s.dest == DEST_DIED) | ((s.dest == DEST_OTHER_HOSP) & (rng.random(n) < 0.8)), NONE, fu)


def _delays(rng: np.random.Generator, s: Stays, win: Window) -> dict[str, np.ndarray]:
    """Delayed transfers at the end of long stays: more for older adults."""
    n = len(s.admitted)
    adm_day = s.admitted // DAY
    dis_day = s.discharged // DAY
    nights = dis_day - adm_day
    p = np.array([DELAY_P[t] for t in range(4)])[s.ward_type] * np.minimum(1.0, nights / 40)
    length = _whole(_ln(rng, np.array([DELAY_DAYS[t] for t in range(4)])[s.ward_type], 0.9, n), 1)
    length = np.minimum(length, nights - 1)
    i = np.flatnonzero((rng.random(n) < p) & (nights >= 3) & (length >= 1))
    start = dis_day[i] - length[i]
    keep = start < win.extract_day  # a delay that has not started yet is not recorded
    i, start = i[keep], start[keep]
    end = np.where(s.discharged[i] < win.extract_min, dis_day[i], NONE)
    reason = _cat_by(rng, REASON_BY_DEST, s.dest[i])
    org = _cat_by(rng, ORG_BY_REASON, reason)
    return dict(stay=i, person=s.person[i], age=s.age[i], start=start, end=end, reason=reason, org=org)


def _ae_returns(rng: np.random.Generator, people: People, s: Stays, ae: AeBlock, win: Window,
                sites: Sites) -> AeBlock:
    """Top up A&E attendances within 30 days of discharge to about 8% of discharges."""
    base = _readmission_base(s, win)
    natural = float(_next_within(s.person[base], s.discharged[base], ae.person, ae.arrival, 30 * DAY).mean()) \
        if base.any() else 0.0
    p = float(np.clip((AE_RETURN_TARGET - natural) / max(1e-9, 1 - natural), 0.0, 0.3))
    i = np.flatnonzero(base & (rng.random(len(base)) < p))
    arrival = s.discharged[i] + _whole(30 * DAY * rng.beta(1.0, 1.6, len(i)), 3 * HOUR)
    i, arrival = i[arrival < win.extract_min], arrival[arrival < win.extract_min]
    block = _ae_block(rng, people, arrival, sites, win.start_day, person=s.person[i].copy(),
                      allow_admit=False)
    return block


def _fix_deaths(s: Stays, last_event: np.ndarray) -> None:
    """A person who died in hospital has no later events: otherwise record another destination."""
    died = s.dest == DEST_DIED
    s.dest[died & (last_event[s.person] > s.discharged)] = _ix(DEST, "other")
