"""Dash's callback protocol as ``/_dash-dependencies`` describes it, shared by the replay and the load test.

Only parsing lives here (no app imports, no HTTP): component ids as Dash writes them,
and one server callback's outputs, inputs and state. How a request body is filled in
differs: the replay fills it from explicit values, the load test from the layout a
simulated browser holds, so each subclasses ``Callback`` with its own ``body``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


def id_string(component_id: Any) -> str:
    """Return Dash's string form of a component id (dict ids: sorted keys, no spaces)."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return component_id


def parse_id(text: str) -> Any:
    """Return a component id from its string form (JSON for a dict id)."""
    return json.loads(text) if text.startswith("{") else text


def split_output(output: str) -> list[tuple[str, str]]:
    """Return the (id string, property) pairs of a callback's output string ('..a.b...c.d..' for several)."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [tuple(p.rsplit(".", 1)) for p in parts]  # type: ignore[misc]


@dataclass
class Callback:
    """One server-side callback from /_dash-dependencies."""

    output: str
    outputs: list[tuple[Any, str]]
    inputs: list[tuple[Any, str]]
    state: list[tuple[Any, str]]

    @classmethod
    def from_json(cls, dep: dict[str, Any]) -> Callback:
        return cls(dep["output"], [(parse_id(i), p) for i, p in split_output(dep["output"])],
                   [(parse_id(d["id"]), d["property"]) for d in dep["inputs"]],
                   [(parse_id(d["id"]), d["property"]) for d in dep["state"]])

    @property
    def multi(self) -> bool:
        """Return whether the callback has several outputs (sent and answered as a list)."""
        return self.output.startswith("..")
