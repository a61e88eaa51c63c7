"""Synthetic extracts: one linked population's A&E, liaison, s136, ward stays, delays and beds.

The generator writes the six extracts of the data contract (see ``schema.py``), and the
optional ``service_changes`` register, for a
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

The modules follow the order of generation, each importing only those before it:
``constants`` (volumes, rates, mixes), ``helpers`` (the window, calendar, draws,
clashes), ``people``, ``events`` (s136, A&E, ward referrals, admission requests),
``stays``, ``wards``, ``discharges`` (follow-up, delays, returns to A&E),
``arrow`` (columns and writing), ``changes`` (the service_changes register and the
effects of its changes, applied through small hooks in ``events``) and ``pipeline``
(``generate`` itself). The package
imports only ``dashboard.extracts.schema``.
"""
from __future__ import annotations

from dashboard.extracts.generate.helpers import make_window
from dashboard.extracts.generate.pipeline import generate

__all__ = ["generate", "make_window"]
