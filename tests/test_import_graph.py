"""No import circle in ``sim/``: every module can be read, and imported, after the modules it imports.

The graph is built from the source, not from what happens to be imported: every ``import`` and ``from ...
import`` counts, at module level and inside functions alike (a local import only hides a circle until the
function runs). ``from package import name`` is an edge to the module ``package.name`` when that is a module,
else to the package itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parents[1] / "sim"

def module_names(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every Python file of the package at ``root``."""
    names = {}
    for file in root.rglob("*.py"):
        parts = list(file.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = file
    return names


def imported_modules(module: str, file: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of the package that ``module`` imports anywhere in its source."""
    package = module.split(".") if file.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import sim.x.y` of a name inside a module
                target = target.rpartition(".")[0]
            if target and target != module:
                found.add(target)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    modules = module_names(root)
    return {module: imported_modules(module, file, modules) for module, file in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = lowlink[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = lowlink[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    lowlink[node] = min(lowlink[node], index[child])
                continue
            work.pop()
            if work:
                lowlink[work[-1][0]] = min(lowlink[work[-1][0]], lowlink[node])
            if lowlink[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def test_the_detector_finds_a_circle_through_a_local_import(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .b import run\n")
    (package / "b.py").write_text("def run():\n    from . import c\n")
    (package / "c.py").write_text("import pkg.a\n")
    (package / "d.py").write_text("from .a import run\n")
    assert circles(import_graph(package)) == [{"pkg.a", "pkg.b", "pkg.c"}]
    (package / "c.py").write_text("import math\n")
    assert circles(import_graph(package)) == []


def test_sim_has_no_import_circle():
    found = [sorted(circle) for circle in circles(import_graph(SIM))]
    assert not found, f"import circles in sim/: {found}"


def test_the_experiments_import_each_other_in_one_direction():
    """The experiment layer in particular: the catalogue of mechanisms and the tasks sit below the runner, so
    the attribution, the scenario schema and the batch never need a local import to break a circle."""
    graph = import_graph(SIM)
    experiments = {module: {dep for dep in deps if dep.startswith("sim.experiments")}
                   for module, deps in graph.items() if module.startswith("sim.experiments")}
    assert not circles(experiments)
    assert "sim.experiments.runner" not in graph["sim.experiments.attribution"]
    assert "sim.experiments.attribution" not in graph["sim.experiments.schema"]
