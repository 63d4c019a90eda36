"""The way from the ODD to the code and back: each ODD §7 heading names modules and functions that exist, every
submodel module is named there and opens with its ODD section, and none reaches back into the model."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import sim

ROOT = Path(sim.__file__).parent.parent
SUBMODELS = ROOT / "sim" / "submodels"
ODD = (ROOT / "docs" / "ODD.md").read_text()
HEADINGS = re.findall(r"^### (7\.\d+ .*)$", ODD, flags=re.MULTILINE)


def definitions() -> set[str]:
    """Every function, method and class defined in sim/, by name and as ``Class.method``."""
    names = set()
    for path in (ROOT / "sim").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                names.add(node.name)
                names |= {f"{node.name}.{item.name}" for item in node.body if isinstance(item, ast.FunctionDef)}
            elif isinstance(node, ast.FunctionDef):
                names.add(node.name)
    return names


def test_every_name_in_a_submodel_heading_is_defined_where_it_says():
    defined = definitions()
    missing = []
    for heading in HEADINGS:
        for item in re.findall(r"`([^`]+)`", heading):
            path, _, name = item.partition(": ")
            if path.endswith(".py"):
                if not (ROOT / path).exists():
                    missing.append(f"{heading[:4]}: {path}")
                if name and not re.search(rf"^\s*(def|class) {name}\b", (ROOT / path).read_text(), re.MULTILINE):
                    missing.append(f"{heading[:4]}: {path}: {name}")
            elif item not in defined:
                missing.append(f"{heading[:4]}: {item}")
    assert len(HEADINGS) >= 14 and not missing, missing


def test_every_submodel_module_is_named_in_the_odd_and_opens_with_its_section():
    for path in SUBMODELS.glob("*.py"):
        if path.name in ("__init__.py", "structure.py"):
            continue
        assert f"sim/submodels/{path.name}" in ODD, f"{path.name} is not named in the ODD"
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc and re.match(r"ODD §7\.\d+", doc), f"{path.name}: the docstring does not open with its ODD section"


def test_no_submodel_calls_back_into_the_model_or_reads_its_privates():
    """Submodels take the state they need; where a kind's hook needs the model it is handed on, not called."""
    offenders = []
    for path in [*SUBMODELS.glob("*.py"), *(ROOT / "sim" / "providers").glob("*.py"), ROOT / "sim" / "guarantor.py"]:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\b(model|m)\.(_\w+|[a-z_]+\()", line):
                offenders.append(f"{path.name}:{n}: {line.strip()}")
    assert not offenders, offenders
