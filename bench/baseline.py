"""The baseline: what an analyst writes first, in plain pandas.

The six extracts are read into memory once (``pd.read_parquet``); each request then
filters them with boolean masks and aggregates with ``groupby``. One function per
SQL file in ``queries/``, taking the same named parameters and returning the same
columns, so a page's numbers are computed from exactly the queries the app runs
for it (recorded by the floor pass). Bed days and delayed days use interval
arithmetic per month (clip each stay to the month, vectorised over stays), not a
row per night; 30-day readmissions and returns to A&E use ``merge_asof``.

Done once at load, as an analyst would: parse the two DATE columns to datetime64,
keep a copy of non-transfer stays sorted by admission (``merge_asof`` needs it), A&E
sorted by arrival, and two lookups (attendance -> site, stay -> ward). Nothing is
pre-aggregated.

``compare`` checks a pandas answer against DuckDB's, so the baseline is known to
compute the same numbers.
"""
from __future__ import annotations

import math
import time
from datetime import date
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

EXTRACTS = ("ae_attendances", "liaison_referrals", "s136_detentions", "inpatient_stays", "delayed_transfers",
            "ward_capacity")
DAY = np.timedelta64(1, "D")
NOT_COUNTED = ("died", "other_hospital")
# The analyst's pandas is pandas as installed. The app sets Python string storage for its small
# frames (dashboard.store.runtime); the baseline runs under pandas' own default (Arrow), whatever the
# process has set: see References in benchmark.py.
PANDAS_STRING_STORAGE = "auto"


class Extracts:
    """The extracts in memory, plus the few load-time helpers described above."""

    def __init__(self, data_dir: Path) -> None:
        t0 = time.perf_counter()
        frames = {name: pd.read_parquet(Path(data_dir) / name) for name in EXTRACTS}
        self.ae: pd.DataFrame = frames["ae_attendances"]
        self.li: pd.DataFrame = frames["liaison_referrals"]
        self.s136: pd.DataFrame = frames["s136_detentions"]
        self.stays: pd.DataFrame = frames["inpatient_stays"]
        self.delays: pd.DataFrame = frames["delayed_transfers"]
        self.cap: pd.DataFrame = frames["ward_capacity"]
        # The optional reference tables: empty frames of the contract's columns when absent, as the catalog holds them.
        self.population = _optional(Path(data_dir) / "population", ["year", "age", "sex", "ethnic_group", "people"])
        self.changes = _optional(Path(data_dir) / "service_changes",
                                 ["change_id", "starts_on", "title", "metrics", "recalculate", "description"])
        for col in ("delay_start", "delay_end"):
            self.delays[col] = pd.to_datetime(self.delays[col]).astype("datetime64[s]")
        for col in ("valid_from", "valid_to"):
            self.cap[col] = pd.to_datetime(self.cap[col]).astype("datetime64[s]")
        if not self.ae["arrival_at"].is_monotonic_increasing:
            self.ae = self.ae.sort_values("arrival_at", kind="stable", ignore_index=True)
        later = self.stays.loc[self.stays["admission_source"] != "transfer", ["person_id", "admitted_at"]]
        self.readmission_pool = later.sort_values("admitted_at", kind="stable", ignore_index=True)
        self.ae_site = self.ae.set_index("attendance_id")["site"]
        self.stay_ward = self.stays.set_index("stay_id")[["ward", "ward_type", "out_of_area"]]
        self.load_seconds = time.perf_counter() - t0

    def memory_mb(self) -> float:
        """Return the frames' deep memory use in MB."""
        frames = (self.ae, self.li, self.s136, self.stays, self.delays, self.cap, self.readmission_pool)
        return sum(f.memory_usage(deep=True).sum() for f in frames) / 1e6


# --- shared helpers ------------------------------------------------------------------------------

def _optional(folder: Path, columns: list[str]) -> pd.DataFrame:
    """Return an optional table's rows, or none with its columns when the extracts do not hold it."""
    return pd.read_parquet(folder) if folder.is_dir() and any(folder.glob("**/*.parquet")) else pd.DataFrame(columns=columns)


def _ts(d: date) -> pd.Timestamp:
    return pd.Timestamp(d)


def _band(df: pd.DataFrame, p: dict[str, Any]) -> pd.Series:
    return (df["age"] >= p["age_min"]) & (df["age"] <= p["age_max"])


def _events(df: pd.DataFrame, col: str, p: dict[str, Any], cols: list[str]) -> pd.DataFrame:
    """Return rows whose `col` falls in the period and whose age is in the band."""
    t = df[col]
    mask = (t >= _ts(p["period_start"])) & (t < _ts(p["period_end"])) & _band(df, p)
    return df.loc[mask, cols]


def _month_index(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[M]").astype(np.int64)


def _bucket_keys(months: np.ndarray, grain: str, period_start: date) -> np.ndarray:
    """Return each month's bucket as a month index (bucket_start in _macros.sql)."""
    if grain == "period":
        return np.full(len(months), (period_start.year - 1970) * 12 + period_start.month - 1, dtype=np.int64)
    if grain == "quarter":
        return months - months % 3
    if grain == "fy":
        return months - (months - 3) % 12
    return months


def _bucket_dates(keys: np.ndarray) -> np.ndarray:
    return keys.astype("datetime64[M]").astype("datetime64[D]")


def _minutes(end: pd.Series, start: pd.Series) -> np.ndarray:
    return ((end - start) / pd.Timedelta(minutes=1)).to_numpy(dtype="float64", na_value=np.nan)


def _by_bucket(times: pd.Series, p: dict[str, Any], columns: dict[str, np.ndarray],
               medians: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """Return sums of `columns` (and medians) per trend bucket of the event times."""
    keys = _bucket_keys(_month_index(times.to_numpy()), p["grain"], p["period_start"])
    frame = pd.DataFrame({"bucket": keys, **columns, **(medians or {})})
    agg = {name: "sum" for name in columns} | {name: "median" for name in (medians or {})}
    out = frame.groupby("bucket", sort=True).agg(agg).reset_index()
    out["bucket"] = _bucket_dates(out["bucket"].to_numpy())
    return out


def _months(p: dict[str, Any]) -> list[tuple[np.datetime64, np.datetime64]]:
    start = np.datetime64(p["period_start"], "M")
    stop = np.datetime64(p["period_end"], "M")
    return [(m.astype("datetime64[D]"), (m + 1).astype("datetime64[D]")) for m in np.arange(start, stop)]


def _overlap_days(first: np.ndarray, stop: np.ndarray, lo: np.datetime64, hi: np.datetime64) -> np.ndarray:
    """Return days of [first, stop) inside [lo, hi), 0 when none (vectorised over rows)."""
    days = (np.minimum(stop, hi) - np.maximum(first, lo)) / DAY
    return np.clip(days, 0, None).astype(np.int64)


def _monthly_to_buckets(p: dict[str, Any], per_month: dict[str, list[int]]) -> pd.DataFrame:
    mi = np.arange(np.datetime64(p["period_start"], "M"), np.datetime64(p["period_end"], "M")).astype(np.int64)
    keys = _bucket_keys(mi, p["grain"], p["period_start"])
    frame = pd.DataFrame({"bucket": keys, **{k: np.asarray(v, dtype=np.int64) for k, v in per_month.items()}})
    out = frame.groupby("bucket", sort=True).sum().reset_index()
    out["bucket"] = _bucket_dates(out["bucket"].to_numpy())
    return out


def _days(values: pd.Series) -> np.ndarray:
    """Return timestamps as datetime64[D] (NaT kept)."""
    return values.to_numpy().astype("datetime64[D]")


def _next_after(left_person: pd.Series, left_time: pd.Series, right: pd.DataFrame, right_on: str) -> np.ndarray:
    """Return, per left row, the first right time strictly after left_time for the same person (NaT if none)."""
    left = pd.DataFrame({"person_id": left_person.to_numpy(), "t": left_time.to_numpy(),
                         "row": np.arange(len(left_person))}).sort_values("t", kind="stable")
    merged = pd.merge_asof(left, right[["person_id", right_on]], left_on="t", right_on=right_on, by="person_id",
                           direction="forward", allow_exact_matches=False)
    return merged.sort_values("row")[right_on].to_numpy()


def _within_30_days(after: np.ndarray, t: pd.Series) -> np.ndarray:
    return ~np.isnat(after) & (after <= (t + pd.Timedelta(days=30)).to_numpy())


def _readmitted(x: Extracts, d: pd.DataFrame) -> np.ndarray:
    """Return whether each discharge is followed by a non-transfer admission of the person within 30 days."""
    if d.empty:
        return np.zeros(0, dtype=bool)
    nxt = _next_after(d["person_id"], d["discharged_at"], x.readmission_pool, "admitted_at")
    return _within_30_days(nxt, d["discharged_at"])


def _returned_ae(x: Extracts, d: pd.DataFrame) -> np.ndarray:
    """Return whether each discharge is followed by an A&E attendance of the person within 30 days."""
    if d.empty:
        return np.zeros(0, dtype=bool)
    t = x.ae["arrival_at"]
    window = x.ae.loc[(t > d["discharged_at"].min()) & (t <= d["discharged_at"].max() + pd.Timedelta(days=30)),
                      ["person_id", "arrival_at"]]
    nxt = _next_after(d["person_id"], d["discharged_at"], window, "arrival_at")
    return _within_30_days(nxt, d["discharged_at"])


def _followed_72h(d: pd.DataFrame) -> np.ndarray:
    fu, dis = d["followed_up_at"], d["discharged_at"]
    return ((fu >= dis) & (fu <= dis + pd.Timedelta(hours=72))).to_numpy(dtype=bool, na_value=False)


def _counted(d: pd.DataFrame) -> np.ndarray:
    return (~d["discharge_destination"].fillna("").isin(NOT_COUNTED)).to_numpy()


def _discharged(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    cols = ["stay_id", "person_id", "ward_type", "admitted_at", "discharged_at", "followed_up_at",
            "discharge_destination"]
    return _events(x.stays, "discharged_at", p, cols)


def _nights(d: pd.DataFrame) -> np.ndarray:
    return ((_days(d["discharged_at"]) - _days(d["admitted_at"])) / DAY).astype(np.int64)


def _count_by(frame: pd.DataFrame, keys: list[str], **columns: np.ndarray) -> pd.DataFrame:
    """Return sums of boolean/int columns and a row count per key."""
    f = frame[keys].copy()
    for name, values in columns.items():
        f[name] = values
    return f.groupby(keys, sort=True, dropna=False).sum().reset_index()


# --- one function per query ----------------------------------------------------------------------

def ae_by_period(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    a = _events(x.ae, "arrival_at", p, ["arrival_at", "departure_at", "decision_to_admit_at"])
    m = _minutes(a["departure_at"], a["arrival_at"])
    rec = ~np.isnan(m)
    decided = a["decision_to_admit_at"].notna().to_numpy()
    dta = _minutes(a["departure_at"], a["decision_to_admit_at"])  # NaN unless both are recorded
    return _by_bucket(a["arrival_at"], p, {"attendances": np.ones(len(a), np.int64), "departure_recorded": rec,
                                           "departure_not_recorded": ~rec, "within_4h": m <= 240,
                                           "over_12h": m > 720, "admit_decided": decided,
                                           "dta_departure_recorded": ~np.isnan(dta),
                                           "dta_departure_not_recorded": decided & np.isnan(dta),
                                           "dta_over_12h": dta > 720})


def ae_median_by_period(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    a = _events(x.ae, "arrival_at", p, ["arrival_at", "departure_at"])
    return _by_bucket(a["arrival_at"], p, {}, {"median_minutes": _minutes(a["departure_at"], a["arrival_at"])})


def liaison_by_period(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    r = _events(x.li, "referred_at", p, ["referred_at", "assessed_at", "urgency"])
    m = _minutes(r["assessed_at"], r["referred_at"])
    em = (r["urgency"] == "emergency").to_numpy()
    ur = (r["urgency"] == "urgent").to_numpy()
    rec = ~np.isnan(m)
    return _by_bucket(r["referred_at"], p, {
        "referrals": np.ones(len(r), np.int64), "emergency": em, "emergency_assessed": em & rec,
        "emergency_within_1h": em & (m <= 60), "emergency_not_recorded": em & ~rec, "urgent": ur,
        "urgent_assessed": ur & rec, "urgent_within_24h": ur & (m <= 1440), "urgent_not_recorded": ur & ~rec})


def s136_by_period(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    d = _events(x.s136, "detained_at", p, ["detained_at", "ended_at", "age", "place_of_safety", "conveyance",
                                          "extended", "intoxicated", "outcome", "assessment_at", "ethnic_group"])
    m = _minutes(d["ended_at"], d["detained_at"])
    to_assessment = _minutes(d["assessment_at"], d["detained_at"])
    assessed = ~np.isnan(to_assessment)
    place, conv, outcome = d["place_of_safety"], d["conveyance"], d["outcome"]
    limit = np.where(d["extended"].to_numpy(), 36 * 60, 24 * 60)
    rec = ~np.isnan(m)
    custody = (place == "police_custody").to_numpy()
    out = _by_bucket(d["detained_at"], p, {
        "detentions": np.ones(len(d), np.int64), "health_based": (place == "health_based").to_numpy(),
        "emergency_department": (place == "emergency_department").to_numpy(), "police_custody": custody,
        "other_place": (place == "other").to_numpy(), "under18_custody": custody & (d["age"] < 18).to_numpy(),
        "ambulance": (conv == "ambulance").to_numpy(), "police_vehicle": (conv == "police_vehicle").to_numpy(),
        "other_conveyance": (conv == "other").to_numpy(), "ended_recorded": rec, "ended_not_recorded": ~rec,
        "over_limit": m > limit, "with_outcome": outcome.notna().to_numpy(),
        "admitted": outcome.isin(["admitted_informal", "admitted_detained"]).to_numpy(),
        "no_mh_follow_up": (outcome == "no_mh_follow_up").to_numpy(dtype=bool, na_value=False),
        "intoxicated": d["intoxicated"].to_numpy(), "assessment_recorded": assessed,
        "assessment_not_recorded": ~assessed, "assessed_3h": to_assessment <= 180,
        "black": (d["ethnic_group"] == "black").to_numpy(dtype=bool, na_value=False),
        "white": (d["ethnic_group"] == "white").to_numpy(dtype=bool, na_value=False)})
    return out


def s136_median_by_period(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    d = _events(x.s136, "detained_at", p, ["detained_at", "ended_at"])
    out = _by_bucket(d["detained_at"], p, {}, {"median_hours": _minutes(d["ended_at"], d["detained_at"])})
    out["median_hours"] = out["median_hours"] / 60.0
    return out


def s136_under18_by_period(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    d = _events(x.s136, "detained_at", p, ["detained_at", "age", "place_of_safety"])
    u18 = (d["age"] < 18).to_numpy()
    place = d["place_of_safety"]
    return _by_bucket(d["detained_at"], p, {
        "detentions": np.ones(len(d), np.int64), "under18_detentions": u18,
        "under18_custody": u18 & (place == "police_custody").to_numpy(),
        "under18_health_based": u18 & (place == "health_based").to_numpy()})


def admissions_by_period(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    s = _events(x.stays, "admitted_at", p, ["admitted_at", "legal_status", "out_of_area"])
    return _by_bucket(s["admitted_at"], p, {"admissions": np.ones(len(s), np.int64),
                                            "detained": (s["legal_status"] == "detained").to_numpy(),
                                            "out_of_area_admissions": s["out_of_area"].to_numpy()})


def _stay_nights_frame(x: Extracts, p: dict[str, Any], band: bool = True, cols: tuple[str, ...] = ()) -> pd.DataFrame:
    """Return stays with a night in the period: first_night, night_stop (open: period end) and `cols`."""
    st = x.stays
    pe = _ts(p["period_end"])
    mask = (st["admitted_at"] < pe) & (st["discharged_at"].isna() | (st["discharged_at"].dt.normalize() > _ts(p["period_start"])))
    if band:
        mask &= _band(st, p)
    s = st.loc[mask, ["admitted_at", "discharged_at", *cols]]
    first = _days(s["admitted_at"])
    stop = _days(s["discharged_at"])
    stop = np.where(np.isnat(stop), np.datetime64(p["period_end"], "D"), stop)
    return s.assign(first_night=first, night_stop=stop)


def bed_days_by_period(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    s = _stay_nights_frame(x, p, cols=("out_of_area",))
    first, stop, ooa = s["first_night"].to_numpy(), s["night_stop"].to_numpy(), s["out_of_area"].to_numpy()
    cap = x.cap
    vf = cap["valid_from"].to_numpy().astype("datetime64[D]")
    vt = cap["valid_to"].to_numpy().astype("datetime64[D]")
    beds = cap["beds"].to_numpy().astype(np.int64)
    inn, out, avail = [], [], []
    for lo, hi in _months(p):
        nights = _overlap_days(first, stop, lo, hi)
        inn.append(int(nights[~ooa].sum()))
        out.append(int(nights[ooa].sum()))
        open_stop = np.where(np.isnat(vt), hi, vt + 1)
        avail.append(int((beds * _overlap_days(vf, open_stop, lo, hi)).sum()))
    frame = _monthly_to_buckets(p, {"in_area_bed_days": inn, "out_of_area_bed_days": out,
                                    "available_bed_days": avail})
    frame.insert(1, "bed_days", frame["in_area_bed_days"] + frame["out_of_area_bed_days"])
    return frame


def _delays_frame(x: Extracts, p: dict[str, Any], cols: tuple[str, ...] = ()) -> pd.DataFrame:
    d = x.delays
    pe, ps = _ts(p["period_end"]), _ts(p["period_start"])
    mask = (d["delay_start"] < pe) & (d["delay_end"].isna() | (d["delay_end"] > ps)) & _band(d, p)
    s = d.loc[mask, ["delay_start", "delay_end", *cols]]
    start = s["delay_start"].to_numpy().astype("datetime64[D]")
    stop = s["delay_end"].to_numpy().astype("datetime64[D]")
    stop = np.where(np.isnat(stop), np.datetime64(p["period_end"], "D"), stop)
    return s.assign(start=start, stop=stop)


def delayed_days_by_period(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    d = _delays_frame(x, p)
    start, stop = d["start"].to_numpy(), d["stop"].to_numpy()
    days, started = [], []
    for lo, hi in _months(p):
        days.append(int(_overlap_days(start, stop, lo, hi).sum()))
        started.append(int(((start >= lo) & (start < hi) & (stop > lo)).sum()))
    return _monthly_to_buckets(p, {"delayed_days": days, "delays_started": started})


def delays_by_org_by_period(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    d = _delays_frame(x, p, ("responsible_org",))
    start, stop, org = d["start"].to_numpy(), d["stop"].to_numpy(), d["responsible_org"].to_numpy()
    cols: dict[str, list[int]] = {"nhs_days": [], "social_care_days": [], "both_days": []}
    for lo, hi in _months(p):
        days = _overlap_days(start, stop, lo, hi)
        for code in ("nhs", "social_care", "both"):
            cols[f"{code}_days"].append(int(days[org == code].sum()))
    return _monthly_to_buckets(p, cols)


def _counted_delay_days(d: pd.DataFrame, p: dict[str, Any]) -> np.ndarray:
    return ((np.minimum(d["stop"].to_numpy(), np.datetime64(p["period_end"], "D"))
             - np.maximum(d["start"].to_numpy(), np.datetime64(p["period_start"], "D"))) / DAY).astype(np.int64)


def delays_by_reason(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    d = _delays_frame(x, p, ("reason",))
    days = _counted_delay_days(d, p)
    keep = days > 0
    f = pd.DataFrame({"reason": d["reason"].to_numpy()[keep], "delayed_days": days[keep], "delays": 1})
    return f.groupby("reason", sort=True).sum().reset_index()


def delays_by_ward(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    s = _stay_nights_frame(x, p, cols=("ward", "ward_type", "out_of_area"))
    ooa = s["out_of_area"].to_numpy()
    nights = _overlap_days(s["first_night"].to_numpy(), s["night_stop"].to_numpy(),
                           np.datetime64(p["period_start"], "D"), np.datetime64(p["period_end"], "D"))
    n = pd.DataFrame({"ward": np.where(ooa, "out_of_area", s["ward"].to_numpy()),
                      "ward_type": np.where(ooa, "out_of_area", s["ward_type"].to_numpy()), "bed_days": nights})
    nights_by_ward = n.groupby("ward").agg(ward_type=("ward_type", "first"), bed_days=("bed_days", "sum"))

    d = _delays_frame(x, p, ("stay_id",))
    days = _counted_delay_days(d, p)
    keep = days > 0
    info = x.stay_ward.reindex(d["stay_id"].to_numpy()[keep])
    found = info["ward"].notna().to_numpy()
    ooa_d = info["out_of_area"].fillna(False).to_numpy(dtype=bool)
    ward = np.where(~found, "not_known", np.where(ooa_d, "out_of_area", info["ward"].to_numpy()))
    wtype = np.where(~found, "not_known", np.where(ooa_d, "out_of_area", info["ward_type"].to_numpy()))
    dl = pd.DataFrame({"ward": ward, "ward_type": wtype, "delayed_days": days[keep]})
    delayed = dl.groupby("ward").agg(ward_type=("ward_type", "first"), delayed_days=("delayed_days", "sum"))
    out = delayed.join(nights_by_ward, how="outer", lsuffix="_d")
    out["ward_type"] = out["ward_type_d"].fillna(out["ward_type"])
    out = out.drop(columns="ward_type_d").fillna({"delayed_days": 0, "bed_days": 0})
    out[["delayed_days", "bed_days"]] = out[["delayed_days", "bed_days"]].astype(np.int64)
    return out.reset_index()[["ward", "ward_type", "delayed_days", "bed_days"]]


def delays_open_at_period_end(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    d = x.delays
    pe = _ts(p["period_end"])
    s = d.loc[(d["delay_start"] < pe) & (d["delay_end"].isna() | (d["delay_end"] >= pe)) & _band(d, p),
              ["reason", "delay_start"]]
    so_far = ((np.datetime64(p["period_end"], "D") - s["delay_start"].to_numpy().astype("datetime64[D]")) / DAY)
    f = pd.DataFrame({"reason": s["reason"].to_numpy(), "days": so_far})
    by = f.groupby("reason", sort=True)["days"].agg(open_delays="size", median_days_so_far="median").reset_index()
    total = pd.DataFrame({"reason": ["all"], "open_delays": [len(f)],
                          "median_days_so_far": [f["days"].median() if len(f) else np.nan]})
    return pd.concat([total, by], ignore_index=True)


def discharge_destinations(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    d = _discharged(x, p)
    counted = _counted(d)
    f = pd.DataFrame({"destination": d["discharge_destination"].fillna("not_recorded").to_numpy(),
                      "stays_discharged": 1, "discharges": counted, "followed_up_72h": counted & _followed_72h(d)})
    return f.groupby("destination").sum().reset_index()


def discharges_by_period(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    d = _discharged(x, p)
    counted = _counted(d)
    dc = d[counted]
    readmitted = np.zeros(len(d), dtype=bool)
    returned = np.zeros(len(d), dtype=bool)
    readmitted[counted] = _readmitted(x, dc)
    returned[counted] = _returned_ae(x, dc)
    return _by_bucket(d["discharged_at"], p, {
        "stays_discharged": np.ones(len(d), np.int64), "discharges": counted,
        "followed_up_72h": counted & _followed_72h(d), "readmitted_30d": readmitted, "returned_ae_30d": returned})


def discharges_median_by_period(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    d = _discharged(x, p)
    return _by_bucket(d["discharged_at"], p, {}, {"median_los_days": _nights(d).astype("float64")})


def inpatient_admissions_by_source(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    s = _events(x.stays, "admitted_at", p, ["admission_source", "legal_status"])
    return _count_by(s, ["admission_source"], admissions=np.ones(len(s), np.int64),
                     informal=(s["legal_status"] == "informal").to_numpy(),
                     detained=(s["legal_status"] == "detained").to_numpy())


LOS_EDGES = np.array([0, 7, 14, 28, 60, 90, 180, 365])


def inpatient_length_of_stay(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    d = _events(x.stays, "discharged_at", p, ["ward_type", "admitted_at", "discharged_at"])
    band = np.searchsorted(LOS_EDGES, _nights(d), side="left") + 1  # nights <= 0 -> 1, ..., > 365 -> 9
    f = pd.DataFrame({"los_band": band, "ward_type": d["ward_type"].to_numpy()})
    return f.groupby(["los_band", "ward_type"]).size().rename("stays").reset_index()


def inpatient_ward_occupancy(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    s = _stay_nights_frame(x, p, band=False, cols=("ward", "ward_type", "out_of_area"))
    s = s[~s["out_of_area"].to_numpy()]
    ps, pe = np.datetime64(p["period_start"], "D"), np.datetime64(p["period_end"], "D")
    nights = _overlap_days(s["first_night"].to_numpy(), s["night_stop"].to_numpy(), ps, pe)
    n = pd.DataFrame({"ward": s["ward"].to_numpy(), "ward_type": s["ward_type"].to_numpy(), "bed_days": nights})
    n = n.groupby("ward").agg(ward_type=("ward_type", "first"), bed_days=("bed_days", "sum"))
    cap = x.cap
    vf = cap["valid_from"].to_numpy().astype("datetime64[D]")
    vt = cap["valid_to"].to_numpy().astype("datetime64[D]")
    live = (vf < pe) & (np.isnat(vt) | (vt >= ps))
    c = cap[live]
    open_from = np.maximum(vf[live], ps)
    open_stop = np.minimum(np.where(np.isnat(vt[live]), pe, vt[live] + 1), pe)
    c = pd.DataFrame({"ward": c["ward"].to_numpy(), "ward_type": c["ward_type"].to_numpy(),
                      "beds_now": c["beds"].to_numpy().astype(np.int64),
                      "available_bed_days": c["beds"].to_numpy().astype(np.int64) * ((open_stop - open_from) / DAY).astype(np.int64),
                      "open_stop": open_stop})
    latest = c.sort_values("open_stop", kind="stable").groupby("ward").tail(1).set_index("ward")["beds_now"]
    b = c.groupby("ward").agg(ward_type=("ward_type", "first"), available_bed_days=("available_bed_days", "sum"))
    b["beds"] = latest
    out = b.join(n, how="outer", lsuffix="_b")
    out["ward_type"] = out["ward_type_b"].fillna(out["ward_type"])
    for col in ("beds", "available_bed_days", "bed_days"):
        out[col] = out[col].fillna(0).astype(np.int64)
    return out.reset_index()[["ward", "ward_type", "beds", "available_bed_days", "bed_days"]]


def liaison_by_hour(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    r = _events(x.li, "referred_at", p, ["referred_at", "assessed_at", "urgency"])
    m = _minutes(r["assessed_at"], r["referred_at"])
    em = (r["urgency"] == "emergency").to_numpy()
    f = pd.DataFrame({"hour": r["referred_at"].dt.hour.to_numpy(), "referrals": 1,
                      "emergency_assessed": em & ~np.isnan(m), "emergency_within_1h": em & (m <= 60)})
    return f.groupby("hour").sum().reset_index()


def liaison_by_site(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    r = _events(x.li, "referred_at", p, ["referred_at", "assessed_at", "urgency", "attendance_id", "source"])
    site = r["attendance_id"].map(x.ae_site)
    fallback = np.where(r["source"].to_numpy() == "acute_ward", "Acute wards", "A&E (site not linked)")
    site = np.where(site.isna().to_numpy(), fallback, site.to_numpy())
    m = _minutes(r["assessed_at"], r["referred_at"])
    em, ur, rec = (r["urgency"] == "emergency").to_numpy(), (r["urgency"] == "urgent").to_numpy(), ~np.isnan(m)
    f = pd.DataFrame({"site": site, "referrals": 1, "emergency_assessed": em & rec,
                      "emergency_within_1h": em & (m <= 60), "urgent_assessed": ur & rec,
                      "urgent_within_24h": ur & (m <= 1440)})
    return f.groupby("site").sum().reset_index()


def ae_by_hour_weekday(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    a = _events(x.ae, "arrival_at", p, ["arrival_at", "departure_at"])
    m = _minutes(a["departure_at"], a["arrival_at"])
    f = pd.DataFrame({"weekday": a["arrival_at"].dt.dayofweek.to_numpy() + 1, "hour": a["arrival_at"].dt.hour.to_numpy(),
                      "attendances": 1, "departure_recorded": ~np.isnan(m), "within_4h": m <= 240,
                      "over_4h": m > 240, "over_12h": m > 720})
    return f.groupby(["weekday", "hour"]).sum().reset_index()


def liaison_by_hour_weekday(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    r = _events(x.li, "referred_at", p, ["referred_at", "assessed_at", "urgency"])
    r = r[r["urgency"] == "emergency"]
    m = _minutes(r["assessed_at"], r["referred_at"])
    f = pd.DataFrame({"weekday": r["referred_at"].dt.dayofweek.to_numpy() + 1,
                      "hour": r["referred_at"].dt.hour.to_numpy(), "emergency_assessed": ~np.isnan(m),
                      "emergency_within_1h": m <= 60})
    return f.groupby(["weekday", "hour"]).sum().reset_index()


def ae_dta_waits(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    a = _events(x.ae, "arrival_at", p, ["decision_to_admit_at", "departure_at"])
    a = a[a["decision_to_admit_at"].notna()]
    m = _minutes(a["departure_at"], a["decision_to_admit_at"])
    band = np.select([np.isnan(m), m <= 240, m <= 480, m <= 720, m <= 1440], [6, 1, 2, 3, 4], 5)
    labels = ["Up to 4 hours", "4 to 8 hours", "8 to 12 hours", "12 to 24 hours", "Over 24 hours",
              "Departure not recorded"]
    counts = np.bincount(band, minlength=7)[1:]
    return pd.DataFrame({"band": range(1, 7), "label": labels, "attendances": counts})


def _site_attendances(x: Extracts, p: dict[str, Any]) -> tuple[pd.DataFrame, np.ndarray]:
    a = _events(x.ae, "arrival_at", p, ["site", "arrival_at", "departure_at", "decision_to_admit_at"])
    m = _minutes(a["departure_at"], a["arrival_at"])
    rec = ~np.isnan(m)
    dta = _minutes(a["departure_at"], a["decision_to_admit_at"])
    return pd.DataFrame({"site": a["site"].to_numpy(), "attendances": 1, "departure_recorded": rec,
                         "within_4h": m <= 240, "over_12h": m > 720, "departure_not_recorded": ~rec,
                         "dta_departure_recorded": ~np.isnan(dta), "dta_over_12h": dta > 720}), m


def ae_site_counts(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    f, _ = _site_attendances(x, p)
    return f.groupby("site")[["attendances", "departure_recorded", "within_4h", "over_12h",
                              "departure_not_recorded", "dta_departure_recorded", "dta_over_12h"]].sum().reset_index()


def ae_by_site(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    f, m = _site_attendances(x, p)
    return f.assign(median_minutes=m).groupby("site").agg(
        attendances=("attendances", "sum"), departure_recorded=("departure_recorded", "sum"),
        within_4h=("within_4h", "sum"), over_12h=("over_12h", "sum"), median_minutes=("median_minutes", "median"),
        departure_not_recorded=("departure_not_recorded", "sum"),
        dta_departure_recorded=("dta_departure_recorded", "sum"), dta_over_12h=("dta_over_12h", "sum")).reset_index()


def ae_mix(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    a = _events(x.ae, "arrival_at", p, ["arrival_at", "departure_at", "presentation", "arrival_mode"])
    if p.get("hour", -1) != -1:
        a = a[a["arrival_at"].dt.hour == p["hour"]]
    if p.get("weekday", -1) != -1:
        a = a[a["arrival_at"].dt.dayofweek + 1 == p["weekday"]]
    m = _minutes(a["departure_at"], a["arrival_at"])
    parts = []
    for dim in ("presentation", "arrival_mode"):
        f = pd.DataFrame({"category": a[dim].to_numpy(), "attendances": 1, "departure_recorded": ~np.isnan(m),
                          "within_4h": m <= 240})
        parts.append(f.groupby("category").sum().reset_index().assign(dimension=dim))
    return pd.concat(parts, ignore_index=True)[["dimension", "category", "attendances", "departure_recorded",
                                                 "within_4h"]]


AE_TARGET = {"crisis_team": "community_support", "community_mh": "community_support", "home": "home",
             "left_before_treatment": "left", "admitted_acute": "admitted_acute", "police_custody": "police_custody"}
S136_TARGET = {"crisis_team": "community_support", "community_mh": "community_support", "no_mh_follow_up": "home"}
WARD_LIAISON_TARGET = {"crisis_team": "community_support", "community_mh": "community_support",
                       "gp_discharge": "home", "no_mh_follow_up": "home"}


def pathway_flow(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    links: list[pd.DataFrame] = []

    def add(source: Any, target: Any) -> None:
        links.append(pd.DataFrame({"source": source, "target": target}))

    a = _events(x.ae, "arrival_at", p, ["disposal"])["disposal"]
    a = a[a.isna() | (a != "admitted_mh")]
    add("ae", a.map(AE_TARGET).fillna("other_outcome").to_numpy())
    o = _events(x.s136, "detained_at", p, ["outcome"])["outcome"]
    o = o[~o.isin(["admitted_informal", "admitted_detained"])]
    add("s136", o.map(S136_TARGET).fillna("other_outcome").to_numpy())
    w = _events(x.li, "referred_at", p, ["source", "outcome"])
    w = w.loc[w["source"] == "acute_ward", "outcome"]
    w = w[w.isna() | (w != "admitted_mh")]
    add("ward_liaison", w.map(WARD_LIAISON_TARGET).fillna("other_outcome").to_numpy())

    s = _events(x.stays, "admitted_at", p, ["person_id", "admission_source", "discharged_at", "followed_up_at",
                                           "discharge_destination"])
    src = s["admission_source"].map({"emergency_department": "ae", "s136": "s136"}).fillna("other_route")
    add(src.to_numpy(), "admitted")
    pe = _ts(p["period_end"])
    not_counted = ~_counted(s)
    still = (s["discharged_at"].isna() | (s["discharged_at"] >= pe)).to_numpy()
    add("admitted", np.where(still, "still_in_hospital", np.where(not_counted, "died_or_transferred", "discharged")))
    # Stays admitted before the period and discharged in it; then every discharge of the period.
    d = _discharged(x, p)
    earlier = d[d["admitted_at"] < _ts(p["period_start"])]
    add("admitted_before", np.where(_counted(earlier), "discharged", "died_or_transferred"))
    dd = d[_counted(d)]
    followed = np.where(_followed_72h(dd), "followed_up_72h", "not_followed_up_72h")
    add("discharged", followed)
    readmitted = _readmitted(x, dd)
    add(followed[readmitted], "readmitted_30d")
    f = pd.concat(links, ignore_index=True)
    return f.groupby(["source", "target"]).size().rename("people").reset_index()


def recovery_by_ward_type(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    d = _discharged(x, p)
    d = d[_counted(d)]
    return _count_by(d, ["ward_type"], discharges=np.ones(len(d), np.int64), followed_up_72h=_followed_72h(d),
                     readmitted_30d=_readmitted(x, d))


def recovery_followup_timing(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    d = _discharged(x, p)
    d = d[_counted(d)]
    m = _minutes(d["followed_up_at"], d["discharged_at"])
    timing = np.select([np.isnan(m) | (m < 0), m <= 24 * 60, m <= 72 * 60, m <= 7 * 24 * 60],
                       ["none", "within_24h", "after_24h_to_72h", "after_72h_to_7d"], "after_7d")
    return pd.DataFrame({"timing": timing}).groupby("timing").size().rename("discharges").reset_index()


def s136_by_ethnicity(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    d = _events(x.s136, "detained_at", p, ["ethnic_group", "place_of_safety"])
    f = pd.DataFrame({"ethnic_group": d["ethnic_group"].fillna("not_recorded").to_numpy(), "detentions": 1,
                      "police_custody": (d["place_of_safety"] == "police_custody").to_numpy(),
                      "health_based": (d["place_of_safety"] == "health_based").to_numpy()})
    return f.groupby("ethnic_group").sum().reset_index()


def s136_outcomes(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    d = _events(x.s136, "detained_at", p, ["outcome"])
    return d["outcome"].fillna("not_recorded").value_counts().rename_axis("outcome").rename("detentions").reset_index()


def s136_repeat_detentions(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    d = _events(x.s136, "detained_at", p, ["person_id"])
    n = d.groupby("person_id").size()
    times = np.where(n.to_numpy() >= 4, "4+", n.to_numpy().astype(str))
    f = pd.DataFrame({"times": times, "people": 1, "detentions": n.to_numpy()})
    return f.groupby("times").sum().reset_index()


def service_changes(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    c = x.changes.sort_values(["starts_on", "change_id"], kind="stable", ignore_index=True)
    starts = pd.to_datetime(c["starts_on"])
    return pd.DataFrame({"change_id": c["change_id"], "starts_on": starts.dt.date,
                         "month": starts.dt.to_period("M").dt.start_time.dt.date, "title": c["title"],
                         "metrics": c["metrics"], "recalculate": c["recalculate"], "description": c["description"]})


def population_by_period(x: Extracts, p: dict[str, Any]) -> pd.DataFrame:
    """Person-months of the band per bucket: each month takes its year's estimate, else the nearest (earlier on a tie)."""
    pop = x.population
    years = np.array(sorted(pd.unique(pop["year"])), dtype=np.int64)
    months = np.arange(np.datetime64(p["period_start"], "M"), np.datetime64(p["period_end"], "M"))
    keys = months.astype(np.int64)
    band = pop[(pop["age"] >= p["age_min"]) & (pop["age"] <= p["age_max"])]
    totals = {name: band.loc[mask].groupby("year")["people"].sum() for name, mask in (
        ("population_months", np.ones(len(band), bool)), ("population_white_months", band["ethnic_group"] == "white"),
        ("population_black_months", band["ethnic_group"] == "black"))}
    columns: dict[str, np.ndarray] = {}
    for name, by_year in totals.items():
        if len(years):
            own = keys // 12 + 1970
            chosen = years[np.argmin(np.abs(years[None, :] - own[:, None]) * 10_000 + years[None, :], axis=1)]
            columns[name] = np.array([int(by_year.get(y, 0)) for y in chosen], dtype=np.int64)
        else:
            columns[name] = np.zeros(len(keys), dtype=np.int64)
    frame = pd.DataFrame({"bucket": _bucket_keys(keys, p["grain"], p["period_start"]), **columns})
    out = frame.groupby("bucket", sort=True).sum().reset_index()
    out["bucket"] = _bucket_dates(out["bucket"].to_numpy())
    return out


QUERIES: dict[str, Callable[[Extracts, dict[str, Any]], pd.DataFrame]] = {
    f.__name__: f for f in (
        ae_by_period, ae_median_by_period, liaison_by_period, s136_by_period, s136_median_by_period,
        s136_under18_by_period, admissions_by_period,
        bed_days_by_period, delayed_days_by_period, delays_by_org_by_period, delays_by_reason, delays_by_ward,
        delays_open_at_period_end, discharge_destinations, discharges_by_period, discharges_median_by_period,
        inpatient_admissions_by_source,
        inpatient_length_of_stay, inpatient_ward_occupancy, liaison_by_hour, liaison_by_site, ae_by_hour_weekday,
        liaison_by_hour_weekday, ae_dta_waits,
        ae_by_site, ae_site_counts, ae_mix, pathway_flow, recovery_by_ward_type, recovery_followup_timing,
        s136_by_ethnicity, s136_outcomes, s136_repeat_detentions, service_changes, population_by_period)
}


# --- agreement with DuckDB -----------------------------------------------------------------------

def _normalise(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=range(len(frame)))
    for col in columns:
        values = frame[col].reset_index(drop=True)
        if col == "bucket":
            out[col] = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            out[col] = pd.to_numeric(values).astype("float64")
        else:
            out[col] = values.astype(str)
    keys = [c for c in columns if out[c].dtype != "float64"]
    return out.sort_values(keys or columns, kind="stable").reset_index(drop=True) if len(out) else out


def compare(duck: pd.DataFrame, mine: pd.DataFrame) -> str | None:
    """Return None when the pandas answer equals DuckDB's (same rows, numbers to 1e-9 relative), else why not."""
    columns = list(duck.columns)
    missing = [c for c in columns if c not in mine.columns]
    if missing:
        return f"pandas result lacks columns {missing}"
    a, b = _normalise(duck, columns), _normalise(mine, columns)
    if len(a) != len(b):
        return f"{len(a)} rows from DuckDB, {len(b)} from pandas"
    for col in columns:
        x, y = a[col], b[col]
        if x.dtype == "float64":
            for i, (u, v) in enumerate(zip(x, y)):
                if (math.isnan(u) != math.isnan(v)) or (not math.isnan(u) and abs(u - v) > 1e-9 * max(1.0, abs(u))):
                    return f"column {col} row {i}: DuckDB {u} vs pandas {v}"
        elif not (x == y).all():
            i = int((x != y).to_numpy().argmax())
            return f"column {col} row {i}: DuckDB {x[i]!r} vs pandas {y[i]!r}"
    return None
