"""Imports run one way: pages -> web -> store -> core -> settings, and store -> extracts -> settings.

Read from the source with ``ast`` (imports inside functions count too), so a lazy
import that reaches up fails here as surely as one at the top of a module. Each
sub-package's docstring says the same in words.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What each part may import from the rest of the project, besides itself. The package's own
# __init__ and its entry points (__main__, wsgi) wire the parts together and may import any.
WIRING = {"dashboard", "__main__", "wsgi"}
ALLOWED: dict[str, set[str]] = {
    "settings": set(),
    "extracts": {"settings"},
    "core": {"settings"},
    "store": {"core", "extracts", "settings"},
    "web": {"store", "core", "settings"},
    "pages": {"web", "store", "core", "settings"},
}
# The registries of what is drawn: security checks ids against what it is handed, never imports them.
REGISTRIES = {"dashboard.web.app", "dashboard.web.callbacks", "dashboard.web.charts", "dashboard.web.cards",
              "dashboard.web.components", "dashboard.web.breakdowns", "dashboard.web.figures"}


def part_of(module: str) -> str | None:
    """Return the part of the project a dotted module name belongs to (``dashboard.core.spc`` -> ``core``)."""
    names = module.split(".")
    if names[0] == "pages":
        return "pages"
    if names[0] != "dashboard":
        return None  # a library
    return names[1] if len(names) > 1 else "dashboard"


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Return every project module named by an import anywhere in `source` (relative imports resolved)."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from dashboard import store`
    return {name for name in found if part_of(name) is not None}


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """Return 'module imports target' for each import reaching outside what the module's part may use."""
    part = part_of(module)
    if part not in ALLOWED:
        return []
    bad = set()
    for target in imported_modules(source, module, is_package):
        other = part_of(target)
        if other not in (part, "dashboard") and other not in ALLOWED[part]:
            bad.add(f"{module} imports {target}")
    return sorted(bad)


def modules() -> list[tuple[str, Path, bool]]:
    """Return (dotted name, path, is a package) of every module of the package and its pages."""
    found = []
    for path in sorted([*ROOT.glob("dashboard/**/*.py"), *ROOT.glob("pages/*.py")]):
        parts = path.relative_to(ROOT).with_suffix("").parts
        package = parts[-1] == "__init__"
        found.append((".".join(parts[:-1] if package else parts), path, package))
    return found


def test_the_walk_finds_every_part_and_nothing_unknown():
    names = [name for name, _, _ in modules()]
    assert {part_of(name) for name in names} == ALLOWED.keys() | WIRING
    assert {"dashboard.core.metrics", "dashboard.store.cli_metrics", "dashboard.web.security", "pages.overview",
            "dashboard.extracts.generate", "dashboard.extracts.generate.pipeline"} <= set(names)


def test_no_module_imports_against_the_layering():
    found = [v for name, path, package in modules()
             for v in violations(path.read_text(encoding="utf-8"), name, package)]
    assert found == []


def test_security_never_imports_the_chart_or_page_registries():
    path = ROOT / "dashboard" / "web" / "security.py"
    imported = imported_modules(path.read_text(encoding="utf-8"), "dashboard.web.security")
    assert imported & REGISTRIES == set() and not any(part_of(m) == "pages" for m in imported)


@pytest.mark.parametrize("module, source", [
    ("dashboard.core.metrics", "from dashboard.store.data import flow_table"),
    ("dashboard.core.metrics", "from dashboard.store import data"),
    ("dashboard.core.spc", "def f():\n    from dashboard.web import figures\n"),
    ("dashboard.core.filters", "import dashboard.extracts.schema"),
    ("dashboard.store.db", "import dashboard.web.app"),
    ("dashboard.store.sub.x", "from ...web import charts"),
    ("dashboard.extracts.schema", "from dashboard import core"),
    ("dashboard.extracts.generate.pipeline", "from dashboard.store.db import ensure_catalog"),
    ("dashboard.web.app", "from dashboard.extracts.generate import generate"),
    ("dashboard.settings", "from dashboard.core.filters import Filters"),
    ("pages.recovery", "from dashboard.__main__ import main"),
])
def test_an_import_reaching_up_or_across_is_caught(module, source):
    assert violations(source, module) != []


def test_a_relative_import_in_a_package_init_is_resolved_from_the_package():
    assert violations("from ..store import db", "dashboard.core", is_package=True) == [
        "dashboard.core imports dashboard.store", "dashboard.core imports dashboard.store.db"]
    assert violations("from . import metrics", "dashboard.core", is_package=True) == []


@pytest.mark.parametrize("module, source", [
    ("dashboard.web.cards", "from dashboard.store.data import flow_table\nfrom dashboard.core import spc"),
    ("dashboard.store.db", "from dashboard.extracts.schema import EXTRACTS\nfrom .data import x"),
    ("dashboard.core.spc", "import numpy as np\nfrom dashboard.settings import get_settings"),
    ("dashboard.extracts.validate", "from dashboard.settings import get_settings\nimport duckdb"),
])
def test_an_import_down_the_layers_is_allowed(module, source):
    assert violations(source, module) == []
