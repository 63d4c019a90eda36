"""The references, written from the code at build time: parameters, metrics, provider kinds, scenario fields, CLI, API.

Each ``*_page()`` returns Markdown (MyST) read from the objects the model itself uses, so the site cannot drift
from the code: change a default, a metric's range or a command's option and the next build shows it.
"""

from __future__ import annotations

import inspect
import os
import re
from pathlib import Path
from typing import Any

GENERATED = "_generated"


def cell(text: Any) -> str:
    """Text safe inside a Markdown table cell (no pipes, no raw HTML, one line)."""
    return str(text).replace("|", "\\|").replace("<", "&lt;").replace("\n", " ").strip()


def number(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if value in (float("inf"), float("-inf")):
            return "∞" if value > 0 else "−∞"
        return f"{value:g}"
    if isinstance(value, tuple | list):
        return ", ".join(number(v) for v in value)
    return str(value)


def parameters_page() -> str:
    """Every parameter of ``sim.REGISTRY``, grouped by the lever or part of the model it belongs to."""
    from sim import REGISTRY

    groups: dict[str, list] = {}
    for parameter in REGISTRY.values():
        groups.setdefault(parameter.lever, []).append(parameter)
    lines = [f"{len(REGISTRY)} parameters in {len(groups)} groups: "
             + ", ".join(f"[{lever}](#params-{lever.replace('_', '-')})" for lever in groups) + ".", ""]
    for lever, members in groups.items():
        lines += [f"(params-{lever.replace('_', '-')})=", f"## {lever.replace('_', ' ').capitalize()}", "",
                  "| parameter | default | unit | allowed | plausible | meaning | source |",
                  "|---|---|---|---|---|---|---|"]
        for p in members:
            plausible = f"{number(p.plausible[0])} to {number(p.plausible[1])}" if p.plausible else "–"
            lines.append(f"| `{p.name}` | {cell(number(p.default))} | {cell(p.unit)} | {cell(p.allowed())} | "
                         f"{plausible} | {cell(p.description)} | {cell(p.source)} |")
        lines.append("")
    return "\n".join(lines)


def metrics_page() -> str:
    """The metrics catalogue (``sim.METRICS``): what every column of a result table means."""
    from sim import HEADLINE_METRICS, METRICS

    lines = ["Headline metrics (shown first by the dashboard and the reports): "
             + ", ".join(f"`{m}`" for m in HEADLINE_METRICS) + ".", "",
             "| metric | unit | range | better | part of | meaning |", "|---|---|---|---|---|---|"]
    for m in METRICS.values():
        lines.append(f"| `{m.name}` | {cell(m.unit)} | {number(m.low)} to {number(m.high)} | {m.better} | "
                     f"{f'`{m.part_of}`' if m.part_of else ''} | {cell(m.description)} |")
    return "\n".join(lines) + "\n"


def _first_line(doc: str | None) -> str:
    return inspect.cleandoc(doc).split("\n\n")[0].replace("\n", " ") if doc else ""


def kinds_page() -> str:
    """Every attribute and hook of ``sim.providers.Provider``, and which kind departs from its neutral default."""
    from sim.providers import KINDS, Provider

    kinds = [KINDS[code] for code in sorted(KINDS)]
    lines = ["| attribute or hook | neutral default (`Provider`) | " + " | ".join(f"`{k.__name__}`" for k in kinds)
             + " |", "|---|---|" + "---|" * len(kinds)]
    for name, value in vars(Provider).items():
        if name.startswith("_") or name == "kind" or isinstance(value, property):
            continue
        if isinstance(value, staticmethod) or not (callable(getattr(Provider, name)) or name in Provider.__annotations__):
            continue
        if not callable(getattr(Provider, name)) and not isinstance(value, bool | int | float | str):
            continue  # a lookup table of the class (kinds by code), not a behaviour
        if callable(getattr(Provider, name)):
            base = getattr(Provider, name)
            default = cell(_first_line(base.__doc__)) or "hook"
            row = []
            for kind in kinds:
                own = getattr(kind, name)
                same = getattr(own, "__func__", own) is getattr(base, "__func__", base)
                row.append("default" if same else "**own**: " + cell(_first_line(own.__doc__)))
            lines.append(f"| `{name}()` | {default} | " + " | ".join(row) + " |")
        else:
            row = [("**" + cell(number(getattr(k, name))) + "**") if getattr(k, name) != value
                   else cell(number(value)) for k in kinds]
            lines.append(f"| `{name}` | {cell(number(value))} | " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def mechanisms_page() -> str:
    """The kind differences grouped into mechanisms, with what each rests on and its neutral setting."""
    from sim import REGISTRY
    from sim.providers import KIND_MECHANISM_BASIS, KIND_MECHANISMS, NEUTRAL_KINDS

    lines = ["| mechanism | parameters (default → neutral) | sourced? | basis |", "|---|---|---|---|"]
    for mechanism, names in KIND_MECHANISMS.items():
        sourced, basis = KIND_MECHANISM_BASIS.get(mechanism, (False, ""))
        settings = "; ".join(f"`{n}` {cell(number(REGISTRY[n].default))} → {cell(number(NEUTRAL_KINDS[n]))}"
                             if n in NEUTRAL_KINDS else f"`{n}`" for n in names)
        lines.append(f"| {mechanism} | {settings} | {'sourced' if sourced else 'assumed'} | {cell(basis)} |")
    return "\n".join(lines) + "\n"


def regime_kinds_page() -> str:
    """Which kind runs a regime's services at the start, and which kind the guarantor lets a contract to."""
    from sim.providers import COMMISSIONED_KIND, INITIAL_KIND

    lines = ["| regime | services start with | a re-let contract goes to |", "|---|---|---|"]
    lines += [f"| `{regime}` | `{kind.__name__}` | `{COMMISSIONED_KIND[regime].__name__}` |"
              for regime, kind in INITIAL_KIND.items()]
    return "\n".join(lines) + "\n"


def _fields(model: type, prefix: str) -> list[str]:
    """Rows for every field of a pydantic model, nested models expanded under their own heading."""
    rows = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        nested = getattr(annotation, "model_fields", None)
        if nested is None:
            for arg in getattr(annotation, "__args__", ()):
                if hasattr(arg, "model_fields"):
                    annotation, nested = arg, arg.model_fields
        if field.is_required():
            default = "required"
        elif field.default_factory is not None:
            made = field.default_factory()
            default = "–" if hasattr(made, "model_fields") else f"`{cell(made)}`" if made != {} else "empty"
        else:
            default = f"`{cell(field.default)}`" if field.default is not None else "none"
        bounds = [f"{label} {getattr(m, attr)}" for m in field.metadata for attr, label in
                  [("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<"), ("min_length", "length ≥"),
                   ("max_length", "length ≤"), ("pattern", "matches")] if getattr(m, attr, None) is not None]
        kind = "table" if nested is not None else _type_name(field.annotation)
        rows.append(f"| `{prefix}{name}` | {cell(kind)} | {default} | {cell(', '.join(bounds))} | "
                    f"{cell(field.description or '')} |")
        if nested is not None:
            rows += _fields(annotation, f"{prefix}{name}.")
    return rows


def _type_name(annotation: Any) -> str:
    text = re.sub(r"typing\.|Annotated\[(\w+), [^\]]*\]", r"\1", str(annotation).replace("<class '", "").replace("'>", ""))
    return re.sub(r"Strict\(.*?\)|BeforeValidator\(.*?\)\)?|, ", lambda m: ", " if m.group(0) == ", " else "", text)


def scenario_fields_page() -> str:
    """Every field a scenario file may hold, read from the pydantic schema that validates it."""
    from sim.experiments.schema import Scenario

    lines = ["| field | type | default | allowed | meaning |", "|---|---|---|---|---|"] + _fields(Scenario, "")
    return "\n".join(lines) + "\n"


def _help(*command: str) -> str:
    """What ``mutual-state COMMAND --help`` prints (argparse, run in this process, 100 columns wide)."""
    import contextlib
    import io

    from sim.cli import main

    out = io.StringIO()
    columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            main([*command, "--help"])
    finally:
        if columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = columns
    return out.getvalue()


def cli_page() -> str:
    """``mutual-state --help`` and the ``--help`` of every command it lists, captured now."""
    top = _help()
    listing = top.split("COMMAND", 2)[-1]
    commands = re.findall(r"^ {4}(\w[\w-]*)", listing, re.M)
    if not commands:
        raise RuntimeError("found no commands in `mutual-state --help`")
    lines = ["## `mutual-state`", "", "```text", top.rstrip(), "```", ""]
    for command in commands:
        lines += [f"## `mutual-state {command}`", "", "```text", _help(command).rstrip(), "```", ""]
    return "\n".join(lines)


def _kind_of(obj: Any) -> str:
    if inspect.isclass(obj):
        return "autoclass"
    if callable(obj):
        return "autofunction"
    return "autodata"


def api_page(module_name: str, documented_in: str | None = None) -> str:
    """Autodoc directives for every name in a module's ``__all__`` (the public API, nothing else).

    A name that ``documented_in`` (another module) also exports, as the same object, is described there once and
    cross-referenced here. Tables (``sim.REGISTRY``, ``sim.METRICS``...) are described by what they hold, with a
    link to their generated reference, rather than by the docstring of their type."""
    import importlib

    module = importlib.import_module(module_name)
    other = importlib.import_module(documented_in) if documented_in else None
    lines = ["```{eval-rst}", f".. automodule:: {module_name}", "   :no-members:", "```", ""]
    shared = []
    for name in module.__all__:
        obj = getattr(module, name)
        if other is not None and name in other.__all__ and getattr(other, name) is obj:
            shared.append(name)
            continue
        directive = _kind_of(obj)
        if directive == "autodata":
            lines += ["```{eval-rst}", f".. py:data:: {name}", f"   :module: {module_name}",
                      f"   :type: {type(obj).__name__}", "",
                      f"   {_data_summary(name, obj)}", "```", ""]
            continue
        lines += ["```{eval-rst}", f".. {directive}:: {module_name}.{name}"]
        if directive == "autoclass":
            lines += ["   :members:", "   :show-inheritance:"]
        lines += ["```", ""]
    if shared:
        role = {"autoclass": "class", "autofunction": "func", "autodata": "data"}
        lines += [f"Also exported by `{documented_in}`, and described there: "
                  + ", ".join(f"{{py:{role[_kind_of(getattr(module, n))]}}}`{documented_in}.{n}`" for n in shared)
                  + ".", ""]
    return "\n".join(lines)


DATA_PAGES = {"REGISTRY": "parameters", "METRICS": "metrics", "HEADLINE_METRICS": "metrics"}


def _data_summary(name: str, obj: Any) -> str:
    """One line on what a public table holds, linking to its generated reference where there is one."""
    size = f"{len(obj)} entries" if hasattr(obj, "__len__") else "a value"
    if isinstance(obj, tuple | list):
        size = ", ".join(f"``{v}``" for v in obj)
    page = DATA_PAGES.get(name)
    return f"{size}; listed in full in :doc:`/reference/{page}`." if page else f"{size}."


def levers_page() -> str:
    """The proposal's five levers (``sim.proposal``): what each does, its parameters, and the package's settings."""
    from sim import REGISTRY
    from sim.proposal import LEVER_SETTINGS, LEVERS, PROPOSAL_REGIME

    settings = {name.replace(" ", "_"): values for name, values in LEVER_SETTINGS.items()}
    lines = []
    for lever, title, what in LEVERS:
        lines += [f"### {title}", "", f"*In the model:* {what}.", ""]
        package = settings.get(lever, {})
        if package:
            lines += ["*In the proposal's package* (`sim.the_proposal()`): "
                      + ", ".join(f"`{k}` = {cell(number(v))}" for k, v in package.items()) + ".", ""]
        members = [p for p in REGISTRY.values() if p.lever == lever]
        if members:
            lines += ["| parameter | default | meaning | source |", "|---|---|---|---|"]
            lines += [f"| `{p.name}` | {cell(number(p.default))} | {cell(p.description)} | {cell(p.source)} |"
                      for p in members]
            lines.append("")
    lines += [f"The package runs under the `{PROPOSAL_REGIME}` regime.", ""]
    return "\n".join(lines)


def dashboard_page() -> str:
    """The dashboard's pages, read from its routes, each with the screenshot taken for this build (if any)."""
    from sim.dashboard.app import routes

    from .screenshots import SCREENSHOTS, shot_name

    lines = []
    for route in routes:
        label = route.label
        path = "/" if route.path == "/" else f"/{route.path}"
        lines += [f"### {label}", "", f"At `http://127.0.0.1:8765{path}`."]
        doc = _first_line(getattr(getattr(route.component, "f", None), "__doc__", None))
        if doc:
            lines += ["", cell(doc)]
        image = SCREENSHOTS / f"{shot_name(label)}.png"
        if image.exists():
            lines += ["", f"```{{image}} ../_generated/screenshots/{image.name}", f":alt: The {label} page",
                      ":width: 100%", "```"]
        else:
            lines += ["", "*(No screenshot: the machine that built this site had no Chromium.)*"]
        lines.append("")
    return "\n".join(lines)


PAGES = {
    "parameters.md": parameters_page,
    "metrics.md": metrics_page,
    "kinds.md": kinds_page,
    "mechanisms.md": mechanisms_page,
    "regime_kinds.md": regime_kinds_page,
    "scenario_fields.md": scenario_fields_page,
    "cli.md": cli_page,
    "levers.md": levers_page,
    "dashboard.md": dashboard_page,
    "api_sim.md": lambda: api_page("sim"),
    "api_experiments.md": lambda: api_page("sim.experiments", documented_in="sim"),
}


def write(srcdir: Path) -> None:
    """Write each reference fragment (included by the pages of ``reference/``) if its text changed."""
    out = srcdir / GENERATED
    out.mkdir(exist_ok=True)
    for name, page in PAGES.items():
        text = page()
        path = out / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
