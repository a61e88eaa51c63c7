"""Periods and filters: financial years, presets, and untrusted input falling back with notices."""
from __future__ import annotations

from datetime import date

import pytest

from dashboard.core.filters import Filters, parse_filters
from dashboard.core.periods import Period, financial_year_label, financial_years, last_12_months

FIRST, LAST = date(2021, 11, 1), date(2026, 10, 1)


def test_previous_equal_period():
    p = Period.from_months("2024-04", "2025-03")
    assert p.previous() == Period.from_months("2023-04", "2024-03")
    assert Period.from_months("2024-02", "2024-02").previous() == Period.from_months("2024-01", "2024-01")


def test_financial_years_run_april_to_march_and_stop_at_the_data():
    years = financial_years(FIRST, LAST)
    assert years[0] == Period(date(2026, 4, 1), LAST)  # the current year, to date
    assert years[1] == Period.from_months("2025-04", "2026-03")
    assert years[-1].start == date(2021, 4, 1)
    assert financial_year_label(date(2025, 3, 1)) == "2024/25"
    assert financial_year_label(date(2025, 4, 1)) == "2025/26"


def test_last_12_months():
    assert last_12_months(LAST) == Period.from_months("2025-11", "2026-10")


def test_valid_arguments_give_no_notices():
    parsed = parse_filters({"age_band": "0-17", "start": "2024-04", "end": "2025-03", "grain": "quarter"}, FIRST, LAST)
    assert parsed.notices == ()
    assert parsed.filters == Filters("0-17", Period.from_months("2024-04", "2025-03"), "quarter")
    assert parsed.filters.query_string() == "?age_band=0-17&start=2024-04&end=2025-03&grain=quarter"


def test_defaults_are_last_12_months_all_ages_by_month():
    parsed = parse_filters({}, FIRST, LAST)
    assert parsed.filters == Filters("all", Period.from_months("2025-11", "2026-10"), "month")
    assert parsed.notices == ()


@pytest.mark.parametrize("args, expected_notice", [
    ({"age_band": "'; DROP TABLE ae_attendances; --"}, "Age band"),
    ({"age_band": "17-"}, "Age band"),
    ({"grain": "week"}, "grain"),
    ({"start": "2024-13"}, "start month"),
    ({"end": "tomorrow"}, "end month"),
    ({"start": "2025-06", "end": "2025-01"}, "ended before it started"),
    ({"start": "2026-01", "end": "2030-12"}, "cut there"),
    ({"start": "2030-01", "end": "2030-12"}, "outside the data"),
])
def test_bad_values_fall_back_with_a_visible_notice(args, expected_notice):
    parsed = parse_filters(args, FIRST, LAST)
    assert any(expected_notice in n for n in parsed.notices), parsed.notices
    assert parsed.filters.period.end <= LAST


SITES = ("Queen Adelaide Hospital", "Royal Kingsbridge Hospital")


def test_a_site_of_the_data_is_kept_and_carried_in_the_url():
    args = {"age_band": "18-25", "start": "2025-01", "end": "2025-06", "site": "Royal Kingsbridge Hospital"}
    parsed = parse_filters(args, FIRST, LAST, SITES)
    assert parsed.notices == ()
    assert parsed.filters.site == "Royal Kingsbridge Hospital" and parsed.filters.age_band == "18-25"
    assert parsed.filters.query_string() == \
        "?age_band=18-25&start=2025-01&end=2025-06&grain=month&site=Royal+Kingsbridge+Hospital"
    assert parsed.filters.sql_params()["site"] == "Royal Kingsbridge Hospital"  # reaches SQL as $site only
    assert parsed.filters.all_sites() == Filters("18-25", Period.from_months("2025-01", "2025-06"))
    assert parsed.filters.with_period(Period.from_months("2024-01", "2024-06")).site == "Royal Kingsbridge Hospital"


@pytest.mark.parametrize("site", ["Atlantis General", "royal kingsbridge hospital", "'; DROP TABLE x; --"])
def test_a_site_not_in_the_data_shows_every_site_with_a_notice_and_loses_nothing_else(site):
    parsed = parse_filters({"age_band": "65+", "start": "2025-01", "end": "2025-03", "grain": "quarter",
                            "site": site}, FIRST, LAST, SITES)
    assert parsed.filters == Filters("65+", Period.from_months("2025-01", "2025-03"), "quarter")  # site: every one
    assert len(parsed.notices) == 1 and "not an emergency department in the data" in parsed.notices[0]
    assert "site=" not in parsed.filters.query_string()


def test_no_site_is_every_site_without_a_notice():
    for args in ({}, {"site": ""}, {"site": [""]}):
        parsed = parse_filters(args, FIRST, LAST, SITES)
        assert parsed.filters.site == "" and parsed.notices == ()
        assert parsed.filters.sql_params()["site"] == ""


def test_list_values_from_repeated_query_parameters_take_the_first():
    parsed = parse_filters({"age_band": ["65+", "0-17"]}, FIRST, LAST)
    assert parsed.filters.age_band == "65+"


def test_partial_buckets_are_labelled():
    from dashboard.web.charts import with_labels
    import pandas as pd

    f = Filters("all", Period.from_months("2025-11", "2026-05"), "quarter")
    frame = pd.DataFrame({"bucket": [date(2025, 10, 1), date(2026, 1, 1), date(2026, 4, 1)]})
    assert with_labels(frame, f)["period"].tolist() == ["Q3 2025/26 (part)", "Q4 2025/26", "Q1 2026/27 (part)"]
