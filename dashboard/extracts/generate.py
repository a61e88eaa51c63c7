"""Synthetic extracts: one linked population's A&E, liaison, s136, ward stays, delays and beds.

The generator writes the six extracts of the data contract (see ``schema.py``) for a
health system of a given population. Volumes, mixes and shapes are set near
England's published figures (ECDS, MHSDS, Home Office s136 statistics, KH03 beds,
the old DToC return), scaled by population. The records link: the same
pseudonymised people appear in every extract, A&E attendances lead to liaison
referrals and admissions, s136 detentions lead to A&E attendances and admissions,
discharges lead to follow-up, readmissions and returns to A&E.

Everything is vectorised with numpy (England's 56 million people in minutes) and
deterministic: the same arguments give byte-identical parquet files.

Internally every time is an integer number of minutes since 1970-01-01 (local
time, no zone) and every date a number of days since then; ``-1`` means "none".
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from dashboard.extracts import schema

DAY = 1440  # minutes
HOUR = 60
NONE = -1
# Key spacing for (person, time) keys: larger than any minute count we produce.
BIG = np.int64(1) << 28
ROW_GROUP_SIZE = 262_144

# --------------------------------------------------------------------------------------
# Volumes and rates (England, per 1,000 people a year, or shares)
# --------------------------------------------------------------------------------------
AE_RATE = 15.0  # MH A&E attendances per 1,000 a year
AE_GROWTH = 1.05  # +5% a year
S136_RATE = 0.55  # s136 detentions per 1,000 a year
S136_GROWTH = 0.96  # -4% a year
WARD_LIAISON_RATE = 2.2  # liaison referrals from acute wards per 1,000 a year
OCCUPIED_BEDS = 0.30  # in-area occupied MH beds per 1,000 people
POOL_SHARE = 0.08  # people who ever touch crisis services, as a share of the population
SITE_POPULATION = 250_000  # people per emergency department
WARMUP_MONTHS = 48  # stays admitted this long before the window may still be in a bed
READMIT_TARGET = 0.10  # 30-day readmissions of discharges
AE_RETURN_TARGET = 0.08  # discharges followed by an A&E attendance within 30 days

# Codes as indices into the schema's tuples.
SEX, ETH = schema.SEX, schema.ETHNIC_GROUP
PRES, DISP, MODE = schema.PRESENTATION, schema.AE_DISPOSAL, schema.ARRIVAL_MODE
URG, LOUT, LSRC = schema.LIAISON_URGENCY, schema.LIAISON_OUTCOME, schema.LIAISON_SOURCE
POS, CONV, SOUT = schema.PLACE_OF_SAFETY, schema.CONVEYANCE, schema.S136_OUTCOME
WTYPE, ASRC, LEGAL = schema.WARD_TYPE, schema.ADMISSION_SOURCE, schema.LEGAL_STATUS
DEST, REASON, ORG = schema.DISCHARGE_DESTINATION, schema.DELAY_REASON, schema.RESPONSIBLE_ORG


def _ix(codes: tuple[str, ...], code: str) -> int:
    return codes.index(code)


ADULT, PICU, OLDER, CAMHS = (_ix(WTYPE, c) for c in ("adult_acute", "picu", "older_adult", "camhs_tier4"))
SRC_ED, SRC_S136, SRC_CRISIS, SRC_COMMUNITY, SRC_TRANSFER, SRC_OTHER = range(6)
D_ADMIT_MH, D_ADMIT_ACUTE, D_HOME, D_COMMUNITY, D_CRISIS, D_CUSTODY, D_LBT, D_OTHER = range(8)
DEST_DIED, DEST_OTHER_HOSP = _ix(DEST, "died"), _ix(DEST, "other_hospital")
assert ASRC[SRC_ED] == "emergency_department" and ASRC[SRC_TRANSFER] == "transfer"
assert DISP[D_ADMIT_MH] == "admitted_mh" and DISP[D_LBT] == "left_before_treatment"

# Hour-of-day weights (00..23).
AE_HOURS = np.array([5.6, 4.9, 3.9, 3.1, 2.5, 2.1, 2.0, 2.4, 3.0, 3.6, 4.0, 4.3,
                     4.5, 4.6, 4.8, 5.0, 5.3, 5.6, 6.0, 6.2, 6.4, 6.4, 6.3, 6.1])
S136_HOURS = np.array([6.6, 6.1, 5.3, 4.3, 3.3, 2.4, 1.8, 1.6, 1.8, 2.2, 2.6, 3.0,
                       3.3, 3.6, 3.9, 4.2, 4.6, 5.0, 5.6, 6.2, 6.8, 7.1, 7.2, 7.0])
ADMIT_HOURS = np.array([1.0, 0.7, 0.5, 0.4, 0.3, 0.3, 0.4, 0.6, 1.2, 2.0, 3.0, 3.5,
                        3.8, 3.8, 3.8, 3.8, 3.6, 3.4, 3.0, 2.6, 2.2, 1.8, 1.5, 1.2])
WARD_REF_HOURS = np.array([0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 1.0, 3.0, 5.0, 6.0, 6.0,
                           5.0, 5.0, 5.0, 4.5, 4.0, 2.5, 1.2, 0.8, 0.6, 0.4, 0.3, 0.2])
DISCHARGE_HOURS = np.zeros(24)
DISCHARGE_HOURS[9:19] = [0.5, 1.5, 2.5, 3.0, 3.0, 2.8, 2.4, 1.8, 1.0, 0.5]
# Day-of-week factors, Monday first.
AE_DOW = np.array([1.06, 1.02, 1.00, 1.00, 0.99, 0.96, 0.97])
S136_DOW = np.array([0.92, 0.90, 0.93, 0.96, 1.07, 1.17, 1.05])
ADMIT_DOW = np.array([1.12, 1.10, 1.08, 1.06, 1.08, 0.80, 0.76])
WARD_REF_DOW = np.array([1.20, 1.20, 1.20, 1.20, 1.15, 0.55, 0.50])
# Month factors, January first: winter pressure Dec-Mar; s136 peaks in summer.
AE_MONTH = np.array([1.07, 1.04, 1.05, 0.99, 0.98, 0.96, 0.96, 0.95, 0.98, 1.00, 1.00, 1.06])
S136_MONTH = np.array([0.95, 0.93, 0.97, 0.98, 1.03, 1.06, 1.07, 1.05, 1.00, 0.98, 0.97, 0.98])
ADMIT_MONTH = np.array([1.05, 1.03, 1.04, 1.00, 0.98, 0.97, 0.97, 0.96, 0.98, 1.00, 1.00, 1.03])
WINTER = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1], dtype=bool)

# People: ethnic mix (last = null) and selection multipliers per data set
# (black people are several times more likely to be detained: s136 and detained admissions).
ETH_P = np.array([0.80, 0.03, 0.075, 0.035, 0.02, 0.03, 0.01])
ETH_MULT = {
    "ae": np.array([1.0, 1.3, 0.75, 1.3, 1.0, 1.0, 1.0]),
    "s136": np.array([1.0, 1.8, 0.8, 3.2, 1.2, 1.0, 1.0]),
    "ip": np.array([1.0, 1.5, 0.9, 2.5, 1.1, 1.0, 1.0]),
    "ward": np.ones(7),
}

# A&E: presentation mix, female share, arrival mode and disposal by presentation.
PRES_P = np.array([0.30, 0.25, 0.10, 0.10, 0.15, 0.10])
PRES_FEMALE = np.array([0.66, 0.52, 0.38, 0.36, 0.60, 0.50])
MODE_BY_PRES = np.array([  # ambulance, police, walk_in, other
    [0.45, 0.05, 0.45, 0.05], [0.30, 0.10, 0.55, 0.05], [0.35, 0.25, 0.35, 0.05],
    [0.50, 0.15, 0.30, 0.05], [0.20, 0.03, 0.72, 0.05], [0.40, 0.07, 0.48, 0.05]])
DISP_BY_PRES = np.array([  # admitted_mh, admitted_acute, home, community, crisis, custody, lbt, other
    [0.04, 0.16, 0.38, 0.11, 0.11, 0.005, 0.10, 0.095],
    [0.09, 0.02, 0.36, 0.14, 0.16, 0.005, 0.12, 0.105],
    [0.22, 0.02, 0.20, 0.14, 0.18, 0.04, 0.08, 0.12],
    [0.03, 0.08, 0.50, 0.06, 0.06, 0.06, 0.12, 0.09],
    [0.02, 0.01, 0.55, 0.13, 0.10, 0.0, 0.12, 0.07],
    [0.08, 0.12, 0.42, 0.12, 0.08, 0.01, 0.07, 0.10]])
REFER_BY_DISP = np.array([0.95, 0.50, 0.55, 0.80, 0.90, 0.40, 0.12, 0.40])
# Median minutes from arrival to leaving when not seen by liaison, by disposal.
CORE_BY_DISP = np.array([240, 165, 115, 130, 130, 145, 75, 125])
LONG_WAIT_P = 0.30  # referred, not admitted, and kept waiting many hours (x1.15 in winter)
LOUT_BY_DISP = np.array([  # admitted_mh, crisis, community, gp, no_mh_follow_up, other
    [1.0, 0, 0, 0, 0, 0], [0, 0, 0.30, 0.20, 0.30, 0.20], [0, 0, 0.10, 0.45, 0.35, 0.10],
    [0, 0, 1.0, 0, 0, 0], [0, 1.0, 0, 0, 0, 0], [0, 0, 0, 0, 0.60, 0.40],
    [0, 0, 0, 0, 0, 1.0], [0, 0, 0.10, 0.25, 0.25, 0.40]])

# s136: place of safety (health_based, ED, custody, other) and conveyance by place.
POS_P = np.array([0.555, 0.40, 0.025, 0.02])
CONV_BY_POS = np.array([[0.32, 0.53, 0.15], [0.45, 0.45, 0.10], [0.02, 0.95, 0.03], [0.20, 0.60, 0.20]])
S136_OUT_P = np.array([0.08, 0.22, 0.15, 0.22, 0.21, 0.12])
S136_OUT_INTOX_P = np.array([0.05, 0.15, 0.13, 0.20, 0.33, 0.14])

# Inpatients: nights (median, sigma) by ward type, destinations, legal status.
LOS = {ADULT: (25.0, 0.85), PICU: (12.0, 0.80), OLDER: (48.0, 0.85), CAMHS: (38.0, 0.85)}
TYPE_ADMIT_SHARE = {ADULT: 0.70, PICU: 0.07, OLDER: 0.17, CAMHS: 0.06}
SAME_DAY_P, LONG_STAY_P = 0.008, 0.006
DEST_BY_TYPE = np.array([  # home, supported, care_home, other_hospital, died, other
    [0.72, 0.10, 0.01, 0.05, 0.004, 0.116], [0.45, 0.08, 0.005, 0.25, 0.002, 0.213],
    [0.45, 0.04, 0.30, 0.07, 0.03, 0.11], [0.80, 0.05, 0.01, 0.06, 0.0, 0.08]])
DETAINED_BY_SOURCE = np.array([0.50, 0.0, 0.55, 0.50, 0.70, 0.45])  # s136 set by outcome
DETAINED_BY_TYPE = np.array([1.0, 1.0, 0.80, 0.85])  # multipliers; PICU overridden
OOA_SHARE = 0.10  # expected share of all bed days out of area (beds run short of demand)
BG_SOURCE_P = np.array([0.0, 0.0, 0.42, 0.33, 0.10, 0.15])
WARMUP_SOURCE_P = np.array([0.40, 0.05, 0.25, 0.18, 0.05, 0.07])
READMIT_SOURCE_P = np.array([0.0, 0.0, 0.45, 0.35, 0.0, 0.20])
# Delays: chance by ward type (for long stays), median days, and reason mix by destination.
DELAY_P = {ADULT: 0.16, PICU: 0.01, OLDER: 0.52, CAMHS: 0.14}
DELAY_DAYS = {ADULT: 14.0, PICU: 5.0, OLDER: 25.0, CAMHS: 14.0}
REASON_BY_DEST = np.array([  # a, b, c, di, dii, e, f, g, h, i
    [0.20, 0.05, 0.05, 0.00, 0.00, 0.35, 0.08, 0.12, 0.05, 0.10],
    [0.10, 0.12, 0.15, 0.00, 0.00, 0.05, 0.00, 0.08, 0.05, 0.45],
    [0.08, 0.15, 0.05, 0.32, 0.32, 0.00, 0.00, 0.06, 0.02, 0.00],
    [0.15, 0.02, 0.60, 0.00, 0.00, 0.00, 0.00, 0.15, 0.08, 0.00],
    [0.20, 0.10, 0.20, 0.10, 0.20, 0.10, 0.00, 0.05, 0.05, 0.00],
    [0.15, 0.10, 0.20, 0.05, 0.05, 0.10, 0.02, 0.10, 0.08, 0.15]])
ORG_BY_REASON = np.array([  # nhs, social_care, both
    [0.5, 0.2, 0.3], [0.1, 0.8, 0.1], [0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.6, 0.2],
    [0.1, 0.8, 0.1], [0.3, 0.6, 0.1], [0.7, 0.2, 0.1], [0.2, 0.2, 0.6], [0.4, 0.4, 0.2]])

# Wards: typical size, minimum number per type (first area), beds as a share of demand.
WARD_SIZE = {ADULT: 18, PICU: 10, OLDER: 16, CAMHS: 12}
MIN_WARDS = {ADULT: 3, PICU: 1, OLDER: 1, CAMHS: 1}
BED_RATIO = {ADULT: 0.95, PICU: 0.93, OLDER: 0.98, CAMHS: 0.95}
AREA_POPULATION = 1_000_000  # people per local system with its own wards

# Names (invented).
SITE_NAMES = (
    "Royal Kingsbridge Hospital", "St Aldhelm's Hospital", "Northfield General Hospital",
    "Queen Adelaide Hospital", "Castlegate District Hospital", "Wolds Royal Infirmary",
    "Harbourne General Hospital", "Princess Matilda Hospital", "St Wystan's Hospital",
    "Eastmoor Hospital", "Ravensworth General Hospital", "Marlowe District Hospital",
    "Royal Ashby Infirmary", "Westcombe Hospital", "Fairhaven General Hospital",
    "Thornleigh Hospital", "St Cuthman's Hospital", "Broadmere District Hospital",
    "Kingsholm General Hospital", "Queen Eleanor Hospital", "Hollins Park Hospital",
    "Alderley Royal Hospital", "Stanmoor General Hospital", "St Edith's Hospital",
)
UNIT_NAMES = (
    "Millbrook Unit", "Hillside House", "The Beeches Centre", "Riverside Centre", "Fernbank Unit",
    "Oakwood Centre", "Linden Centre", "Woodlands Unit", "Brookfield Hospital", "Highcroft Hospital",
    "Meadowview Unit", "Parkside Centre", "Greenacres Unit", "Ashfield Centre", "Elmtree House",
    "Harbourside Unit", "Moorlands Centre", "Castleview Unit", "Abbeyfields Hospital", "Westgate Centre",
)
WARD_WORDS = (
    "Oak", "Ash", "Beech", "Birch", "Cedar", "Elm", "Hazel", "Holly", "Juniper", "Larch", "Maple",
    "Rowan", "Willow", "Yew", "Alder", "Aspen", "Linden", "Poplar", "Chestnut", "Hawthorn",
    "Heather", "Bluebell", "Primrose", "Foxglove", "Lavender", "Meadow", "Orchard", "Harbour",
    "Kestrel", "Heron", "Kingfisher", "Curlew", "Skylark", "Wren", "Swift", "Merlin", "Osprey",
    "Avocet", "Plover", "Linnet", "Thrush", "Lapwing", "Tamar", "Severn", "Derwent", "Wye", "Ouse",
    "Trent", "Eden", "Tees", "Avon", "Cherwell", "Kennet", "Medway", "Mersey", "Ribble", "Swale",
    "Calder", "Nene", "Welland",
)
OOA_PROVIDERS = (
    "Northgate Independent Hospital", "Cedar Vale Hospital", "St Brannock's Hospital",
    "Thornbury Park Hospital", "Kingsmead Healthcare", "Aldgate House Hospital",
    "Fenwick Lodge", "Harrowden Hospital",
)

STAGES = ("people", "s136", "A&E", "ward referrals", "admissions", "stays", "readmissions", "wards",
          "delays", "A&E returns", "follow-up", "write ae_attendances", "write liaison_referrals",
          "write s136_detentions", "write inpatient_stays", "write delayed_transfers", "write ward_capacity")


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    """The months of data: first day, extract date (first day after end_month), warm-up start."""

    start_day: int
    extract_day: int
    warm_day: int

    @property
    def n_days(self) -> int:
        """Number of days in the data window."""
        return self.extract_day - self.start_day

    @property
    def extract_min(self) -> int:
        """The extract date in minutes: nothing may happen at or after it."""
        return self.extract_day * DAY


def _month_start(year: int, month: int) -> int:
    return int(np.datetime64(f"{year:04d}-{month:02d}-01", "D").astype(np.int64))


def _add_months(year: int, month: int, k: int) -> tuple[int, int]:
    m = year * 12 + (month - 1) + k
    return m // 12, m % 12 + 1


def make_window(end_month: str | None, years: int) -> Window:
    """Return the data window ending with `end_month` ('YYYY-MM'; default last complete month)."""
    if end_month is None:
        last = date.today().replace(day=1) - timedelta(days=1)
        end_month = f"{last.year:04d}-{last.month:02d}"
    year, month = (int(x) for x in end_month.split("-"))
    if not 1 <= month <= 12 or years < 1:
        raise ValueError(f"bad end_month {end_month!r} or years {years}")
    start = _add_months(year, month, -(12 * years - 1))
    warm = _add_months(*start, -WARMUP_MONTHS)
    return Window(_month_start(*start), _month_start(*_add_months(year, month, 1)), _month_start(*warm))


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = months.astype(np.int64) % 12 + 1
    dd = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, dd


def _month(days: np.ndarray) -> np.ndarray:
    """Month number 1..12 of each day."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1


def _dow(days: np.ndarray) -> np.ndarray:
    """Day of week, Monday = 0 (1970-01-01 was a Thursday)."""
    return (np.asarray(days, dtype=np.int64) + 3) % 7


def _cat(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    """Draw n category indices with probabilities p (need not sum to 1)."""
    cum = np.cumsum(p, dtype=np.float64)
    return np.minimum(np.searchsorted(cum / cum[-1], rng.random(n), side="right"), len(p) - 1)


def _cat_by(rng: np.random.Generator, table: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Draw one category per element, with probabilities from table[row]."""
    cum = np.cumsum(table, axis=1, dtype=np.float64)
    cum /= cum[:, -1:]
    u = rng.random(len(row))
    out = np.zeros(len(row), dtype=np.int64)
    for k in range(table.shape[1] - 1):  # few categories: one pass each
        out += u >= cum[row, k]
    return out


def _ln(rng: np.random.Generator, median: float | np.ndarray, sigma: float, n: int) -> np.ndarray:
    """Lognormal draws with the given median."""
    return median * np.exp(sigma * rng.standard_normal(n))


def _age_pmf(parts: list[tuple[float, float, float]], lo: int = 0, hi: int = 100) -> np.ndarray:
    """Probability of each age 0..120 from a mixture of (mean, sd, weight) bumps."""
    ages = np.arange(121, dtype=np.float64)
    w = sum(wt * np.exp(-0.5 * ((ages - mu) / sd) ** 2) / sd for mu, sd, wt in parts)
    w[(ages < lo) | (ages > hi)] = 0.0
    return w / w.sum()


AE_AGE = [
    _age_pmf([(19, 4, 0.5), (32, 10, 0.4), (55, 12, 0.1)], lo=8),  # self_harm
    _age_pmf([(24, 6, 0.4), (40, 12, 0.5), (68, 10, 0.1)], lo=10),  # suicidal_ideation
    _age_pmf([(30, 9, 0.7), (50, 12, 0.3)], lo=14),  # psychosis
    _age_pmf([(25, 7, 0.5), (45, 12, 0.5)], lo=13),  # intoxication
    _age_pmf([(22, 6, 0.4), (40, 14, 0.5), (75, 8, 0.1)], lo=10),  # anxiety_depression
    _age_pmf([(30, 12, 0.5), (80, 8, 0.5)], lo=5),  # other_mh (incl. dementia, delirium)
]
S136_AGE = _age_pmf([(28, 6.5, 0.5), (42, 11, 0.47), (70, 6, 0.03)], lo=12, hi=95)
IP_AGE = _age_pmf([(15.5, 1.3, 0.05), (29, 8, 0.40), (47, 11, 0.33), (79, 7, 0.22)], lo=11)
WARD_REF_AGE = _age_pmf([(40, 15, 0.35), (79, 8, 0.65)], lo=16)


def _daily_lambda(first_day: int, n_days: int, per_day: float, growth: float,
                  month_f: np.ndarray, dow_f: np.ndarray) -> np.ndarray:
    """Expected events per day: trend x season x weekday, averaging `per_day`."""
    days = first_day + np.arange(n_days)
    t = (days - days.mean()) / 365.25
    lam = np.exp(np.log(growth) * t) * month_f[_month(days) - 1] * dow_f[_dow(days)]
    return lam * (per_day / lam.mean())


def _event_times(rng: np.random.Generator, first_day: int, lam: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """Poisson counts per day, each event at a whole minute drawn from the hour profile."""
    counts = rng.poisson(lam)
    day = np.repeat(first_day + np.arange(len(lam), dtype=np.int64), counts)
    hour = _cat(rng, hours, len(day))
    return day * DAY + hour * HOUR + rng.integers(0, 60, len(day))


def _whole(x: np.ndarray, lo: float = 1.0) -> np.ndarray:
    """Round to whole minutes (or days), at least `lo`."""
    return np.maximum(np.rint(x), lo).astype(np.int64)


def _overlaps(person: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each interval, whether it starts before an earlier one of the same person ended.

    Returns (clash, previous): `previous` is the index of the interval just before it
    in (person, start) order. The running maximum of person*BIG+end finds overlaps
    with any earlier interval, not just the previous one, without a loop.
    """
    order = np.lexsort((start, person))
    p = person[order].astype(np.int64)
    key_end = np.maximum.accumulate(p * BIG + end[order])
    prev_end = np.concatenate(([np.int64(-1)], key_end[:-1]))
    clash = np.zeros(len(person), dtype=bool)
    clash[order] = (p * BIG + start[order]) < prev_end
    previous = np.full(len(person), -1, dtype=np.int64)
    previous[order[1:]] = order[:-1]
    return clash, previous


def _clashing(person: np.ndarray, start: np.ndarray, end: np.ndarray, changeable: np.ndarray) -> np.ndarray:
    """Indices of changeable intervals to move so that nobody is in two places at once.

    Of each overlapping pair the later one is chosen, or the earlier if the later is fixed.
    """
    clash, prev = _overlaps(person, start, end)
    later = np.flatnonzero(clash)
    pick = np.where(changeable[later], later, prev[later])
    return np.unique(pick[(pick >= 0) & changeable[np.maximum(pick, 0)]])


def _next_within(person_a: np.ndarray, time_a: np.ndarray, person_b: np.ndarray, time_b: np.ndarray,
                 window: int) -> np.ndarray:
    """Whether each event a has an event b of the same person with 0 < b - a <= window."""
    if len(person_b) == 0:
        return np.zeros(len(person_a), dtype=bool)
    kb = np.sort(person_b.astype(np.int64) * BIG + time_b)
    ka = person_a.astype(np.int64) * BIG + time_a
    pos = np.searchsorted(kb, ka, side="right")
    nxt = kb[np.minimum(pos, len(kb) - 1)]
    return (pos < len(kb)) & (nxt - ka > 0) & (nxt - ka <= window)


# --------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------
@dataclass
class People:
    """A pool of pseudonymised people who may touch crisis services."""

    birth_day: np.ndarray
    sex: np.ndarray
    ethnic: np.ndarray  # index into ETH, -1 = null
    home_site: np.ndarray
    number: np.ndarray  # pseudonymised id number (a shuffled index)
    bin_start: np.ndarray
    bin_end: np.ndarray
    y_min: int
    n_years: int
    cum: dict[str, np.ndarray]

    def pick(self, rng: np.random.Generator, kind: str, age: np.ndarray, day: np.ndarray,
             male: np.ndarray) -> np.ndarray:
        """Pick people of about the target age at `day`, weighted by their propensity for `kind`."""
        n = len(age)
        birth = day - ((age + rng.random(n)) * 365.2425).astype(np.int64)
        year = np.clip(_ymd(birth)[0], self.y_min, self.y_min + self.n_years - 1)
        b = male.astype(np.int64) * self.n_years + (year - self.y_min)
        lo, hi = self.bin_start[b], self.bin_end[b]
        cum = self.cum[kind]
        u = cum[lo] + rng.random(n) * (cum[hi] - cum[lo])
        return np.clip(np.searchsorted(cum, u, side="right") - 1, lo, hi - 1)

    def age_at(self, person: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Age in whole years on `day`."""
        by, bm, bd = _ymd(self.birth_day[person])
        ey, em, ed = _ymd(day)
        age = ey - by - ((em < bm) | ((em == bm) & (ed < bd)))
        return np.clip(age, 0, 120).astype(np.int32)


def _make_people(rng: np.random.Generator, population: int, win: Window, n_sites: int,
                 site_w: np.ndarray) -> People:
    """Build the pool: births by year for two sex groups, sex, ethnicity, home ED, propensities."""
    ref_year = int(_ymd(np.array([win.extract_day]))[0][0])
    y_min, n_years = ref_year - 112, 113
    age = ref_year - (y_min + np.arange(n_years))
    # Rough English age pyramid: flat to 60, then thinning.
    share = np.interp(age, [0, 60, 70, 80, 90, 100, 112], [1.0, 1.0, 0.9, 0.65, 0.3, 0.05, 0.0])
    size = max(2_000, int(population * POOL_SHARE))
    per_bin = np.maximum(3, np.rint(share / share.sum() * size / 2)).astype(np.int64)
    counts = np.concatenate([per_bin, per_bin])  # female-group bins, then male-group bins
    bin_end = np.cumsum(counts)
    bin_start = bin_end - counts
    n = int(bin_end[-1])
    bin_of = np.repeat(np.arange(2 * n_years), counts)
    male = bin_of >= n_years
    year = y_min + bin_of % n_years
    jan1 = np.array([_month_start(int(y), 1) for y in range(y_min, y_min + n_years + 1)])
    y0 = year - y_min
    birth = jan1[y0] + (rng.random(n) * (jan1[y0 + 1] - jan1[y0])).astype(np.int64)
    # Recorded sex: the sex group, with a few 'other' and 'not_known'.
    u = rng.random(n)
    sex = np.where(male, _ix(SEX, "male"), _ix(SEX, "female"))
    sex = np.where(u < 0.002, _ix(SEX, "other"), np.where(u < 0.006, _ix(SEX, "not_known"), sex))
    ethnic = _cat(rng, ETH_P, n)
    ethnic = np.where(ethnic == len(ETH), -1, ethnic)
    # Heavy-tailed propensity: most people come once, a few come very often.
    propensity = rng.lognormal(0.0, 0.9, n) * np.where(rng.random(n) < 0.015, 8.0, 1.0)
    cum = {}
    for kind, mult in ETH_MULT.items():
        w = propensity * mult[ethnic]
        cum[kind] = np.concatenate(([0.0], np.cumsum(w)))
    return People(
        birth_day=birth, sex=sex.astype(np.int8), ethnic=ethnic.astype(np.int8),
        home_site=_cat(rng, site_w, n), number=rng.permutation(n) + 1,
        bin_start=bin_start, bin_end=bin_end, y_min=y_min, n_years=n_years, cum=cum,
    )


# --------------------------------------------------------------------------------------
# Blocks of events
# --------------------------------------------------------------------------------------
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


def _site_for(rng: np.random.Generator, people: People, person: np.ndarray, site_w: np.ndarray) -> np.ndarray:
    """Most people go to their local emergency department."""
    return np.where(rng.random(len(person)) < 0.85, people.home_site[person], _cat(rng, site_w, len(person)))


def _s136(rng: np.random.Generator, people: People, win: Window, population: int,
          site_w: np.ndarray) -> tuple[dict[str, np.ndarray], AeBlock, Requests, np.ndarray]:
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
    conveyance = _cat_by(rng, CONV_BY_POS, place)
    assessed = t + _whole((ended - t) * rng.uniform(0.35, 0.85, n))
    outcome = np.where(intox, _cat(rng, S136_OUT_INTOX_P, n), _cat(rng, S136_OUT_P, n))
    det = dict(person=person, age=age, detained_at=t, place=place, conveyance=conveyance,
               assessed_at=assessed, ended_at=ended, extended=extended, intoxicated=intox,
               outcome=outcome, assess_missing=rng.random(n) < 0.025,
               end_missing=rng.random(n) < 0.025, outcome_missing=rng.random(n) < 0.01)

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
                   source=np.full(len(adm), SRC_S136), legal=(outcome[adm] == 1).astype(np.int64),
                   anchor=t[adm], linked=np.ones(len(adm), dtype=bool))
    return det, block, req, lam


def _ae_block(rng: np.random.Generator, people: People, arrival: np.ndarray, site_w: np.ndarray,
              win_start: int, person: np.ndarray | None = None, allow_admit: bool = True,
              busy: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> AeBlock:
    """A&E attendances at the given arrival times, with liaison and decision-to-admit times.

    With `person` None, people are picked to suit each presentation; attendances that
    would overlap another of the same person (or a `busy` interval, e.g. a detention)
    are given to someone else of the same age and sex.
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

    # Winter lengthens every wait; the department's waits also grow a little each year.
    winter = np.where(WINTER[_month(day) - 1], 1.15, 1.0)
    w = winter * (1 + 0.03 * ((day - win_start) / 365.25))
    admitted = disp <= D_ADMIT_ACUTE
    ref_at = arrival + _whole(_ln(rng, 40, 0.7, n) * w, 5)
    # (An urgent referral is still seen before the patient leaves: within two days at worst.)
    wait = np.minimum(np.where(urgency == 0, _ln(rng, 30, 0.72, n), _ln(rng, 400, 1.0, n)) * winter, 2 * DAY)
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
    # Admitted patients wait for a bed after the decision; MH beds are the scarcest.
    # Lognormal, but nobody waits more than about three days in a department.
    bed_wait = np.where(disp == D_ADMIT_MH, _ln(rng, 8 * HOUR, 1.0, n), _ln(rng, 4 * HOUR, 0.9, n)) * w
    bed_wait = np.minimum(bed_wait, 2 * DAY + rng.random(n) * DAY)
    dta = np.where(admitted, core_end, NONE)
    departure = np.where(admitted, core_end + _whole(bed_wait, 5), core_end)
    outcome = np.where(assessed != NONE, _cat_by(rng, LOUT_BY_DISP, disp), NONE)

    if person is None:
        person = people.pick(rng, "ae", target_age, day, male)
        bp, bs, be = busy if busy is not None else (np.zeros(0, np.int64),) * 3
        changeable = np.concatenate([np.ones(n, dtype=bool), np.zeros(len(bp), dtype=bool)])
        for _ in range(6):  # a frequent attender cannot be in two departments at once
            idx = _clashing(np.concatenate([person, bp]), np.concatenate([arrival, bs]),
                            np.concatenate([departure, be]), changeable)
            if not len(idx):
                break
            person[idx] = people.pick(rng, "ae", target_age[idx], day[idx], male[idx])
    return AeBlock(person=person, arrival=arrival, departure=departure, dta=dta, mode=mode,
                   presentation=pres, disposal=disp, site=_site_for(rng, people, person, site_w),
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


# --------------------------------------------------------------------------------------
# Stays
# --------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------
# Wards and capacity
# --------------------------------------------------------------------------------------
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

    def beds_on(self, day: int) -> np.ndarray:
        """Beds of each ward that can take an admission on `day`."""
        valid = (self.valid_from <= day) & ((self.valid_to == NONE) | (day <= self.valid_to))
        beds = np.where(day >= self.change_day, self.beds_after, self.beds)
        beds = np.where(valid, beds, 0)
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

    In the first area one adult ward is re-provided: a new ward opens mid-window and
    an old one closes a few months later; another adult ward gains beds.
    """
    adm_day = s.admitted // DAY
    dis_day = np.minimum(s.discharged, win.extract_min) // DAY
    nights = _nights_in(adm_day, dis_day, win.start_day, win.extract_day)
    demand = np.bincount(group, weights=nights, minlength=n_groups) / win.n_days
    base_from = _month_start(int(_ymd(np.array([win.warm_day]))[0][0]) - 1, 4)

    def month_at(frac: float) -> int:
        y, m, _ = _ymd(np.array([win.start_day + int(frac * win.n_days)]))
        return _month_start(int(y[0]), int(m[0]))

    open_day, close_day, change_day = month_at(0.50), month_at(0.60) - 1, month_at(0.75)
    grp, beds, vf, vt = [], [], [], []
    for g in range(n_groups):
        wt = g % 4
        first_adult = g == ADULT  # group 0 * 4 + ADULT: the first area's adult wards
        cap = demand[g] * BED_RATIO[wt]
        n_w = max(MIN_WARDS[wt] if first_adult else 1, int(round(cap / WARD_SIZE[wt])))
        w = rng.uniform(0.75, 1.25, n_w)
        b = np.maximum(1, np.rint(cap * w / w.sum())).astype(np.int64)
        grp += [g] * n_w
        beds += list(b)
        vf += [base_from] * n_w
        vt += [NONE] * n_w
        if first_adult:  # ward 0 closes, a new ward of its size opens before it does, ward 1 gains beds
            vt[0] = close_day
            grp.append(g)
            beds.append(beds[0])
            vf.append(open_day)
            vt.append(NONE)
    beds_arr = np.array(beds, dtype=np.int64)
    after = beds_arr.copy()
    after[1] += max(1, int(round(0.2 * beds_arr[1])))
    return WardPlan(group=np.array(grp, dtype=np.int64), beds=beds_arr, beds_after=after,
                    valid_from=np.array(vf, dtype=np.int64), valid_to=np.array(vt, dtype=np.int64),
                    change_day=change_day, rundown_day=close_day - 60, closing=0, changing=1,
                    names=_ward_names(rng, len(beds)))


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


# --------------------------------------------------------------------------------------
# Discharges: follow-up, delays, returns to A&E
# --------------------------------------------------------------------------------------
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
                site_w: np.ndarray) -> AeBlock:
    """Top up A&E attendances within 30 days of discharge to about 8% of discharges."""
    base = _readmission_base(s, win)
    natural = float(_next_within(s.person[base], s.discharged[base], ae.person, ae.arrival, 30 * DAY).mean()) \
        if base.any() else 0.0
    p = float(np.clip((AE_RETURN_TARGET - natural) / max(1e-9, 1 - natural), 0.0, 0.3))
    i = np.flatnonzero(base & (rng.random(len(base)) < p))
    arrival = s.discharged[i] + _whole(30 * DAY * rng.beta(1.0, 1.6, len(i)), 3 * HOUR)
    i, arrival = i[arrival < win.extract_min], arrival[arrival < win.extract_min]
    block = _ae_block(rng, people, arrival, site_w, win.start_day, person=s.person[i].copy(),
                      allow_admit=False)
    return block


def _fix_deaths(s: Stays, last_event: np.ndarray) -> None:
    """A person who died in hospital has no later events: otherwise record another destination."""
    died = s.dest == DEST_DIED
    s.dest[died & (last_event[s.person] > s.discharged)] = _ix(DEST, "other")


# --------------------------------------------------------------------------------------
# Arrow and parquet
# --------------------------------------------------------------------------------------
ARROW_TYPES = {"string": pa.string(), "code": pa.string(), "integer": pa.int32(), "boolean": pa.bool_(),
               "timestamp": pa.timestamp("us"), "date": pa.date32()}


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Fixed-width ids like 'AE00000001', built straight into an Arrow buffer (fast at 5M rows)."""
    n = len(numbers)
    pre = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    buf = np.empty((n, len(pre) + width), dtype=np.uint8)
    buf[:, : len(pre)] = pre
    x = numbers.astype(np.int64).copy()
    if n and x.max() >= 10 ** width:
        raise ValueError(f"{prefix} ids need more than {width} digits")
    for k in range(width - 1, -1, -1):
        buf[:, len(pre) + k] = x % 10 + 48
        x //= 10
    offsets = np.arange(n + 1, dtype=np.int32) * buf.shape[1]
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(buf.tobytes()))


def _codes(codes: tuple[str, ...] | list[str], idx: np.ndarray) -> pa.Array:
    """String column from code indices; negative index = null."""
    idx = np.asarray(idx, dtype=np.int64)
    return pa.array(list(codes), pa.string()).take(pa.array(np.maximum(idx, 0), mask=idx < 0))


def _ts(minutes: np.ndarray) -> pa.Array:
    """Timestamp column (microseconds, no zone) from minutes; NONE = null."""
    m = np.asarray(minutes, dtype=np.int64)
    return pa.array((m * 60_000_000).astype("datetime64[us]"), type=pa.timestamp("us"), mask=m == NONE)


def _dates(days: np.ndarray) -> pa.Array:
    """Date column from day numbers; NONE = null."""
    d = np.asarray(days, dtype=np.int64)
    return pa.array(d.astype("datetime64[D]"), type=pa.date32(), mask=d == NONE)


def _write(out_dir: Path, name: str, columns: dict[str, pa.Array]) -> int:
    """Write one extract atomically, in contract column order with contract types."""
    ext = schema.EXTRACTS[name]
    if tuple(columns) != ext.column_names:
        raise AssertionError(f"{name}: columns {tuple(columns)} != contract {ext.column_names}")
    arrow_schema = pa.schema([pa.field(c.name, ARROW_TYPES[c.type]) for c in ext.columns])
    table = pa.Table.from_arrays([columns[c] for c in ext.column_names], schema=arrow_schema)
    folder = out_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / ".part-0.parquet.tmp"
    pq.write_table(table, tmp, row_group_size=ROW_GROUP_SIZE, compression="zstd")
    os.replace(tmp, folder / "part-0.parquet")
    return table.num_rows


def _person_cols(people: People, person: np.ndarray, age: np.ndarray, *, ethnic: bool = True,
                 sex: bool = True) -> dict[str, pa.Array]:
    cols = {"person_id": _ids("P", people.number[person], 9), "age": pa.array(age.astype(np.int32))}
    if sex:
        cols["sex"] = _codes(SEX, people.sex[person])
    if ethnic:
        cols["ethnic_group"] = _codes(ETH, people.ethnic[person])
    return cols


# --------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------
def _site_names(n: int) -> list[str]:
    """Invented hospital names; numbered ones beyond the list (national scale)."""
    return [SITE_NAMES[k] if k < len(SITE_NAMES) else f"District General Hospital {k + 1:03d}" for k in range(n)]


def generate(out_dir: Path, population: int = 1_000_000, seed: int = 42, years: int = 5,
             end_month: str | None = None, progress: bool = True) -> dict[str, int]:
    """Write all six extracts under out_dir/<extract>/part-0.parquet; return row counts per extract."""
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
    # Local systems of about a million people, each with its own wards (beyond them: out of area).
    n_areas = max(1, min(n_sites, int(round(population / AREA_POPULATION))))
    area_of_site = np.arange(n_sites) * n_areas // n_sites
    people = _make_people(rng, population, win, n_sites, site_w)

    stage()  # s136
    det, ae_s136, req_s136, s136_lam = _s136(rng, people, win, population, site_w)

    stage()  # A&E
    ae_lam = _daily_lambda(win.start_day, win.n_days, AE_RATE * population / 1000 / 365.25,
                           AE_GROWTH, AE_MONTH, AE_DOW)
    ae_lam = np.maximum(0.0, ae_lam - s136_lam * POS_P[1])  # detentions taken to ED count as attendances
    busy = (det["person"], det["detained_at"], det["ended_at"])
    ae_gen = _ae_block(rng, people, _event_times(rng, win.start_day, ae_lam, AE_HOURS), site_w,
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
    ae_ret = _ae_returns(rng, people, stays, ae_first, win, site_w)
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
    counts["s136_detentions"] = _write_s136(out_dir, people, det, win)
    stage()
    counts["inpatient_stays"], stay_number = _write_stays(out_dir, people, stays, stay_ward, plan.names + ooa_names,
                                                          ooa, followed, win)
    stage()
    counts["delayed_transfers"] = _write_delays(out_dir, people, delays, stay_number)
    stage()
    counts["ward_capacity"] = _write_capacity(out_dir, plan)
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


def main(argv: list[str] | None = None) -> int:
    """Command line: python -m dashboard.extracts.generate OUT_DIR [--population N] [--seed S] ..."""
    ap = argparse.ArgumentParser(prog="python -m dashboard.extracts.generate", description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--population", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--end-month", default=None, help="YYYY-MM, last complete month (default: last month)")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    counts = generate(args.out_dir, args.population, args.seed, args.years, args.end_month, not args.quiet)
    for name, n in counts.items():
        print(f"{name:20s} {n:>12,d}")
    print(f"{'seconds':20s} {time.perf_counter() - t0:>12.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
