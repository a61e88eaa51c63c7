"""The generator: every stage in order, then one extract written at a time."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from dashboard.extracts.generate.constants import (
    AE_DOW, AE_GROWTH, AE_HOURS, AE_MONTH, AE_RATE, AREA_POPULATION, ASRC, CONV, DAY, DEST, DISP,
    DISP_BY_PRES, D_ADMIT_MH, LEGAL, LOUT, LSRC, MODE, NONE, OOA_PROVIDERS, ORG, POS, POS_P, PRES, PRES_P,
    REASON, S136_OUT_P, SITE_NAMES, SITE_POPULATION, SOUT, STAGES, URG, WARD_WORDS, WTYPE,
)
from dashboard.extracts.generate.helpers import (
    Window, _cat, _clashing, _daily_lambda, _event_times, make_window,
)
from dashboard.extracts.generate.people import People, _make_people
from dashboard.extracts.generate.events import (
    AeBlock, Requests, _ae_block, _ae_requests, _background_admissions, _s136, _ward_referrals, plan_sites,
)
from dashboard.extracts.generate.stays import Stays, _add_readmissions, _make_stays, _resolve_overlaps
from dashboard.extracts.generate.wards import WardPlan, _closure_transfers, _place_stays, _plan_wards
from dashboard.extracts.generate.discharges import _ae_returns, _delays, _fix_deaths, _followup
from dashboard.extracts.generate.changes import plan_register, write_register
from dashboard.extracts.generate.population import write_population
from dashboard.extracts.generate.arrow import _codes, _dates, _ids, _person_cols, _ts, _write

def _site_names(n: int) -> list[str]:
    """Invented hospital names; numbered ones beyond the list (national scale)."""
    return [SITE_NAMES[k] if k < len(SITE_NAMES) else f"District General Hospital {k + 1:03d}" for k in range(n)]


def generate(out_dir: Path, population: int = 1_000_000, seed: int = 42, years: int = 5,
             end_month: str | None = None, progress: bool = True) -> dict[str, int]:
    """Write the six extracts and the service_changes register under out_dir/<extract>/part-0.parquet.

    Return row counts per extract.
    """
    if population < 1:
        raise ValueError("population must be positive")
    out_dir = Path(out_dir)
    win = make_window(end_month, years)
    rng = np.random.Generator(np.random.PCG64(seed))
    bar = tqdm(total=len(STAGES), disable=not progress, file=sys.stderr, unit="stage", leave=False)
    started = 0

    def stage() -> None:  # finish the running stage (if any) and show the next one's name
        nonlocal started
        if started:
            bar.update()
        bar.set_description(STAGES[started])
        started += 1

    stage()  # people
    n_sites = max(1, int(round(population / SITE_POPULATION)))
    site_w = rng.lognormal(0.0, 0.35, n_sites)
    sites = plan_sites(site_w, seed)
    # Local systems of about a million people, each with its own wards (beyond them: out of area).
    n_areas = max(1, min(n_sites, int(round(population / AREA_POPULATION))))
    area_of_site = np.arange(n_sites) * n_areas // n_sites
    people = _make_people(rng, population, win, n_sites, site_w)

    stage()  # s136
    register = plan_register(win, seed)
    det, ae_s136, req_s136, s136_lam = _s136(rng, people, win, population, site_w, register)

    stage()  # A&E
    ae_lam = _daily_lambda(win.start_day, win.n_days, AE_RATE * population / 1000 / 365.25,
                           AE_GROWTH, AE_MONTH, AE_DOW)
    ae_lam = np.maximum(0.0, ae_lam - s136_lam * POS_P[1])  # detentions taken to ED count as attendances
    busy = (det["person"], det["detained_at"], det["ended_at"])
    ae_gen = _ae_block(rng, people, _event_times(rng, win.start_day, ae_lam, AE_HOURS), sites,
                       win.start_day, busy=busy)
    req_ae = _ae_requests(ae_gen, rng, win)

    stage()  # ward referrals
    ward_ref, req_ward, ward_lam = _ward_referrals(rng, people, win, population)

    stage()  # admissions
    p_admit = float(PRES_P @ DISP_BY_PRES[:, D_ADMIT_MH])
    linked = ae_lam * p_admit + s136_lam * S136_OUT_P[:2].sum() + ward_lam * 0.03
    req_bg = _background_admissions(rng, people, win, population, linked)

    stage()  # stays
    req = Requests.concat([req_s136, req_ae, req_ward, req_bg])
    req = Requests(**{k: v[req.admitted < win.extract_min] for k, v in vars(req).items()})
    stays = _resolve_overlaps(rng, _make_stays(rng, people, req))

    stage()  # readmissions
    stays = _add_readmissions(rng, people, stays, win)

    stage()  # wards
    group = area_of_site[people.home_site[stays.person]] * 4 + stays.ward_type
    plan = _plan_wards(rng, stays, group, 4 * n_areas, win)
    ward_of = _place_stays(rng, stays, group, plan, win)
    # Keep stays in a bed, or discharged, within the window (some were admitted before it).
    in_window = stays.discharged >= win.start_day * DAY
    stays, ward_of = stays.take(in_window), ward_of[in_window]
    stays, ward_of = _closure_transfers(rng, people, stays, ward_of, plan)
    ooa = ward_of == NONE
    ooa_names = [f"Out of area - {p} {w} Ward" for p in OOA_PROVIDERS for w in WARD_WORDS[:3]]
    stay_ward = np.where(ooa, len(plan.names) + _cat(rng, np.ones(len(ooa_names)), len(ooa)), ward_of)

    stage()  # delays
    delays = _delays(rng, stays, win)

    stage()  # A&E returns
    ae_first = AeBlock.concat([ae_gen, ae_s136])
    ae_ret = _ae_returns(rng, people, stays, ae_first, win, sites)
    ae = AeBlock.concat([ae_first, ae_ret])
    # Last, drop the few attendances still overlapping another of the same person, unless
    # another extract refers to them (admissions, detentions).
    droppable = np.concatenate([ae_gen.disposal != D_ADMIT_MH, np.zeros(len(ae_s136), dtype=bool),
                                np.ones(len(ae_ret), dtype=bool)])
    for _ in range(3):
        drop = _clashing(ae.person, ae.arrival, ae.departure, droppable)
        if not len(drop):
            break
        keep = np.ones(len(ae), dtype=bool)
        keep[drop] = False
        ae, droppable = ae.take(keep), droppable[keep]

    stage()  # follow-up
    # Nobody attends A&E, is detained or admitted after dying in hospital.
    last = np.full(len(people.birth_day), -1, dtype=np.int64)
    for who, when in ((ae.person, ae.arrival), (det["person"], det["detained_at"]),
                      (stays.person, stays.admitted), (ward_ref["person"], ward_ref["referred_at"])):
        np.maximum.at(last, who, when)
    _fix_deaths(stays, last)
    followed = _followup(rng, stays, ooa)
    ae_missing_dep = rng.random(len(ae)) < 0.025  # departure 'not recorded'

    counts: dict[str, int] = {}
    stage()
    counts["ae_attendances"], ae_number = _write_ae(out_dir, people, ae, win, ae_missing_dep, _site_names(n_sites))
    stage()
    counts["liaison_referrals"] = _write_liaison(out_dir, people, ae, ae_number, ward_ref, win)
    stage()
    counts["s136_detentions"] = _write_s136(out_dir, people, {k: v[~det["diverted"]] for k, v in det.items()}, win)
    stage()
    counts["inpatient_stays"], stay_number = _write_stays(out_dir, people, stays, stay_ward, plan.names + ooa_names,
                                                          ooa, followed, win)
    stage()
    counts["delayed_transfers"] = _write_delays(out_dir, people, delays, stay_number)
    stage()
    counts["ward_capacity"] = _write_capacity(out_dir, plan)
    counts["service_changes"] = write_register(out_dir, register, int(plan.valid_to[plan.closing]) + 1)
    counts["population"] = write_population(out_dir, population, win)
    bar.update()
    bar.close()
    return counts


def _write_ae(out_dir: Path, people: People, ae: AeBlock, win: Window, missing_dep: np.ndarray,
              site_names: list[str]) -> tuple[int, np.ndarray]:
    """Write ae_attendances; return the row count and each attendance's id number (row order of `ae`)."""
    order = np.argsort(ae.arrival, kind="stable")
    number = np.empty(len(ae), dtype=np.int64)
    number[order] = np.arange(1, len(ae) + 1)
    o = order
    ex = win.extract_min
    dep = np.where(missing_dep[o] | (ae.departure[o] >= ex), NONE, ae.departure[o])
    dta = np.where(ae.dta[o] >= ex, NONE, ae.dta[o])
    referred = ae.referred[o] & (ae.referred_at[o] < ex)
    cols = {"attendance_id": _ids("AE", number[o], 8),
            **_person_cols(people, ae.person[o], people.age_at(ae.person[o], ae.arrival[o] // DAY)),
            "site": _codes(site_names, ae.site[o]), "arrival_at": _ts(ae.arrival[o]), "departure_at": _ts(dep),
            "decision_to_admit_at": _ts(dta), "arrival_mode": _codes(MODE, ae.mode[o]),
            "presentation": _codes(PRES, ae.presentation[o]), "referred_to_liaison": pa.array(referred),
            "disposal": _codes(DISP, ae.disposal[o])}
    return _write(out_dir, "ae_attendances", cols), number


def _write_liaison(out_dir: Path, people: People, ae: AeBlock, ae_number: np.ndarray, ward: dict[str, np.ndarray],
                   win: Window) -> int:
    """Write liaison_referrals: ED referrals (linked to their attendance) and acute-ward referrals."""
    ex = win.extract_min
    i = np.flatnonzero(ae.referred & (ae.referred_at < ex))
    n_ed, n_w = len(i), len(ward["referred_at"])
    person = np.concatenate([ae.person[i], ward["person"]])
    referred_at = np.concatenate([ae.referred_at[i], ward["referred_at"]])
    assessed = np.concatenate([ae.assessed_at[i], ward["assessed_at"]])
    outcome = np.concatenate([ae.outcome[i], ward["outcome"]])
    not_yet = assessed >= ex
    assessed = np.where(not_yet, NONE, assessed)
    outcome = np.where(assessed == NONE, NONE, outcome)
    att = np.concatenate([ae_number[i], np.full(n_w, NONE)])
    source = np.concatenate([np.zeros(n_ed, np.int64), np.ones(n_w, np.int64)])
    urgency = np.concatenate([ae.urgency[i], ward["urgency"]])
    o = np.argsort(referred_at, kind="stable")
    att_ids = _ids("AE", np.maximum(att[o], 0), 8)
    att_ids = att_ids.take(pa.array(np.arange(len(o)), mask=att[o] == NONE))
    cols = {"referral_id": _ids("LR", np.arange(1, len(o) + 1), 8),
            **_person_cols(people, person[o], people.age_at(person[o], referred_at[o] // DAY), ethnic=False),
            "attendance_id": att_ids, "source": _codes(LSRC, source[o]), "urgency": _codes(URG, urgency[o]),
            "referred_at": _ts(referred_at[o]), "assessed_at": _ts(assessed[o]), "outcome": _codes(LOUT, outcome[o])}
    return _write(out_dir, "liaison_referrals", cols)


def _write_s136(out_dir: Path, people: People, det: dict[str, np.ndarray], win: Window) -> int:
    """Write s136_detentions, with 'not recorded' gaps and detentions still running at the extract date."""
    ex = win.extract_min
    o = np.argsort(det["detained_at"], kind="stable")
    assessed = np.where(det["assess_missing"][o] | (det["assessed_at"][o] >= ex), NONE, det["assessed_at"][o])
    still = det["ended_at"][o] >= ex
    ended = np.where(det["end_missing"][o] | still, NONE, det["ended_at"][o])
    outcome = np.where(det["outcome_missing"][o] | still, NONE, det["outcome"][o])
    cols = {"detention_id": _ids("S136", np.arange(1, len(o) + 1), 7),
            **_person_cols(people, det["person"][o], det["age"][o]),
            "detained_at": _ts(det["detained_at"][o]), "place_of_safety": _codes(POS, det["place"][o]),
            "conveyance": _codes(CONV, det["conveyance"][o]), "assessment_at": _ts(assessed), "ended_at": _ts(ended),
            "extended": pa.array(det["extended"][o]), "intoxicated": pa.array(det["intoxicated"][o]),
            "outcome": _codes(SOUT, outcome)}
    return _write(out_dir, "s136_detentions", cols)


def _write_stays(out_dir: Path, people: People, s: Stays, stay_ward: np.ndarray, ward_names: list[str],
                 ooa: np.ndarray, followed: np.ndarray, win: Window) -> tuple[int, np.ndarray]:
    """Write inpatient_stays; return the row count and each stay's id number (row order of `s`)."""
    ex = win.extract_min
    o = np.argsort(s.admitted, kind="stable")
    number = np.empty(len(o), dtype=np.int64)
    number[o] = np.arange(1, len(o) + 1)
    is_open = s.discharged[o] >= ex
    fu = np.where(is_open | (followed[o] >= ex), NONE, followed[o])
    cols = {"stay_id": _ids("IP", number[o], 8), **_person_cols(people, s.person[o], s.age[o]),
            "ward": _codes(ward_names, stay_ward[o]), "ward_type": _codes(WTYPE, s.ward_type[o]),
            "admitted_at": _ts(s.admitted[o]), "discharged_at": _ts(np.where(is_open, NONE, s.discharged[o])),
            "admission_source": _codes(ASRC, s.source[o]), "legal_status": _codes(LEGAL, s.legal[o]),
            "out_of_area": pa.array(ooa[o]), "discharge_destination": _codes(DEST, np.where(is_open, NONE, s.dest[o])),
            "followed_up_at": _ts(fu)}
    return _write(out_dir, "inpatient_stays", cols), number


def _write_delays(out_dir: Path, people: People, d: dict[str, np.ndarray], stay_number: np.ndarray) -> int:
    """Write delayed_transfers, each pointing at its stay."""
    o = np.argsort(d["start"], kind="stable")
    cols = {"delay_id": _ids("DT", np.arange(1, len(o) + 1), 8), "stay_id": _ids("IP", stay_number[d["stay"][o]], 8),
            **_person_cols(people, d["person"][o], d["age"][o], ethnic=False, sex=False),
            "delay_start": _dates(d["start"][o]), "delay_end": _dates(d["end"][o]),
            "reason": _codes(REASON, d["reason"][o]), "responsible_org": _codes(ORG, d["org"][o])}
    return _write(out_dir, "delayed_transfers", cols)


def _write_capacity(out_dir: Path, plan: WardPlan) -> int:
    """Write ward_capacity, one row per ward and bed-number period, sorted by ward."""
    rows = []
    for w, name in enumerate(plan.names):
        if w == plan.changing:
            rows.append((name, w, plan.beds[w], plan.valid_from[w], plan.change_day - 1))
            rows.append((name, w, plan.beds_after[w], plan.change_day, plan.valid_to[w]))
        else:
            rows.append((name, w, plan.beds[w], plan.valid_from[w], plan.valid_to[w]))
    rows.sort(key=lambda r: (r[0], r[3]))
    ward = np.array([r[1] for r in rows], dtype=np.int64)
    cols = {"ward": pa.array([r[0] for r in rows], pa.string()), "ward_type": _codes(WTYPE, plan.group[ward] % 4),
            "beds": pa.array(np.array([r[2] for r in rows], dtype=np.int32)),
            "valid_from": _dates(np.array([r[3] for r in rows])), "valid_to": _dates(np.array([r[4] for r in rows]))}
    return _write(out_dir, "ward_capacity", cols)
