"""``mutual-state national``: England as one run from the command line (ODD §9, D-NAT5).

The parser and the command live here, beside the national run they drive; ``sim/cli.py`` registers them. Bad
input is refused with the option, the value and what is allowed, before any model is built.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pandas as pd

from ..experiments.executors import scheduler_address
from ..experiments.schema import parse_value
from ..parameters import MAX_MONTHS, ParameterError
from ..regimes import REGIMES
from ..sectors import DEFAULT_SECTORS, SECTOR_NAMES
from .country import DEFAULT_SCALE
from .run import CHECKPOINT_MINUTES, run_national


def _whole(low: int, high: int):
    """An argparse type: a whole number from ``low`` to ``high``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; expected {low} to {high}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not allowed; expected {low} to {high}")
        return value
    return parse


def _minutes(text: str) -> float:
    """An argparse type: minutes, a number from 0."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed; expected a number of minutes from 0")
    return value


def _sectors(text: str) -> tuple[str, ...]:
    if text == "all":
        return SECTOR_NAMES
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in SECTOR_NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"{text!r}: {', '.join(unknown) or 'no sector'} not allowed; expected "
                                         f"'all' or comma-separated names from {', '.join(SECTOR_NAMES)}")
    return names


def scheduler_argument(text: str) -> str:
    """``--scheduler ADDR`` checked as argparse reads it: a bad address is refused in words before anything runs."""
    try:
        scheduler_address(text)
    except ParameterError as e:
        raise argparse.ArgumentTypeError(str(e).removeprefix("scheduler: ")) from None
    return text


def add_national_parser(sub) -> None:
    """The ``national`` command's options, each with help that says what is allowed."""
    parser = sub.add_parser(
        "national", help="run England: every local authority a district model, coupled by the tier that runs "
                         "each service",
        description="Run all of England's local authorities (or --authorities) for --months months at one "
                    "simulated adult per --scale real adults, in this process or as authority partitions on Dask "
                    "(identical results). Results (Parquet by authority, region and deprivation decile; a report "
                    "with a figure) go to --out; after every year what is computed is saved, and the same command "
                    "resumes an interrupted run from the last save. Exit status: 0 done, 2 bad input, 130 interrupted.")
    parser.add_argument("--out", metavar="DIR", required=True, help="results folder (new, or the folder of an "
                        "interrupted run with the same settings, to resume it)")
    parser.add_argument("--scale", type=_whole(1, 100_000), default=DEFAULT_SCALE, metavar="K",
                        help=f"real adults per simulated adult (default {DEFAULT_SCALE}; 1 = every adult)")
    parser.add_argument("--months", type=_whole(1, MAX_MONTHS), default=300,
                        help=f"months to simulate, 1 to {MAX_MONTHS} (default 300: burn-in and outcome window)")
    parser.add_argument("--sectors", type=_sectors, default=DEFAULT_SECTORS, metavar="S1,S2|all",
                        help=f"sectors to simulate (default {','.join(DEFAULT_SECTORS)}; 'all' for the twelve)")
    parser.add_argument("--regime", choices=REGIMES, default=None,
                        help="who runs the services (default: the registry default, state)")
    parser.add_argument("--seed", type=_whole(0, 2**63 - 1), default=1, help="random seed (default 1)")
    parser.add_argument("--authorities", metavar="CODE,CODE", default=None,
                        help="only these local authorities (2019 codes, e.g. E06000001,E08000025); default all 317")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE",
                        help="set a model parameter (repeatable), e.g. --set budget_rule=pro_rata_cut")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--threads", type=_whole(1, 1024), default=None, metavar="N",
                       help="in this process, advance N partitions of authorities side by side (default: one per "
                            "usable core; 1 = one after another; the same results either way)")
    where.add_argument("--dask", type=_whole(1, 1024), default=None, metavar="N",
                       help="run authority partitions on a new local Dask cluster of N workers")
    where.add_argument("--scheduler", metavar="ADDRESS", type=scheduler_argument,
                       help="run authority partitions on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (its "
                            "workers need this package installed)")
    parser.add_argument("--checkpoint-minutes", type=_minutes, default=CHECKPOINT_MINUTES, metavar="M",
                        help=f"save what is computed after the first year that ends M minutes or more after the "
                             f"last save (default {CHECKPOINT_MINUTES:g}; 0 = every year): at full scale a save is "
                             f"gigabytes; the results do not depend on it")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def national_params(sets: list[str], regime: str | None) -> dict[str, Any]:
    """``--set`` options and ``--regime`` as model parameters (checked by the run before any model is built)."""
    params: dict[str, Any] = {}
    for item in sets:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"--set {item}: expected NAME=VALUE, e.g. --set budget_rule=pro_rata_cut")
        try:
            params[name.strip()] = parse_value(text.strip())
        except ValueError as e:
            raise ParameterError(f"--set {name.strip()}: {e}") from None
    if regime is not None:
        params["regime"] = regime
    return params


def cmd_national(args) -> int:
    """Run (or resume) England; print where the results are and England's outcomes."""
    authorities = args.authorities.split(",") if args.authorities else None
    say = (lambda text: None) if args.quiet else (lambda text: print(text, file=sys.stderr, flush=True))
    manifest = run_national(args.out, scale=args.scale, months=args.months, sectors=args.sectors, seed=args.seed,
                            params=national_params(args.sets, args.regime), authorities=authorities,
                            dask_workers=args.dask, scheduler=args.scheduler, progress=say,
                            threads=args.threads, checkpoint_minutes=args.checkpoint_minutes)
    england = pd.read_parquet(f"{args.out}/regions.parquet").set_index("region").loc["England"]
    print(f"England: {len(manifest['config']['authorities'])} authorities, {manifest['simulated_adults']:,} simulated "
          f"adults (scale {args.scale}), {args.months} months, {manifest['where']}")
    print(f"  participation {england['participation_rate']:.4f}, satisfaction {england['satisfaction']:.4f}, "
          f"responsiveness {england['responsiveness']:.4f}, cost per adult £{england['cost_per_capita']:.2f}")
    print(f"results and report: {args.out}/report.md")
    return 0
