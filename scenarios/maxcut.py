"""Max-cut on G-set graphs: simulated bifurcation against the other network solvers.

Max-cut of a graph with weights ``w`` is the Ising problem ``E(s) = -cut(s)``
(``J = -w/2``); every solver below descends that energy (``dyn.solve_maxcut``).

(a) Discrete simulated bifurcation (dSB, Goto et al. 2021: 32 agents, 2000 steps per round,
    rounds repeated with fresh random starts until the time limit, stopping early once the
    best known cut is reached) on the six shipped G-set graphs, 10 seeds each: best and mean
    cut, the ratio to the best known cut, and the time to reach the best cut of a run and to
    reach 99 % of the best known cut.
(b) All network solvers with the same time budget on each graph, 3 seeds: dSB, ballistic SB
    (bSB), Glauber annealing (1000 sweeps per restart), asynchronous Hopfield descent from
    random starts, and the graded (mean-field) network (graphs up to 1000 nodes; it needs a
    dense J). Best cut so far against time on one graph.

Figures: ``maxcut_ratios.png`` (ratio to the best known cut per graph and solver),
``maxcut_trace.png`` (best cut against time). ``DYNAMICS_QUICK=1``: one random 80-node graph,
short budgets, 3 seeds (a smoke run of a few seconds).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import dynamics as dyn

GRAPHS = ["G1", "G2", "G11", "G14", "G22", "G43"]
METHODS = ["dsb", "bsb", "anneal", "descent", "graded"]
LABELS = {"dsb": "dSB", "bsb": "bSB", "anneal": "Glauber annealing",
          "descent": "Hopfield descent", "graded": "graded network"}
COLORS = {"dsb": "tab:blue", "bsb": "tab:cyan", "anneal": "tab:orange",
          "descent": "tab:green", "graded": "tab:purple"}
SB_OPTIONS = dict(agents=32, steps=2000)


def _options(method: str, quick: bool) -> dict:
    if method in ("dsb", "bsb"):
        return dict(agents=16, steps=500) if quick else dict(SB_OPTIONS)
    if method == "anneal":
        return dict(sweeps=200 if quick else 1000)
    return {}


def _time_to(result, level: float) -> float | None:
    hit = np.flatnonzero(result.cut_trace >= level)
    return float(result.time_trace[hit[0]]) if hit.size else None


def _sb_table(graphs, seeds, time_limit, quick):
    rows = []
    for g in graphs:
        known = g.best_known
        runs = [dyn.solve_maxcut(g, "dsb", seed=s, time_limit=time_limit,
                                 target_cut=known, **_options("dsb", quick)) for s in seeds]
        cuts = np.array([r.cut for r in runs])
        ref = known if known is not None else float(cuts.max())
        t99 = [_time_to(r, 0.99 * ref) for r in runs]
        rows.append({
            "graph": g.name, "n": g.n, "m": g.m, "best_known": known,
            "best_cut": float(cuts.max()), "mean_cut": float(cuts.mean()),
            "best_ratio": float(cuts.max() / ref), "mean_ratio": float(cuts.mean() / ref),
            "min_ratio": float(cuts.min() / ref),
            "mean_time_to_best_s": float(np.mean([r.time_to_best_s for r in runs])),
            "max_time_to_best_s": float(np.max([r.time_to_best_s for r in runs])),
            "max_time_to_99pct_s": None if None in t99 else float(max(t99)),
            "runs_at_best_known": int(np.sum(cuts >= ref)),
            "seeds": len(seeds), "time_limit_s": time_limit,
        })
    return rows


def _comparison(graphs, seeds, budget, quick):
    out, traces = {}, {}
    for g in graphs:
        ref = g.best_known
        per = {}
        for method in METHODS:
            if method == "graded" and g.n > 1000:
                continue
            runs = [dyn.solve_maxcut(g, method, seed=s, time_limit=budget,
                                     **_options(method, quick)) for s in seeds]
            cuts = np.array([r.cut for r in runs])
            per[method] = {"best_cut": float(cuts.max()), "mean_cut": float(cuts.mean()),
                           "mean_time_s": float(np.mean([r.time_s for r in runs]))}
            traces[(g.name, method)] = runs[0]
        if ref is None:
            ref = max(v["best_cut"] for v in per.values())
        for v in per.values():
            v["best_ratio"] = v["best_cut"] / ref
            v["mean_ratio"] = v["mean_cut"] / ref
        out[g.name] = per
    return out, traces


def run(out_dir: Path, seed: int) -> dict:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    quick = os.environ.get("DYNAMICS_QUICK") == "1"
    start = time.perf_counter()
    if quick:
        graphs = [dyn.random_maxcut(80, 0.1, "one", seed=seed)]
        seeds10, seeds3, limit, budget = [seed, seed + 1, seed + 2], [seed, seed + 1], 0.5, 0.3
    else:
        graphs = [dyn.load_gset(name) for name in GRAPHS]
        seeds10 = list(range(seed, seed + 10))
        seeds3, limit, budget = list(range(seed, seed + 3)), 20.0, 5.0
    table = _sb_table(graphs, seeds10, limit, quick)
    comparison, traces = _comparison(graphs, seeds3, budget, quick)

    # figure 1: best ratio per graph and solver
    fig, ax = plt.subplots(figsize=(7.0, 3.4), constrained_layout=True)
    width = 0.8 / len(METHODS)
    names = [g.name for g in graphs]
    for k, method in enumerate(METHODS):
        xs = [i + (k - 2) * width for i, name in enumerate(names) if method in comparison[name]]
        ys = [100 * comparison[name][method]["best_ratio"] for name in names
              if method in comparison[name]]
        ax.bar(xs, ys, width, color=COLORS[method], label=LABELS[method])
    ax.axhline(99.0, color="black", lw=0.8, ls="--", label="99 %")
    ax.set_xticks(range(len(names)), names)
    lows = [100 * v["best_ratio"] for per in comparison.values() for v in per.values()]
    ax.set_ylim(max(0.0, min(lows) - 1.0), 100.3)
    known = all(gr.best_known is not None for gr in graphs)
    ax.set_ylabel("best cut / " + ("best known cut" if known else "best cut found") + " (%)")
    ax.set_title(f"Max-cut, {budget:g} s per run, best of {len(seeds3)} seeds")
    ax.legend(fontsize=8, ncol=3, loc="lower left", framealpha=0.9)
    dyn.save_figure(fig, out_dir / "maxcut_ratios.png")
    plt.close(fig)

    # figure 2: best cut so far against time on the largest graph
    g = max(graphs, key=lambda gr: gr.n)
    fig, ax = plt.subplots(figsize=(6.0, 3.4), constrained_layout=True)
    for method in METHODS:
        r = traces.get((g.name, method))
        if r is None:
            continue
        t = np.maximum(r.time_trace, 1e-3)
        ax.step(t, r.cut_trace, where="post", color=COLORS[method], label=LABELS[method])
    if g.best_known is not None:
        ax.axhline(g.best_known, color="black", lw=0.8, ls="--", label="best known")
    ax.set_xscale("log")
    ax.set_xlabel("wall time (s)")
    ax.set_ylabel("best cut so far")
    top = max(float(traces[(g.name, m)].cut) for m in METHODS if (g.name, m) in traces)
    ax.set_ylim(0.9 * top, 1.005 * max(top, g.best_known or top))
    ax.set_title(f"{g.name} (n = {g.n}): best cut against time, seed {seeds3[0]}")
    ax.legend(fontsize=8, loc="lower right")
    dyn.save_figure(fig, out_dir / "maxcut_trace.png")
    plt.close(fig)

    return {
        "quick": quick,
        "sb_options": _options("dsb", quick),
        "table": table,
        "comparison": comparison,
        "comparison_budget_s": budget,
        "all_at_least_99pct_mean": bool(all(r["mean_ratio"] >= 0.99 for r in table)),
        "figures": ["maxcut_ratios.png", "maxcut_trace.png"],
        "elapsed_s": time.perf_counter() - start,
    }
