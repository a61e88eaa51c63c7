"""The urgent care page's issue-20 views: the site view, 12-hour waits from decision to admit,
both four-hour standards, breach rates by hour and day, liaison response by hour and day.

The session's generated data has one emergency department; a copy of it splits the attendances
between two, so a site view has a site to choose and one to leave out.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from dashboard.web.cards import Card, card_values
from dashboard.web.charts import render
from dashboard.store import runtime
from dashboard.store.data import clear_cache, data_sites
from dashboard.core.disclosure import Policy
from dashboard.core.filters import Filters
from dashboard.core.periods import Period
from tests.pagecheck import check_drawn, extract

YEAR = Filters("all", Period.from_months("2025-01", "2025-12"))
NORTH = "Northgate & <b>District</b> Hospital"  # markup in a name from the data is drawn as text
EXACT = Policy.detailed_view()


@pytest.fixture(scope="module")
def two_sites(generated_data, tmp_path_factory) -> Path:
    """Return a copy of the generated data whose attendances are split between two departments."""
    folder = tmp_path_factory.mktemp("two_sites")
    for part in generated_data.iterdir():
        if part.is_dir():
            shutil.copytree(part, folder / part.name)
    path = folder / "ae_attendances" / "part-0.parquet"
    table = pq.read_table(path)
    odd = pc.equal(pc.bit_wise_and(pc.cast(pc.utf8_slice_codeunits(table["attendance_id"], 2), "int64"), 1), 1)
    site = pc.if_else(odd, NORTH, table["site"])
    pq.write_table(table.set_column(table.schema.get_field_index("site"), "site", site), path)
    return folder


@pytest.fixture()
def db(two_sites, app):
    clear_cache()
    database = runtime.configure(two_sites)
    yield database
    clear_cache()


@pytest.fixture(scope="module")
def app(generated_data):
    from dashboard.web.app import create_app

    return create_app(generated_data)


def in_year(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame[(frame[column] >= "2025-01-01") & (frame[column] < "2026-01-01")]


def test_the_data_has_two_sites_to_choose_from(db):
    sites = data_sites(db)
    assert len(sites) == 2 and NORTH in sites


def test_a_site_view_puts_one_department_on_the_cards(db, two_sites):
    """Cards count the chosen department's attendances, and the liaison referrals from them."""
    from dashboard.web.components import PAGES

    ae = in_year(extract(two_sites, "ae_attendances"), "arrival_at")
    liaison = in_year(extract(two_sites, "liaison_referrals"), "referred_at")
    north = ae[ae["site"] == NORTH]
    page = PAGES["urgent-care"]
    assert page.site_view
    cards = {c.key: c.value for c in card_values(page.cards, Filters("all", YEAR.period, site=NORTH), db, EXACT)}
    everyone = {c.key: c.value for c in card_values(page.cards, YEAR, db, EXACT)}
    assert everyone["ae_attendances"] == len(ae) and cards["ae_attendances"] == len(north)
    waits = (north["departure_at"] - north["decision_to_admit_at"]).dt.total_seconds() / 60
    assert cards["ae_12h_from_dta"] == int((waits > 720).sum())
    recorded = north["departure_at"].notna()
    within = ((north["departure_at"] - north["arrival_at"]).dt.total_seconds() <= 4 * 3600) & recorded
    assert cards["ae_4h_pct"] == pytest.approx(100 * within.sum() / recorded.sum())
    assert cards["liaison_referrals"] == int(liaison["attendance_id"].isin(north["attendance_id"]).sum())
    assert 0 < cards["liaison_referrals"] < everyone["liaison_referrals"]


def test_the_site_view_reaches_trends_heatmap_mix_and_liaison_but_not_other_pages(db, two_sites):
    ae = in_year(extract(two_sites, "ae_attendances"), "arrival_at")
    north = Filters("all", YEAR.period, site=NORTH)
    n_north = int((ae["site"] == NORTH).sum())
    heatmap = render("uec-heatmap", north, db=db, policy=EXACT).table
    assert heatmap["Attendances"].sum() == n_north
    mix = render("uec-presentation", north, db=db, policy=EXACT).table
    assert mix["Attendances"].sum() == n_north
    trend = render("uec-12h-dta", north, db=db, policy=EXACT).table
    assert trend["Part of chart"].tolist().count("Chosen period") == 12
    wait = render("uec-dta-wait", north, db=db, policy=EXACT).table
    assert wait["Attendances"].sum() == int(ae.loc[ae["site"] == NORTH, "decision_to_admit_at"].notna().sum())
    for chart_id in ("uec-heatmap", "uec-presentation", "uec-12h-dta", "uec-dta-wait", "uec-liaison-grid",
                     "uec-liaison-hour", "uec-median", "uec-4h"):
        assert render(chart_id, north, db=db).table.to_dict() != render(chart_id, YEAR, db=db).table.to_dict(), \
            chart_id
        check_drawn(chart_id, render(chart_id, north, db=db))
    # A chart of another page reads every site, whatever the URL says.
    assert render("overview-ae", north, db=db).table.equals(render("overview-ae", YEAR, db=db).table)


def test_sites_are_compared_side_by_side_with_the_chosen_one_darker(db):
    north = Filters("all", YEAR.period, site=NORTH)
    for chart_id in ("uec-sites", "uec-dta-sites", "uec-liaison-sites"):
        everyone, chosen = render(chart_id, YEAR, db=db), render(chart_id, north, db=db)
        assert chosen.table.equals(everyone.table), chart_id  # every site, whichever is chosen
        bars = [t for t in chosen.figure["data"] if t.get("type") == "bar"]
        names = bars[0]["y"]
        assert [o for o in bars[0]["marker"]["opacity"]] == [1.0 if "Northgate" in n else 0.4 for n in names]
        assert all("opacity" not in t["marker"] for t in everyone.figure["data"] if t.get("type") == "bar")


def test_the_heatmap_offers_arrivals_and_breach_rates(db, two_sites):
    rendered = render("uec-heatmap", YEAR, db=db, policy=EXACT)
    menu = rendered.figure["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in menu] == ["Arrivals", "Over 4 hours (%)", "Over 12 hours (%)"]
    ae = in_year(extract(two_sites, "ae_attendances"), "arrival_at")
    saturday_22 = ae[(ae["arrival_at"].dt.day_of_week == 5) & (ae["arrival_at"].dt.hour == 22)
                     & ae["departure_at"].notna()]
    over_4h = 100 * ((saturday_22["departure_at"] - saturday_22["arrival_at"]).dt.total_seconds() > 4 * 3600).mean()
    row = rendered.table[(rendered.table["Day"] == "Saturday") & (rendered.table["Hour"] == 22)].iloc[0]
    assert row["Over 4 hours (%)"] == pytest.approx(over_4h, abs=0.05)
    assert menu[1]["args"][0]["z"][0][5][22] == row["Over 4 hours (%)"]


def test_liaison_response_by_hour_and_weekday_counts_emergency_referrals(db, two_sites):
    table = render("uec-liaison-grid", YEAR, db=db, policy=EXACT).table
    liaison = in_year(extract(two_sites, "liaison_referrals"), "referred_at")
    emergency = liaison[(liaison["urgency"] == "emergency") & liaison["assessed_at"].notna()]
    assert table["Emergency referrals assessed"].sum() == len(emergency)
    assert len(table) == 7 * 24


def test_the_time_from_decision_to_departure_adds_up_to_the_card(db):
    table = render("uec-dta-wait", YEAR, db=db, policy=EXACT).table
    assert table["Time from decision to admit"].tolist() == [
        "Up to 4 hours", "4 to 8 hours", "8 to 12 hours", "12 to 24 hours", "Over 24 hours", "Departure not recorded"]
    card, = card_values((Card(metric="ae_12h_from_dta"),), YEAR, db, EXACT)
    assert table["Attendances"].iloc[3:5].sum() == card.value


def test_both_four_hour_standards_are_drawn(db, monkeypatch):
    monkeypatch.setenv("MHFLOW_AE_OPERATIONAL_STANDARD", "2024:78,2025:80")
    rendered = render("uec-4h", YEAR, db=db)
    names = [t["name"] for t in rendered.figure["data"]]
    assert "Constitutional standard 95.0%" in names and "Operational standard" in names
    line = next(t for t in rendered.figure["data"] if t["name"] == "Operational standard")
    # Jan-Mar 2025 are in 2024/25 (78%), from April 2025/26 (80%)
    assert line["y"][-12:] == [78.0] * 3 + [80.0] * 9
    sites = render("uec-sites", YEAR, db=db).figure["layout"]["shapes"]
    assert [s["x0"] for s in sites] == [95.0, 80.0]
    assert "operational standard of 80% for 2025/26" in render("uec-sites", YEAR, db=db).note


def test_the_site_lives_in_the_url_and_survives_other_filter_changes(db):
    from urllib.parse import parse_qs, quote

    from dashboard.web import callbacks

    chosen = callbacks.with_site("?age_band=all&start=2025-01", NORTH)
    assert parse_qs(chosen.lstrip("?")) == {"age_band": ["all"], "start": ["2025-01"], "site": [NORTH]}
    assert callbacks.with_site("?age_band=all&site=x", "") == "?age_band=all"  # every site: no parameter
    assert callbacks.on_site_change(NORTH, chosen) is callbacks.no_update  # already in the URL
    # Another control changes: the site stays in the URL.
    out = callbacks.sync_filters("filter-age-band", f"?age_band=all&site={quote(NORTH)}", "65+", "custom",
                                 "2025-01", "2025-06", "month")
    assert parse_qs(out[5].lstrip("?"))["site"] == [NORTH] and out[0] == "65+"
    store, words, notices = callbacks.filters_view(f"?age_band=65%2B&site={quote(NORTH)}")
    assert store["site"] == NORTH and words.endswith(NORTH) and notices == []
    # A site not in the data: every site, a notice, and the rest of the view kept.
    store, words, notices = callbacks.filters_view("?age_band=65%2B&site=Nowhere+General")
    assert store["site"] == "" and store["age_band"] == "65+"
    assert "not an emergency department in the data" in notices[0].children


def test_the_drill_down_lives_in_the_url_is_marked_on_the_heatmap_and_can_be_cleared(db):
    import pages.urgent_care as page
    from dashboard.web import callbacks
    from dashboard.web.charts import to_csv

    click = {"points": [{"x": 22, "y": "Saturday"}]}
    search = page.drill_into_cell(click, "?age_band=all&start=2025-01&end=2025-12")
    assert search == "?age_band=all&start=2025-01&end=2025-12&cell=6-22"
    assert callbacks.cell_of(search) == {"weekday": 6, "hour": 22}
    for bad in ("?cell=8-22", "?cell=6-24", "?cell=six", "?cell=-1-3", ""):
        assert callbacks.cell_of(bad) is None, bad
    *stores, disabled = page.cell_from_url(search, None, None, None)
    assert stores == [{"weekday": 6, "hour": 22}] * 3 and disabled is False
    assert page.cell_from_url(search, *stores)[:3] == (callbacks.no_update,) * 3  # held already: no redraw
    # Changing another filter keeps the cell.
    out = callbacks.sync_filters("filter-grain", search, "all", "custom", "2025-01", "2025-12", "quarter")
    assert out[5].endswith("&cell=6-22")
    # The heatmap outlines the cell; its table and CSV say which it is.
    cell = {"weekday": 6, "hour": 22}
    rendered = render("uec-heatmap", YEAR, db=db, selection=cell)
    shape, = rendered.figure["layout"]["shapes"]
    assert (shape["x0"], shape["x1"], shape["y0"], shape["y1"]) == (21.5, 22.5, 4.5, 5.5)
    chosen = rendered.table[rendered.table["Chosen"] != ""]
    assert chosen[["Day", "Hour"]].values.tolist() == [["Saturday", 22]]
    assert "drill-down" in to_csv(rendered) and rendered.note.startswith("Outlined: Saturdays, arrivals 22:00")
    assert "shapes" not in render("uec-heatmap", YEAR, db=db).figure["layout"]
    # Cleared: the URL loses the cell, the stores go back to none.
    cleared = page.clear_cell(1, search)
    assert cleared == "?age_band=all&start=2025-01&end=2025-12"
    assert page.cell_from_url(cleared, *stores) == (None, None, None, True)


def test_each_wait_from_decision_to_admit_falls_in_its_band_as_the_records_say(db, two_sites):
    ae = in_year(extract(two_sites, "ae_attendances"), "arrival_at")
    for filters, rows in ((YEAR, ae), (Filters("all", YEAR.period, site=NORTH), ae[ae["site"] == NORTH])):
        decided = rows[rows["decision_to_admit_at"].notna()]
        minutes = (decided["departure_at"] - decided["decision_to_admit_at"]).dt.total_seconds() / 60
        expected = [int((minutes <= 240).sum()), int(((minutes > 240) & (minutes <= 480)).sum()),
                    int(((minutes > 480) & (minutes <= 720)).sum()), int(((minutes > 720) & (minutes <= 1440)).sum()),
                    int((minutes > 1440).sum()), int(minutes.isna().sum())]
        table = render("uec-dta-wait", filters, db=db, policy=EXACT).table
        assert table["Attendances"].tolist() == expected, filters.site
        assert sum(expected) == len(decided) and all(expected[:3]) and expected[5] > 0
