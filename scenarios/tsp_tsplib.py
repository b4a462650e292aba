"""TSPLIB benchmark: each TSP method on six instances over 10 seeds via dyn.sweep, raw and polished.

Methods: the elastic net (Durbin & Willshaw 1987), Potts mean-field annealing (Peterson &
Soderberg 1989), the Hopfield-Tank network (Hopfield & Tank 1985; on the instances of at most
22 cities only: it rarely finds valid tours and its n^2-neuron ODE is slow to integrate for
larger n) and the baselines nearest neighbour (best of every start) and nearest neighbour +
2-opt. ``task(params, seed)`` runs one method once on one instance with one seed (one
restart) and reports the tour straight from the network (``valid``, ``gap``) and after 2-opt +
Or-opt polish (``gap_polished``); ``run`` sweeps it with :func:`dynamics.sweep` over instances x
methods x 10 seeds and writes a Markdown and a JSON table (valid rate, mean and best gap,
time per run) and the best tour of each instance.

``DYNAMICS_QUICK=1``: burma14 and ulysses16, 2 seeds.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import dynamics as dyn
from dynamics.data import data_path

INSTANCES = ["burma14", "ulysses16", "ulysses22", "eil51", "st70", "kroA100"]
METHODS = ["elastic_net", "mean_field", "hopfield_tank", "nearest_neighbor", "two_opt"]
HOPFIELD_TANK_MAX_N = 22


def _config() -> dict:
    if os.environ.get("DYNAMICS_QUICK") == "1":
        return {"instances": INSTANCES[:2], "seeds": 2}
    return {"instances": INSTANCES, "seeds": 10}


def task(params: dict, seed) -> dict:
    """One run of ``params["method"]`` on TSPLIB instance ``params["instance"]``.

    Returns ``valid`` (the network state decoded to a tour), ``length`` / ``gap`` of that
    tour (None if invalid), ``length_polished`` / ``gap_polished`` after 2-opt + Or-opt (the
    invalid state repaired greedily first, flagged by ``repaired``), ``time_s`` and ``tour``.
    """
    inst = dyn.load_tsplib(data_path(f"tsplib/{params['instance']}.tsp"))
    opt = dyn.known_optimum(inst.name)
    res = dyn.solve_tsp(inst, params["method"], seed=seed, restarts=1, polish=True,
                        repair=True)
    raw = res.raw_length if res.valid else None
    return {
        "valid": bool(res.valid),
        "repaired": bool(res.repaired),
        "length": None if raw is None else float(raw),
        "gap": None if raw is None else (raw - opt) / opt,
        "length_polished": float(res.length),
        "gap_polished": (res.length - opt) / opt,
        "time_s": res.time_s,
        "tour": np.asarray(res.tour),
    }


def _table(result, instances, methods) -> list[dict]:
    rows = []
    for name in instances:
        for method in methods:
            sub = [r for r in result if r["instance"] == name and r["method"] == method]
            if not sub:
                continue
            gaps = [r["gap"] for r in sub if r["gap"] is not None]
            pol = [r["gap_polished"] for r in sub]
            rows.append({
                "instance": name, "n": dyn.load_tsplib(data_path(f"tsplib/{name}.tsp")).n,
                "method": method, "runs": len(sub),
                "valid_rate": sum(r["valid"] for r in sub) / len(sub),
                "mean_gap": float(np.mean(gaps)) if gaps else None,
                "best_gap": float(np.min(gaps)) if gaps else None,
                "mean_gap_polished": float(np.mean(pol)),
                "best_gap_polished": float(np.min(pol)),
                "mean_time_s": float(np.mean([r["time_s"] for r in sub])),
            })
    return rows


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.2f}"


def _markdown(rows: list[dict]) -> str:
    lines = ["| instance | n | method | runs | valid % | mean gap % | best gap % | "
             "mean gap % (polished) | best gap % (polished) | time / run (s) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['instance']} | {r['n']} | {r['method']} | {r['runs']} | "
            f"{100 * r['valid_rate']:.0f} | {_pct(r['mean_gap'])} | {_pct(r['best_gap'])} | "
            f"{_pct(r['mean_gap_polished'])} | {_pct(r['best_gap_polished'])} | "
            f"{r['mean_time_s']:.2f} |")
    return "\n".join(lines) + "\n"


def _plot_tours(result, instances, out: Path) -> None:
    cols = 3
    rows = int(np.ceil(len(instances) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(10.5, 3.6 * rows), constrained_layout=True,
                             squeeze=False)
    for ax, name in zip(axes.ravel(), instances, strict=False):
        inst = dyn.load_tsplib(data_path(f"tsplib/{name}.tsp"))
        runs = [r for r in result if r["instance"] == name and r["method"] == "elastic_net"
                and r["valid"]]
        best = min(runs, key=lambda r: r["length"])
        dyn.draw_tour(inst, best["tour"], ax=ax, annotate=False,
                      title=f"{name}: elastic net {best['length']:.0f} "
                            f"(gap {100 * best['gap']:.1f} %)")
    for ax in axes.ravel()[len(instances):]:
        ax.set_visible(False)
    fig.suptitle("Best elastic-net tour per instance (no local search)", fontsize=11)
    dyn.save_figure(fig, out)


def run(out_dir: Path, seed: int) -> dict:
    cfg = _config()
    out_dir = Path(out_dir)
    start = time.perf_counter()
    grid = [{"instance": name, "method": method} for name in cfg["instances"]
            for method in METHODS
            if method != "hopfield_tank" or dyn.load_tsplib(
                data_path(f"tsplib/{name}.tsp")).n <= HOPFIELD_TANK_MAX_N]
    result = dyn.sweep(task, grid, seeds=cfg["seeds"], base_seed=seed, progress=False)
    elapsed = time.perf_counter() - start
    rows = _table(result, cfg["instances"], METHODS)
    dyn.atomic_write_text(out_dir / "table.md", _markdown(rows))
    dyn.atomic_write_text(out_dir / "table.json", json.dumps(rows, indent=2) + "\n")
    _plot_tours(result, cfg["instances"], out_dir / "tsplib_tours.png")
    improved = [r for r in rows if r["method"] == "elastic_net"]
    return {
        "quick": os.environ.get("DYNAMICS_QUICK") == "1",
        "seeds": cfg["seeds"],
        "instances": cfg["instances"],
        "n_tasks": result.n_tasks,
        "n_failed": len(result.failed),
        "table": rows,
        "elastic_net_all_valid": all(r["valid_rate"] == 1.0 for r in improved),
        "figures": ["tsplib_tours.png"],
        "tables": ["table.md", "table.json"],
        "total_s": elapsed,
    }
