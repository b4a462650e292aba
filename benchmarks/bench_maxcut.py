"""Benchmark: our simulated bifurcation against the ``simulated-bifurcation`` package (PyTorch).

Random +-1 complete graphs (K_n, each edge weight +1 or -1 with equal probability, the
K2000-type instances of Goto et al. 2019) with n = 100, 500 and 2000. Both implementations run
on CPU with one thread (``OPENBLAS_NUM_THREADS=1``, ``torch.set_num_threads(1)``), float32,
the same number of agents, the same variant (discrete dSB against the package's "discrete"
mode, ballistic bSB against "ballistic"), timed alternately in the same run:

1. **Same time budget**: each run gets the budget; the cut of the best spin vector returned
   is evaluated by ``dyn.cut_value`` for both. Median and best over the repeats.
2. **Time to a given cut**: target = the smaller of the two median cuts of (1) (the level
   the weaker side typically reaches in the budget). Each side
   runs with 100, 200, 400, ... steps (one round, early stopping off) until the cut reaches
   the target; the time is that run's wall time (the same protocol for both). Median over the
   repeats.

Run: ``.venv/bin/python benchmarks/bench_maxcut.py [--quick] [--repeats K]``. Needs the
``bench`` extra (``pip install -e .[bench]``: simulated-bifurcation, torch); without it the
benchmark says so and exits. Figures taken on a shared, loaded machine are noisy; the
ratios of interleaved runs are what to read.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import dynamics as dyn  # noqa: E402


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def ours(graph, ising, variant, agents, budget=None, steps=None, seed=0):
    start = time.perf_counter()
    if budget is not None:
        res = dyn.simulated_bifurcation(ising, variant=variant, agents=agents, steps=steps,
                                        time_limit=budget, seed=seed)
    else:
        res = dyn.simulated_bifurcation(ising, variant=variant, agents=agents, steps=steps,
                                        seed=seed)
    elapsed = time.perf_counter() - start
    return dyn.cut_value(graph, res.spins), elapsed


def theirs(sb, torch, graph, W, variant, agents, budget=None, steps=None, seed=0):
    torch.manual_seed(seed)
    # cut(s) = W_total / 2 - 1/4 s^T W s: maximising the cut is minimising s^T W s
    start = time.perf_counter()
    spins, _ = sb.minimize(W, domain="spin", agents=agents, mode=variant,
                           max_steps=10**7 if budget is not None else steps,
                           timeout=budget, early_stopping=False, verbose=False,
                           best_only=True, dtype=torch.float32)
    elapsed = time.perf_counter() - start
    return dyn.cut_value(graph, spins.numpy().astype(float)), elapsed


def _s(v):
    return "not reached" if v is None else f"{v:.3f} s"


def time_to_cut(run, target, max_steps=25_600):
    steps = 100
    while steps <= max_steps:
        cut, elapsed = run(steps)
        if cut >= target:
            return elapsed, steps
        steps *= 2
    return None, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 100 and 500, 3 repeats")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", default=None, help="write the figures as JSON")
    args = parser.parse_args()
    print(f"machine: {machine()}; BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}")
    try:
        import simulated_bifurcation as sb
        import torch
    except ImportError as exc:
        print(f"the baseline is not installed ({exc}); install the bench extra: "
              "pip install -e '.[bench]'")
        return
    torch.set_num_threads(1)
    print(f"baseline: simulated-bifurcation {getattr(sb, '__version__', '?')}, "
          f"torch {torch.__version__} (CPU, 1 thread)")
    sizes = [(100, 0.5, 1000), (500, 2.0, 2000), (2000, 10.0, 1000)]
    repeats = args.repeats
    if args.quick:
        sizes, repeats = sizes[:2], min(repeats, 3)
    agents = 64
    report = {"machine": machine(), "agents": agents, "repeats": repeats, "sizes": []}
    # warm-up: compile our kernels, load torch's
    g0 = dyn.random_maxcut(50, seed=0)
    ours(g0, g0.to_ising(), "discrete", 4, steps=10)
    theirs(sb, torch, g0, torch.tensor(g0.adjacency().toarray(), dtype=torch.float32),
           "discrete", 4, steps=10)
    for n, budget, steps in sizes:
        graph = dyn.random_maxcut(n, 1.0, "pm1", seed=n)
        ising = graph.to_ising()
        W = torch.tensor(graph.adjacency().toarray(), dtype=torch.float32)
        for variant in ("discrete", "ballistic"):
            cuts_o, cuts_t = [], []
            for r in range(repeats):  # interleaved
                cuts_o.append(ours(graph, ising, variant, agents, budget, steps, seed=r)[0])
                cuts_t.append(theirs(sb, torch, graph, W, variant, agents, budget, seed=r)[0])
            target = float(min(np.median(cuts_o), np.median(cuts_t)))
            t_o, t_t = [], []
            for r in range(repeats):
                t_o.append(time_to_cut(
                    lambda k, r=r, g=graph, i=ising, v=variant: ours(g, i, v, agents, steps=k,
                                                                     seed=r), target)[0])
                t_t.append(time_to_cut(
                    lambda k, r=r, g=graph, w=W, v=variant: theirs(sb, torch, g, w, v, agents,
                                                                   steps=k, seed=r),
                    target)[0])

            def med(v):
                v = [x for x in v if x is not None]
                return float(np.median(v)) if v else None

            row = {
                "n": n, "variant": variant, "budget_s": budget, "target_cut": target,
                "ours_cut_median": med(cuts_o), "ours_cut_best": max(cuts_o),
                "theirs_cut_median": med(cuts_t), "theirs_cut_best": max(cuts_t),
                "ours_time_to_target_s": med(t_o),
                "theirs_time_to_target_s": med(t_t),
                "ours_reached": sum(x is not None for x in t_o),
                "theirs_reached": sum(x is not None for x in t_t),
            }
            speed = (row["theirs_time_to_target_s"] / row["ours_time_to_target_s"]
                     if row["ours_time_to_target_s"] and row["theirs_time_to_target_s"]
                     else None)
            row["time_ratio_theirs_over_ours"] = speed
            report["sizes"].append(row)
            print(f"n={n:5d} {variant:9s} budget {budget:4.1f} s: cut median ours "
                  f"{row['ours_cut_median']:.0f} / theirs {row['theirs_cut_median']:.0f} "
                  f"(best {row['ours_cut_best']:.0f} / {row['theirs_cut_best']:.0f}, ratio "
                  f"{row['ours_cut_median'] / row['theirs_cut_median']:.4f}); time to cut "
                  f"{target:.0f}: ours {_s(row['ours_time_to_target_s'])} "
                  f"({row['ours_reached']}/{repeats}), theirs "
                  f"{_s(row['theirs_time_to_target_s'])} ({row['theirs_reached']}/{repeats})"
                  + (f", theirs/ours = {speed:.1f}x" if speed else ""), flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1)


if __name__ == "__main__":
    main()
