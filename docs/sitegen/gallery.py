"""The scenario gallery: every shipped scenario with its question, its design and a small run's report.

A full run of the shipped scenarios takes a quarter of an hour or more on two cores, too long for every build;
the gallery runs each scenario **small** (``shrink``: two replicates, a few years, small samples) and says so on
every page. The small runs are kept in ``docs/_build/gallery/`` and reused while the scenario file, the model's
code and the libraries are unchanged (the same fingerprint as the course's executed notebooks).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

from .course import fingerprint

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
RUNS = ROOT / "docs" / "_build" / "gallery"
# the small run: at most this many replicates (one for sampling designs, whose points stand in for replicates),
# months and design samples
REPLICATES = 2
STEPS = 24
WINDOW = 12
SAMPLES = {"morris": 2, "sobol": 4, "latin_hypercube": 12}


def shrink(full: dict[str, Any]) -> dict[str, Any]:
    """The scenario made small enough to run in seconds: fewer replicates, months and samples; same question."""
    small = copy.deepcopy(full)
    kind = small["design"]["kind"]
    small["replicates"] = min(full["replicates"], 1 if kind in SAMPLES else REPLICATES)
    small["steps"] = min(full["steps"], STEPS)
    if small["analysis"].get("window"):
        small["analysis"]["window"] = min(full["analysis"]["window"], WINDOW, small["steps"])
    if kind in SAMPLES:
        small["design"]["samples"] = min(full["design"]["samples"], SAMPLES[kind])
    if small.get("attribution"):
        small["attribution"]["replicates"] = min(full["attribution"]["replicates"], REPLICATES)
        small["attribution"]["steps"] = small["steps"]
    if small.get("recovery") and small["recovery"].get("shock_month", 192) >= small["steps"]:
        small.pop("recovery")  # a shift in needs after a year's baseline does not fit a small run's months
    return small


def design_lines(full, small) -> list[str]:
    """The scenario's design in words and numbers, the full run beside the small one."""
    from sim.experiments.schema import planned_conditions

    design = full.design
    lines = [f"- **Design:** `{design.kind}`"]
    if design.factors:
        lines.append("- **Factors:** " + "; ".join(f"`{k}` ∈ {{{', '.join(map(str, v))}}}"
                                                  for k, v in design.factors.items()))
    if design.conditions:
        lines.append(f"- **Conditions:** {len(design.conditions)} listed: "
                     + "; ".join(", ".join(f"`{k}` = {v}" for k, v in c.items()) or "defaults"
                                 for c in design.conditions))
    if design.parameters:
        lines.append("- **Sampled parameters:** " + ", ".join(f"`{p}`" for p in design.parameters))
    if full.params:
        lines.append("- **Fixed parameters:** " + ", ".join(f"`{k}` = {v}" for k, v in full.params.items()))
    lines += ["", "| | full scenario | small run shown here |", "|---|---|---|",
              f"| conditions | {planned_conditions(full)} | {planned_conditions(small)} |",
              f"| replicates | {full.replicates} | {small.replicates} |",
              f"| months per run | {full.steps} | {small.steps} |",
              f"| runs | {planned_conditions(full) * full.replicates} | {planned_conditions(small) * small.replicates} |",
              f"| outcome window (months) | {full.window} | {small.window} |",
              f"| root seed | {full.seed} | {small.seed} |", ""]
    return lines


def run_small(path: Path, executor) -> Path:
    """Run the small version of a scenario and write its report (reused if nothing it depends on changed)."""
    import sim
    from sim.experiments import write_report

    full = sim.load_scenario(path)
    small = sim.scenario_from_dict(shrink(full.to_dict()), label=f"{path.name} (small run)")
    out = RUNS / full.name
    key = fingerprint(path)
    stamp = out / "gallery.json"
    if stamp.exists() and json.loads(stamp.read_text()).get("fingerprint") == key and (out / "report.md").exists():
        return out
    if out.exists():
        shutil.rmtree(out)
    result = sim.run_batch(small, executor, out=out, progress=False)
    write_report(result, progress=False)
    stamp.write_text(json.dumps({"fingerprint": key}))
    return out


def report_body(report: str, name: str) -> str:
    """The report below its title and description, its headings one level down, its files under ``name/``."""
    body = report.split("\n## ", 1)[1] if "\n## " in report else report
    body = "## " + body
    body = re.sub(r"^(#+) ", lambda m: "#" + m.group(1) + " ", body, flags=re.M)
    return re.sub(r"\]\((figures|tables)/", rf"](gallery_{name}/\1/", body)


def page(path: Path, out: Path) -> str:
    """One gallery page: the question, the design, the scenario file, and the small run's report."""
    import sim

    full = sim.load_scenario(path)
    small = sim.scenario_from_dict(shrink(full.to_dict()), label="small")
    lines = [f"# {full.name}", "", ":::{important}",
             f"**A small run, for illustration.** The report below comes from {small.replicates} replicate(s) "
             f"of {small.steps} months per condition, made when this site was built so that the gallery stays "
             f"quick; the full scenario runs {full.replicates} replicates of {full.steps} months. Its numbers are "
             "not the study's results and may not be at a steady state: for those, run "
             f"`mutual-state batch scenarios/{path.name} --report`.", ":::", "",
             "## The question", "", full.description.strip() or "(no description)", "", "## The design", ""]
    lines += design_lines(full, small)
    lines += [":::{dropdown} The scenario file", f"```{{literalinclude}} ../../scenarios/{path.name}",
              ":language: toml", "```", ":::", "", "## Report of the small run", ""]
    lines.append(report_body((out / "report.md").read_text(encoding="utf-8"), full.name))
    return "\n".join(lines) + "\n"


def write(srcdir: Path) -> None:
    """Run every shipped scenario small, then write its page and the gallery's index."""
    import sim
    from sim.experiments import process_pool

    gallery = srcdir / "gallery"
    gallery.mkdir(exist_ok=True)
    entries = []
    with process_pool() as executor:
        for path in SCENARIOS:
            out = run_small(path, executor)
            name = sim.load_scenario(path).name
            for folder in ("figures", "tables"):
                target = gallery / f"gallery_{name}" / folder
                if target.exists():
                    shutil.rmtree(target)
                if (out / folder).exists():
                    shutil.copytree(out / folder, target)
            text = page(path, out)
            target = gallery / f"{path.stem}.md"
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8")
            question = sim.load_scenario(path).description.strip().split(". ")[0].replace("\n", " ")
            entries.append((path.stem, question))
    index = ["# Scenario gallery", "",
             "Every scenario shipped in `scenarios/`, with its question, its design and the report of a **small "
             "run** made when this site was built (few replicates, a few years: illustrative, not the study's "
             "results). The scenario file format is in the [researchers' guide](../guides/researchers.md).", "",
             "| scenario | question |", "|---|---|"]
    index += [f"| [{stem}]({stem}.md) | {question.replace('|', ' ')}. |" for stem, question in entries]
    index += ["", "```{toctree}", ":hidden:", ""] + [stem for stem, _ in entries] + ["```", ""]
    (gallery / "index.md").write_text("\n".join(index), encoding="utf-8")
