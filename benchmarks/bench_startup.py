"""Benchmark: time to first result, cold (empty numba cache) and warm (cached), in fresh processes.

Each measurement is a fresh ``python`` subprocess timed from the parent (so it includes the
interpreter's start-up, ``import dynamics``, building the model and the first solve), with
``NUMBA_CACHE_DIR`` pointing at a new temporary folder: the first run compiles every kernel and
writes the cache (cold), the next runs with the same folder load it (warm). Cases:

* built-in model: ``dyn.random_hopfield(100)`` solved with dopri5 over (0, 10);
* user-defined model: the Lorenz system written with the documented recipe
  (``numba.njit(cache=True)`` kernel in a module file + ``dyn.UserModel``), solved over (0, 10);
* the flagship ``make run``: ``python -m dynamics run continuous_hopfield --out DIR``;
* for reference, a process that only imports numpy, scipy.integrate and numba.

Target: warm time to first result < 1 s (the median warm wall time is compared). The child
also reports its own split (import / build / solve), timed with ``time.perf_counter`` from its
first line.
Usage: ``python benchmarks/bench_startup.py [--repeats K] [--skip-scenario]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

DEPENDENCIES = """
import time
_t0 = time.perf_counter()
import numba
import numpy
import scipy.integrate
print('{"import": %.4f}' % (time.perf_counter() - _t0))
"""

BUILTIN = """
import time
_t0 = time.perf_counter()
import numpy as np
import dynamics as dyn
_t1 = time.perf_counter()
model = dyn.random_hopfield(100, seed=0)
y0 = np.random.default_rng(1).normal(0.0, 1.0, 100)
_t2 = time.perf_counter()
sol = dyn.solve(model, (0.0, 10.0), y0)
_t3 = time.perf_counter()
assert sol.status == 0 and not sol.energy_increases
import json
print(json.dumps({"import": _t1 - _t0, "build": _t2 - _t1, "solve": _t3 - _t2}))
"""

LORENZ_MODULE = '''
"""The Lorenz (1963) system written with the dynamics user-model recipe."""
import numba


@numba.njit(cache=True)
def lorenz(t, x, p, out):
    sigma, rho, beta = p[0], p[1], p[2]
    out[0] = sigma * (x[1] - x[0])
    out[1] = x[0] * (rho - x[2]) - x[1]
    out[2] = x[0] * x[1] - beta * x[2]
'''

USER = """
import time
_t0 = time.perf_counter()
import numpy as np
import dynamics as dyn
_t1 = time.perf_counter()
from lorenz_model import lorenz
model = dyn.UserModel(lorenz, n_states=3, params=[10.0, 28.0, 8.0 / 3.0])
_t2 = time.perf_counter()
sol = dyn.solve(model, (0.0, 10.0), [1.0, 1.0, 1.0], rtol=1e-8, atol=1e-10)
_t3 = time.perf_counter()
assert sol.status == 0
import json
print(json.dumps({"import": _t1 - _t0, "build": _t2 - _t1, "solve": _t3 - _t2}))
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_child(args: list[str], cache_dir: Path, cwd: Path) -> tuple[float, float, dict | None]:
    """Run one fresh process; return (wall seconds, CPU seconds, the child's split or None)."""
    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = str(cache_dir)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(cwd), env.get("PYTHONPATH", "")]))
    env["MPLBACKEND"] = "Agg"
    env.pop("DYNAMICS_QUICK", None)
    cpu0 = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=env, timeout=900)
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu0
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({' '.join(args[:3])} ...):\n{proc.stderr[-2000:]}")
    split = None
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    if last.startswith("{"):
        split = json.loads(last)
    return wall, cpu, split


def measure(label: str, args: list[str], cwd: Path, repeats: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        cold, cold_cpu, cold_split = run_child(args, Path(cache), cwd)
        warm_runs = sorted((run_child(args, Path(cache), cwd) for _ in range(repeats)),
                           key=lambda run: run[0])
    middle = warm_runs[len(warm_runs) // 2]
    return {"case": label, "cold": cold, "cold_cpu": cold_cpu, "warm": middle[0],
            "warm_cpu": middle[1], "warm_best": warm_runs[0][0], "cold_split": cold_split,
            "warm_split": middle[2]}


def fmt_split(split: dict | None) -> str:
    if not split:
        return ""
    return ", ".join(f"{k} {v:.2f}" for k, v in split.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="warm runs per case (median)")
    parser.add_argument("--skip-scenario", action="store_true",
                        help="do not time the flagship scenario (make run)")
    args = parser.parse_args()
    py = sys.executable
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as work:
        cwd = Path(work)
        (cwd / "lorenz_model.py").write_text(textwrap.dedent(LORENZ_MODULE), encoding="utf-8")
        rows.append(measure("reference: import numpy + scipy.integrate + numba only",
                            [py, "-c", DEPENDENCIES], cwd, args.repeats))
        rows.append(measure("built-in ContinuousHopfield N=100, first solve",
                            [py, "-c", BUILTIN], cwd, args.repeats))
        rows.append(measure("user-defined Lorenz UserModel, first solve",
                            [py, "-c", USER], cwd, args.repeats))
        if not args.skip_scenario:
            rows.append(measure("make run (python -m dynamics run continuous_hopfield)",
                                [py, "-m", "dynamics", "run", "continuous_hopfield", "--out",
                                 str(cwd / "results")], cwd, max(1, args.repeats - 1)))
    print(f"machine: {os.cpu_count()} cores; fresh subprocess per run, wall time from the "
          "parent; cold = empty NUMBA_CACHE_DIR, warm = median of later runs on that cache")
    print("wall = elapsed time seen by the user; cpu = user + system time of the process (on a "
          "shared machine wall > cpu when other jobs hold the cores)")
    header = (f"{'case':<56} {'cold wall':>9} {'cold cpu':>9} {'warm wall':>9} "
              f"{'warm cpu':>9} {'warm best':>9} {'warm < 1 s':>11}")
    print(header)
    print("-" * len(header))
    for r in rows:
        timed = "first solve" in r["case"]
        target = ("yes" if r["warm"] < 1.0 else "NO") if timed else "n/a"
        print(f"{r['case']:<56} {r['cold']:>9.2f} {r['cold_cpu']:>9.2f} {r['warm']:>9.2f} "
              f"{r['warm_cpu']:>9.2f} {r['warm_best']:>9.2f} {target:>11}")
        if r["cold_split"]:
            print(f"    cold split: {fmt_split(r['cold_split'])}; "
                  f"warm split: {fmt_split(r['warm_split'])}")


if __name__ == "__main__":
    main()
