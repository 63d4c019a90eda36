"""``mutual-state``: run the model, compare regimes, run scenario batches, and report on them.

    mutual-state run --regime mutual --steps 120 --seed 1 --set unit_size=500
    mutual-state compare --seeds 10
    mutual-state batch scenarios/compare_regimes.toml            # results/compare_regimes/
    mutual-state report results/compare_regimes                   # results/compare_regimes/report.md
    mutual-state sensitivity scenarios/sensitivity.toml
    mutual-state calibrate                                        # the defaults against real figures
    mutual-state dashboard --port 8765                             # the policymakers' dashboard

Bad input (a malformed scenario, an unknown parameter, a value out of range) gets one line naming the file or
option, the field and what is allowed, and exit status 2. An interrupted batch exits with status 130 and resumes
when the same command is run again.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import sys
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .calibration import calibrate, format_fit, load_targets
from .comparison import (
    OUTCOME_WINDOW_MONTHS,
    STEADY_STATE_MONTHS,
    TODAY,
    comparison_scenario,
    reading_of,
    reform_scenario,
)
from .experiments import sensitivity
from .experiments.analysis import AnalysisError, outcomes, paired_comparisons
from .experiments.executors import ExecutorBroken, dask_executor, process_pool
from .experiments.formatting import ci_text, format_table, num, pval
from .experiments.results import batch_plan_words, load_results
from .experiments.runner import BatchInterrupted, plan_batch, run_batch
from .experiments.schema import ScenarioError, load_scenario, parse_value
from .experiments.store import ResultsError, ResultsRepaired, StorageError
from .experiments.tasks import run_one
from .metrics_catalogue import HEADLINE_METRICS, METRIC_NAMES, METRICS
from .national.command import add_national_parser, cmd_national, scheduler_argument
from .parameters import MAX_MONTHS, ParameterError, validate
from .proposal import THE_PROPOSAL
from .regimes import REGIMES

# Importing `sim` loads the model and the experiment layer anyway; only what draws figures (Matplotlib: the
# report and the sensitivity figures) and the dashboard (Solara, an optional extra) load when a command needs them.

EXIT_FAULT = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad input from the command line; the message says what is allowed."""


# ------------------------------------------------------------------------------------------------ parsing
def _parser() -> argparse.ArgumentParser:
    """The command line's commands and options, each with help that says what is allowed."""
    parser = argparse.ArgumentParser(
        prog="mutual-state",
        description="Mutual State: an agent-based model of public services run by the state, by contractors or "
                    "as mutuals. Run one model, compare the regimes, or run scenario batches and report on them.",
        epilog="Each command has its own --help. Parameters are listed in docs/ODD.md and sim/parameters.py.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add_set(sp):
        sp.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE",
                        help="set a model parameter (repeatable), e.g. --set n_units=10 --set unit_size=[50,100] "
                             "--set audit_mode=self_audit --set elderly_care.theta=1.5; values are TOML: numbers, "
                             "true/false, words, [lists]")

    def add_exec(sp, default_desc="all cores"):
        """The options that choose where runs go: processes, this process, or Dask."""
        sp.add_argument("--workers", type=_positive_int, default=None, metavar="N",
                        help=f"number of parallel worker processes (default: {default_desc})")
        where = sp.add_mutually_exclusive_group()
        where.add_argument("--serial", action="store_true", help="run in this process, one run at a time")
        where.add_argument("--dask", action="store_true",
                       help="run on a new local Dask cluster (N workers, one thread each)")
        where.add_argument("--scheduler", metavar="ADDR", type=scheduler_argument,
                       help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (its workers need this "
                            "package installed)")

    run_parser = sub.add_parser("run", help="run the model once and print its final metrics",
                       description="Run the model once and print the metrics after the last step.")
    run_parser.add_argument("--regime", choices=REGIMES, default=None,
                   help="who runs the services (default: the registry default, state)")
    run_parser.add_argument("--steps", type=_steps, default=120, help="months to simulate (default: 120)")
    run_parser.add_argument("--seed", type=_seed, default=1, help="random seed; the same seed gives the same run (default 1)")
    run_parser.add_argument("--every", type=_positive_int, default=None, metavar="K",
                   help="also print the metrics every K months")
    add_set(run_parser)

    compare_parser = sub.add_parser("compare", help="compare the three regimes on common random numbers",
                       description="Run state, privatised and mutual provision on the same seeds and print mean "
                                   "outcomes with 95% confidence intervals, and paired differences from state. "
                                   f"By default each run lasts {STEADY_STATE_MONTHS} months and its outcome is its "
                                   f"mean over the last {OUTCOME_WINDOW_MONTHS}: the steady state `make compare` "
                                   "and the dashboard read. A shorter run is read over its last half and said to "
                                   "be a transient.")
    compare_parser.add_argument("--seeds", type=_positive_int, default=5, help="replicates per regime (default: 5)")
    compare_parser.add_argument("--steps", type=_steps, default=STEADY_STATE_MONTHS,
                                help=f"months per run (default: {STEADY_STATE_MONTHS})")
    compare_parser.add_argument("--seed", type=_seed, default=1, help="root seed the replicate seeds are spawned from (default 1)")
    compare_parser.add_argument("--against-today", dest="against_today", choices=[r for r in REGIMES if r != TODAY],
                                default=None, metavar="REGIME",
                                help="compare today's services (state departments, every lever at today's setting) "
                                     "with REGIME running the levers set by --set and --proposal, as the dashboard's "
                                     "'today against a package' does")
    compare_parser.add_argument("--proposal", action="store_true",
                                help="add the proposal's package (sim.proposal: every lever as Mayo & Moore set "
                                     "them) to the settings; with --against-today, today against the proposal")
    compare_parser.add_argument("--metric", dest="metrics", action="append", default=None, metavar="NAME",
                   help=f"metric to show (repeatable; default: {', '.join(HEADLINE_METRICS)})")
    add_set(compare_parser)
    add_exec(compare_parser)

    batch_parser = sub.add_parser("batch", help="run a scenario file: every condition x replicate, saved as it goes",
                       description="Run every condition and replicate of a scenario, in parallel, streaming "
                                   "results to results/<scenario>/ (Parquet + manifest.json). Interrupt it at will: "
                                   "the same command resumes where it stopped. Exit status: 0 all runs finished, 1 "
                                   "some runs failed (recorded in manifest.json), 2 bad input, 130 interrupted.")
    batch_parser.add_argument("scenario", metavar="SCENARIO", help="scenario file, e.g. scenarios/compare_regimes.toml")
    batch_parser.add_argument("--out", metavar="DIR", help="results folder (default: results/<scenario name>)")
    batch_parser.add_argument("--fresh", action="store_true", help="discard results already in the folder and start again")
    batch_parser.add_argument("--allow-model-change", action="store_true",
                   help="resume even though the model's code changed since the folder's runs were made (the "
                        "tables will mix two versions of the model; the report says so)")
    batch_parser.add_argument("--rerun-if-changed", "--rerun-if-model-changed", dest="rerun_if_model_changed",
                   action="store_true",
                   help="if the folder's runs were made by another version of the model's code or of this "
                        "scenario file, start again (as --fresh) instead of stopping; otherwise resume as usual")
    batch_parser.add_argument("--report", action="store_true", help="write the report when the batch finishes")
    batch_parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_exec(batch_parser)

    rp = sub.add_parser("report", help="write the Markdown report of a results folder",
                        description="Analyse a results folder and write report.md, figures/ (PNG and SVG) and "
                                    "tables/ (CSV) into it.")
    rp.add_argument("results", metavar="DIR", help="results folder written by `batch`, e.g. results/compare_regimes")
    rp.add_argument("--out", metavar="DIR", help="write the report here instead")
    rp.add_argument("--metric", dest="metrics", action="append", default=None, metavar="NAME",
                    help="metric to report (repeatable; default: the scenario's analysis.metrics)")
    rp.add_argument("--target", metavar="NAME",
                    help="metric for sensitivity and 'where does each regime win' (default: analysis.target)")
    rp.add_argument("--print", dest="print_report", action="store_true", help="also print the report")

    cal = sub.add_parser("calibrate", help="measure the default model against real figures (survey rates, "
                         "turnout, staff turnover, spending)",
                         description="Run the default district (in each regime a target names) and report, for "
                                     "every target in sim/calibration_targets.toml, the model's value, the real "
                                     "one with its tolerance and source, and whether it fits. Exit status 1 if "
                                     "a target is missed.")
    cal.add_argument("--seeds", type=_positive_int, default=3, help="replicates per regime (default: 3)")
    cal.add_argument("--steps", type=_steps, default=240, help="months per run (default: 240)")
    cal.add_argument("--window", type=_positive_int, default=60,
                     help="months at the end of each run that are averaged (default: 60)")
    cal.add_argument("--targets", type=Path, default=None, metavar="FILE",
                     help="a targets file (default: the one shipped, sim/calibration_targets.toml)")
    cal.add_argument("--csv", type=Path, default=None, metavar="FILE", help="also write the fit table as CSV")
    add_set(cal)
    from .estimation.command import add_fit_options

    add_fit_options(cal)
    add_exec(cal)

    sensitivity_parser = sub.add_parser("sensitivity", help="Morris or Sobol' sensitivity of a scenario's metrics",
                       description="Run (or resume) a scenario with a morris or sobol design, then compute "
                                   "sensitivity indices with SALib and write sensitivity.md and a figure per "
                                   "metric into the results folder.")
    sensitivity_parser.add_argument("scenario", metavar="SCENARIO", help="scenario file with design.kind = morris or sobol")
    sensitivity_parser.add_argument("--metric", dest="metrics", action="append", default=None, metavar="NAME",
                   help="metric to analyse (repeatable; default: analysis.target and the scenario's metrics)")
    sensitivity_parser.add_argument("--out", metavar="DIR", help="results folder (default: results/<scenario name>)")
    sensitivity_parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_exec(sensitivity_parser)
    dashboard_parser = sub.add_parser("dashboard", help="serve the policymakers' dashboard (needs the 'dashboard' extra)",
                       description="Serve the dashboard (Solara) on this machine: compare the regimes with the "
                                   "proposal's levers, explore one run month by month, open a batch's report. Works "
                                   "offline. Needs `pip install -e \".[dashboard]\"` (the dev set-up includes it).")
    dashboard_parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    dashboard_parser.add_argument("--port", type=_port, default=8765, help="port to listen on (default: 8765)")
    dashboard_parser.add_argument("--max-run-years", type=_positive_int, default=None, metavar="N",
                                  help="the most work one comparison or explanation may ask, in runs x years "
                                       "(default: 12000, about two minutes of two cores)")
    add_national_parser(sub)
    return parser


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; expected a port from 1 to 65535") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not allowed; expected a port from 1 to 65535")
    return port


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; expected 1 or more") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; expected 1 or more")
    return value


def _steps(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_MONTHS:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; expected 1 to {MAX_MONTHS} (the longest run)")
    return value


def _out_folder(option: str, text: str | None) -> Path | None:
    """A results folder given on the command line: new, or an existing folder; never a file."""
    if text is None:
        return None
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {text}: is a file; expected a folder (new or existing)")
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise UsageError(f"{option} {text}: {parent} is a file; expected a folder path")
    return path


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; expected 0 to 2**63-1") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; expected 0 to 2**63-1")
    return value


def _params(sets: list[str], **extra: Any) -> dict[str, Any]:
    """``--set NAME=VALUE`` options as model parameters, checked by the registry before any run."""
    out: dict[str, Any] = {}
    for item in sets:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--set {item}: expected NAME=VALUE, e.g. --set n_units=10")
        try:
            out[name] = parse_value(text.strip())
        except ValueError as e:
            raise UsageError(f"--set {name}: {e}") from None
    out.update({k: v for k, v in extra.items() if v is not None})
    try:
        validate(out)
    except ParameterError as e:
        raise UsageError(f"--set {e}") from None
    return out


# ------------------------------------------------------------------------------------------------ commands
def cmd_run(args) -> int:
    """``mutual-state run``: one run's final metrics, and the path every K months if asked."""
    params = _params(args.sets, regime=args.regime)
    frame = run_one(params, args.seed, args.steps)
    final = frame.iloc[-1]
    shown = ", ".join(f"{k}={v}" for k, v in params.items()) or "defaults"
    print(f"mutual-state run: {args.steps} months, seed {args.seed}, {shown}")
    if args.every:
        rows = frame.iloc[::args.every]
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            print(rows.rename_axis("month").to_string(float_format=lambda v: num(v)))
        print()
    width = max(map(len, frame.columns))
    for m in frame.columns:
        unit = METRICS[m].unit if m in METRICS else ""
        print(f"{m:<{width}}  {num(final[m]):>12}  {unit}")
    balanced = frame.attrs.get("books_balance")
    if balanced is False:
        print("warning: the stock-flow accounts do not balance", file=sys.stderr)
    return 0


def cmd_compare(args) -> int:
    """``mutual-state compare``: the three regimes on common random numbers, in a terminal table."""

    metrics = args.metrics or list(HEADLINE_METRICS)
    for m in metrics:
        if m not in METRIC_NAMES:
            raise UsageError(f"--metric: unknown metric {m!r}; expected one of {', '.join(METRIC_NAMES)}")
    params = {**(THE_PROPOSAL if args.proposal else {}), **_params(args.sets)}
    if "regime" in params:
        raise UsageError("--set regime: compare runs every regime; leave regime out")
    try:
        if args.against_today:
            scenario = reform_scenario(params, args.against_today, args.steps, args.seeds, args.seed,
                                       metrics=metrics)
        else:
            scenario = comparison_scenario(params, args.steps, args.seeds, args.seed, metrics=metrics)
    except ScenarioError as e:
        raise UsageError(str(e)) from None
    with _executor(args) as (executor, label):
        result = run_batch(scenario, executor=executor, save=False, progress=sys.stderr.isatty(),
                           executor_label=label)
    if len(result.failures):
        print(f"warning: {len(result.failures)} run(s) failed: {result.failures['error'].iloc[0]}", file=sys.stderr)
    print(comparison_text(result, metrics))
    return 0


def comparison_text(result, metrics: list[str]) -> str:
    """What ``compare`` prints: when outcomes were read (steady state or transient, with the drift test's
    warning), each regime's mean outcomes [95% CI], and the paired differences from state."""
    from .experiments.sections import comparison_table  # draws nothing, but its module loads Matplotlib

    scenario = result.scenario
    reading = reading_of(result, metrics)
    lines = [f"Regimes on common random numbers: {scenario.replicates} seeds x {scenario.steps} months; mean of "
             f"{reading.span} [95% CI]", format_table(comparison_table(result, metrics)), "", reading.words]
    if reading.warning:
        lines.append(reading.warning)
    if scenario.replicates >= 2:
        comp = paired_comparisons(outcomes(result, metrics=metrics), "regime", metrics, baseline="state")
        lines.append("\nPaired differences from state (same seeds), paired t-test, Holm-adjusted:")
        for r in comp.itertuples():
            lines.append(f"  {r.level:<10} {r.metric:<20} "
                         f"{ci_text(r.mean_diff, r.ci_low, r.ci_high, signed=True):<36} "
                         f"{pval(r.p_holm):<12} d_z={r.d_z:.2f} ({r.effect})")
    return "\n".join(lines)


def cmd_batch(args) -> int:
    """``mutual-state batch``: run or resume a scenario file, then report if asked."""
    from .experiments.report import write_report

    out_arg = _out_folder("--out", args.out)
    scenario = load_scenario(args.scenario)
    out = out_arg or _out_folder("results folder", str(Path("results") / scenario.name))
    with _executor(args) as (executor, label):
        print(batch_plan_words(scenario, len(_plan_runs(scenario)), out, label, fresh=args.fresh), file=sys.stderr)
        result = run_batch(scenario, executor=executor, out=out, fresh=args.fresh, progress=not args.quiet,
                           executor_label=label, allow_model_change=args.allow_model_change,
                           rerun_if_model_changed=args.rerun_if_model_changed)
    failed = len(result.failures)
    print(f"{scenario.name}: {len(result.ok)} runs finished, {failed} failed; results in {out}/")
    if failed:
        print(f"  first failure: {result.failures['error'].iloc[0]} (all in {out}/manifest.json)")
    if args.report:
        report = write_report(result, out, progress=not args.quiet)
        text = report.read_text()
        summary = out / "tables" / "summary.csv"
        table = headline_table(pd.read_csv(summary)) if summary.exists() else ""
        if table:
            print("\nMean of the last months over replicates [95% CI]:\n" + table)
        claim = report_section(text, "The claim")
        if claim:
            print("\n" + claim)
        print(f"report: {report}")
    else:
        print(f"next: mutual-state report {out}")
    return 0 if not failed else 1


def headline_table(summary) -> str:
    """The three claims' outcomes, one column per condition, from the report's summary table (only when a
    single factor was varied: otherwise the conditions are too many for a terminal)."""
    factors = [c for c in summary.columns if c not in ("metric", "n", "mean", "sd", "ci_low", "ci_high")]
    rows = summary[summary["metric"].isin(HEADLINE_METRICS)]
    if len(factors) != 1 or rows.empty:
        return ""
    levels = list(dict.fromkeys(rows[factors[0]].astype(str)))
    lines = ["| metric | " + " | ".join(levels) + " |", "|---" * (len(levels) + 1) + "|"]
    for metric in HEADLINE_METRICS:
        cells = rows[rows["metric"] == metric].set_index(rows[factors[0]].astype(str)[rows["metric"] == metric])
        if cells.empty:
            continue
        lines.append(f"| {metric} | " + " | ".join(
            f"{cells.at[lv, 'mean']:.3g} [{cells.at[lv, 'ci_low']:.3g}, {cells.at[lv, 'ci_high']:.3g}]"
            for lv in levels) + " |")
    return "\n".join(lines)


def report_section(markdown: str, title: str) -> str:
    """The text of one '## title' section of a report (empty if it has none): what the terminal shows."""
    lines, keep = [], False
    for line in markdown.splitlines():
        if line.startswith("## "):
            keep = line[3:].strip() == title
        if keep:
            lines.append(line)
    return "\n".join(lines).strip()


def _plan_runs(scenario) -> list:
    return plan_batch(scenario).tasks


def cmd_report(args) -> int:
    """``mutual-state report``: the Markdown report of a results folder."""
    from .experiments.report import write_report

    for m in (args.metrics or []) + ([args.target] if args.target else []):
        if m not in METRIC_NAMES:
            raise UsageError(f"--metric/--target: unknown metric {m!r}; expected one of {', '.join(METRIC_NAMES)}")
    path = Path(args.results)
    _out_folder("--out", args.out)
    if not path.is_dir():
        raise UsageError(f"{path}: no such folder; expected a results folder written by `mutual-state batch`")
    result = load_results(path)
    report = write_report(result, args.out, metrics=args.metrics, target=args.target)
    if args.print_report:
        print(report.read_text())
    print(f"report: {report}")
    return 0


def cmd_sensitivity(args) -> int:
    """``mutual-state sensitivity``: run a Morris or Sobol' scenario and write its indices."""
    from .experiments.report import write_sensitivity_report

    out_arg = _out_folder("--out", args.out)
    scenario = load_scenario(args.scenario)
    if scenario.design.kind not in ("morris", "sobol"):
        raise UsageError(f"{args.scenario}: design.kind: {scenario.design.kind!r} is not allowed here; sensitivity "
                         f"needs 'morris' or 'sobol'")
    metrics = args.metrics or ([scenario.analysis.target] if scenario.analysis.target else []) + \
        [m for m in scenario.analysis.metrics if m != scenario.analysis.target][:3]
    for m in metrics:
        if m not in METRIC_NAMES:
            raise UsageError(f"--metric: unknown metric {m!r}; expected one of {', '.join(METRIC_NAMES)}")
    out = out_arg or _out_folder("results folder", str(Path("results") / scenario.name))
    with _executor(args) as (executor, label):
        result = run_batch(scenario, executor=executor, out=out, progress=not args.quiet, executor_label=label)
    final = write_sensitivity_report(result, out, metrics)
    for m in metrics:
        try:
            sr = sensitivity.analyse(result, m)
        except AnalysisError as e:
            print(f"{m}: {e}")
            continue
        print("\n".join(sensitivity.to_text(sr)))
    print(f"report: {final}")
    return 0


def cmd_dashboard(args) -> int:
    if importlib.util.find_spec("solara") is None:
        raise UsageError("the dashboard needs Solara: install the extra with `pip install -e \".[dashboard]\"` "
                         "(or `make .venv/.installed`, which includes it)")
    from .dashboard.server import serve

    return serve(args.host, args.port, args.max_run_years)


# ------------------------------------------------------------------------------------------------ executors
class _executor:
    """Context manager giving (executor, label) for --serial / --workers / --dask / --scheduler."""

    def __init__(self, args):
        self.args = args
        self._cm = None
        self._pool = None

    def __enter__(self):
        """The executor the options ask for, with a label for the progress line."""

        options = self.args
        workers = options.workers or os.cpu_count() or 1
        if options.serial:
            return None, "serial (this process)"
        if options.dask or options.scheduler:
            self._cm = dask_executor(workers, options.scheduler)
            try:
                ex = self._cm.__enter__()
            except OSError as e:
                what = f"--scheduler {options.scheduler}" if options.scheduler else "--dask"
                raise UsageError(f"{what}: cannot connect ({e})") from None
            where = options.scheduler or f"a local Dask cluster of {workers} workers"
            return ex, f"Dask ({where})"
        if workers == 1:
            return None, "serial (this process)"
        self._pool = process_pool(workers)
        return self._pool, f"{workers} local processes"

    def __exit__(self, *exc):
        if self._pool is not None:
            self._pool.shutdown(wait=exc[0] is None, cancel_futures=True)
        if self._cm is not None:
            self._cm.__exit__(*exc)


def _terminate(signum, frame):
    raise KeyboardInterrupt


def _one_line_warnings(command: str) -> None:
    """Warnings meant for the user (damaged files dropped on resume) as one line each, without source lines."""
    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, ResultsRepaired):
            print(f"mutual-state {command}: warning: {message}", file=sys.stderr)
        else:
            previous(message, category, filename, lineno, file, line)

    previous = warnings.showwarning
    warnings.showwarning = show
    warnings.simplefilter("always", ResultsRepaired)


# ------------------------------------------------------------------------------------------------ main
def cmd_calibrate(args) -> int:
    """``mutual-state calibrate``: the default model against the real figures it should reproduce."""
    if args.window > args.steps:
        raise UsageError(f"--window: {args.window} months is longer than the run (--steps {args.steps})")
    try:
        targets = load_targets(args.targets) if args.targets else load_targets()
    except ValueError as e:  # a malformed targets file; a missing one is reported by main as a file error
        raise UsageError(f"--targets: {e}") from None
    params = _params(args.sets)
    if "regime" in params:
        raise UsageError("--set regime: each target names the regime it is read in; leave regime out")
    if args.fit:
        from .estimation.command import run_fit

        return run_fit(args, targets, params)
    table = calibrate(seeds=args.seeds, steps=args.steps, window=args.window, targets=targets, **params)
    print(f"Calibration: {args.seeds} seeds x {args.steps} months, mean of the last {args.window} months")
    print(format_fit(table))
    if args.csv:
        table.to_csv(args.csv, index=False)
    return 0 if table["fits"].all() else 1


COMMANDS = {"calibrate": cmd_calibrate, "run": cmd_run, "compare": cmd_compare, "batch": cmd_batch, "report": cmd_report,
            "sensitivity": cmd_sensitivity, "dashboard": cmd_dashboard, "national": cmd_national}


def main(argv: list[str] | None = None) -> int:
    """Run a command; every error a user can cause ends as one line and an exit status, not a traceback."""
    parser = _parser()
    args = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, _terminate)  # a polite kill saves what finished, like Ctrl-C
    _one_line_warnings(args.command)
    try:
        return COMMANDS[args.command](args)
    except StorageError as e:  # a full or read-only disk: what was saved is kept
        print(f"mutual-state {args.command}: error: {e}", file=sys.stderr)
        return EXIT_FAULT
    except (UsageError, ScenarioError, ParameterError, ResultsError, AnalysisError) as e:
        print(f"mutual-state {args.command}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ExecutorBroken as e:
        print(f"mutual-state {args.command}: error: {e}", file=sys.stderr)
        return 1
    except (BatchInterrupted, KeyboardInterrupt):
        print(f"\nmutual-state {args.command}: interrupted; finished runs are saved. Run the same command again "
              f"to resume.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except OSError as e:  # a file the command reads or writes, named with the system's reason
        where = f"{e.filename}: " if e.filename else ""
        print(f"mutual-state {args.command}: error: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_FAULT
    except MemoryError:
        print(f"mutual-state {args.command}: error: out of memory; use a smaller district (n_units, unit_size) or "
              f"fewer --workers", file=sys.stderr)
        return EXIT_FAULT
    except Exception as e:  # a bug: one line for the user, the traceback on request
        if os.environ.get("MUTUAL_STATE_DEBUG"):
            raise
        print(f"mutual-state {args.command}: internal error: {type(e).__name__}: {e} (set MUTUAL_STATE_DEBUG=1 "
              f"for the traceback, and please report it)", file=sys.stderr)
        return EXIT_FAULT


if __name__ == "__main__":
    sys.exit(main())
