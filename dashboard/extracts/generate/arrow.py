"""Arrow and parquet: id, code, time and date columns, and writing one extract."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.extracts import schema
from dashboard.extracts.generate.constants import ETH, NONE, ROW_GROUP_SIZE, SEX
from dashboard.extracts.generate.people import People


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
    ext = schema.ALL_EXTRACTS[name]
    if tuple(columns) != ext.column_names:
        raise AssertionError(f"{name}: columns {tuple(columns)} != contract {ext.column_names}")
    types = schema.arrow_types()  # every field nullable, as the generator has always written them
    arrow_schema = pa.schema([pa.field(c.name, types[c.type]) for c in ext.columns])
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
