"""The partnership's register of service changes, and what each does to the data it names.

A Crisis Care Concordat action plan holds changes like these, and a meeting asks of each
whether it made a difference, so each one really moves the synthetic data from its month:

* **street triage** (mental health nurses with police at evenings and weekends): s136
  detentions fall by a fifth (``s136_rate``, applied to the daily detention rate);
* **a new health-based place of safety**: four in five of those who would have been taken to
  police custody go to it instead (``place_of_safety``, applied to the place drawn);
* **the ward closure** the ward plan already simulates (``wards.py``): occupancy and out of
  area placements move with the beds.

Street triage and the closure recalculate their charts' limits from their month; the place of
safety does not, so its effect shows as a special cause against the whole series' limits.
The dates are fractions of the window, so any window has all three.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from dashboard.extracts.generate.arrow import _dates, _write
from dashboard.extracts.generate.helpers import Window, month_at

STREET_TRIAGE_AT, STREET_TRIAGE_EFFECT = 0.35, 0.80  # from 35% of the window, detentions x 0.8
PLACE_OF_SAFETY_AT, CUSTODY_KEPT = 0.55, 0.20  # from 55%, a fifth of custody use is left
CUSTODY, HEALTH_BASED = 2, 0  # indices in schema.PLACE_OF_SAFETY


@dataclass(frozen=True)
class Register:
    """The days the generated changes start (days since 1970-01-01)."""

    street_triage_day: int
    place_of_safety_day: int

    def s136_rate(self, start_day: int, daily: np.ndarray) -> np.ndarray:
        """Return the daily s136 rate from `start_day` with street triage's effect from its day."""
        days = start_day + np.arange(len(daily))
        return daily * np.where(days >= self.street_triage_day, STREET_TRIAGE_EFFECT, 1.0)

    def place_of_safety(self, table: np.ndarray, row: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the place-of-safety mix rows and each detention's row, after the new place opens.

        `table` has a row of probabilities per group (`row` picks one per detention); detentions
        on or after the opening day use a copy of their row with most of custody moved to it.
        """
        after = table.copy()
        after[:, HEALTH_BASED] += after[:, CUSTODY] * (1 - CUSTODY_KEPT)
        after[:, CUSTODY] *= CUSTODY_KEPT
        return np.vstack([table, after]), row + len(table) * (day >= self.place_of_safety_day)


def plan_register(win: Window) -> Register:
    """Return the register's dates for the window."""
    return Register(month_at(win, STREET_TRIAGE_AT), month_at(win, PLACE_OF_SAFETY_AT))


def write_register(out_dir: Path, register: Register, closure_day: int) -> int:
    """Write service_changes: street triage, the place of safety, the ward closure on `closure_day`."""
    rows = [
        ("CH001", register.street_triage_day, "Street triage: nurses with police at evenings and weekends",
         "s136_detentions", True,
         "Mental health nurses join police patrols at evenings and weekends, to offer help "
         "before a detention; expected to lower s136 detentions."),
        ("CH002", register.place_of_safety_day, "New health-based place of safety opens",
         "s136_police_custody_pct,s136_under18_custody", False,
         "A second health-based place of safety with staff around the clock; expected to end "
         "the use of police custody as a place of safety."),
        ("CH003", closure_day, "Adult acute ward closes (re-provided)",
         "occupancy_pct,out_of_area_bed_days,bed_days", True,
         "An old adult acute ward closes once its replacement has opened; patients move wards."),
    ]
    columns = {
        "change_id": pa.array([r[0] for r in rows]),
        "starts_on": _dates(np.array([r[1] for r in rows], dtype=np.int64)),
        "title": pa.array([r[2] for r in rows]),
        "metrics": pa.array([r[3] for r in rows]),
        "recalculate": pa.array([r[4] for r in rows]),
        "description": pa.array([r[5] for r in rows]),
    }
    return _write(out_dir, "service_changes", columns)
