"""Build a small valid set of the six extracts (parquet or CSV) for tests to break on purpose.

The rows are linked as real extracts are: liaison referrals come from A&E
attendances, delays belong to ward stays, stays are on wards in ward_capacity.
Every date lies before TODAY, which tests pass to the validator as `today`.
"""
from __future__ import annotations

import copy
import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.extracts.schema import ALL_EXTRACTS as EXTRACTS, arrow_types
from dashboard.extracts.validate import Problem

TODAY = date(2025, 6, 30)

Rows = dict[str, list[dict[str, Any]]]


def ts(text: str) -> datetime:
    """Parse 'YYYY-MM-DD HH:MM' into a datetime."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def d(text: str) -> date:
    """Parse 'YYYY-MM-DD' into a date."""
    return date.fromisoformat(text)


def _ae(i: int, person: str, age: int, sex: str, arrival: str, departure: str | None, dta: str | None,
        disposal: str, liaison: bool) -> dict[str, Any]:
    return {
        "attendance_id": f"AE{i:04d}", "person_id": person, "age": age, "sex": sex,
        "ethnic_group": "white" if i % 2 else None, "site": "City General ED", "arrival_at": ts(arrival),
        "departure_at": ts(departure) if departure else None, "decision_to_admit_at": ts(dta) if dta else None,
        "arrival_mode": "ambulance" if i % 2 else "walk_in", "presentation": "self_harm",
        "referred_to_liaison": liaison, "disposal": disposal,
    }


_GOOD: Rows = {
    "ae_attendances": [
        _ae(1, "P001", 34, "female", "2025-01-03 10:00", "2025-01-03 13:30", None, "home", True),
        _ae(2, "P002", 17, "male", "2025-01-05 22:15", "2025-01-06 11:00", "2025-01-06 02:00", "admitted_mh", True),
        _ae(3, "P003", 71, "female", "2025-02-10 08:00", None, None, "left_before_treatment", False),
        _ae(4, "P004", 45, "not_known", "2025-03-01 14:00", "2025-03-01 15:10", None, "crisis_team", False),
        _ae(5, "P001", 34, "female", "2025-04-20 01:00", "2025-04-20 05:30", None, "community_mh", True),
        _ae(6, "P005", 26, "other", "2025-05-15 19:45", "2025-05-16 09:00", "2025-05-16 03:00", "admitted_mh", False),
    ],
    "liaison_referrals": [
        {"referral_id": "LR0001", "person_id": "P001", "age": 34, "sex": "female", "attendance_id": "AE0001",
         "source": "emergency_department", "urgency": "emergency", "referred_at": ts("2025-01-03 10:30"),
         "assessed_at": ts("2025-01-03 11:10"), "outcome": "community_mh"},
        {"referral_id": "LR0002", "person_id": "P002", "age": 17, "sex": "male", "attendance_id": "AE0002",
         "source": "emergency_department", "urgency": "emergency", "referred_at": ts("2025-01-05 23:00"),
         "assessed_at": ts("2025-01-06 01:00"), "outcome": "admitted_mh"},
        {"referral_id": "LR0003", "person_id": "P006", "age": 58, "sex": "male", "attendance_id": None,
         "source": "acute_ward", "urgency": "urgent", "referred_at": ts("2025-02-12 09:00"),
         "assessed_at": None, "outcome": None},
        {"referral_id": "LR0004", "person_id": "P001", "age": 34, "sex": "female", "attendance_id": "AE0005",
         "source": "emergency_department", "urgency": "emergency", "referred_at": ts("2025-04-20 01:30"),
         "assessed_at": ts("2025-04-20 02:00"), "outcome": "crisis_team"},
    ],
    "s136_detentions": [
        {"detention_id": "S0001", "person_id": "P007", "age": 29, "sex": "male", "ethnic_group": "black",
         "detained_at": ts("2025-01-10 21:00"), "place_of_safety": "health_based", "conveyance": "ambulance",
         "assessment_at": ts("2025-01-11 01:00"), "ended_at": ts("2025-01-11 03:00"), "extended": False,
         "intoxicated": True, "outcome": "crisis_team"},
        {"detention_id": "S0002", "person_id": "P008", "age": 16, "sex": "female", "ethnic_group": None,
         "detained_at": ts("2025-02-02 15:00"), "place_of_safety": "police_custody",
         "conveyance": "police_vehicle", "assessment_at": None, "ended_at": None, "extended": False,
         "intoxicated": False, "outcome": None},
        {"detention_id": "S0003", "person_id": "P002", "age": 17, "sex": "male", "ethnic_group": "mixed",
         "detained_at": ts("2025-03-20 02:00"), "place_of_safety": "emergency_department",
         "conveyance": "ambulance", "assessment_at": ts("2025-03-20 20:00"), "ended_at": ts("2025-03-21 12:00"),
         "extended": True, "intoxicated": False, "outcome": "admitted_informal"},
        {"detention_id": "S0004", "person_id": "P009", "age": 40, "sex": "other", "ethnic_group": "asian",
         "detained_at": ts("2025-05-05 11:00"), "place_of_safety": "health_based", "conveyance": "other",
         "assessment_at": ts("2025-05-05 13:00"), "ended_at": ts("2025-05-05 16:00"), "extended": False,
         "intoxicated": False, "outcome": "admitted_detained"},
    ],
    "inpatient_stays": [
        {"stay_id": "IP0001", "person_id": "P002", "age": 17, "sex": "male", "ethnic_group": "mixed",
         "ward": "Willow", "ward_type": "adult_acute", "admitted_at": ts("2025-01-06 11:30"),
         "discharged_at": ts("2025-02-01 10:00"), "admission_source": "emergency_department",
         "legal_status": "informal", "out_of_area": False, "discharge_destination": "home",
         "followed_up_at": ts("2025-02-03 09:00")},
        {"stay_id": "IP0002", "person_id": "P005", "age": 26, "sex": "other", "ethnic_group": None,
         "ward": "Oak", "ward_type": "picu", "admitted_at": ts("2025-05-16 09:30"), "discharged_at": None,
         "admission_source": "emergency_department", "legal_status": "detained", "out_of_area": False,
         "discharge_destination": None, "followed_up_at": None},
        {"stay_id": "IP0003", "person_id": "P009", "age": 40, "sex": "other", "ethnic_group": "asian",
         "ward": "Willow", "ward_type": "adult_acute", "admitted_at": ts("2025-05-05 17:00"),
         "discharged_at": ts("2025-06-01 12:00"), "admission_source": "s136", "legal_status": "detained",
         "out_of_area": True, "discharge_destination": "supported_accommodation", "followed_up_at": None},
        {"stay_id": "IP0004", "person_id": "P010", "age": 82, "sex": "female", "ethnic_group": "white",
         "ward": "Elm", "ward_type": "older_adult", "admitted_at": ts("2024-11-20 14:00"),
         "discharged_at": ts("2025-03-15 11:00"), "admission_source": "community", "legal_status": "informal",
         "out_of_area": False, "discharge_destination": "care_home", "followed_up_at": ts("2025-03-17 10:00")},
        {"stay_id": "IP0005", "person_id": "P002", "age": 17, "sex": "male", "ethnic_group": "mixed",
         "ward": "Willow", "ward_type": "adult_acute", "admitted_at": ts("2025-02-20 16:00"),
         "discharged_at": ts("2025-02-20 18:00"), "admission_source": "crisis_team", "legal_status": "informal",
         "out_of_area": False, "discharge_destination": "home", "followed_up_at": None},
    ],
    "delayed_transfers": [
        {"delay_id": "DT0001", "stay_id": "IP0004", "person_id": "P010", "age": 82, "delay_start": d("2025-02-20"),
         "delay_end": d("2025-03-15"), "reason": "dii_nursing_home", "responsible_org": "social_care"},
        {"delay_id": "DT0002", "stay_id": "IP0002", "person_id": "P005", "age": 26, "delay_start": d("2025-06-10"),
         "delay_end": None, "reason": "i_housing", "responsible_org": "both"},
        {"delay_id": "DT0003", "stay_id": "IP0003", "person_id": "P009", "age": 40, "delay_start": d("2025-05-25"),
         "delay_end": d("2025-06-01"), "reason": "a_assessment", "responsible_org": "nhs"},
    ],
    "ward_capacity": [
        {"ward": "Willow", "ward_type": "adult_acute", "beds": 18, "valid_from": d("2024-04-01"), "valid_to": None},
        {"ward": "Oak", "ward_type": "picu", "beds": 10, "valid_from": d("2024-04-01"), "valid_to": d("2025-03-31")},
        {"ward": "Oak", "ward_type": "picu", "beds": 12, "valid_from": d("2025-04-01"), "valid_to": None},
        {"ward": "Elm", "ward_type": "older_adult", "beds": 20, "valid_from": d("2024-04-01"), "valid_to": None},
    ],
}


def good_rows() -> Rows:
    """Return a fresh copy of the valid rows of every extract, in contract column order."""
    return copy.deepcopy(_GOOD)


def arrow_table(extract: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Return rows as an Arrow table with the contract's types (columns as the rows hold them)."""
    contract = EXTRACTS[extract]
    names = list(rows[0]) if rows else list(contract.column_names)
    fields = []
    for name in names:
        known = name in contract.column_names
        fields.append(pa.field(name, arrow_types()[contract.column(name).type] if known else pa.string()))
    schema = pa.schema(fields)
    return pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()


def write_parquet(root: Path, rows: Rows | None = None) -> Path:
    """Write every extract as `<root>/<extract>/part-0.parquet`; return root."""
    rows = good_rows() if rows is None else rows
    for name, data in rows.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(arrow_table(name, data), folder / "part-0.parquet")
    return root


def with_optional(tmp_path: Path, name: str, rows: list[dict[str, Any]], writer: Callable[..., Path]) -> Path:
    """Write the good extracts plus an optional table `name` in the writer's format; return the folder."""
    root = writer(tmp_path / "data")
    if writer is write_parquet:
        write_parquet(root, {name: rows})
    else:
        write_csv_file(root / name / f"{name}.csv", name, rows)
    return root


def csv_text(value: Any) -> str:
    """Render a value as a sender's CSV would: empty for null, true/false, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_csv_file(path: Path, extract: str, rows: list[dict[str, Any]], *, delimiter: str = ",",
                   encoding: str = "utf-8") -> Path:
    """Write one extract's rows as a CSV file with a header row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(rows[0]) if rows else list(EXTRACTS[extract].column_names)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow([csv_text(row.get(n)) for n in names])
    return path


def write_csv(root: Path, rows: Rows | None = None) -> Path:
    """Write every extract as `<root>/<extract>/<extract>.csv`; return root."""
    rows = good_rows() if rows is None else rows
    for name, data in rows.items():
        write_csv_file(root / name / f"{name}.csv", name, data)
    return root


# -- the corpus of bad extracts ----------------------------------------------
#
# Each case builds a data folder from the good rows with one thing wrong, and
# says exactly which problems the validator must report. Tests of validation
# and of loading both run the whole corpus. An expected problem is the validator's own
# Problem, its rule and hint matched as substrings (tests.test_validate.matches).


@dataclass(frozen=True)
class Case:
    """One kind of bad extract: how to build it under a root folder and what must be reported."""

    id: str
    build: Callable[[Path], object]
    expected: tuple[Problem, ...]


def row(rows: Rows, extract: str, key: str) -> dict[str, Any]:
    """Return the row of an extract whose id (ward for ward_capacity) is key (the first one)."""
    id_column = EXTRACTS[extract].id_column or "ward"
    return next(r for r in rows[extract] if r[id_column] == key)


def _parquet_with(change: Callable[[Rows], object]) -> Callable[[Path], object]:
    def build(root: Path) -> None:
        rows = good_rows()
        change(rows)
        write_parquet(root, rows)
    return build


def _csv_with(change: Callable[[Rows], object]) -> Callable[[Path], object]:
    def build(root: Path) -> None:
        rows = good_rows()
        change(rows)
        write_csv(root, rows)
    return build


def _set(extract: str, key: str, **values: Any) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        row(rows, extract, key).update(values)
    return change


def _drop_column(extract: str, column: str) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        for r in rows[extract]:
            del r[column]
    return change


def _rename_column(extract: str, old: str, new: str) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        rows[extract] = [{(new if k == old else k): v for k, v in r.items()} for r in rows[extract]]
    return change


def _retype(extract: str, column: str, arrow_type: pa.DataType,
            convert: Callable[[Any], Any]) -> Callable[[Path], None]:
    """Write the good set with one parquet column stored as another type."""
    def build(root: Path) -> None:
        write_parquet(root)
        table = arrow_table(extract, good_rows()[extract])
        i = table.schema.get_field_index(column)
        values = pa.array([convert(v) for v in table.column(column).to_pylist()], type=arrow_type)
        table = table.set_column(i, pa.field(column, arrow_type), values)
        pq.write_table(table, root / extract / "part-0.parquet")
    return build


def _files(root: Path, extract: str) -> list[Path]:
    return sorted((root / extract).iterdir())


def _empty_file(root: Path) -> None:
    write_parquet(root)
    (root / "ward_capacity" / "part-0.parquet").write_bytes(b"")


def _truncated(root: Path) -> None:
    write_parquet(root)
    path = root / "inpatient_stays" / "part-0.parquet"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _corrupt_pages(root: Path) -> None:
    write_parquet(root)
    path = root / "ae_attendances" / "part-0.parquet"
    data = bytearray(path.read_bytes())
    for i in range(40, 600):  # garble the first data pages; the footer stays intact
        data[i] = (data[i] * 7 + 13) % 256
    path.write_bytes(bytes(data))


def _not_parquet(root: Path) -> None:
    write_parquet(root)
    (root / "s136_detentions" / "part-0.parquet").write_text("detention_id,age\nS0001,29\n")


def _zero_rows(root: Path) -> None:
    rows = good_rows()
    rows["s136_detentions"] = []
    write_parquet(root, rows)


def _missing_folder(root: Path) -> None:
    rows = good_rows()
    del rows["ward_capacity"]
    write_parquet(root, rows)


def _no_files(root: Path) -> None:
    rows = good_rows()
    del rows["liaison_referrals"]
    write_parquet(root, rows)
    (root / "liaison_referrals").mkdir()


def _split(root: Path, extract: str, first: list[dict[str, Any]], second: list[dict[str, Any]]) -> None:
    for f in _files(root, extract):
        f.unlink()
    pq.write_table(arrow_table(extract, first), root / extract / "part-0.parquet")
    pq.write_table(arrow_table(extract, second), root / extract / "part-1.parquet")


def _second_file_other_schema(root: Path) -> None:
    write_parquet(root)
    rows = good_rows()["inpatient_stays"]
    second = [{k: v for k, v in r.items() if k != "followed_up_at"} for r in rows[3:]]
    _split(root, "inpatient_stays", rows[:3], second)


def _ids_across_files(root: Path) -> None:
    write_parquet(root)
    rows = good_rows()["ae_attendances"]
    _split(root, "ae_attendances", rows[:4], rows[3:])  # AE0004 in both files


def _mixed_formats(root: Path) -> None:
    write_parquet(root)
    write_csv_file(root / "ward_capacity" / "extra.csv", "ward_capacity", good_rows()["ward_capacity"])


def _csv_semicolon(root: Path) -> None:
    write_csv(root)
    rows = good_rows()["ae_attendances"]
    write_csv_file(root / "ae_attendances" / "ae_attendances.csv", "ae_attendances", rows, delimiter=";")


def _csv_cp1252(root: Path) -> None:
    rows = good_rows()
    row(rows, "ae_attendances", "AE0002")["site"] = "Hôpital Général"
    write_csv(root, rows)
    write_csv_file(root / "ae_attendances" / "ae_attendances.csv", "ae_attendances", rows["ae_attendances"],
                   encoding="cp1252")


def _csv_ragged_row(root: Path) -> None:
    write_csv(root)
    path = root / "liaison_referrals" / "liaison_referrals.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] += ",surplus"  # line 3 of the file: LR0002
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


def _csv_empty_file(root: Path) -> None:
    write_csv(root)
    (root / "delayed_transfers" / "delayed_transfers.csv").write_bytes(b"")


def _csv_header_only(root: Path) -> None:
    rows = good_rows()
    rows["s136_detentions"] = []
    write_csv(root, rows)


def _duplicate(extract: str, key: str) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        copy_ = dict(row(rows, extract, key))
        rows[extract].append(copy_)
    return change


def _delete_row(extract: str, key: str) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        rows[extract].remove(row(rows, extract, key))
    return change


def _both(*changes: Callable[[Rows], object]) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        for c in changes:
            c(rows)
    return change


AE, LR, S136, IP, DT, WC = (
    "ae_attendances", "liaison_referrals", "s136_detentions", "inpatient_stays", "delayed_transfers", "ward_capacity",
)
AE_P, LR_P, S136_P, IP_P, DT_P, WC_P = (f"{n}/part-0.parquet" for n in (AE, LR, S136, IP, DT, WC))
AE_C, LR_C, S136_C, IP_C, DT_C, WC_C = (f"{n}/{n}.csv" for n in (AE, LR, S136, IP, DT, WC))

BAD_CASES: tuple[Case, ...] = (
    Case("missing_column", _parquet_with(_drop_column(AE, "site")),
         (Problem(AE, AE_P, "site", "required column must be present"),)),
    Case("column_name_case", _csv_with(_rename_column(IP, "age", "Age")),
         (Problem(IP, IP_C, "age", "required column must be present", hint="found 'Age'"),)),
    Case("wrong_type_age_string", _retype(AE, "age", pa.string(), str),
         (Problem(AE, AE_P, "age", "type must be an integer type (found VARCHAR)", 6),)),
    Case("wrong_type_timestamp_string", _retype(S136, "detained_at", pa.string(), str),
         (Problem(S136, S136_P, "detained_at", "type must be TIMESTAMP without time zone (found VARCHAR)", 4),)),
    Case("wrong_type_timestamp_with_zone", _retype(LR, "referred_at", pa.timestamp("us", tz="UTC"), lambda v: v),
         (Problem(LR, LR_P, "referred_at",
                   "type must be TIMESTAMP without time zone (found TIMESTAMP WITH TIME ZONE)", 4),)),
    Case("wrong_type_age_float", _retype(DT, "age", pa.float64(), float),
         (Problem(DT, DT_P, "age", "type must be an integer type (found DOUBLE)", 3),)),
    Case("csv_unparseable_timestamp", _csv_with(_set(LR, "LR0002", referred_at="05/01/2025 23:00")),
         (Problem(LR, LR_C, "referred_at", "must be a timestamp YYYY-MM-DD HH:MM[:SS]", 1, ("LR0002",)),)),
    Case("csv_timestamp_with_offset", _csv_with(_set(AE, "AE0003", arrival_at="2025-02-10T08:00:00+01:00")),
         (Problem(AE, AE_C, "arrival_at", "must be a timestamp", 1, ("AE0003",)),)),
    Case("csv_invalid_date", _csv_with(_set(DT, "DT0001", delay_start="2025-02-30")),
         (Problem(DT, DT_C, "delay_start", "must be a date YYYY-MM-DD", 1, ("DT0001",)),)),
    Case("csv_decimal_integer", _csv_with(_set(WC, "Elm", beds="20.5")),
         (Problem(WC, WC_C, "beds", "must be a whole number", 1, ("Elm",)),)),
    Case("csv_boolean_junk", _csv_with(_both(_set(S136, "S0003", extended="yes"), _set(S136, "S0001", extended="Y"))),
         (Problem(S136, S136_C, "extended", "must be true/false or 1/0", 2, ("S0001", "S0003")),)),
    Case("null_required", _parquet_with(_set(S136, "S0003", conveyance=None)),
         (Problem(S136, S136_P, "conveyance", "must not be null", 1, ("S0003",)),)),
    Case("csv_empty_required", _csv_with(_both(_set(AE, "AE0005", site=""), _set(AE, "AE0002", site=None))),
         (Problem(AE, AE_C, "site", "must not be null", 2, ("AE0002", "AE0005")),)),
    Case("unknown_code", _parquet_with(_set(AE, "AE0004", presentation="eating_disorder")),
         (Problem(AE, AE_P, "presentation", "must be one of: self_harm, suicidal_ideation", 1, ("AE0004",),
                   hint="found 'eating_disorder'"),)),
    Case("case_variant_code", _parquet_with(_both(_set(IP, "IP0004", sex="Female"), _set(IP, "IP0002", sex="Other"))),
         (Problem(IP, IP_P, "sex", "must be one of: female, male, other, not_known", 2, ("IP0002", "IP0004"),
                   hint="codes are lower snake case"),)),
    Case("negative_age", _parquet_with(_set(S136, "S0002", age=-1)),
         (Problem(S136, S136_P, "age", "must be between 0 and 120", 1, ("S0002",)),)),
    Case("absurd_age", _csv_with(_set(AE, "AE0003", age=250)),
         (Problem(AE, AE_C, "age", "must be between 0 and 120", 1, ("AE0003",)),)),
    Case("departure_before_arrival", _parquet_with(_set(AE, "AE0001", departure_at=ts("2025-01-03 09:00"))),
         (Problem(AE, AE_P, "departure_at", "departure_at >= arrival_at", 1, ("AE0001",)),)),
    Case("assessment_before_referral", _parquet_with(_set(LR, "LR0001", assessed_at=ts("2025-01-03 10:00"))),
         (Problem(LR, LR_P, "assessed_at", "assessed_at >= referred_at", 1, ("LR0001",)),)),
    Case("s136_ended_before_detained", _parquet_with(_set(S136, "S0001", ended_at=ts("2025-01-10 20:00"))),
         (Problem(S136, S136_P, "ended_at", "ended_at >= detained_at", 1, ("S0001",)),)),
    Case("discharge_before_admission", _csv_with(_set(IP, "IP0001", discharged_at=ts("2025-01-05 10:00"))),
         (Problem(IP, IP_C, "discharged_at", "discharged_at >= admitted_at", 1, ("IP0001",)),)),
    Case("delay_end_before_start", _parquet_with(_set(DT, "DT0001", delay_end=d("2025-02-01"))),
         (Problem(DT, DT_P, "delay_end", "delay_end >= delay_start", 1, ("DT0001",)),)),
    Case("delay_for_missing_stay", _parquet_with(_set(DT, "DT0003", stay_id="IP9999")),
         (Problem(DT, DT_P, "stay_id", "must exist in inpatient_stays.stay_id", 1, ("DT0003",)),)),
    Case("delay_for_deleted_stay", _csv_with(_both(_delete_row(IP, "IP0004"))),
         (Problem(DT, DT_C, "stay_id", "must exist in inpatient_stays.stay_id", 1, ("DT0001",)),)),
    Case("duplicate_ids", _parquet_with(_duplicate(LR, "LR0002")),
         (Problem(LR, LR_P, "referral_id", "must be unique", 2, ("LR0002",)),)),
    Case("ids_duplicated_across_files", _ids_across_files,
         (Problem(AE, f"{AE}/part-0.parquet, {AE}/part-1.parquet", "attendance_id", "must be unique", 2,
                   ("AE0004",)),)),
    Case("empty_file", _empty_file, (Problem(WC, WC_P, "", "file must not be empty (0 bytes)"),)),
    Case("csv_empty_file", _csv_empty_file, (Problem(DT, DT_C, "", "file must not be empty (0 bytes)"),)),
    Case("zero_rows", _zero_rows, (Problem(S136, f"{S136}/", "", "extract must have at least one row"),)),
    Case("csv_header_only", _csv_header_only, (Problem(S136, f"{S136}/", "", "extract must have at least one row"),)),
    Case("truncated_parquet", _truncated,
         (Problem(IP, IP_P, "", "file must be a readable parquet file"),)),
    Case("corrupt_parquet_pages", _corrupt_pages,
         (Problem(AE, AE_P, "", "file must be a readable parquet file"),)),
    Case("not_parquet_at_all", _not_parquet,
         (Problem(S136, S136_P, "", "file must be a readable parquet file"),)),
    Case("csv_semicolon", _csv_semicolon,
         (Problem(AE, AE_C, "", "csv delimiter must be comma", hint="semicolon"),)),
    Case("csv_windows_1252", _csv_cp1252,
         (Problem(AE, AE_C, "", "csv encoding must be UTF-8", 1, ("line 3",), hint="not UTF-8"),)),
    Case("csv_ragged_row", _csv_ragged_row,
         (Problem(LR, LR_C, "", "csv rows must be parseable", 1, ("line 3",)),)),
    Case("future_timestamp", _parquet_with(_set(IP, "IP0003", followed_up_at=ts("2025-07-01 00:00"))),
         (Problem(IP, IP_P, "followed_up_at", "must not be after the end of today (2025-06-30)", 1, ("IP0003",)),)),
    Case("future_date", _csv_with(_set(DT, "DT0002", delay_start=d("2025-07-01"))),
         (Problem(DT, DT_C, "delay_start", "must not be after today (2025-06-30)", 1, ("DT0002",)),)),
    Case("missing_extract_folder", _missing_folder, (Problem(WC, f"{WC}/", "", "extract folder must exist"),)),
    Case("extract_folder_without_files", _no_files,
         (Problem(LR, f"{LR}/", "", "extract folder must hold *.parquet or *.csv files"),)),
    Case("mixed_parquet_and_csv", _mixed_formats,
         (Problem(WC, f"{WC}/", "", "extract folder must not mix parquet and CSV files"),)),
    Case("second_file_other_schema", _second_file_other_schema,
         (Problem(IP, f"{IP}/part-1.parquet", "followed_up_at", "required column must be present"),
          Problem(IP, f"{IP}/part-1.parquet", "followed_up_at",
                   f"all files of an extract must have the same columns and types as {IP}/part-0.parquet",
                   hint="followed_up_at missing"))),
    Case("beds_zero", _parquet_with(_set(WC, "Elm", beds=0)),
         (Problem(WC, WC_P, "beds", "must be at least 1", 1, ("Elm",)),)),
    Case("valid_to_before_valid_from", _parquet_with(_set(WC, "Oak", valid_to=d("2024-03-01"))),
         (Problem(WC, WC_P, "valid_to", "valid_to >= valid_from", 1, ("Oak",)),)),
    Case("several_rules_at_once", _parquet_with(_both(
            _set(AE, "AE0002", age=130, sex="F"), _set(AE, "AE0006", age=-3), _set(S136, "S0004", outcome="home"))),
         (Problem(AE, AE_P, "age", "must be between 0 and 120", 2, ("AE0002", "AE0006")),
          Problem(AE, AE_P, "sex", "must be one of", 1, ("AE0002",), hint="found 'F'"),
          Problem(S136, S136_P, "outcome", "must be one of", 1, ("S0004",)))),
)
