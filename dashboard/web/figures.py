"""Figure functions: protected rows in, a Plotly figure (a plain dict) out.

Figures are built as dicts rather than with plotly.express: the same chart costs
a few milliseconds instead of tens, and tests can read them directly. Every
function returns a fresh dict, so no layout is ever shared or mutated.
"""
from __future__ import annotations

import html
import math
from html import escape as html_escape

import textwrap
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import pandas as pd

from dashboard.core.disclosure import SUPPRESSED, plottable
from dashboard.core.spc import ASSURANCE_TEXT, VARIATION_TEXT, SpcResult
from dashboard.settings import get_settings

def plain_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with every text cell that holds markup escaped for Plotly, which renders <a href>, <b>, <br>….

    Site and ward names come from the extracts: a site named '<a href="…">Royal</a>' must be
    drawn as those characters, never as a link. Markup starts only with '<', so only cells
    holding one are escaped (& < > as entities, which Plotly shows as the characters): the
    app's own labels ('A&E …'), which figure functions look up, are left as they are.
    """
    escaped = None
    for column, dtype in frame.dtypes.items():  # the dtypes first: a column read costs ~50 µs, most are numbers
        if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            continue
        values = frame[column]
        if not any(isinstance(v, str) and "<" in v for v in values):
            continue
        if escaped is None:
            escaped = frame.copy()
        escaped[column] = [html.escape(v, quote=False) if isinstance(v, str) and "<" in v else v for v in values]
    return frame if escaped is None else escaped


# The NHS font stack (NHS identity): Frutiger where the licensed web font is installed (README), else Arial.
FONT = '"Frutiger W01", Arial, sans-serif'
NHS_BLUE = "#005EB8"
TEXT = "#212B32"  # NHS black: body text
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
NHS_GREEN = "#007F3B"  # a headline that says all is as it should be
NHS_RED = "#DA291C"  # ...and one that says it is not
# Making Data Count's chart colours (its Excel tool, and NHSRplotthedots' defaults since 0.2):
# improvement blue, concern orange, neither purple, common cause grey. The card icons use MDC's
# icon colours (assets/02_app.css).
IMPROVEMENT = "#00B0F0"
CONCERN = "#E46C0A"
COMMON = "#A6A6A6"
NEITHER = "#490092"
# Categorical palette safe for colour-blind readers (Okabe-Ito, led by NHS blue).
PALETTE = ("#005EB8", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
           "#768692", "#330072")

# The house legend: at the foot of the figure, below the axis title. Plotly reserves room for a
# legend placed on the container, so it never overlaps rotated tick labels of a half-width chart.
LEGEND = {"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yref": "container", "yanchor": "bottom",
          "traceorder": "normal"}
# Characters per line of a message or chart annotation: fits a half-width chart.
WRAP_WIDTH = 55

# The chart toolbar: the camera alone. plotly.js 3 adds "Share chart…" (upload to Plotly Cloud)
# by default: NHS data must never be offered to a third-party cloud, so every way of sending a
# chart off the server is switched off, and the toolbar lists its one button explicitly (zoom
# and pan stay on the mouse; a double click resets). One button is one tab stop per chart, not eight.
CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
    "sendData": False,
    "plotlyServerURL": "",
    "modeBarButtons": [["toImage"]],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def graph_config(chart_id: str) -> dict[str, Any]:
    """Return a chart's Plotly config: the house toolbar, and its image named after the chart.

    The browser names the image after the view at the moment of the click (``assets/04_charts.js``
    reads the figure's ``layout.meta.filename``); this name is the fallback.
    """
    options = {**CONFIG["toImageButtonOptions"], "filename": f"{IMAGE_PREFIX}{chart_id}"}
    return {**CONFIG, "toImageButtonOptions": options}


IMAGE_PREFIX = "mental-health-flow_"


@dataclass
class Drawn:
    """What a figure function returns: the Plotly figure, and the note shown beneath it (plain text)."""

    figure: dict[str, Any]
    note: str = ""
    # Columns the table view and CSV add to the shown rows (an XmR chart's mean, limits and signal
    # per period): computed from the shown values only, one value per row.
    columns: dict[str, list[Any]] = field(default_factory=dict)


# The colour of every reference line and target (a red dotted line).
REFERENCE_RED = "#DA291C"


# A second standard beside the target (the operational four-hour standard beside the constitutional 95%).
STANDARD_PURPLE = "#330072"


def reference_line(x: float, width: float | None = None, colour: str = REFERENCE_RED,
                   dash: str = "dot") -> dict[str, Any]:
    """Return a vertical line at `x` across the plot (red dotted: a target or standard on a horizontal bar chart)."""
    line: dict[str, Any] = {"color": colour, "dash": dash}
    if width is not None:
        line["width"] = width
    return {"type": "line", "x0": x, "x1": x, "yref": "paper", "y0": 0, "y1": 1, "line": line}


def base_layout(**overrides: Any) -> dict[str, Any]:
    """Return a new layout dict in the dashboard's house style, with `overrides` applied."""
    layout: dict[str, Any] = {
        "font": {"family": FONT, "size": 13, "color": TEXT},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "height": 320,
        "hovermode": "closest",
        "legend": dict(LEGEND),
        "xaxis": {"gridcolor": NHS_PALE_GREY, "linecolor": NHS_MID_GREY, "automargin": True},
        "yaxis": {"gridcolor": NHS_PALE_GREY, "linecolor": NHS_MID_GREY, "zeroline": False,
                  "automargin": True, "rangemode": "tozero"},
        "separators": ".,",
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


def wrap(text: str, width: int = WRAP_WIDTH) -> str:
    """Return `text` with <br> at word boundaries, so no line is much longer than `width` characters.

    Existing <br> are kept; a single word longer than `width` is not broken.
    """
    lines: list[str] = []
    for part in text.split("<br>"):
        lines.extend(textwrap.wrap(part, width, break_long_words=False, break_on_hyphens=False) or [""])
    return "<br>".join(lines)


def message_figure(text: str) -> dict[str, Any]:
    """Return a figure with no axes that says `text` (for a selection with no activity), wrapped to fit."""
    return {
        "data": [],
        "layout": base_layout(
            height=200,
            xaxis={"visible": False}, yaxis={"visible": False},
            annotations=[{"text": wrap(text), "showarrow": False, "xref": "paper", "yref": "paper",
                          "x": 0.5, "y": 0.5, "font": {"size": 15, "color": NHS_DARK_GREY}}],
        ),
    }


def _fmt(value: float | None, unit: str) -> str:
    if value is None or value != value:  # None or NaN (pandas turns None into NaN in a float column)
        return "–"
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:,.1f}" if abs(value - round(value)) > 1e-9 else f"{value:,.0f}"


def no_limits_text(withheld: str | None, n_buckets: int, n_shown: int, n_suppressed: int) -> str:
    """Return why an XmR chart has no limits, and what would give it some.

    Counts with suppressed points that could move the mean (`withheld` 'counts_suppressed'):
    limits from the other points would be biased, and more buckets of the same size would not
    help; coarser ones or a wider age band might. Fewer than 12 buckets: a longer period or a
    finer grain helps. Enough buckets with points suppressed or without data: those would not
    help, so they are not suggested.
    """
    if withheld == "counts_suppressed":
        return (f"{n_suppressed} of {n_buckets} points suppressed as small numbers: no process limits or SPC "
                "signals (try a coarser grain or a wider age band)")
    minimum = get_settings().spc_min_points
    if n_buckets < minimum:
        return (f"Fewer than {minimum} points: the mean only, no process limits or SPC signals "
                "(choose a longer period or a finer grain)")
    reasons = []
    if n_suppressed:
        reasons.append(f"{n_suppressed} suppressed as small numbers")
    if n_buckets - n_shown - n_suppressed:
        reasons.append(f"{n_buckets - n_shown - n_suppressed} with no data")
    return (f"Only {n_shown} of {n_buckets} points can be shown ({'; '.join(reasons)}): fewer than "
            f"{minimum}, so no process limits or SPC signals")


def spc_figure(labels: Sequence[str], values: Sequence[float | None], result: SpcResult, *,
               name: str, unit: str = "", target: float | None = None,
               suppressed: Sequence[bool] = (), apart: Sequence[float | None] = (),
               shade: tuple[int, int] | None = None,
               changes: Sequence[tuple[int, str, bool]] = (),
               still_open: Sequence[float | None] = ()) -> dict[str, Any]:
    """Return an XmR chart: values, mean, process limits, MDC-coloured special causes, target.

    A point marked in `suppressed` is a gap in the line with a '*' at zero, so it reads as small, not absent.
    `apart`: values of buckets left out of the calculation (a part quarter or year), drawn as
    hollow grey points. `still_open`: values of buckets whose follow-up window is not complete at
    the data's end (dashboard.core.windows), drawn as hollow orange points, also not calculated.
    `shade`: the first and last index of the chosen period, shaded.
    `changes`: (index of the first bucket after it, title, recalculate) of each service change,
    drawn as a vertical line with its title (escaped: a title is data, never markup).
    Mean and limits follow the result's segments (a step where a change recalculates them).
    """
    labels = list(labels)
    colours = []
    for signal in result.signals:
        colours.append({"improvement": IMPROVEMENT, "concern": CONCERN, "neither": NEITHER}.get(signal or "", COMMON))
    hover = [f"{lab}: {'* (suppressed)' if (i < len(suppressed) and suppressed[i]) else _fmt(v, unit)}"
             for i, (lab, v) in enumerate(zip(labels, values))]
    data: list[dict[str, Any]] = [{
        "type": "scatter", "mode": "lines+markers", "name": name, "x": labels, "y": list(values),
        "line": {"color": NHS_MID_GREY, "width": 1.5},
        "marker": {"color": colours, "size": 8, "line": {"color": "white", "width": 1}},
        "hovertext": hover, "hoverinfo": "text", "connectgaps": False,
    }]
    annotations: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    hidden = [i for i in range(len(labels)) if i < len(suppressed) and suppressed[i]]
    if result.enough_points:
        for series, single, label, dash in ((result.means, result.mean, "Mean", "solid"),
                                            (result.uppers, result.upper, "Upper process limit", "dash"),
                                            (result.lowers, result.lower, "Lower process limit", "dash")):
            y = list(series) if len(series) == len(labels) else [single] * len(labels)
            data.append({"type": "scatter", "mode": "lines", "name": label, "x": labels, "y": y,
                         "line": {"color": NHS_DARK_GREY if label == "Mean" else NHS_MID_GREY, "width": 1,
                                  "dash": dash, "shape": "hvh"},
                         "hovertemplate": f"{label}: %{{y:,.1f}}{'%' if unit == '%' else ''}<extra></extra>"})
    else:
        text = wrap(no_limits_text(result.withheld, len(labels), sum(v is not None for v in result.values),
                                   len(hidden)))
        annotations.append({
            "text": text, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0, "y": 1.0, "yshift": 4,
            "xanchor": "left", "yanchor": "bottom", "align": "left", "font": {"size": 12, "color": CONCERN}})
        if result.mean is not None and result.withheld == "few_points":  # MDC: the mean is drawn
            data.append({"type": "scatter", "mode": "lines", "name": "Mean", "x": labels,
                         "y": [result.mean] * len(labels), "line": {"color": NHS_DARK_GREY, "width": 1},
                         "hovertemplate": f"Mean: {_fmt(result.mean, unit)}<extra></extra>"})
    if target is not None:
        data.append({"type": "scatter", "mode": "lines", "name": f"Target {_fmt(target, unit)}", "x": labels,
                     "y": [target] * len(labels), "line": {"color": REFERENCE_RED, "width": 1.5, "dash": "dot"},
                     "hovertemplate": f"Target: {_fmt(target, unit)}<extra></extra>"})
    outside = [i for i, v in enumerate(apart) if v is not None]
    if outside:
        data.append({"type": "scatter", "mode": "markers", "name": "Part bucket (not in the calculation)",
                     "x": [labels[i] for i in outside], "y": [apart[i] for i in outside],
                     "marker": {"color": "white", "size": 8, "line": {"color": NHS_MID_GREY, "width": 1.5}},
                     "hovertext": [f"{labels[i]}: {_fmt(apart[i], unit)} (part bucket: not in the calculation)"
                                   for i in outside], "hoverinfo": "text"})
    late = [i for i, v in enumerate(still_open) if v is not None]
    if late:
        data.append({"type": "scatter", "mode": "markers", "name": "Not complete (not in the calculation)",
                     "x": [labels[i] for i in late], "y": [still_open[i] for i in late],
                     "marker": {"color": "white", "size": 9, "symbol": "circle",
                                "line": {"color": CONCERN, "width": 2}},
                     "hovertext": [f"{labels[i]}: {_fmt(still_open[i], unit)} (follow-up window not complete: "
                                   "reads low, not in the calculation)" for i in late], "hoverinfo": "text"})
    if hidden:
        data.append(_suppressed_marks([labels[i] for i in hidden], [0] * len(hidden),
                                      [f"{labels[i]}: * (suppressed)" for i in hidden]))
    if shade is not None:
        shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": shade[0] - 0.5, "x1": shade[1] + 0.5,
                       "y0": 0, "y1": 1, "fillcolor": "#005EB8", "opacity": 0.07, "line": {"width": 0},
                       "layer": "below"})
    for k, (at, title, recalculate) in enumerate(changes):
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": at - 0.5, "x1": at - 0.5, "y0": 0, "y1": 1,
                       "line": {"color": NHS_DARK_GREY, "width": 1, "dash": "solid" if recalculate else "dot"}})
        annotations.append({"text": html_escape(short_title(title)), "showarrow": False, "xref": "x", "yref": "paper",
                            "x": at - 0.5, "y": 1.0 - 0.09 * (k % 3), "xanchor": "left", "yanchor": "top",
                            "align": "left", "font": {"size": 10, "color": NHS_DARK_GREY},
                            "bgcolor": "rgba(255,255,255,0.8)", "name": "service change"})
    yaxis: dict[str, Any] = {"title": {"text": unit if unit and unit != "%" else ""}}
    if unit == "%":
        yaxis["ticksuffix"] = "%"
    if all(v is None or v == 0 for v in values):
        # Nothing drawn above 0 but '*': whole-number (or 0-100%) ticks rather than Plotly's 0 to 1.
        yaxis["range"] = [0, 100 if unit == "%" else 10]
    else:
        lines = [y for trace in data if trace.get("mode") != "text" for y in trace.get("y", ())]
        zoom = value_range(lines, percent=unit == "%")
        if zoom is not None:
            yaxis["range"] = list(zoom)
            annotations.append(axis_note(zoom[0], unit))
    # Room above the plot for the annotation's lines, clear of the mode bar.
    notes = [a for a in annotations if a.get("yref") == "paper" and a.get("xref") == "paper"
             and a.get("name") != AXIS_NOTE]
    top = 28 + 16 * sum(a["text"].count("<br>") + 1 for a in notes) if notes else 16
    layout = base_layout(yaxis=yaxis, annotations=annotations, margin={"t": top})
    if shapes:
        layout["shapes"] = shapes
    return {"data": data, "layout": layout}


AXIS_NOTE = "axis-note"  # the annotation that says a value axis does not start at zero


def value_range(values: Sequence[Any], *, percent: bool = False) -> tuple[float, float] | None:
    """Return an axis range that shows the variation of `values`, or None where the axis should start at 0.

    Starting at zero would leave more than half the plot empty when every value is above half the
    largest (occupancy at 91-95% on a 0-100% axis looks flat): the axis then spans the values with
    a margin of a tenth of their spread (at least 1), kept within 0 and, for a percentage, 100.
    """
    drawn = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v]
    if not drawn:
        return None
    low, high = min(drawn), max(drawn)
    if low <= 0 or low <= high / 2:
        return None
    pad = max((high - low) * 0.1, 1.0 if high >= 10 else high * 0.05)
    bottom, top = max(0.0, low - pad), high + pad
    if percent:
        top = min(top, 100.0 + pad / 2)
    return round(bottom, 6), round(top, 6)


def axis_note(start: float, unit: str) -> dict[str, Any]:
    """Return the annotation, at the foot of the value axis, saying where it starts (not at zero)."""
    number = f"{start:,.0f}" if abs(start) >= 10 else f"{start:.1f}"
    shown = f"{number}%" if unit == "%" else number
    return {"name": AXIS_NOTE, "text": f"Axis starts at {shown}, not 0", "showarrow": False, "xref": "paper",
            "yref": "paper", "x": 0, "y": 0, "xanchor": "left", "yanchor": "bottom", "align": "left",
            "font": {"size": 10, "color": NHS_DARK_GREY}, "bgcolor": "rgba(255,255,255,0.8)"}


def short_title(title: str, limit: int = 40) -> str:
    """Return a change's title cut to fit beside its line on a chart (the table has it whole)."""
    return title if len(title) <= limit else title[:limit - 1].rstrip() + "…"


def bar_figure(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *,
               horizontal: bool = False, stacked: bool = False, unit: str = "",
               percent_of_total: bool = False, height: int | None = None) -> dict[str, Any]:
    """Return a bar chart: one trace per (name, values) series over the categories."""
    data = []
    for i, (name, values) in enumerate(series):
        values = list(values)
        trace: dict[str, Any] = {
            "type": "bar", "name": name, "marker": {"color": PALETTE[i % len(PALETTE)]},
            "hovertemplate": f"%{{{'y' if horizontal else 'x'}}}<br>{name}: %{{{'x' if horizontal else 'y'}:,.1f}}{'%' if unit == '%' else ''}<extra></extra>",
        }
        if horizontal:
            trace.update(x=values, y=list(categories), orientation="h")
        else:
            trace.update(x=list(categories), y=values)
        data.append(trace)
    value_axis: dict[str, Any] = {"ticksuffix": "%"} if unit == "%" or percent_of_total else {}
    layout = base_layout(barmode="stack" if stacked else "group", showlegend=len(series) > 1)
    if horizontal:
        layout["xaxis"] = {**layout["xaxis"], **value_axis, "nticks": 5}
        layout["yaxis"] = {**layout["yaxis"], "autorange": "reversed", "rangemode": "normal"}
        layout["height"] = height or max(240, 28 * len(categories) + 80)
        # The first category is at the top: keep its bar clear of the mode bar.
        layout["margin"] = {**layout["margin"], "t": 36}
    else:
        layout["yaxis"] = {**layout["yaxis"], **value_axis}
        if height:
            layout["height"] = height
    return {"data": data, "layout": layout}


SUPPRESSED_MARKS = "Suppressed"  # the name of the text trace that draws '*' where a value is hidden
HEADLINE = "headline"  # the name of the annotation that says a chart's answer in words


def _drawn(value: Any, zero_counts: bool) -> bool:
    """Return whether one plotted value shows on the chart (None or NaN never does; zero only on a line)."""
    return value is not None and value == value and (zero_counts or value != 0)


def draws_values(fig: dict) -> bool:
    """Return whether a figure shows any value: a bar that is not zero, a point of a series, a heatmap cell, a flow.

    Reference lines (mean, process limits, a target: mode 'lines'), the '*' marks of suppressed
    values and annotations show no value of the data.
    """
    for trace in fig["data"]:
        kind, mode = trace.get("type"), trace.get("mode", "")
        if kind == "bar":
            values = trace.get("x" if trace.get("orientation") == "h" else "y") or []
            if any(_drawn(v, False) for v in values):
                return True
        elif kind == "scatter":
            if "markers" in mode and any(_drawn(v, True) for v in trace.get("y") or []):
                return True
        elif kind == "heatmap":
            if any(_drawn(v, True) for row in trace.get("z") or [] for v in row):
                return True
        elif kind == "sankey":
            if any(_drawn(v, False) for v in trace["link"]["value"]):
                return True
        else:  # a kind this check does not know: assume it shows something
            return True
    return False


def only_suppressed(fig: dict) -> bool:
    """Return whether a figure shows nothing but '*': every value it would draw is suppressed (or zero).

    A figure with a headline says its answer in words ("None over the legal limit"), so it shows something.
    """
    if any(a.get("name") == HEADLINE for a in fig["layout"].get("annotations", ())):
        return False
    return any(trace.get("name") == SUPPRESSED_MARKS for trace in fig["data"]) and not draws_values(fig)


def headline(fig: dict, text: str, colour: str) -> dict:
    """Return the figure with a bold headline across the top of the plot (the answer the chart is there for)."""
    fig["layout"]["annotations"] = [{"name": HEADLINE, "text": f"<b>{text}</b>", "showarrow": False, "xref": "paper",
                                     "yref": "paper", "x": 0.5, "y": 0.92, "font": {"size": 16, "color": colour}}]
    return fig


def _suppressed_marks(xs: Sequence, ys: Sequence, hover: Sequence[str], *, horizontal: bool = False,
                      group: str | None = None) -> dict[str, Any]:
    """Return a text trace that draws '*' at each (x, y): a hidden value reads as small, not absent."""
    trace: dict[str, Any] = {
        "type": "scatter", "mode": "text", "name": SUPPRESSED_MARKS, "text": ["*"] * len(xs),
        "hovertext": list(hover), "hoverinfo": "text", "showlegend": False,
        "textfont": {"size": 18, "color": NHS_DARK_GREY}}
    if horizontal:
        trace.update(x=list(ys), y=list(xs), textposition="middle right")
    else:
        trace.update(x=list(xs), y=list(ys), textposition="top center")
    if group is not None:
        trace["offsetgroup"] = group
    return trace


def mark_suppressed(fig: dict, shown: Mapping[str, Sequence], category: str, columns: Sequence[str], *,
                    horizontal: bool = False, stacked: bool = False) -> dict:
    """Return the bar figure with a '*' where a bar is suppressed, so a hidden value reads as small, not absent.

    Bars of `columns` of the shown rows (traces 0..n-1, in order) are drawn over the `category`
    column; a stacked chart gets one '*' on top of the stack naming the hidden series.
    """
    cats = list(shown[category])
    names = [trace["name"] for trace in fig["data"][:len(columns)]]
    marks: list[tuple[list, list, list[str], str | None]] = []
    if stacked:
        xs, ys, hover = [], [], []
        for cat, *values in zip(cats, *(list(shown[c]) for c in columns)):
            hidden = [name for name, v in zip(names, values) if v == SUPPRESSED]
            if hidden:
                xs.append(cat)
                ys.append(sum(v for v in plottable(values) if v is not None))
                hover.append(f"{cat}: {', '.join(hidden)} suppressed (*)")
        marks.append((xs, ys, hover, None))
    else:
        grouped = len(columns) > 1
        for j, (column, name) in enumerate(zip(columns, names)):
            hidden = [i for i, v in enumerate(shown[column]) if v == SUPPRESSED]
            if grouped:
                fig["data"][j]["offsetgroup"] = str(j)
            marks.append(([cats[i] for i in hidden], [0] * len(hidden),
                          [f"{cats[i]}: {name} suppressed (*)" for i in hidden], str(j) if grouped else None))
    for xs, ys, hover, group in marks:
        if not xs:
            continue
        if group is not None:
            fig["layout"]["scattermode"] = "group"
        fig["data"].append(_suppressed_marks(xs, ys, hover, horizontal=horizontal, group=group))
    return fig


def count_axis(fig: dict, tallest: float | None, title: str, minimum: float = 10, headroom: float = 1.15) -> dict:
    """Return the figure with a titled count y-axis that keeps whole-number ticks when every bar is small or hidden."""
    fig["layout"]["yaxis"] = {**fig["layout"]["yaxis"], "title": {"text": title},
                              "range": [0, max((tallest or 0) * headroom, minimum)]}
    return fig


def coloured(fig: dict, colours: Sequence[str]) -> dict:
    """Return the figure with trace i drawn in colours[i] (the figure is fresh: no shared layout)."""
    for trace, colour in zip(fig["data"], colours):
        trace["marker"] = {**trace.get("marker", {}), "color": colour}
    return fig


def horizontal_bars(shown: Mapping[str, Sequence], value: str, name: str, colours: Sequence[str],
                    category: str = "label") -> dict:
    """Return one series of horizontal bars by `category`, '*' where suppressed."""
    fig = bar_figure(shown[category], [(name, plottable(shown[value]))], horizontal=True)
    fig["data"][0]["marker"]["color"] = list(colours)
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], "title": {"text": name}}
    return mark_suppressed(fig, shown, category, [value], horizontal=True)


def percent_axis(fig: dict, axis: str = "xaxis") -> dict:
    """Return the figure with a 0-100% value axis in steps of 20, so a line at 95% is not on the plot's edge."""
    ticks = {k: v for k, v in fig["layout"][axis].items() if k != "nticks"}
    fig["layout"][axis] = {**ticks, "range": [0, 102], "dtick": 20}  # 102: room for the 100% tick
    return fig


def rate_ratio_figure(labels: Sequence[str], ratios: Sequence[Any], lows: Sequence[Any], highs: Sequence[Any], *,
                      reference: str) -> dict[str, Any]:
    """Return rate ratios as points with their 95% confidence intervals on a log axis, and a line at 1.

    A ratio of 2 and one of 0.5 are as far from 1 on a log axis: neither direction looks bigger. A
    hidden ratio ('*') is marked at 1; the reference group (ratio 1 by definition) has no point.
    """
    labels = list(labels)
    values = [v if v else None for v in plottable(ratios)]  # 0 has no place on a log axis
    low, high = plottable(lows), plottable(highs)
    above = [h - v if h is not None and v is not None else 0 for v, h in zip(values, high)]
    below = [v - lo if lo is not None and v is not None else 0 for v, lo in zip(values, low)]
    hover = []
    for label, shown, v, lo, hi in zip(labels, ratios, values, low, high):
        text = "* (suppressed)" if shown == SUPPRESSED else ("–" if v is None else f"{v:.2f}")
        if lo is not None and hi is not None:
            text += f" (95% CI {lo:.2f} to {hi:.2f})"
        hover.append(f"{label}: {text}")
    data: list[dict[str, Any]] = [{
        "type": "scatter", "mode": "markers", "orientation": "h", "name": f"Rate ratio to {reference}",
        "x": values, "y": labels, "marker": {"color": NHS_BLUE, "size": 10},
        "error_x": {"type": "data", "symmetric": False, "array": above, "arrayminus": below,
                    "color": NHS_DARK_GREY, "thickness": 1.5, "width": 5},
        "hovertext": hover, "hoverinfo": "text"}]
    hidden = [label for label, shown in zip(labels, ratios) if shown == SUPPRESSED]
    if hidden:
        data.append(_suppressed_marks(hidden, [1] * len(hidden), [f"{label}: * (suppressed)" for label in hidden],
                                      horizontal=True))
    drawn = [x for x in [*values, *low, *high] if x]
    lowest, highest = min(drawn + [0.8]), max(drawn + [1.25])
    span = [math.log10(lowest) - 0.08, math.log10(highest) + 0.08]
    ticks = [t for t in (0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32) if lowest / 1.3 <= t <= highest * 1.3]
    layout = base_layout(
        height=max(240, 28 * len(labels) + 90), showlegend=False, margin={"t": 36},
        xaxis={"type": "log", "range": span, "tickvals": ticks, "ticktext": [f"{t:g}" for t in ticks],
               "title": {"text": f"Rate ratio to {reference} (log scale)"}},
        yaxis={"autorange": "reversed", "rangemode": "normal", "type": "category"},
        # On a log axis a shape takes the value itself (plotly.js #6194), an annotation its log: 0 is 1.
        shapes=[{"type": "line", "xref": "x", "x0": 1, "x1": 1, "yref": "paper", "y0": 0, "y1": 1,
                 "line": {"color": REFERENCE_RED, "dash": "dot"}}],
        annotations=[{"text": f"{reference} = 1", "showarrow": False, "xref": "x", "x": 0, "yref": "paper", "y": 1,
                      "yanchor": "bottom", "font": {"size": 11, "color": REFERENCE_RED}}])
    return {"data": data, "layout": layout}


def heatmap_figure(x: Sequence[str], y: Sequence[str], z: Sequence[Sequence[float | None]], *,
                   name: str, text: Sequence[Sequence[str]] | None = None) -> dict[str, Any]:
    """Return a heatmap (e.g. hour of day by weekday); None cells are suppressed or empty."""
    trace: dict[str, Any] = {
        "type": "heatmap", "x": list(x), "y": list(y), "z": [list(r) for r in z], "name": name,
        "zmin": 0,  # counts: the palest colour is none, never a negative scale when every cell is 0
        "colorscale": [[0, "#F0F4F5"], [0.5, "#41B6E6"], [1, NHS_DARK_BLUE]],
        "hoverongaps": False, "xgap": 1, "ygap": 1,
        "colorbar": {"title": {"text": name, "side": "right"}, "thickness": 12},
        "hovertemplate": "%{y} %{x}:00<br>" + name + ": %{text}<extra></extra>",
    }
    if text is not None:
        trace["text"] = [list(r) for r in text]
    layout = base_layout(height=300, xaxis={"title": {"text": "Hour of arrival"}, "dtick": 2, "showgrid": False},
                         yaxis={"autorange": "reversed", "showgrid": False, "rangemode": "normal"},
                         margin={"t": 36})  # the top row's cells clear of the mode bar
    return {"data": [trace], "layout": layout}


def sankey_figure(labels: Sequence[str], colours: Sequence[str], sources: Sequence[int], targets: Sequence[int],
                  values: Sequence[float], columns: Sequence[float] | None = None) -> dict[str, Any]:
    """Return a Sankey diagram of flows between labelled nodes.

    `columns` (0..1 per node) pins each node to its stage's column; nodes are then
    stacked within a column by size, so small end-of-pathway nodes do not collide.
    """
    node: dict[str, Any] = {
        "label": list(labels), "color": list(colours), "pad": 18, "thickness": 16,
        "line": {"color": "white", "width": 0.5},
        "hovertemplate": "%{label}: %{value:,.0f}<extra></extra>",
    }
    if columns is not None:
        node["x"], node["y"] = _sankey_positions(len(labels), sources, targets, values, columns)
    trace = {
        "type": "sankey", "arrangement": "snap" if columns is not None else "freeform", "node": node,
        "link": {"source": list(sources), "target": list(targets), "value": list(values),
                 "color": "rgba(118,134,146,0.25)",
                 "hovertemplate": "%{source.label} → %{target.label}: %{value:,.0f}<extra></extra>"},
    }
    return {"data": [trace], "layout": base_layout(height=520, margin={"l": 8, "r": 8, "t": 8, "b": 8})}


def _sankey_positions(n: int, sources: Sequence[int], targets: Sequence[int], values: Sequence[float],
                      columns: Sequence[float]) -> tuple[list[float], list[float]]:
    """Return node x and y: x from the stage column, y the centre of each node stacked by size."""
    size_in, size_out = [0.0] * n, [0.0] * n
    for s, t, v in zip(sources, targets, values):
        size_out[s] += v
        size_in[t] += v
    size = [max(a, b) for a, b in zip(size_in, size_out)]
    ys = [0.5] * n
    for column in sorted(set(columns)):
        members = [i for i in range(n) if columns[i] == column]
        total = sum(size[i] for i in members) or 1.0
        gap = 0.04
        scale = max(0.0, 1 - gap * (len(members) - 1)) / total
        top = 0.0
        for i in members:
            height = size[i] * scale
            ys[i] = min(0.99, max(0.01, top + height / 2))
            top += height + gap
    return [min(0.99, max(0.01, c)) for c in columns], ys


def variation_text(result: SpcResult) -> str:
    """Return the plain-English reading of the chart's variation and assurance icons."""
    if result.withheld == "counts_suppressed":
        return ("Points suppressed as small numbers could move the mean by more than a tenth: no SPC "
                "judgement, as the points left would give a biased mean and limits.")
    if not result.enough_points:
        return f"Fewer than {get_settings().spc_min_points} points: no SPC judgement."
    parts = [VARIATION_TEXT.get(result.variation or "", "")]
    if result.assurance:
        parts.append(ASSURANCE_TEXT[result.assurance])
    return ". ".join(p for p in parts if p) + "."


def table_figure(header: Sequence[str], columns: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """Return a Plotly table of text columns (a board of readings, not a chart of values)."""
    return {"data": [{"type": "table",
                      "header": {"values": [f"<b>{html_escape(str(h))}</b>" for h in header],
                                 "fill": {"color": NHS_BLUE}, "font": {"color": "white", "size": 12},
                                 "align": "left"},
                      "cells": {"values": [[html_escape(str(v)) for v in column] for column in columns],
                                "align": "left", "font": {"size": 12}, "height": 26}}],
            "layout": base_layout(height=max(200, 46 * (len(columns[0]) if columns else 0) + 90),
                                  margin={"t": 10, "l": 10, "r": 10, "b": 10})}
