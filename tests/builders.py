"""Hand-made extracts for metric tests: a few rows each, every other column defaulted."""
from __future__ import annotations

import itertools
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.extracts.schema import ALL_EXTRACTS, EXTRACTS, OPTIONAL_EXTRACTS, arrow_schema

_ids = itertools.count(1)

DEFAULTS: dict[str, dict[str, Any]] = {
    "ae_attendances": dict(
        person_id="P1", age=30, sex="female", ethnic_group="white", site="City General",
        arrival_at=datetime(2024, 1, 10, 10, 0), departure_at=datetime(2024, 1, 10, 12, 0),
        decision_to_admit_at=None, arrival_mode="walk_in", presentation="self_harm",
        referred_to_liaison=False, disposal="home"),
    "liaison_referrals": dict(
        person_id="P1", age=30, sex="female", attendance_id=None, source="acute_ward",
        urgency="emergency", referred_at=datetime(2024, 1, 10, 10, 0),
        assessed_at=datetime(2024, 1, 10, 10, 30), outcome="gp_discharge"),
    "s136_detentions": dict(
        person_id="P1", age=30, sex="male", ethnic_group="white", detained_at=datetime(2024, 1, 10, 22, 0),
        place_of_safety="health_based", conveyance="ambulance", assessment_at=datetime(2024, 1, 11, 1, 0),
        ended_at=datetime(2024, 1, 11, 6, 0), extended=False, intoxicated=False, outcome="crisis_team"),
    "inpatient_stays": dict(
        person_id="P1", age=30, sex="female", ethnic_group="white", ward="Oak", ward_type="adult_acute",
        admitted_at=datetime(2024, 1, 1, 12, 0), discharged_at=datetime(2024, 1, 11, 12, 0),
        admission_source="community", legal_status="informal", out_of_area=False,
        discharge_destination="home", followed_up_at=None),
    "delayed_transfers": dict(
        stay_id=None, person_id="P1", age=30, delay_start=date(2024, 1, 5), delay_end=date(2024, 1, 11),
        reason="i_housing", responsible_org="nhs"),
    "ward_capacity": dict(ward="Oak", ward_type="adult_acute", beds=10, valid_from=date(2020, 1, 1), valid_to=None),
    "population": dict(year=2024, age=30, sex="female", ethnic_group=None, people=1200),
}


def row(extract: str, **values: Any) -> dict[str, Any]:
    """Return one full row of `extract`: defaults, a fresh id, then `values`."""
    spec = ALL_EXTRACTS[extract]
    record = dict(DEFAULTS[extract])
    if spec.id_column:
        record[spec.id_column] = f"{extract[:2].upper()}{next(_ids):06d}"
    record.update(values)
    return {name: record.get(name) for name in spec.column_names}


def write_extracts(root: Path, **tables: list[dict[str, Any]]) -> Path:
    """Write each extract (rows from `row`) as parquet under root; missing extracts get zero rows.

    ward_capacity defaults to one ward (Oak, 10 beds) unless given; an optional table
    (population, service_changes) is written only when given.
    """
    tables.setdefault("ward_capacity", [row("ward_capacity")])
    optional = [spec for name, spec in OPTIONAL_EXTRACTS.items() if name in tables]
    for spec in (*EXTRACTS.values(), *optional):
        name = spec.name
        rows = tables.get(name, [])
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        schema = arrow_schema(spec)
        table = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
        pq.write_table(table, folder / "part-0.parquet")
    return root
