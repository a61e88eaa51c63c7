"""The partnership's register of service changes, and what each does to the data it names.

A Crisis Care Concordat action plan holds changes like these, and a meeting asks of each
whether it made a difference, so each one really moves the synthetic data from its month:

* **street triage** (mental health nurses with police at evenings and weekends): a fifth of
  those who would have been detained are not (``diverted``): they still reach A&E or a
  ward, through the crisis team, but no detention is recorded;
* **a new health-based place of safety**: four in five of those who would have been taken to
  police custody go to it instead (``place_of_safety``, applied to the place drawn);
* **the ward closure** the ward plan already simulates (``wards.py``): occupancy and out of
  area placements move with the beds.

Street triage and the closure recalculate their charts' limits from their month; the place of
safety does not, so its effect shows as a special cause against the whole series' limits.
The dates are fractions of the window, so any window has all three. The effects draw from
a generator of their own, so every other record is what it would be without them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from dashboard.extracts.generate.arrow import _dates, _write
from dashboard.extracts.generate.helpers import Window, month_at

STREET_TRIAGE_AT, STREET_TRIAGE_EFFECT = 0.35, 0.80  # from 35% of the window, 80% still detained
PLACE_OF_SAFETY_AT, CUSTODY_KEPT = 0.55, 0.20  # from 55%, a fifth of custody use is left
CUSTODY, HEALTH_BASED = 2, 0  # indices in schema.PLACE_OF_SAFETY


@dataclass(frozen=True)
class Register:
    """The days the generated changes start (days since 1970-01-01)."""

    street_triage_day: int
    place_of_safety_day: int
    seed: int = 0

    def diverted(self, day: np.ndarray) -> np.ndarray:
        """Return which detentions (by day) street triage diverts: a fifth of those from its day."""
        draw = np.random.Generator(np.random.PCG64([self.seed, 136])).random(len(day))
        return (np.asarray(day) >= self.street_triage_day) & (draw >= STREET_TRIAGE_EFFECT)

    def place_of_safety(self, place: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Return the places of safety with four in five custody uses from the opening day moved to it."""
        draw = np.random.Generator(np.random.PCG64([self.seed, 137])).random(len(place))
        moved = (place == CUSTODY) & (np.asarray(day) >= self.place_of_safety_day) & (draw >= CUSTODY_KEPT)
        return np.where(moved, HEALTH_BASED, place)


def plan_register(win: Window, seed: int = 0) -> Register:
    """Return the register's dates for the window (and the seed of its own draws)."""
    return Register(month_at(win, STREET_TRIAGE_AT), month_at(win, PLACE_OF_SAFETY_AT), seed)


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
