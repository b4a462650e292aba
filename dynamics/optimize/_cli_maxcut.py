"""``dynamics maxcut FILE``: solve a max-cut instance (G-set / rudy format) from the shell.

    dynamics maxcut FILE [--method sb|dsb|bsb|descent|anneal|graded] [--seed N]
                         [--time-limit S] [--agents M] [--steps K] [--polish]
                         [--best-known X] [--json OUT]

Prints one line (cut, ratio to the best known cut, time); ``--json`` writes
``{"name", "n", "method", "cut", "partition", "seed", "time_s", "time_to_best_s"}`` plus
``"best_known"`` / ``"ratio"`` when the best known cut is known (built-in table of the G-set
graphs, :data:`dynamics.optimize.GSET_BEST_KNOWN`, or ``--best-known``). Bad files and bad
values print a one-line error and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["add_maxcut_parser", "run_maxcut_command"]

_METHODS = ("sb", "dsb", "bsb", "descent", "anneal", "graded")


def add_maxcut_parser(sub) -> None:
    """Register the ``maxcut`` subcommand on an argparse subparsers object."""
    p = sub.add_parser("maxcut", help="solve a max-cut graph file (G-set format) by a network")
    p.add_argument("file", help="graph file: first line 'n m', then 'i j w' lines (1-based)")
    p.add_argument("--method", default="sb", choices=_METHODS,
                   help="solver (sb = discrete simulated bifurcation; default sb)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--time-limit", type=float, default=10.0,
                   help="seconds to search (default 10)")
    p.add_argument("--agents", type=int, default=None, help="SB: trajectories run together")
    p.add_argument("--steps", type=int, default=None, help="SB: steps per round")
    p.add_argument("--polish", action="store_true",
                   help="finish SB with a one-flip descent (reported in the method name)")
    p.add_argument("--best-known", type=float, default=None,
                   help="best known cut, for the ratio (G-set graphs have a built-in value)")
    p.add_argument("--json", default=None, metavar="OUT", help="write the result as JSON")


def run_maxcut_command(args: argparse.Namespace) -> int:
    """Run ``dynamics maxcut``; returns the exit status."""
    from dynamics._io import atomic_write_text
    from dynamics.optimize.ising_solve import solve_maxcut
    from dynamics.optimize.maxcut import load_maxcut

    method = "dsb" if args.method == "sb" else args.method
    options = {}
    for name in ("agents", "steps"):
        value = getattr(args, name)
        if value is not None:
            if method not in ("dsb", "bsb"):
                return _error(f"--{name} applies to simulated bifurcation (sb, dsb, bsb) only")
            options[name] = value
    if args.polish:
        if method not in ("dsb", "bsb"):
            return _error("--polish applies to simulated bifurcation (sb, dsb, bsb) only")
        options["polish"] = True
    try:
        if args.seed < 0:
            raise ValueError(f"--seed: expected a non-negative int, got {args.seed}")
        graph = load_maxcut(args.file)
        result = solve_maxcut(graph, method, seed=args.seed, time_limit=args.time_limit,
                              best_known=args.best_known, **options)
        payload = result.to_dict()
        if args.json:
            atomic_write_text(args.json, json.dumps(payload) + "\n")
    except (ValueError, TypeError, OSError) as exc:
        return _error(str(exc).replace("time_limit:", "--time-limit:")
                      .replace("best_known:", "--best-known:"))
    ratio = "" if result.ratio is None else (
        f", {100 * result.ratio:.2f} % of the best known {payload['best_known']}")
    print(f"{graph.name}: n={graph.n}, method {result.method}, cut {payload['cut']}{ratio}, "
          f"best found after {result.time_to_best_s:.2f} s of {result.time_s:.2f} s")
    return 0


def _error(message: str) -> int:
    print(f"dynamics maxcut: error: {message}", file=sys.stderr)
    return 2
