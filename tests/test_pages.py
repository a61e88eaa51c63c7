"""Every registered page: each chart and card renders for several views and draws what it should.

One test over all pages, so a page added later (or one without a test of its own, as the
overview and urgent care had none) is checked the moment it is registered.
"""
from __future__ import annotations

import importlib
import threading

import pytest

from dashboard.web.cards import Alert, Card, card_component, card_values, format_value, render_cards
from dashboard.web.app import PAGE_MODULES
from dashboard.web.charts import CHARTS, ChartKind, render
from dashboard.web.components import PAGES
from dashboard.store.data import clear_cache
from dashboard.store.db import Database
from dashboard.core.disclosure import SUPPRESSED, Policy
from dashboard.core.filters import Filters
from dashboard.core.metrics import METRICS
from dashboard.store.cli_metrics import compute_metrics
from dashboard.core.periods import Period
from tests.pagecheck import check_drawn

VIEWS = {
    "year": Filters("all", Period.from_months("2025-01", "2025-12")),
    "under-18s-one-month": Filters("0-17", Period.from_months("2025-06", "2025-06")),
    "65+-by-quarter": Filters("65+", Period.from_months("2025-01", "2025-12"), "quarter"),
    "two-financial-years": Filters("all", Period.from_months("2023-04", "2025-03"), "fy"),
}
# Queries every callback reads whatever the filters, kept by each worker: not a chart's own.
SHARED_QUERIES = {"data_bounds", "extract_summary"}


@pytest.fixture(scope="module")
def app(generated_data):
    """Return the app: creating it imports and registers every page."""
    from dashboard.web.app import create_app

    return create_app(generated_data)


def page_of(module: str):
    """Return the Page a page module declares (the app must exist: it registers the pages)."""
    return importlib.import_module(f"pages.{module}").PAGE


def test_every_page_of_the_app_is_covered_here(app):
    assert sorted(PAGES) == sorted(page_of(module).id for module in PAGE_MODULES)


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("module", PAGE_MODULES)
def test_every_chart_of_every_page_draws_what_its_table_shows(module, view, app, app_db):
    chart_ids = [chart_id for row in page_of(module).rows for chart_id, _ in row]
    assert chart_ids and all(chart_id in CHARTS for chart_id in chart_ids)
    for chart_id in chart_ids:
        check_drawn(chart_id, render(chart_id, VIEWS[view]))


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("module", PAGE_MODULES)
def test_every_card_of_every_page_shows_its_metric_as_computed(module, view, app, app_db):
    page, filters = page_of(module), VIEWS[view]
    assert page.cards, module
    truth = compute_metrics(app_db, filters)
    values = card_values(page.cards, filters, app_db)
    drawn = render_cards(page.cards, filters, app_db)
    exact = card_values(page.cards, filters, app_db, Policy.detailed_view())
    protected = Policy.from_settings()
    assert [v.key for v in values] == list(page.card_keys) == [v.key for v in exact]
    for card, value, component, detailed in zip(page.cards, values, drawn, exact):
        metric = METRICS[card.key]
        assert value.label == metric.label
        # The detailed view shows the metric exactly; the protected view shows a count as the rule rounds it.
        if detailed.value is not None:
            assert detailed.value == pytest.approx(truth[card.key]), card.key
        if value.value not in (SUPPRESSED, None) and metric.kind == "count":
            assert value.value == protected.count(truth[card.key]), card.key
        elif value.value is None:  # no value: nothing to divide by, or not shown for this band
            assert truth[card.key] is None or truth[card.key] == 0 or not metric.shown_for(filters.age_band), card.key
        label, number, change = component.children[0].children[0], component.children[1], component.children[2]
        assert component.id == f"kpi-{card.key}" and label.children == metric.label
        assert number.children == format_value(value.value, metric.unit) and change.children == value.change


def test_a_chart_of_a_metric_shown_for_all_ages_only_says_so_under_a_band(app, app_db):
    filters = VIEWS["65+-by-quarter"]
    for chart_id in ("overview-occupancy", "ip-occupancy"):
        rendered = render(chart_id, filters)
        assert rendered.empty and rendered.figure["data"] == []
        assert rendered.note.startswith("Bed occupancy is shown for all ages only")
    card, = card_values((Card(metric="occupancy_pct"),), filters, app_db)
    assert (card.value, card.previous, card.variation, card.note) == (None, None, None, "Shown for all ages only")


def test_a_card_and_the_spc_chart_of_its_metric_give_the_same_reading(app, app_db):
    """The card's icons and the chart's note come from one SPC reading of the chart's protected rows."""
    from dashboard.web.figures import variation_text
    from dashboard.web.charts import trend_reading_of
    from dashboard.core.disclosure import Policy

    filters = Filters("all", Period.from_months("2023-01", "2025-12"))
    for chart_id, key in (("uec-4h", "ae_4h_pct"), ("overview-ae", "ae_attendances"), ("rec-followup",
                                                                                        "followup_72h_pct")):
        rendered = render(chart_id, filters)
        card, = card_values((Card(metric=key),), filters, app_db)
        reading = trend_reading_of(METRICS[key], filters, app_db, Policy.from_settings()).result
        assert rendered.note.startswith(variation_text(reading)), chart_id
        assert (card.variation, card.assurance) == (reading.variation, reading.assurance), key


class QueryLog:
    """Record the names of the queries a Database runs (from any thread, through any snapshot)."""

    def __init__(self, db: Database) -> None:
        self.names: set[str] = set()
        self._execute, self._lock = db.execute, threading.Lock()

    def __call__(self, con, name, params=None):
        with self._lock:
            self.names.add(name)
        return self._execute(con, name, params)

    def read(self) -> set[str]:
        return self.names - SHARED_QUERIES


@pytest.mark.parametrize("module", PAGE_MODULES)
def test_each_chart_and_card_reads_the_queries_it_declares(module, app, app_db, monkeypatch):
    """A declaration names its .sql files; the data functions read exactly those (so a trace by name holds)."""
    log = QueryLog(app_db)
    monkeypatch.setattr(app_db, "execute", log)  # every snapshot runs its queries here
    filters = VIEWS["year"]
    page = page_of(module)
    for chart_id in (chart_id for row in page.rows for chart_id, _ in row):
        chart = CHARTS[chart_id]
        clear_cache()
        log.names.clear()
        for data in (chart.data, chart.figure_data):
            if data is not None:
                data(app_db, filters)
        # Nothing read that is not declared (a board may read fewer: only the metrics with a change).
        assert log.read() and log.read() <= set(chart.queries), chart_id
    for card in page.cards:
        clear_cache()
        log.names.clear()
        card_values((card,), filters, app_db)
        assert log.read() == set(card.queries), card.key


def test_the_under_18_custody_card_is_an_alert_when_any_child_is_taken_or_hidden():
    from dashboard.web.cards import CardValue

    declared = Card(metric="s136_under18_custody", alert=Alert.ABOVE_ZERO)
    plain = Card(metric="s136_under18_custody")

    def card(value) -> CardValue:
        return CardValue("s136_under18_custody", "Under-18s taken to police custody", value, 0, "", None, None)

    classes = {value: card_component(card(value), declared).className for value in (0, 3, SUPPRESSED, None)}
    assert classes == {0: "kpi-card", 3: "kpi-card kpi-alert", SUPPRESSED: "kpi-card kpi-alert", None: "kpi-card"}
    assert card_component(card(3), plain).className == "kpi-card"  # the alert is declared, not keyed on the id


def test_the_places_of_safety_page_declares_the_under_18_custody_alert(app):
    alerts = {card.key: card.alert for card in PAGES["places-of-safety"].cards}
    assert alerts["s136_under18_custody"] is Alert.ABOVE_ZERO
    assert {key for key, alert in alerts.items() if alert is not Alert.NONE} == {"s136_under18_custody"}


def test_every_chart_is_of_a_declared_kind_and_names_its_queries(app):
    for chart in CHARTS.values():
        assert isinstance(chart.kind, ChartKind), chart.id
        assert chart.queries and all(isinstance(q, str) for q in chart.queries), chart.id


def test_a_declaration_takes_keywords_only():
    with pytest.raises(TypeError):
        Card("ae_4h_pct")  # type: ignore[misc]
    with pytest.raises(ValueError, match="no metric"):
        Card(metric="no_such_metric")
