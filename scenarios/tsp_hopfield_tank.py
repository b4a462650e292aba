"""Hopfield-Tank TSP: 100 random starts on the classic 10-city set with the published parameters.

The Hopfield-Tank network (Hopfield & Tank 1985) with A = B = 500, C = 200, D = 500,
u0 = 0.02, n_tilde = 15, tau = 1, started at u00 = -(u0/2) ln(n - 1) plus noise uniform in
+-0.1 u0, integrated by :func:`dynamics.solve_ensemble` (all starts together) to t = 3 tau.
A start counts as a valid tour only if its final V thresholds (at 1/2) to a permutation
matrix. Faithful reproductions (Wilson & Pawley 1988) find valid tours in a minority of starts;
the optimum of this set is 2.690671 (exhaustive search).

Figures: the valid-tour length histogram against the optimum, the energy (Lyapunov function)
of every start over time, the V matrix of the best start at six times, and its tour.
``DYNAMICS_QUICK=1``: 20 starts.
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
from dynamics.data import data_path

OPTIMUM = 2.690671
T_END = 3.0


def run(out_dir: Path, seed: int) -> dict:
    quick = os.environ.get("DYNAMICS_QUICK") == "1"
    starts = 20 if quick else 100
    out_dir = Path(out_dir)
    inst = dyn.load_instance(data_path("tsp10_hopfield_tank.csv"))
    model = dyn.HopfieldTank(inst)  # the published constants are the defaults
    u_start = model.initial_states(starts, seed=seed)
    t0 = time.perf_counter()
    times = np.concatenate([[0.0], np.geomspace(1e-4, T_END, 120)])  # the descent is fast
    sol = dyn.solve_ensemble(model, (0.0, T_END), u_start, rtol=1e-6, atol=1e-6, t_eval=times)
    elapsed = time.perf_counter() - t0
    V_final = model.output(sol.y[:, :, -1])
    tours = [dyn.decode_tour(v) for v in V_final]
    valid = np.array([t is not None for t in tours])
    lengths = np.array([dyn.tour_length(inst, t) for t in tours if t is not None])
    best = int(np.argmin([dyn.tour_length(inst, t) if t is not None else np.inf
                          for t in tours])) if valid.any() else None

    fig, ax = plt.subplots(figsize=(5.5, 3.6), constrained_layout=True)
    if lengths.size:
        ax.hist(lengths, bins=np.linspace(OPTIMUM - 1e-6, max(5.0, lengths.max() + 0.1), 24),
                color="C0",
                label=f"valid tours ({valid.sum()} of {starts})")
    ax.axvline(OPTIMUM, color="C3", ls="--", label=f"optimum {OPTIMUM}")
    ax.set_xlabel("tour length (unit square)")
    ax.set_ylabel("starts")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"Hopfield-Tank, 10 cities: {100 * valid.mean():.0f} % valid")
    ax.legend(fontsize=8, loc="upper right")
    dyn.save_figure(fig, out_dir / "tour_lengths.png")

    fig, ax = plt.subplots(figsize=(5.5, 3.6), constrained_layout=True)
    for r in range(starts):
        ax.plot(sol.t, sol.energy[r], color="C2" if valid[r] else "0.6", lw=0.8,
                alpha=0.9 if valid[r] else 0.5)
    ax.plot([], [], color="C2", label="valid tour")
    ax.plot([], [], color="0.6", label="invalid")
    ax.set_xscale("symlog", linthresh=1e-4)
    ax.set_xlabel("time t (units of tau)")
    ax.set_ylabel("energy L (published E + leak term)")
    ax.set_title("Energy along every start")
    ax.legend(fontsize=8, loc="upper right")
    dyn.save_figure(fig, out_dir / "energy.png")

    show = best if best is not None else 0
    snap_t = [0.0, 0.002, 0.005, 0.01, 0.03, T_END]
    fig, axes = plt.subplots(1, 6, figsize=(11, 2.6), constrained_layout=True)
    for ax, t in zip(axes, snap_t, strict=True):
        k = int(np.argmin(np.abs(sol.t - t)))
        im = ax.imshow(model.output(sol.y[show, :, k]), vmin=0, vmax=1, cmap="viridis")
        ax.set_title(f"t = {sol.t[k]:.3g}", fontsize=9)
        ax.set_xticks([0, 9])
        ax.set_yticks([0, 9])
        ax.set_xlabel("position i", fontsize=8)
        if t == 0.0:
            ax.set_ylabel("city X", fontsize=8)
    fig.colorbar(im, ax=axes, shrink=0.8, label="V")
    fig.suptitle(f"V[X, i] of start {show} over time", fontsize=10)
    dyn.save_figure(fig, out_dir / "V_over_time.png")

    figures = ["tour_lengths.png", "energy.png", "V_over_time.png"]
    if best is not None:
        fig, ax = plt.subplots(figsize=(4.2, 4.2), constrained_layout=True)
        length = dyn.tour_length(inst, tours[best])
        dyn.draw_tour(inst, tours[best], ax=ax,
                      title=f"best Hopfield-Tank tour: {length:.4f} (optimum {OPTIMUM})")
        dyn.save_figure(fig, out_dir / "best_tour.png")
        figures.append("best_tour.png")
    return {
        "quick": quick,
        "starts": starts,
        "parameters": {"A": model.A, "B": model.B, "C": model.C, "D": model.D,
                       "u0": model.u0, "n_tilde": model.n_tilde, "tau": model.tau,
                       "t_end": T_END},
        "n_valid": int(valid.sum()),
        "valid_rate": float(valid.mean()),
        "best_length": float(lengths.min()) if lengths.size else None,
        "mean_valid_length": float(lengths.mean()) if lengths.size else None,
        "optimal_found": int(np.sum(np.abs(lengths - OPTIMUM) < 1e-5)),
        "optimum": OPTIMUM,
        "energy_increases": int(np.sum(sol.energy_increases)),
        "failed_starts": int(np.sum(sol.status < 0)),
        "figures": figures,
        "solve_s": elapsed,
    }
