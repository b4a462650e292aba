"""The ``dynamics`` command (also ``python -m dynamics``).

    dynamics scenarios                       list the scenarios with one-line descriptions
    dynamics run NAME [--out DIR] [--seed N] run one scenario, writing into DIR/NAME/
    dynamics sweep SCENARIO --grid ...       sweep a scenario's task over a grid (resumable)
    dynamics tsp FILE [--method NAME] ...    solve a TSP instance (TSPLIB file or CSV)
    dynamics maxcut FILE [--method sb ...]   solve a max-cut graph file (G-set format)

A mistake on the command line (an unknown scenario, a negative seed, a bad grid, a bad file)
gets a one-line error and exit status 2.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

from dynamics._argparse import OneLineParser, non_negative_int


def _build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="dynamics",
        description="Simulate recurrent neural dynamics: run scenarios and parameter sweeps.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("scenarios", help="list the available scenarios")
    run = sub.add_parser("run", help="run a scenario and write its figures and summary")
    run.add_argument("name", help="scenario name (see `dynamics scenarios`)")
    run.add_argument("--out", default="results", help="output folder (default: results)")
    run.add_argument("--seed", type=non_negative_int, default=0,
                     help="random seed, a non-negative integer (default: 0)")
    _add_sweep_command(sub)
    from dynamics.optimize._cli_maxcut import add_maxcut_parser

    add_maxcut_parser(sub)
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


def _no_scenarios_message() -> str:
    from dynamics.scenarios import scenario_search_paths

    looked = ", ".join(str(p) for p in scenario_search_paths())
    return f"no scenarios found; looked in: {looked} (set DYNAMICS_SCENARIOS to a folder)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a one-line usage error (status 2)
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "scenarios":
        from dynamics.scenarios import list_scenarios

        scenarios = list_scenarios()
        if not scenarios:
            print(f"dynamics scenarios: {_no_scenarios_message()}", file=sys.stderr)
            return 1
        width = max(len(n) for n in scenarios)
        for name, desc in scenarios.items():
            print(f"{name:<{width}}  {desc}")
        return 0
    if args.command == "run":
        from dynamics.scenarios import list_scenarios, run_scenario

        available = list_scenarios()
        if not available:
            return _usage_error(parser, _no_scenarios_message())
        if args.name not in available:
            return _usage_error(parser, f"unknown scenario {args.name!r}; see `dynamics "
                                        "scenarios`")
        start = time.perf_counter()
        run_scenario(args.name, out=args.out, seed=args.seed)
        elapsed = time.perf_counter() - start
        print(f"scenario {args.name} finished in {elapsed:.1f} s")
        print(f"results written to {args.out}/{args.name}/ (figures *.png, summary.json)")
        return 0
    if args.command == "maxcut":
        from dynamics.optimize._cli_maxcut import run_maxcut_command

        return run_maxcut_command(args)
    if args.command == "tsp":
        from dynamics.optimize._cli_tsp import run_tsp_command

        return run_tsp_command(args)
    if args.command == "sweep":
        from dynamics.sweeps import run_sweep_command

        return run_sweep_command(args)
    return _usage_error(parser, f"unknown command {args.command!r}")


def _usage_error(parser: OneLineParser, message: str) -> int:
    try:
        parser.error(message)
    except SystemExit as exc:
        return int(exc.code)
    return 2


if __name__ == "__main__":
    sys.exit(main())
