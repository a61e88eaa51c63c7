"""Stays: admission requests made into ward stays, without overlaps, with readmissions."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard.extracts.generate.constants import (
    ADULT, CAMHS, DAY, DEST_BY_TYPE, DEST_DIED, DEST_OTHER_HOSP, DETAINED_BY_SOURCE, DETAINED_BY_TYPE,
    DISCHARGE_HOURS, HOUR, LONG_STAY_P, LOS, NONE, OLDER, PICU, READMIT_SOURCE_P, READMIT_TARGET, SAME_DAY_P,
    SRC_S136, SRC_TRANSFER,
)
from dashboard.extracts.generate.helpers import Window, _cat, _cat_by, _ln, _next_within, _whole
from dashboard.extracts.generate.people import People
from dashboard.extracts.generate.events import Requests

@dataclass
class Stays:
    """Ward stays (true discharge times; open stays are those discharged after the extract date)."""

    person: np.ndarray
    admitted: np.ndarray
    discharged: np.ndarray
    source: np.ndarray
    legal: np.ndarray
    anchor: np.ndarray
    linked: np.ndarray
    age: np.ndarray
    ward_type: np.ndarray
    dest: np.ndarray

    def take(self, keep: np.ndarray) -> Stays:
        """Return the rows where `keep`."""
        return Stays(**{k: v[keep] for k, v in vars(self).items()})

    @staticmethod
    def concat(parts: list[Stays]) -> Stays:
        """Concatenate stays."""
        return Stays(**{k: np.concatenate([vars(p)[k] for p in parts]) for k in vars(parts[0])})


def _make_stays(rng: np.random.Generator, people: People, req: Requests) -> Stays:
    """Ward type, legal status, length of stay and destination for each admission."""
    n = len(req.admitted)
    day = req.admitted // DAY
    age = people.age_at(req.person, day)
    u = rng.random(n)
    # PICU takes (almost only) detained adults; an admission known to be informal never goes there.
    picu_p = np.where(req.legal == 0, 0.0, np.where((req.source <= SRC_S136) | (req.legal == 1), 0.09, 0.06))
    wtype = np.where(age < 18, CAMHS, np.where(age >= 65, np.where(u < 0.85, OLDER, ADULT),
                                               np.where(u < picu_p, PICU, ADULT)))
    # PICU beds are often reached by transfer from an acute ward.
    source = np.where(~req.linked & (wtype == PICU) & (rng.random(n) < 0.5), SRC_TRANSFER, req.source)
    p_det = np.where(wtype == PICU, 0.97, DETAINED_BY_SOURCE[source] * DETAINED_BY_TYPE[wtype])
    legal = np.where(req.legal >= 0, req.legal, (rng.random(n) < p_det).astype(np.int64))

    med = np.array([LOS[t][0] for t in range(4)])[wtype]
    sig = np.array([LOS[t][1] for t in range(4)])[wtype]
    nights = med * np.exp(sig * rng.standard_normal(n))
    u = rng.random(n)
    nights = np.where(u < LONG_STAY_P, _ln(rng, 500, 0.6, n), nights)
    nights = np.where(u > 1 - SAME_DAY_P, 0.0, nights).astype(np.int64)
    # A same-day discharge lasts a few hours; one admitted late in the evening stays the night.
    stay_len = rng.integers(HOUR, 8 * HOUR, n)
    late = (req.admitted % DAY) + stay_len >= DAY
    nights = np.where((nights == 0) & late, 1, nights)
    dis_time = (day + nights) * DAY + _cat(rng, DISCHARGE_HOURS, n) * HOUR + rng.integers(0, 60, n)
    discharged = np.where(nights == 0, req.admitted + stay_len, np.maximum(dis_time, req.admitted + HOUR))
    dest = _cat_by(rng, DEST_BY_TYPE, wtype)
    return Stays(person=req.person, admitted=req.admitted, discharged=discharged, source=source,
                 legal=legal, anchor=req.anchor, linked=req.linked, age=age, ward_type=wtype, dest=dest)


def _resolve_overlaps(rng: np.random.Generator, s: Stays) -> Stays:
    """Nobody is in two beds at once.

    When a person's next pathway (A&E arrival, detention, admission) starts while an
    earlier stay is still open, the earlier stay ends shortly before it (a discharge,
    then a crisis). If the next pathway began before the earlier stay was even
    admitted, the stay that no other extract refers to is dropped.
    """
    keep = np.ones(len(s.admitted), dtype=bool)
    dis = s.discharged.copy()
    for _ in range(6):
        idx = np.flatnonzero(keep)
        order = idx[np.lexsort((s.anchor[idx], s.person[idx]))]
        i, j = order[:-1], order[1:]
        clash = (s.person[i] == s.person[j]) & (dis[i] > s.anchor[j])
        if not clash.any():
            break
        i, j = i[clash], j[clash]
        room = s.anchor[j] - s.admitted[i]
        ok = room > 2 * HOUR
        gap = np.minimum(rng.integers(30, DAY, len(i)), room // 2)
        dis[i[ok]] = s.anchor[j[ok]] - gap[ok]
        bi, bj = i[~ok], j[~ok]
        keep[bi[~s.linked[bi]]] = False
        keep[bj[s.linked[bi] & ~s.linked[bj]]] = False
        both = s.linked[bi] & s.linked[bj]  # two linked pathways at once: vanishingly rare
        dis[bi[both]] = np.maximum(s.admitted[bi[both]] + 30, np.minimum(dis[bi[both]], s.anchor[bj[both]]))
    out = s.take(keep)
    out.discharged = dis[keep]
    return out


def _readmission_base(s: Stays, win: Window) -> np.ndarray:
    """Discharges that count for readmission: in the window, not died or to another hospital."""
    return ((s.discharged >= win.start_day * DAY) & (s.discharged < win.extract_min)
            & (s.dest != DEST_DIED) & (s.dest != DEST_OTHER_HOSP))


def _readmitted(s: Stays, base: np.ndarray) -> np.ndarray:
    """Whether each stay in `base` is followed by a non-transfer admission within 30 days."""
    nt = s.source != SRC_TRANSFER
    return _next_within(s.person[base], s.discharged[base], s.person[nt], s.admitted[nt], 30 * DAY)


def _add_readmissions(rng: np.random.Generator, people: People, s: Stays, win: Window) -> Stays:
    """Top up 30-day readmissions to about 10% of discharges, two rounds deep.

    Frequent attenders already come back by chance; only the shortfall is added.
    """
    base = _readmission_base(s, win)
    natural = float(_readmitted(s, base).mean()) if base.any() else 0.0
    p = float(np.clip((READMIT_TARGET - natural) / max(1e-9, 1 - natural), 0.0, 0.3))
    parts, current = [s], s
    for _ in range(2):
        eligible = (current.dest != DEST_DIED) & (current.dest != DEST_OTHER_HOSP) & \
                   (current.discharged < win.extract_min)
        i = np.flatnonzero(eligible & (rng.random(len(current.dest)) < p))
        # Most readmissions come in the first fortnight.
        gap = _whole(30 * DAY * rng.beta(0.9, 1.8, len(i)), 2 * HOUR)
        adm = current.discharged[i] + gap
        i, adm = i[adm < win.extract_min], adm[adm < win.extract_min]
        req = Requests(person=current.person[i], admitted=adm, source=_cat(rng, READMIT_SOURCE_P, len(i)),
                       legal=np.full(len(i), NONE), anchor=adm, linked=np.zeros(len(i), dtype=bool))
        current = _make_stays(rng, people, req)
        parts.append(current)
    return _resolve_overlaps(rng, Stays.concat(parts))
