"""The data contract (../shared/data-contract.md) as data: extracts, columns, types, codes.

Everything that needs to know what an extract looks like (the generator, the
validator, the loader, the tests) reads it from here, so the contract is written
down once in code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

SEX = ("female", "male", "other", "not_known")
ETHNIC_GROUP = ("white", "mixed", "asian", "black", "other", "not_stated")
ARRIVAL_MODE = ("ambulance", "police", "walk_in", "other")
PRESENTATION = (
    "self_harm", "suicidal_ideation", "psychosis", "intoxication", "anxiety_depression", "other_mh",
)
AE_DISPOSAL = (
    "admitted_mh", "admitted_acute", "home", "community_mh", "crisis_team", "police_custody",
    "left_before_treatment", "other",
)
LIAISON_SOURCE = ("emergency_department", "acute_ward")
LIAISON_URGENCY = ("emergency", "urgent")
LIAISON_OUTCOME = ("admitted_mh", "crisis_team", "community_mh", "gp_discharge", "no_mh_follow_up", "other")
PLACE_OF_SAFETY = ("health_based", "emergency_department", "police_custody", "other")
CONVEYANCE = ("ambulance", "police_vehicle", "other")
S136_OUTCOME = (
    "admitted_informal", "admitted_detained", "crisis_team", "community_mh", "no_mh_follow_up", "other",
)
WARD_TYPE = ("adult_acute", "picu", "older_adult", "camhs_tier4")
ADMISSION_SOURCE = ("emergency_department", "s136", "crisis_team", "community", "transfer", "other")
LEGAL_STATUS = ("informal", "detained")
DISCHARGE_DESTINATION = ("home", "supported_accommodation", "care_home", "other_hospital", "died", "other")
DELAY_REASON = (
    "a_assessment", "b_public_funding", "c_nhs_non_acute_care", "di_residential_home",
    "dii_nursing_home", "e_care_package_home", "f_equipment_adaptations",
    "g_patient_family_choice", "h_disputes", "i_housing",
)
RESPONSIBLE_ORG = ("nhs", "social_care", "both")
# The contract's limits on text shown to people: names (site, ward) and titles.
SHOWN_TEXT_MAX = 200
TITLE_MAX = 80


@dataclass(frozen=True)
class Column:
    """One column of an extract: its logical type, whether it may be null, and its codes."""

    name: str
    type: str  # one of: string, integer, boolean, timestamp, date, code
    nullable: bool = False
    codes: tuple[str, ...] = ()
    unique: bool = False
    min: int | None = None
    max: int | None = None
    # Text shown to people: at most this many characters, with no control or bidi-override characters.
    max_length: int | None = None
    # A comma-separated list of metric keys, or 'all' (the validator is told the keys).
    metric_list: bool = False


@dataclass(frozen=True)
class Extract:
    """One extract: its folder name, its id column and its columns in contract order."""

    name: str
    id_column: str | None
    columns: tuple[Column, ...]
    description: str = ""
    # Pairs (start, end): end must not be before start where both are recorded.
    time_order: tuple[tuple[str, str], ...] = field(default=())
    # Without an id column: the columns that name an example row in a message (joined by '/').
    example_columns: tuple[str, ...] = ("ward",)

    def column(self, name: str) -> Column:
        """Return the column called `name`."""
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        """Return the column names in contract order."""
        return tuple(c.name for c in self.columns)


def _person(with_ethnicity: bool = True, with_sex: bool = True) -> tuple[Column, ...]:
    cols = [Column("person_id", "string"), Column("age", "integer", min=0, max=120)]
    if with_sex:
        cols.append(Column("sex", "code", codes=SEX))
    if with_ethnicity:
        cols.append(Column("ethnic_group", "code", nullable=True, codes=ETHNIC_GROUP))
    return tuple(cols)


AE_ATTENDANCES = Extract(
    "ae_attendances",
    "attendance_id",
    (
        Column("attendance_id", "string", unique=True),
        *_person(),
        Column("site", "string", max_length=SHOWN_TEXT_MAX),
        Column("arrival_at", "timestamp"),
        Column("departure_at", "timestamp", nullable=True),
        Column("decision_to_admit_at", "timestamp", nullable=True),
        Column("arrival_mode", "code", codes=ARRIVAL_MODE),
        Column("presentation", "code", codes=PRESENTATION),
        Column("referred_to_liaison", "boolean"),
        Column("disposal", "code", codes=AE_DISPOSAL),
    ),
    "A&E attendances with a mental health presentation (ECDS-like)",
    time_order=(("arrival_at", "departure_at"), ("arrival_at", "decision_to_admit_at")),
)

LIAISON_REFERRALS = Extract(
    "liaison_referrals",
    "referral_id",
    (
        Column("referral_id", "string", unique=True),
        *_person(with_ethnicity=False),
        Column("attendance_id", "string", nullable=True),
        Column("source", "code", codes=LIAISON_SOURCE),
        Column("urgency", "code", codes=LIAISON_URGENCY),
        Column("referred_at", "timestamp"),
        Column("assessed_at", "timestamp", nullable=True),
        Column("outcome", "code", nullable=True, codes=LIAISON_OUTCOME),
    ),
    "Referrals to the mental health liaison team in the acute hospital",
    time_order=(("referred_at", "assessed_at"),),
)

S136_DETENTIONS = Extract(
    "s136_detentions",
    "detention_id",
    (
        Column("detention_id", "string", unique=True),
        *_person(),
        Column("detained_at", "timestamp"),
        Column("place_of_safety", "code", codes=PLACE_OF_SAFETY),
        Column("conveyance", "code", codes=CONVEYANCE),
        Column("assessment_at", "timestamp", nullable=True),
        Column("ended_at", "timestamp", nullable=True),
        Column("extended", "boolean"),
        Column("intoxicated", "boolean"),
        Column("outcome", "code", nullable=True, codes=S136_OUTCOME),
    ),
    "Detentions under section 136 of the Mental Health Act",
    time_order=(("detained_at", "assessment_at"), ("detained_at", "ended_at")),
)

INPATIENT_STAYS = Extract(
    "inpatient_stays",
    "stay_id",
    (
        Column("stay_id", "string", unique=True),
        *_person(),
        Column("ward", "string", max_length=SHOWN_TEXT_MAX),
        Column("ward_type", "code", codes=WARD_TYPE),
        Column("admitted_at", "timestamp"),
        Column("discharged_at", "timestamp", nullable=True),
        Column("admission_source", "code", codes=ADMISSION_SOURCE),
        Column("legal_status", "code", codes=LEGAL_STATUS),
        Column("out_of_area", "boolean"),
        Column("discharge_destination", "code", nullable=True, codes=DISCHARGE_DESTINATION),
        Column("followed_up_at", "timestamp", nullable=True),
    ),
    "Mental health ward stays (the bed-days extract)",
    time_order=(("admitted_at", "discharged_at"),),
)

DELAYED_TRANSFERS = Extract(
    "delayed_transfers",
    "delay_id",
    (
        Column("delay_id", "string", unique=True),
        Column("stay_id", "string"),
        *_person(with_ethnicity=False, with_sex=False),
        Column("delay_start", "date"),
        Column("delay_end", "date", nullable=True),
        Column("reason", "code", codes=DELAY_REASON),
        Column("responsible_org", "code", codes=RESPONSIBLE_ORG),
    ),
    "Delayed transfers of care (delayed discharges)",
    time_order=(("delay_start", "delay_end"),),
)

WARD_CAPACITY = Extract(
    "ward_capacity",
    None,
    (
        Column("ward", "string", max_length=SHOWN_TEXT_MAX),
        Column("ward_type", "code", codes=WARD_TYPE),
        Column("beds", "integer", min=1),
        Column("valid_from", "date"),
        Column("valid_to", "date", nullable=True),
    ),
    "Reference table of commissioned beds",
    time_order=(("valid_from", "valid_to"),),
)

SERVICE_CHANGES = Extract(
    "service_changes",
    "change_id",
    (
        Column("change_id", "string", unique=True),
        Column("starts_on", "date"),
        Column("title", "string", max_length=TITLE_MAX),
        Column("metrics", "string", metric_list=True),
        Column("recalculate", "boolean"),
        Column("description", "string", nullable=True, max_length=SHOWN_TEXT_MAX),
    ),
    "The partnership's action plan and other changes (optional)",
)

POPULATION = Extract(
    "population",
    None,
    (
        # Calendar year of the mid-year (30 June) estimate; bounds only catch a mistyped year.
        Column("year", "integer", min=1900, max=2200),
        Column("age", "integer", min=0, max=120),
        Column("sex", "code", codes=SEX),
        Column("ethnic_group", "code", nullable=True, codes=ETHNIC_GROUP),
        Column("people", "integer", min=0),
    ),
    "Resident population: mid-year estimates by single year of age (optional)",
    example_columns=("year", "age", "sex"),
)

EXTRACTS: dict[str, Extract] = {
    e.name: e
    for e in (AE_ATTENDANCES, LIAISON_REFERRALS, S136_DETENTIONS, INPATIENT_STAYS, DELAYED_TRANSFERS, WARD_CAPACITY)
}
# Reference tables a data folder may leave out; validated and loaded the same way when present.
OPTIONAL_EXTRACTS: dict[str, Extract] = {e.name: e for e in (POPULATION, SERVICE_CHANGES)}
ALL_EXTRACTS: dict[str, Extract] = {**EXTRACTS, **OPTIONAL_EXTRACTS}

# DuckDB types of each contract type: the catalog's casts and the load's conversion of CSV.
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "code": "VARCHAR",
    "integer": "INTEGER",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
}

# Each extract's row order, for the parquet a load writes and the catalog's native tables: the
# time its events belong to (the contract's anchor, on which periods are cut) so that DuckDB's
# zone maps skip whole row groups outside a period, then its id so that the order is fully
# determined. ward_capacity has no event time: a ward's rows stay together in the order they
# took effect, as the generator writes them (the table is a few rows a ward, one row group, so
# sorting it by time would skip nothing). The reference tables sort by their own keys.
ANCHORS: dict[str, tuple[str, ...]] = {
    "ae_attendances": ("arrival_at", "attendance_id"),
    "liaison_referrals": ("referred_at", "referral_id"),
    "s136_detentions": ("detained_at", "detention_id"),
    "inpatient_stays": ("admitted_at", "stay_id"),
    "delayed_transfers": ("delay_start", "delay_id"),
    "ward_capacity": ("ward", "valid_from"),
    "service_changes": ("starts_on", "change_id"),
    "population": ("year", "age", "sex", "ethnic_group"),
}


@lru_cache(maxsize=1)
def arrow_types() -> dict[str, Any]:  # values are pyarrow.DataType (imported lazily: schema.py stays light)
    """Return the Arrow type of each contract type, for writing parquet exactly as the contract says."""
    import pyarrow as pa

    return {
        "string": pa.string(), "code": pa.string(), "integer": pa.int32(), "boolean": pa.bool_(),
        "timestamp": pa.timestamp("us"), "date": pa.date32(),
    }


def arrow_schema(extract: Extract):  # -> pyarrow.Schema
    """Return the pyarrow schema of `extract` with the contract's types and nullability."""
    import pyarrow as pa

    types = arrow_types()
    return pa.schema([pa.field(c.name, types[c.type], nullable=c.nullable) for c in extract.columns])
