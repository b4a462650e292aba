"""The ``dynamics`` command (also ``python -m dynamics``).

    dynamics scenarios                      list the scenarios with one-line descriptions
    dynamics run NAME [--out DIR] [--seed N] run one scenario, writing into DIR/NAME/
    dynamics tsp FILE [--method NAME] ...    solve a TSP instance (dynamics.optimize)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dynamics",
        description="Simulate recurrent neural dynamics: run scenarios and parameter sweeps.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("scenarios", help="list the available scenarios")
    run = sub.add_parser("run", help="run a scenario and write its figures and summary")
    run.add_argument("name", help="scenario name (see `dynamics scenarios`)")
    run.add_argument("--out", default="results", help="output folder (default: results)")
    run.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    _add_sweep_command(sub)
    from dynamics.optimize._cli_tsp import add_tsp_parser

    add_tsp_parser(sub)
    return parser


def _add_sweep_command(sub) -> None:
    """Register `dynamics sweep` when the sweeps subpackage provides it."""
    try:
        from dynamics.sweeps import add_sweep_parser
    except ImportError:
        return
    add_sweep_parser(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "scenarios":
        from dynamics.scenarios import list_scenarios

        scenarios = list_scenarios()
        width = max((len(n) for n in scenarios), default=0)
        for name, desc in scenarios.items():
            print(f"{name:<{width}}  {desc}")
        return 0
    if args.command == "run":
        from dynamics.scenarios import list_scenarios, run_scenario

        if args.name not in list_scenarios():
            parser.error(f"unknown scenario {args.name!r}; see `dynamics scenarios`")
        start = time.perf_counter()
        run_scenario(args.name, out=args.out, seed=args.seed)
        elapsed = time.perf_counter() - start
        print(f"scenario {args.name} finished in {elapsed:.1f} s")
        print(f"results written to {args.out}/{args.name}/ (figures *.png, summary.json)")
        return 0
    if args.command == "tsp":
        from dynamics.optimize._cli_tsp import run_tsp_command

        return run_tsp_command(args)
    if args.command == "sweep":
        from dynamics.sweeps import run_sweep_command

        return run_sweep_command(args)
    parser.error(f"unknown command {args.command!r}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
