"""The ``dynamics tsp`` command: solve a TSPLIB file or a CSV of coordinates.

    dynamics tsp FILE [--method NAME] [--seed N] [--restarts K] [--polish] [--repair]
                      [--json OUT] [--plot OUT.png] [--optimum X]

Prints a one-line summary; ``--json`` writes ``name, n, method, valid, tour`` (0-based),
``length`` (by the instance's own metric), ``seed, time_s`` and, when the optimum is known
(built-in table :data:`dynamics.optimize.KNOWN_OPTIMA` or ``--optimum``), ``optimum`` and
``gap``. Bad files and bad flags give a one-line error and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

__all__ = ["add_tsp_parser", "run_tsp_command"]


def add_tsp_parser(sub) -> argparse.ArgumentParser:
    """Register ``dynamics tsp`` on the ``add_subparsers`` object ``sub``."""
    from dynamics.optimize.tsp import TSP_METHODS

    p = sub.add_parser("tsp", help="solve a TSP instance (TSPLIB .tsp or CSV of x,y)",
                       description="Solve a TSP instance by network dynamics or a baseline.")
    p.add_argument("file", help="a TSPLIB .tsp file or a CSV of city coordinates")
    p.add_argument("--method", choices=TSP_METHODS, default=None,
                   help="solver (default: elastic_net with coordinates, else mean_field)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--restarts", type=int, default=1, help="random starts run together")
    p.add_argument("--polish", action="store_true", help="improve by 2-opt + Or-opt")
    p.add_argument("--repair", action="store_true",
                   help="repair an invalid network state greedily (reported as repaired)")
    p.add_argument("--json", metavar="OUT", default=None, help="write the result as JSON")
    p.add_argument("--plot", metavar="OUT.png", default=None, help="draw the tour")
    p.add_argument("--optimum", type=float, default=None, help="known optimal length")

    def one_line_error(message: str) -> None:
        print(f"dynamics tsp: error: {message}", file=sys.stderr)
        sys.exit(2)

    p.error = one_line_error  # type: ignore[method-assign]
    return p


def _fail(message: str) -> int:
    print(f"dynamics tsp: error: {message}", file=sys.stderr)
    return 2


def run_tsp_command(args: argparse.Namespace) -> int:
    """Run ``dynamics tsp`` with parsed ``args``; returns the exit status."""
    from dynamics._io import atomic_write_text
    from dynamics.optimize.tsp import known_optimum, solve_tsp
    from dynamics.optimize.tsplib import load_instance

    if args.restarts < 1:
        return _fail(f"--restarts: expected >= 1, got {args.restarts}")
    if args.optimum is not None and not (math.isfinite(args.optimum) and args.optimum > 0):
        return _fail(f"--optimum: expected a number > 0, got {args.optimum}")
    try:
        inst = load_instance(args.file)
        method = args.method or ("elastic_net" if inst.coordinates is not None else "mean_field")
        res = solve_tsp(inst, method, seed=args.seed, restarts=args.restarts,
                        polish=args.polish, repair=args.repair)
    except (OSError, ValueError, TypeError) as exc:
        return _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    optimum = args.optimum if args.optimum is not None else known_optimum(inst.name)
    record = {
        "name": inst.name, "n": inst.n, "edge_weight_type": inst.edge_weight_type,
        "method": method, "valid": res.valid,
        "tour": None if res.tour is None else [int(c) for c in res.tour],
        "length": None if res.length is None else (
            int(res.length) if float(res.length).is_integer() else float(res.length)),
        "seed": args.seed, "time_s": res.time_s, "restarts": res.restarts,
        "n_valid": res.n_valid, "repaired": res.repaired, "polished": res.polished,
        "raw_length": None if res.raw_length is None else float(res.raw_length),
    }
    if optimum is not None:
        record["optimum"] = optimum
        record["gap"] = None if res.length is None else (res.length - optimum) / optimum
    status = "valid" if res.valid else ("repaired" if res.repaired else "no valid tour")
    gap = "" if record.get("gap") is None else f", gap {100 * record['gap']:.2f} %"
    length = "-" if res.length is None else f"{res.length:g}"
    print(f"{inst.name} (n={inst.n}) {method}: {status}, length {length}{gap}, "
          f"{res.n_valid}/{res.restarts} restarts valid, {res.time_s:.2f} s"
          f"{', polished' if res.polished else ''}")
    try:
        if args.json:
            atomic_write_text(args.json, json.dumps(record, indent=2, allow_nan=False) + "\n")
        if args.plot:
            if res.tour is None or inst.coordinates is None:
                return _fail("--plot: nothing to draw (no tour, or an instance without "
                             "coordinates)")
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            from dynamics._io import save_figure
            from dynamics.optimize.figures import draw_tour

            fig, ax = plt.subplots(figsize=(5, 5), constrained_layout=True)
            draw_tour(inst, res.tour, ax=ax, title=f"{inst.name}: {method}, length {length}")
            save_figure(fig, args.plot)
            plt.close(fig)
    except OSError as exc:
        return _fail(str(exc))
    return 0
