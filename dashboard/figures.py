"""Figure functions: protected rows in, a Plotly figure (a plain dict) out.

Figures are built as dicts rather than with plotly.express: the same chart costs
a few milliseconds instead of tens, and tests can read them directly. Every
function returns a fresh dict, so no layout is ever shared or mutated.
"""
from __future__ import annotations

from typing import Any, Sequence

from dashboard.spc import ASSURANCE_TEXT, VARIATION_TEXT, SpcResult

FONT = 'Frutiger, "Frutiger Linotype", Arial, "Helvetica Neue", Helvetica, sans-serif'
NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
# Making Data Count colours: improvement blue, concern orange, common cause grey.
IMPROVEMENT = "#41B6E6"
CONCERN = "#ED8B00"
COMMON = "#A6A6A6"
NEITHER = "#7C2855"
# Categorical palette safe for colour-blind readers (Okabe-Ito, led by NHS blue).
PALETTE = ("#005EB8", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
           "#768692", "#330072")

CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def base_layout(**overrides: Any) -> dict[str, Any]:
    """Return a new layout dict in the dashboard's house style, with `overrides` applied."""
    layout: dict[str, Any] = {
        "font": {"family": FONT, "size": 13, "color": "#212B32"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "height": 320,
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.2, "x": 0},
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


def message_figure(text: str) -> dict[str, Any]:
    """Return a figure with no axes that says `text` (for a selection with no activity)."""
    return {
        "data": [],
        "layout": base_layout(
            height=200,
            xaxis={"visible": False}, yaxis={"visible": False},
            annotations=[{"text": text, "showarrow": False, "xref": "paper", "yref": "paper",
                          "x": 0.5, "y": 0.5, "font": {"size": 15, "color": NHS_DARK_GREY}}],
        ),
    }


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:,.1f}" if abs(value - round(value)) > 1e-9 else f"{value:,.0f}"


def spc_figure(labels: Sequence[str], values: Sequence[float | None], result: SpcResult, *,
               name: str, unit: str = "", target: float | None = None,
               suppressed: Sequence[bool] = ()) -> dict[str, Any]:
    """Return an XmR chart: values, mean, process limits, MDC-coloured special causes, target."""
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
    if result.enough_points:
        for y, label, dash in ((result.mean, "Mean", "solid"), (result.upper, "Upper process limit", "dash"),
                               (result.lower, "Lower process limit", "dash")):
            data.append({"type": "scatter", "mode": "lines", "name": label, "x": labels, "y": [y] * len(labels),
                         "line": {"color": NHS_DARK_GREY if label == "Mean" else NHS_MID_GREY, "width": 1, "dash": dash},
                         "hovertemplate": f"{label}: {_fmt(y, unit)}<extra></extra>"})
    else:
        annotations.append({
            "text": f"Fewer than 12 points: no process limits or SPC signals (choose a longer period or a finer grain)",
            "showarrow": False, "xref": "paper", "yref": "paper", "x": 0, "y": 1.0, "yshift": 30, "xanchor": "left",
            "font": {"size": 12, "color": CONCERN}})
    if target is not None:
        data.append({"type": "scatter", "mode": "lines", "name": f"Target {_fmt(target, unit)}", "x": labels,
                     "y": [target] * len(labels), "line": {"color": "#DA291C", "width": 1.5, "dash": "dot"},
                     "hovertemplate": f"Target: {_fmt(target, unit)}<extra></extra>"})
    yaxis: dict[str, Any] = {"title": {"text": unit if unit and unit != "%" else ""}}
    if unit == "%":
        yaxis["ticksuffix"] = "%"
    return {"data": data, "layout": base_layout(yaxis=yaxis, annotations=annotations,
                                                margin={"t": 48 if annotations else 16})}


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
    else:
        layout["yaxis"] = {**layout["yaxis"], **value_axis}
        if height:
            layout["height"] = height
    return {"data": data, "layout": layout}


def heatmap_figure(x: Sequence[str], y: Sequence[str], z: Sequence[Sequence[float | None]], *,
                   name: str, text: Sequence[Sequence[str]] | None = None) -> dict[str, Any]:
    """Return a heatmap (e.g. hour of day by weekday); None cells are suppressed or empty."""
    trace: dict[str, Any] = {
        "type": "heatmap", "x": list(x), "y": list(y), "z": [list(r) for r in z], "name": name,
        "colorscale": [[0, "#F0F4F5"], [0.5, "#41B6E6"], [1, NHS_DARK_BLUE]],
        "hoverongaps": False, "xgap": 1, "ygap": 1,
        "colorbar": {"title": {"text": name, "side": "right"}, "thickness": 12},
        "hovertemplate": "%{y} %{x}:00<br>" + name + ": %{text}<extra></extra>",
    }
    if text is not None:
        trace["text"] = [list(r) for r in text]
    layout = base_layout(height=300, xaxis={"title": {"text": "Hour of arrival"}, "dtick": 2, "showgrid": False},
                         yaxis={"autorange": "reversed", "showgrid": False, "rangemode": "normal"})
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
    if not result.enough_points:
        return "Fewer than 12 points: no SPC judgement."
    parts = [VARIATION_TEXT.get(result.variation or "", "")]
    if result.assurance:
        parts.append(ASSURANCE_TEXT[result.assurance])
    return ". ".join(p for p in parts if p) + "."
