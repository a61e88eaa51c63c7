"""Volumes, rates, mixes and shapes the generator draws from, set near England's published figures."""
from __future__ import annotations

import numpy as np

from dashboard.extracts import schema

DAY = 1440  # minutes
HOUR = 60
NONE = -1
# Key spacing for (person, time) keys: larger than any minute count we produce.
BIG = np.int64(1) << 28
ROW_GROUP_SIZE = 262_144

# Volumes and rates (England, per 1,000 people a year, or shares)
AE_RATE = 15.0  # MH A&E attendances per 1,000 a year
AE_GROWTH = 1.05  # +5% a year
S136_RATE = 0.55  # s136 detentions per 1,000 a year
S136_GROWTH = 0.96  # -4% a year
WARD_LIAISON_RATE = 2.2  # liaison referrals from acute wards per 1,000 a year
OCCUPIED_BEDS = 0.27  # in-area occupied MH beds per 1,000 people (about 0.30 with those out of area)
POOL_SHARE = 0.08  # people who ever touch crisis services, as a share of the population
SITE_POPULATION = 250_000  # people per emergency department
# Sites differ: each department's waits (crowding, flow out to the wards) and its liaison
# team's response times are scaled by a factor of its own, spread as a lognormal with these
# log standard deviations (NHS England's monthly A&E statistics: four-hour performance of
# type 1 departments runs from under 60% to over 90% in the same month).
SITE_WAIT_SPREAD = 0.45
SITE_LIAISON_SPREAD = 0.45
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
# Residents a year more than the year before (England 2021-2023: about 0.5-1%; ONS mid-year estimates).
POPULATION_GROWTH = 0.006
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
# Emergency liaison response: median minutes to assessment in the day, scaled up at night and
# at weekends, when the team is thinnest (hour of referral 00..23; Monday first).
LIAISON_1H_MEDIAN = 26.0
LIAISON_HOURS = np.array([1.7] * 8 + [0.85] * 12 + [1.3] * 4)
LIAISON_DOW = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.25, 1.25])
# Median minutes from arrival to leaving when not seen by liaison, by disposal.
CORE_BY_DISP = np.array([240, 165, 115, 130, 130, 145, 75, 125])
LONG_WAIT_P = 0.30  # referred, not admitted, and kept waiting many hours (x1.15 in winter)
LOUT_BY_DISP = np.array([  # admitted_mh, crisis, community, gp, no_mh_follow_up, other
    [1.0, 0, 0, 0, 0, 0], [0, 0, 0.30, 0.20, 0.30, 0.20], [0, 0, 0.10, 0.45, 0.35, 0.10],
    [0, 0, 1.0, 0, 0, 0], [0, 1.0, 0, 0, 0, 0], [0, 0, 0, 0, 0.60, 0.40],
    [0, 0, 0, 0, 0, 1.0], [0, 0, 0.10, 0.25, 0.25, 0.40]])

# s136: place of safety (health_based, ED, custody, other) and conveyance by place.
# Police custody about 1.6% until the new health-based place of safety opens and 0.3% after it
# (changes.py), about 1% over the window (Home Office 2023/24: 322 of 31,213 detentions, 1.0%).
POS_P = np.array([0.564, 0.40, 0.016, 0.02])
CONV_BY_POS = np.array([[0.32, 0.53, 0.15], [0.45, 0.45, 0.10], [0.02, 0.95, 0.03], [0.20, 0.60, 0.20]])
S136_OUT_P = np.array([0.08, 0.22, 0.15, 0.22, 0.21, 0.12])
S136_OUT_INTOX_P = np.array([0.05, 0.15, 0.13, 0.20, 0.33, 0.14])

# Inpatients: nights (median, sigma) by ward type, destinations, legal status.
# Long right tails: medians near published ones, means near 60 nights, so that ~0.3 occupied
# beds per 1,000 come from under 2 admissions per 1,000 a year.
LOS = {ADULT: (24.0, 1.1), PICU: (14.0, 0.90), OLDER: (55.0, 1.0), CAMHS: (40.0, 1.0)}
TYPE_ADMIT_SHARE = {ADULT: 0.70, PICU: 0.07, OLDER: 0.17, CAMHS: 0.06}
SAME_DAY_P, LONG_STAY_P = 0.008, 0.015
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
# Not every commissioned bed can be used: each ward staffs a share of its beds (closed for
# staffing, refurbishment, infection control), so occupancy differs from ward to ward.
STAFFED_SHARE = (0.85, 1.0)
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
