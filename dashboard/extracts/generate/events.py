"""Blocks of events: s136 detentions, A&E attendances, ward referrals and the admissions they request."""
from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from dashboard.extracts.generate.constants import (
    ADMIT_DOW, ADMIT_HOURS, ADMIT_MONTH, BG_SOURCE_P, CONV_BY_POS, CORE_BY_DISP, DAY, DETAINED_BY_SOURCE,
    DISP_BY_PRES, D_ADMIT_ACUTE, D_ADMIT_MH, D_COMMUNITY, D_CRISIS, D_HOME, D_LBT, D_OTHER, HOUR, LONG_STAY_P,
    LIAISON_1H_MEDIAN, LIAISON_DOW, LIAISON_HOURS, LONG_WAIT_P, LOS, LOUT_BY_DISP, MODE, MODE_BY_PRES, NONE, OCCUPIED_BEDS, OOA_SHARE, POS, POS_P, PRES,
    PRES_FEMALE, PRES_P, REFER_BY_DISP, S136_DOW, S136_GROWTH, S136_HOURS, S136_MONTH, S136_OUT_INTOX_P,
    S136_OUT_P, S136_RATE, SAME_DAY_P, SITE_LIAISON_SPREAD, SITE_WAIT_SPREAD, SRC_CRISIS, SRC_ED, SRC_OTHER, SRC_S136, TYPE_ADMIT_SHARE, URG, WARD_LIAISON_RATE,
    WARD_REF_DOW, WARD_REF_HOURS, WARMUP_SOURCE_P, WINTER, _ix,
)
from dashboard.extracts.generate.changes import Register
from dashboard.extracts.generate.helpers import (
    AE_AGE, IP_AGE, S136_AGE, WARD_REF_AGE, Window, _cat, _cat_by, _clashing, _daily_lambda, _dow,
    _event_times, _ln, _month, _whole,
)
from dashboard.extracts.generate.people import People

@dataclass
class AeBlock:
    """A&E attendances (true times; recording gaps are applied when written)."""

    person: np.ndarray
    arrival: np.ndarray
    departure: np.ndarray
    dta: np.ndarray
    mode: np.ndarray
    presentation: np.ndarray
    disposal: np.ndarray
    site: np.ndarray
    referred: np.ndarray
    urgency: np.ndarray
    referred_at: np.ndarray
    assessed_at: np.ndarray
    outcome: np.ndarray

    def __len__(self) -> int:
        return len(self.arrival)

    def take(self, keep: np.ndarray) -> AeBlock:
        """Return the rows where `keep`."""
        return AeBlock(**{k: v[keep] for k, v in vars(self).items()})

    @staticmethod
    def concat(blocks: list[AeBlock]) -> AeBlock:
        """Concatenate blocks."""
        return AeBlock(**{k: np.concatenate([vars(b)[k] for b in blocks]) for k in vars(blocks[0])})


@dataclass
class Requests:
    """Admission requests: who, when, from where, legal status if known, when the pathway began."""

    person: np.ndarray
    admitted: np.ndarray
    source: np.ndarray
    legal: np.ndarray  # -1 unknown, else index into LEGAL
    anchor: np.ndarray
    linked: np.ndarray  # another extract's row says this admission happened

    @staticmethod
    def concat(parts: list[Requests]) -> Requests:
        """Concatenate request sets."""
        return Requests(**{k: np.concatenate([vars(p)[k] for p in parts]) for k in vars(parts[0])})


@dataclass(frozen=True)
class Sites:
    """Emergency departments: relative size, and each one's factor on its waits and on its liaison team's response."""

    weight: np.ndarray
    wait: np.ndarray
    liaison: np.ndarray


def plan_sites(weight: np.ndarray, seed: int) -> Sites:
    """Return the sites' factors: lognormal quantiles, so any two sites differ, shuffled by a generator of their own.

    Quantiles rather than draws: four sites drawn at random can come out alike, and real
    departments do not. One site has factors of 1. Its own generator leaves every other draw as it was.
    """
    n = len(weight)
    z = np.array([NormalDist().inv_cdf((k + 0.5) / n) for k in range(n)])
    draw = np.random.Generator(np.random.PCG64([seed, 20]))
    return Sites(weight, np.exp(SITE_WAIT_SPREAD * z)[draw.permutation(n)],
                 np.exp(SITE_LIAISON_SPREAD * z)[draw.permutation(n)])


def _site_for(rng: np.random.Generator, people: People, person: np.ndarray, site_w: np.ndarray) -> np.ndarray:
    """Most people go to their local emergency department."""
    return np.where(rng.random(len(person)) < 0.85, people.home_site[person], _cat(rng, site_w, len(person)))


def _s136(rng: np.random.Generator, people: People, win: Window, population: int,
          site_w: np.ndarray, register: Register) -> tuple[dict[str, np.ndarray], AeBlock, Requests, np.ndarray]:
    """s136 detentions, the A&E attendances of those taken to an ED, and their admissions."""
    lam = _daily_lambda(win.start_day, win.n_days, S136_RATE * population / 1000 / 365.25,
                        S136_GROWTH, S136_MONTH, S136_DOW)
    t = _event_times(rng, win.start_day, lam, S136_HOURS)
    n = len(t)
    target_age, male = _cat(rng, S136_AGE, n), rng.random(n) < 0.60
    person = people.pick(rng, "s136", target_age, t // DAY, male)
    intox = rng.random(n) < 0.20
    hours = np.maximum(_ln(rng, 10.5, 0.55, n) * np.where(intox, 1.15, 1.0), 1.0)
    # Lawful extension (up to 36 hours) mostly for the long detentions; most others are
    # ended before the 24-hour limit, leaving a few over it.
    over = hours > 24
    extended = (over & (rng.random(n) < 0.6)) | (rng.random(n) < 0.01)
    u = rng.random(n)
    hours = np.where(extended & (hours > 36) & (u < 0.9), 26 + 10 * rng.random(n), hours)
    hours = np.where(~extended & over & (u < 0.8), 20 + 4 * rng.random(n), hours)
    hours = np.minimum(hours, 72.0)  # the longest over-limit detentions last a few days at most
    ended = t + _whole(hours * HOUR, 60)
    for _ in range(6):  # one person cannot be detained twice at once
        redo = _clashing(person, t, ended, np.ones(n, dtype=bool))
        if not len(redo):
            break
        person[redo] = people.pick(rng, "s136", target_age[redo], t[redo] // DAY, male[redo])
    age = people.age_at(person, t // DAY)
    # Under-18s go to police custody only very rarely (it is unlawful since 2017).
    pos_p = np.tile(POS_P, (2, 1))
    pos_p[1, 0] += pos_p[1, 2] * 0.8
    pos_p[1, 2] *= 0.2
    place = _cat_by(rng, pos_p, (age < 18).astype(np.int64))
    place = register.place_of_safety(place, t // DAY)  # the new health-based place (changes.py)
    conveyance = _cat_by(rng, CONV_BY_POS, place)
    assessed = t + _whole((ended - t) * rng.uniform(0.35, 0.85, n))
    outcome = np.where(intox, _cat(rng, S136_OUT_INTOX_P, n), _cat(rng, S136_OUT_P, n))
    det = dict(person=person, age=age, detained_at=t, place=place, conveyance=conveyance,
               assessed_at=assessed, ended_at=ended, extended=extended, intoxicated=intox,
               outcome=outcome, assess_missing=rng.random(n) < 0.025,
               end_missing=rng.random(n) < 0.025, outcome_missing=rng.random(n) < 0.01)

    # Street triage (changes.py) diverts some from a detention: their episode stays (A&E, admission).
    det["diverted"] = register.diverted(t // DAY)

    # Those taken to an emergency department are A&E attendances too.
    ed = np.flatnonzero(place == _ix(POS, "emergency_department"))
    k = len(ed)
    conveyed = np.minimum(_whole(_ln(rng, 25, 0.5, k), 5), 2 * HOUR)
    arrival = t[ed] + np.minimum(conveyed, (ended[ed] - t[ed]) // 2)
    arrival = np.minimum(arrival, win.extract_min - 1)  # detained just before midnight on the last day
    moved_on = rng.random(k) < 0.25  # moved to a health-based place of safety once medically fit
    departure = np.where(moved_on, arrival + _whole((ended[ed] - arrival) * rng.uniform(0.2, 0.8, k)),
                         ended[ed])
    out = outcome[ed]
    admitted = (out <= 1) & ~moved_on
    disp_by_out = np.array([D_ADMIT_MH, D_ADMIT_MH, D_CRISIS, D_COMMUNITY, D_HOME, D_OTHER])
    disposal = np.where(moved_on, D_OTHER, disp_by_out[out])
    dta = np.where(admitted, np.clip(assessed[ed] + _whole(_ln(rng, 45, 0.5, k)), arrival, departure), NONE)
    pres = np.where(intox[ed] & (rng.random(k) < 0.5), _ix(PRES, "intoxication"),
                    _cat(rng, np.array([0.15, 0.35, 0.35, 0.0, 0.0, 0.15]), k))
    mode = np.array([_ix(MODE, "ambulance"), _ix(MODE, "police"), _ix(MODE, "other")])[conveyance[ed]]
    none = np.full(k, NONE, dtype=np.int64)
    block = AeBlock(person=person[ed], arrival=arrival, departure=departure, dta=dta, mode=mode,
                    presentation=pres, disposal=disposal, site=_site_for(rng, people, person[ed], site_w),
                    referred=np.zeros(k, dtype=bool), urgency=none.copy(), referred_at=none.copy(),
                    assessed_at=none.copy(), outcome=none.copy())

    # Detentions ending in admission become stays of source s136.
    adm = np.flatnonzero(outcome <= 1)
    req = Requests(person=person[adm], admitted=_admit_after(ended[adm], _whole(_ln(rng, 30, 0.6, len(adm)), 5), win),
                   # diverted by street triage: admitted from the emergency department or the crisis team
                   source=np.where(det["diverted"][adm], np.where(place[adm] == _ix(POS, "emergency_department"),
                                                                   SRC_ED, SRC_CRISIS), SRC_S136), legal=(outcome[adm] == 1).astype(np.int64),
                   anchor=t[adm], linked=np.ones(len(adm), dtype=bool))
    return det, block, req, lam


def _ae_block(rng: np.random.Generator, people: People, arrival: np.ndarray, sites: Sites,
              win_start: int, person: np.ndarray | None = None, allow_admit: bool = True,
              busy: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> AeBlock:
    """A&E attendances at the given arrival times, with liaison and decision-to-admit times.

    With `person` None, people are picked to suit each presentation; attendances that
    would overlap another of the same person (or a `busy` interval, e.g. a detention)
    are given to someone else of the same age and sex, at the same department. Waits
    follow the department's factor; emergency liaison response, the team's factor and
    the hour and day of referral (slower at night and at weekends).
    """
    n = len(arrival)
    day = arrival // DAY
    pres = _cat(rng, PRES_P, n)
    target_age = np.zeros(n, dtype=np.int64)
    for p in range(len(PRES)):
        m = pres == p
        target_age[m] = _cat(rng, AE_AGE[p], int(m.sum()))
    male = rng.random(n) >= PRES_FEMALE[pres]
    mode = _cat_by(rng, MODE_BY_PRES, pres)
    table = DISP_BY_PRES.copy()
    if not allow_admit:
        table[:, D_ADMIT_MH] = 0.0
    disp = _cat_by(rng, table, pres)
    referred = rng.random(n) < REFER_BY_DISP[disp]
    urgency = np.where(rng.random(n) < 0.75, _ix(URG, "emergency"), _ix(URG, "urgent"))
    picked = person is None
    if person is None:
        person = people.pick(rng, "ae", target_age, day, male)
    site = _site_for(rng, people, person, sites.weight)

    # Winter lengthens every wait; the department's waits also grow a little each year.
    winter = np.where(WINTER[_month(day) - 1], 1.15, 1.0)
    trend = winter * (1 + 0.03 * ((day - win_start) / 365.25))
    w = trend * sites.wait[site]
    admitted = disp <= D_ADMIT_ACUTE
    ref_at = arrival + _whole(_ln(rng, 40, 0.7, n) * w, 5)
    # The liaison team: its own pace, thinner at night and at weekends (emergency referrals).
    # (An urgent referral is still seen before the patient leaves: within two days at worst.)
    out_of_hours = LIAISON_HOURS[(ref_at % DAY) // HOUR] * LIAISON_DOW[_dow(ref_at // DAY)]
    wait = np.where(urgency == 0, _ln(rng, LIAISON_1H_MEDIAN, 0.72, n) * out_of_hours, _ln(rng, 400, 1.0, n))
    wait = np.minimum(wait * winter * sites.liaison[site], 2 * DAY)
    not_assessed = (disp == D_LBT) | (rng.random(n) < 0.02)
    assessed = np.where(referred & ~not_assessed, ref_at + _whole(wait), NONE)
    post = _whole(_ln(rng, 40, 0.8, n) * w, 10)
    # Some wait many hours more after assessment: for a Mental Health Act assessment,
    # the crisis team, or somewhere safe to go. These make most 12-hour waits.
    long_wait = referred & ~admitted & (rng.random(n) < LONG_WAIT_P * winter)
    post = post + np.where(long_wait, _whole(np.minimum(_ln(rng, 9 * HOUR, 0.6, n), 3 * DAY)), 0)
    own = _whole(_ln(rng, CORE_BY_DISP[disp], 0.6, n) * w, 10)
    core_end = np.where(assessed != NONE, assessed + post,
                        np.where(referred, ref_at + _whole(_ln(rng, 120, 0.8, n), 10), arrival + own))
    # Admitted patients wait for a bed after the decision; MH beds are the scarcest, and shared
    # by the system's departments, so the department's own factor counts for less here.
    # Lognormal, but nobody waits more than about three days in a department.
    bed_wait = np.where(disp == D_ADMIT_MH, _ln(rng, 8 * HOUR, 1.0, n), _ln(rng, 4 * HOUR, 0.9, n))
    bed_wait = bed_wait * trend * np.sqrt(sites.wait[site])
    bed_wait = np.minimum(bed_wait, 2 * DAY + rng.random(n) * DAY)
    dta = np.where(admitted, core_end, NONE)
    departure = np.where(admitted, core_end + _whole(bed_wait, 5), core_end)
    outcome = np.where(assessed != NONE, _cat_by(rng, LOUT_BY_DISP, disp), NONE)

    if picked:
        bp, bs, be = busy if busy is not None else (np.zeros(0, np.int64),) * 3
        changeable = np.concatenate([np.ones(n, dtype=bool), np.zeros(len(bp), dtype=bool)])
        for _ in range(6):  # a frequent attender cannot be in two departments at once
            idx = _clashing(np.concatenate([person, bp]), np.concatenate([arrival, bs]),
                            np.concatenate([departure, be]), changeable)
            if not len(idx):
                break
            person[idx] = people.pick(rng, "ae", target_age[idx], day[idx], male[idx])
    return AeBlock(person=person, arrival=arrival, departure=departure, dta=dta, mode=mode,
                   presentation=pres, disposal=disp, site=site,
                   referred=referred, urgency=np.where(referred, urgency, NONE),
                   referred_at=np.where(referred, ref_at, NONE), assessed_at=assessed, outcome=outcome)


def _admit_after(left: np.ndarray, delay: np.ndarray, win: Window) -> np.ndarray:
    """Admission time after leaving A&E or detention; one who left before the extract date is admitted before it.

    Otherwise a record saying 'admitted' would have no stay to match.
    """
    return np.where(left < win.extract_min, np.minimum(left + delay, win.extract_min - 1), left + delay)


def _ae_requests(ae: AeBlock, rng: np.random.Generator, win: Window) -> Requests:
    """Admissions to MH wards of attendances with disposal admitted_mh."""
    i = np.flatnonzero(ae.disposal == D_ADMIT_MH)
    n = len(i)
    legal = (rng.random(n) < DETAINED_BY_SOURCE[SRC_ED]).astype(np.int64)
    return Requests(person=ae.person[i], admitted=_admit_after(ae.departure[i], rng.integers(5, 45, n), win),
                    source=np.full(n, SRC_ED), legal=legal, anchor=ae.arrival[i],
                    linked=np.ones(n, dtype=bool))


def _ward_referrals(rng: np.random.Generator, people: People, win: Window,
                    population: int) -> tuple[dict[str, np.ndarray], Requests, np.ndarray]:
    """Liaison referrals from acute wards: mostly urgent, older people, in working hours."""
    lam = _daily_lambda(win.start_day, win.n_days, WARD_LIAISON_RATE * population / 1000 / 365.25,
                        1.02, ADMIT_MONTH, WARD_REF_DOW)
    t = _event_times(rng, win.start_day, lam, WARD_REF_HOURS)
    n = len(t)
    person = people.pick(rng, "ward", _cat(rng, WARD_REF_AGE, n), t // DAY, rng.random(n) < 0.45)
    urgency = np.where(rng.random(n) < 0.15, _ix(URG, "emergency"), _ix(URG, "urgent"))
    wait = np.where(urgency == 0, _ln(rng, 40, 0.7, n), _ln(rng, 400, 1.0, n))
    assessed = np.where(rng.random(n) < 0.03, NONE, t + _whole(wait, 5))
    outcome = np.where(assessed != NONE, _cat(rng, np.array([0.03, 0.02, 0.25, 0.30, 0.30, 0.10]), n), NONE)
    ref = dict(person=person, referred_at=t, urgency=urgency, assessed_at=assessed, outcome=outcome)
    # The few admitted to a MH ward from an acute ward: admission source 'other'.
    i = np.flatnonzero(outcome == 0)
    req = Requests(person=person[i], admitted=assessed[i] + _whole(_ln(rng, 18 * HOUR, 0.8, len(i)), 60),
                   source=np.full(len(i), SRC_OTHER), legal=np.full(len(i), NONE), anchor=t[i],
                   linked=np.zeros(len(i), dtype=bool))
    return ref, req, lam


def _mean_nights() -> float:
    """Expected nights per admission over the ward-type mix (lognormal means)."""
    mean = sum(share * LOS[t][0] * np.exp(LOS[t][1] ** 2 / 2) for t, share in TYPE_ADMIT_SHARE.items())
    return float(mean * (1 - SAME_DAY_P - LONG_STAY_P) + LONG_STAY_P * 500 * np.exp(0.6 ** 2 / 2))


def _background_admissions(rng: np.random.Generator, people: People, win: Window, population: int,
                           linked_per_day: np.ndarray) -> Requests:
    """Admissions not linked to another extract, topping up to the bed target.

    Before the window (the warm-up) every source is drawn; these stays matter only if
    still in a bed when the window opens.
    """
    beds = OCCUPIED_BEDS * population / 1000 / (1 - OOA_SHARE)
    n_days = win.extract_day - win.warm_day
    target = _daily_lambda(win.warm_day, n_days, beds / _mean_nights(), 1.0, ADMIT_MONTH, ADMIT_DOW)
    lam = target.copy()
    w0 = win.start_day - win.warm_day
    # Explicit readmissions (added later) make up about 6% of admissions.
    lam[w0:] = np.maximum(0.15 * target[w0:], 0.94 * target[w0:] - linked_per_day)
    t = _event_times(rng, win.warm_day, lam, ADMIT_HOURS)
    n = len(t)
    in_window = t >= win.start_day * DAY
    source = np.where(in_window, _cat(rng, BG_SOURCE_P, n), _cat(rng, WARMUP_SOURCE_P, n))
    person = people.pick(rng, "ip", _cat(rng, IP_AGE, n), t // DAY, rng.random(n) < 0.55)
    return Requests(person=person, admitted=t, source=source, legal=np.full(n, NONE), anchor=t,
                    linked=np.zeros(n, dtype=bool))
