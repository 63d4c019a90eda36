"""`mutual-state calibrate --fit`: the fit's options and what the command prints and writes."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .fit import MAX_EVALUATIONS

DEFAULT_OUT = Path("results") / "calibration-fit"


def add_fit_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``calibrate`` that only ``--fit`` reads (the executor's are the batch command's)."""

    def positive(text: str) -> int:
        if not text.strip().isdigit() or int(text) < 1:
            raise argparse.ArgumentTypeError(f"{text!r} is not allowed; expected a whole number, 1 or more")
        return int(text)

    fit = parser.add_argument_group("fitting (--fit)")
    fit.add_argument("--fit", action="store_true",
                     help="fit the estimated parameters to the fitting targets by ABC-SMC, then check the posterior "
                          "against every target (fitted and held out); resumes an interrupted fit in --out")
    fit.add_argument("--parameter", dest="parameters", action="append", default=None, metavar="NAME",
                     help="an estimated parameter to fit (repeatable; default: every parameter the registry marks "
                          "as estimated)")
    fit.add_argument("--population", type=positive, default=200, help="particles per generation (default: 200)")
    fit.add_argument("--generations", type=positive, default=8, help="ABC-SMC generations (default: 8)")
    fit.add_argument("--max-evaluations", type=positive, default=MAX_EVALUATIONS, metavar="N",
                     help="start no generation that would take the fit past N evaluations, the prior sample's "
                          f"included (default: {MAX_EVALUATIONS}, at most about 45 minutes of two idle cores)")
    fit.add_argument("--seed", type=int, default=0, help="the fit's seed; the same seed gives the same posterior "
                                                         "on any number of workers (default: 0)")
    fit.add_argument("--predictive-draws", type=positive, default=50, metavar="N",
                     help="posterior draws simulated for the predictive check (default: 50)")
    fit.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                     help=f"folder of the fit (default: {DEFAULT_OUT})")
    fit.add_argument("--fresh", action="store_true", help="discard a previous fit in --out and start again")
    fit.add_argument("--quiet", action="store_true", help="no progress bar")
    fit.add_argument("--ship", action="store_true",
                     help="copy the finished posterior into the package (sim/data/posterior): its medians become "
                          "the defaults of the estimated parameters, and comparisons draw from it")


def run_fit(args: argparse.Namespace, targets: list, fixed: dict[str, Any]) -> int:
    """Fit, print the posterior and the predictive check, write the check's table and figure into the fit's
    folder. Exit status 1 if a fitting target lies outside its 90% predictive interval."""
    from .diagnostics import format_predictive_check, predictive_check, predictive_figure
    from .estimated import ESTIMATED
    from .fit import fit_executor, fit_posterior
    from .problem import FitProblem

    problem = FitProblem(parameters=tuple(args.parameters or ESTIMATED), targets=tuple(targets), steps=args.steps,
                         window=args.window, fixed=fixed)
    workers = 1 if args.serial else args.workers
    with fit_executor(workers, dask=args.dask, scheduler=args.scheduler) as (executor, count):
        posterior = fit_posterior(problem, args.out, population=args.population, generations=args.generations,
                                  seed=args.seed, executor=executor, workers=count, progress=not args.quiet,
                                  fresh=args.fresh, max_evaluations=args.max_evaluations)
        check = predictive_check(posterior, problem, draws=args.predictive_draws, seed=args.seed,
                                 executor=executor)
    print(f"Fit: {len(problem.parameters)} parameters to {len(problem.fitting_targets)} targets, "
          f"{args.generations} generations of {args.population} particles, {args.steps} months per run")
    if len(posterior.generations) < args.generations:
        print(f"Stopped after {len(posterior.generations)} generations: the next would have passed "
              f"--max-evaluations {args.max_evaluations}")
    print(posterior.generations[["generation", "epsilon", "evaluations", "acceptance_rate",
                                 "effective_sample_size", "seconds"]].to_string(index=False))
    print(f"\n{'parameter':<32} {'prior':<20} {'median':>10}  90% credible interval")
    for name in problem.parameters:
        low, high = posterior.credible_interval(name)
        prior = "{:.3g} - {:.3g}".format(*problem.prior_range(name))
        print(f"{name:<32} {prior:<20} {posterior.median(name):>10.4g}  {low:.4g} - {high:.4g}")
    print()
    print(format_predictive_check(check))
    check.to_csv(Path(args.out) / "predictive_check.csv", index=False)
    predictive_figure(check, Path(args.out) / "predictive_check.png")
    print(f"\nPosterior, predictive_check.csv and predictive_check.png in {args.out}")
    if args.ship:
        from .store import ship_posterior

        print(f"Shipped to {ship_posterior(args.out)}: its medians are the estimated parameters' defaults from the "
              f"next import on (regenerate ODD §10 with `python -m sim.docs`)")
    return 0 if check.loc[check["use"] == "fit", "inside"].all() else 1
