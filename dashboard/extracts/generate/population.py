"""The population table: mid-year residents by year, single year of age, sex and ethnic group.

It describes the same residents the people were drawn from, so rates per 100,000 mean what
they would with real data: `population` residents in the extract's year, the people pool's age
pyramid (``people.age_shares``) with an open 90+ group, ONS-like sex ratios (more women from
the seventies on), and the people's ethnic mix among those with a stated group (the Census
2021 England shares are close: white 81%, asian 9.6%, black 4.2%, mixed 3.0%, other 2.2%).
Earlier years shrink by POPULATION_GROWTH a year. No random draws: the other extracts are
the same with or without it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from dashboard.extracts.generate.arrow import _write
from dashboard.extracts.generate.constants import ETH, ETH_P, POPULATION_GROWTH
from dashboard.extracts.generate.helpers import Window, _ymd
from dashboard.extracts.generate.people import age_shares

TOP_AGE = 90  # ONS publishes single years to 89 and an open 90+ group


def female_share(age: np.ndarray) -> np.ndarray:
    """Return the share of residents who are female at each age (ONS mid-year estimates, roughly)."""
    return np.interp(age, [0, 20, 50, 70, 80, 90], [0.488, 0.49, 0.505, 0.52, 0.56, 0.66])


def population_rows(population: int, win: Window) -> dict[str, np.ndarray]:
    """Return the table's columns: one row per year of the window, age 0-90, sex and stated ethnic group."""
    first_year = int(_ymd(np.array([win.start_day]))[0][0])
    last_year = int(_ymd(np.array([win.extract_day - 1]))[0][0])
    ages = np.arange(TOP_AGE + 1)
    share = age_shares(np.arange(113)).astype(float)
    by_age = np.concatenate([share[:TOP_AGE], [share[TOP_AGE:].sum()]])
    by_age = by_age / by_age.sum()
    stated = ETH_P[: ETH.index("not_stated")] / ETH_P[: ETH.index("not_stated")].sum()  # a new array: ETH_P stays
    female = female_share(ages)
    years, age_col, sex_col, eth_col, people = [], [], [], [], []
    for year in range(first_year, last_year + 1):
        total = population * (1 + POPULATION_GROWTH) ** (year - last_year)
        for sex, part in (("female", female), ("male", 1 - female)):
            cells = np.rint(total * (by_age * part)[:, None] * stated[None, :]).astype(np.int64)
            n_age, n_eth = cells.shape
            years.append(np.full(n_age * n_eth, year))
            age_col.append(np.repeat(ages, n_eth))
            sex_col.append(np.full(n_age * n_eth, sex, dtype=object))
            eth_col.append(np.tile(np.array(ETH[:n_eth], dtype=object), n_age))
            people.append(cells.ravel())
    return {"year": np.concatenate(years), "age": np.concatenate(age_col), "sex": np.concatenate(sex_col),
            "ethnic_group": np.concatenate(eth_col), "people": np.concatenate(people)}


def write_population(out_dir: Path, population: int, win: Window) -> int:
    """Write the population table; return its row count."""
    rows = population_rows(population, win)
    return _write(out_dir, "population", {
        "year": pa.array(rows["year"], pa.int32()), "age": pa.array(rows["age"], pa.int32()),
        "sex": pa.array(rows["sex"], pa.string()), "ethnic_group": pa.array(rows["ethnic_group"], pa.string()),
        "people": pa.array(rows["people"], pa.int32()),
    })
