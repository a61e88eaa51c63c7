"""What the figures mean, in words: each metric's definition, what an empty field means, and limits.

The definitions are the data contract's ("Metric definitions"), written once here for the
definitions page, the meeting pack and the API's index; ``metrics.METRICS`` says how each is
computed and shown. A test checks every metric has a definition and every nullable column of the
required extracts a meaning, so a metric or column added later is described the day it appears.
"""
from __future__ import annotations

import pandas as pd

DEFINITIONS: dict[str, str] = {
    "ae_attendances": "Count of A&E attendances with a mental health presentation (month of arrival).",
    "ae_4h_pct": "Of attendances with a departure time recorded, the % that left within 4 hours of arrival "
                 "(4 hours = 240 minutes or less).",
    "ae_12h_from_arrival": "Count of attendances whose time in the department was over 12 hours (departure recorded).",
    "ae_median_minutes": "Median minutes from arrival to departure, of attendances with a departure time recorded.",
    "liaison_referrals": "Count of referrals to the liaison psychiatry team (month of referral).",
    "liaison_1h_pct": "Of emergency referrals with an assessment time recorded, the % assessed within 1 hour of "
                      "referral.",
    "liaison_24h_pct": "Of urgent referrals with an assessment time recorded, the % assessed within 24 hours.",
    "s136_detentions": "Count of detentions under section 136 of the Mental Health Act (month of detention).",
    "s136_police_custody_pct": "% of detentions whose place of safety was police custody.",
    "s136_under18_custody": "Count of detentions of people under 18 taken to police custody (should be 0).",
    "s136_ambulance_pct": "% of detentions where the person was conveyed by ambulance.",
    "s136_over_limit": "Count of detentions with an end time recorded that lasted over 24 hours, or over 36 hours "
                       "where the detention was extended.",
    "s136_admitted_pct": "Of detentions with an outcome recorded, the % admitted (informally or detained).",
    "admissions": "Count of mental health ward stays admitted in the period.",
    "bed_days": "Occupied bed days: nights from the admission date up to (not including) the discharge date "
                "that fall in the period; a stay still in hospital counts up to the period's end; a same-day "
                "discharge is 0.",
    "occupancy_pct": "Bed days of stays in the system's own wards (not out of area) as a % of commissioned bed "
                     "days (each day's sum of the beds of wards open that day). All ages only.",
    "out_of_area_bed_days": "Occupied bed days of stays placed out of area.",
    "median_los_days": "Median length of stay in nights of stays discharged in the period.",
    "delayed_days": "Days of delayed transfer of care in the period: days from the delay's start up to (not "
                    "including) its end; a delay still open counts up to the period's end.",
    "delayed_pct": "Delayed days as a % of occupied bed days.",
    "discharges": "Count of stays discharged in the period, excluding deaths and transfers to another hospital.",
    "followup_72h_pct": "Of those discharges, the % followed up within 72 hours of discharge.",
    "readmit_30d_pct": "Of those discharges, the % followed by another stay of the same person (not a transfer) "
                       "admitted within 30 days.",
    "ae_12h_from_dta": "Count of attendances with a decision to admit and a departure recorded that left more "
                       "than 12 hours after the decision to admit (the 'trolley wait'; month of arrival).",
    "s136_assessed_3h_pct": "Of detentions with an assessment time recorded, the % whose Mental Health Act "
                            "assessment started within 3 hours of detention.",
    "s136_median_hours_to_assessment": "Median hours from detention to the start of the Mental Health Act "
                                       "assessment (assessment recorded).",
    "ae_attendances_per_100k": "A&E mental health attendances per 100,000 residents of the age band a year "
                               "(person-years: the sum over the period's months of the band's population / 12).",
    "s136_per_100k": "Section 136 detentions per 100,000 residents of the age band a year.",
    "admissions_per_100k": "Admissions per 100,000 residents of the age band a year.",
    "bed_days_per_100k": "Occupied bed days per 100,000 residents of the age band a year.",
    "s136_black_white_rate_ratio": "Detentions per person-year of Black residents divided by the same for White "
                                   "residents (needs a population table split by ethnic group).",
}

KINDS: dict[str, str] = {"count": "Count", "pct": "Percentage", "median": "Median", "rate": "Rate per 100,000",
                         "ratio": "Ratio of rates"}
BETTER: dict[str | None, str] = {"up": "Higher", "down": "Lower", None: "Neither"}

# What an empty (null) value of each nullable column means: not every empty field is a gap in recording.
EMPTY_MEANS: dict[tuple[str, str], str] = {
    ("ae_attendances", "ethnic_group"): "Ethnic group not recorded (distinct from 'not stated').",
    ("ae_attendances", "departure_at"): "Departure time not recorded: left out of the 4-hour %, 12-hour waits "
                                        "and median time, and counted as 'not recorded' beside them.",
    ("ae_attendances", "decision_to_admit_at"): "No decision to admit (most attendances), or one not recorded.",
    ("liaison_referrals", "attendance_id"): "The referral did not come from an A&E attendance (e.g. a ward).",
    ("liaison_referrals", "assessed_at"): "Not yet assessed, or the assessment time not recorded: left out of "
                                          "the 1-hour and 24-hour %.",
    ("liaison_referrals", "outcome"): "Outcome not recorded.",
    ("s136_detentions", "ethnic_group"): "Ethnic group not recorded: such detentions are in neither side of the "
                                         "Black to White rate ratio.",
    ("s136_detentions", "assessment_at"): "Assessment time not recorded: left out of the 3-hour % and the median.",
    ("s136_detentions", "ended_at"): "End time not recorded: cannot be checked against the legal limit.",
    ("s136_detentions", "outcome"): "Outcome not recorded: left out of the admitted %.",
    ("inpatient_stays", "ethnic_group"): "Ethnic group not recorded.",
    ("inpatient_stays", "discharged_at"): "Still in hospital at the extract date.",
    ("inpatient_stays", "discharge_destination"): "Of discharged stays: destination not recorded (counted as a "
                                                  "discharge).",
    ("inpatient_stays", "followed_up_at"): "Of discharged stays: no follow-up recorded (not followed up, or not "
                                           "recorded).",
    ("delayed_transfers", "delay_end"): "The delay was still open at the extract date.",
    ("ward_capacity", "valid_to"): "The ward's beds are still commissioned.",
}

EXTRACT_LABELS: dict[str, str] = {
    "ae_attendances": "A&E attendances", "liaison_referrals": "Liaison referrals",
    "s136_detentions": "Section 136 detentions", "inpatient_stays": "Inpatient stays",
    "delayed_transfers": "Delayed transfers of care", "ward_capacity": "Ward capacity (beds)",
}

# What the figures cannot tell you: said on the definitions page and in every meeting pack.
CAVEATS: tuple[str, ...] = (
    "Counts are of events (attendances, referrals, detentions, stays, bed days), not of people: one person in "
    "repeated crisis appears many times. Only charts that say they count people (repeat detentions, the pathway) do.",
    "Only what the six extracts record is here: primary care, crisis lines, voluntary sector services, community "
    "team caseloads and A&E departments outside the system are not.",
    "A percentage, waiting time or median is only of the records with the times it needs; records with a time "
    "not recorded are counted beside it (see data quality above), and a rise in them can move the figure.",
    "In the protected view a count from 1 to 7 is shown as * and every other count is rounded to the nearest 5, "
    "so totals may not equal the sum of their parts, and small changes may not show at all.",
    "A special cause on an SPC chart says that something changed, not why; common cause variation does not mean "
    "the level is acceptable. A change after a service change is not proof that the service change caused it.",
    "The latest month may be incomplete where records are added after the extract date (late recording), and "
    "stays and delays still open count only up to the period's end.",
    "Rates per 100,000 depend on the population table: without it, or for a band with no residents, there is no "
    "rate. Small groups (such as Black residents under 18) give unstable rates and ratios.",
    "Occupancy is for all ages only: commissioned beds are not split by age band.",
    "Figures describe the system's services, not the quality of care a person received, and are not a measure of "
    "need: demand that did not reach a service is not seen.",
)

DEFINITION_COLUMNS = ("Metric", "Key", "Kind", "Definition", "Better when", "Unit", "Age bands")


def metric_definitions() -> pd.DataFrame:
    """Return a row per contract metric: its label, key, kind, definition, better direction, unit and bands."""
    from dashboard.core.metrics import METRICS

    rows = [(m.label, key, KINDS[m.kind], DEFINITIONS[key], BETTER[m.better], m.unit or "–",
             "All ages only" if m.band_all_only else "Every band") for key, m in METRICS.items()]
    return pd.DataFrame(rows, columns=list(DEFINITION_COLUMNS))
