"""Long breakdowns (hundreds of sites or wards) chart the most telling rows; the table keeps them all."""
from __future__ import annotations

import pandas as pd

from dashboard.web.breakdowns import CHARTED, charted_note, most_telling
from dashboard.core.disclosure import SUPPRESSED


def test_a_short_breakdown_is_charted_whole_in_its_own_order():
    shown = pd.DataFrame({"site": ["B", "A", "C"], "pct": [50.0, SUPPRESSED, 90.0]})
    assert most_telling(shown, "pct") is shown
    assert charted_note(shown, shown, "sites", "the lowest") == ""


def test_a_long_breakdown_charts_the_highest_or_lowest_and_ranks_hidden_values_last():
    values = [SUPPRESSED] + [float(i) for i in range(1, 40)]
    shown = pd.DataFrame({"site": [f"S{i}" for i in range(40)], "pct": values})
    highest = most_telling(shown, "pct")
    assert len(highest) == CHARTED and list(highest["site"][:2]) == ["S39", "S38"]
    lowest = most_telling(shown, "pct", lowest=True)
    assert list(lowest["site"][:2]) == ["S1", "S2"] and "S0" not in set(lowest["site"])
    assert charted_note(shown, lowest, "sites", "the lowest rate") == (
        f"The {CHARTED} sites with the lowest rate of 40; the table and CSV list every one.")
