"""Projection networks on the classic two-variable quadratic program: trajectories and objective.

The problem (a standard test of projection neural networks)::

    minimise   f(x) = x1^2 + x2^2 + x1 x2 - 30 x1 - 30 x2
    subject to (5/12) x1 - x2 <= 35/12,   (5/2) x1 + x2 <= 35/2,   -5 <= x1, x2 <= 5,

with optimum x* = (5, 5), f* = -225 (the second constraint is active there). In the form
``1/2 x^T Q x + c^T x``: ``Q = [[2, 1], [1, 2]]``, ``c = (-30, -30)``.

(a) The primal-dual projection network (Xia & Wang 2000; ``dyn.PrimalDualNetwork``) from
    starts all around the box, integrated by ``dyn.solve`` through ``dyn.solve_qp``:
    trajectories of ``x(t)`` drawn over the feasible region and the contours of ``f``.
(b) The objective ``f(x(t))`` and the distance to ``x*`` against time for every start, and
    the same for the box-only projection network (``dyn.ProjectionNetwork``), whose
    energy is ``f`` and never rises.

Figures: ``qp_trajectories.png``, ``qp_objective.png``. ``DYNAMICS_QUICK=1``: fewer starts.
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

Q = np.array([[2.0, 1.0], [1.0, 2.0]])
C = np.array([-30.0, -30.0])
G = np.array([[5.0 / 12.0, -1.0], [5.0 / 2.0, 1.0]])
D = np.array([35.0 / 12.0, 35.0 / 2.0])
X_STAR = np.array([5.0, 5.0])


def _starts(k: int, rng: np.random.Generator) -> np.ndarray:
    """k starts on the boundary of the box, evenly spaced in angle with a random phase."""
    phase = rng.uniform(0, 2 * np.pi / k)
    ang = phase + 2 * np.pi * np.arange(k) / k
    d = np.stack([np.cos(ang), np.sin(ang)], 1)
    return 5.0 * d / np.max(np.abs(d), axis=1, keepdims=True)


def run(out_dir: Path, seed: int) -> dict:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    quick = os.environ.get("DYNAMICS_QUICK") == "1"
    rng = np.random.default_rng(seed)
    starts = _starts(4 if quick else 12, rng)
    t0 = time.perf_counter()
    pd = [dyn.solve_qp(Q, C, A_ub=G, b_ub=D, bounds=(-5, 5), x0=s) for s in starts]
    box = [dyn.solve_qp(Q, C, bounds=(-5, 5), x0=s) for s in starts[: 4]]
    elapsed = time.perf_counter() - t0

    # (a) trajectories over the feasible region and the contours of f
    g = np.linspace(-5.5, 5.5, 881)
    X1, X2 = np.meshgrid(g, g)
    F = X1**2 + X2**2 + X1 * X2 - 30 * X1 - 30 * X2
    feasible = ((5 / 12) * X1 - X2 <= 35 / 12) & (2.5 * X1 + X2 <= 17.5) & (
        np.abs(X1) <= 5) & (np.abs(X2) <= 5)
    fig, ax = plt.subplots(figsize=(5.2, 4.6), constrained_layout=True)
    ax.contourf(X1, X2, feasible.astype(float), levels=[0.5, 1.5], colors=["#d9ead3"])
    cs = ax.contour(X1, X2, F, levels=np.linspace(-225, 150, 16), colors="0.55",
                    linewidths=0.7, negative_linestyles="solid")
    ax.clabel(cs, cs.levels[::3], fontsize=8, fmt="%.0f")
    for k, r in enumerate(pd):
        ax.plot(r.trajectory[0], r.trajectory[1], color=plt.cm.viridis(k / len(pd)), lw=1.2)
        ax.plot(*starts[k], "o", color=plt.cm.viridis(k / len(pd)), ms=4)
    ax.plot(*X_STAR, "*", color="red", ms=12, label="x* = (5, 5)")
    ax.plot([], [], color="#d9ead3", lw=6, label="feasible region")
    ax.set_xlim(-5.5, 5.5)
    ax.set_ylim(-5.5, 5.5)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title("Primal-dual projection network: x(t)")
    ax.legend(fontsize=8, loc="lower left")
    dyn.save_figure(fig, out_dir / "qp_trajectories.png")
    plt.close(fig)

    # (b) objective and distance to x* against time
    fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.4), constrained_layout=True)
    for k, r in enumerate(pd):
        col = plt.cm.viridis(k / len(pd))
        t = np.maximum(r.t, 1e-3)
        axes[0].plot(t, r.objective_trace, color=col, lw=1)
        dist = np.linalg.norm(r.trajectory - X_STAR[:, None], axis=0)
        axes[1].semilogy(t, np.maximum(dist, 1e-12), color=col, lw=1)
    for r in box:
        t = np.maximum(r.t, 1e-3)
        axes[0].plot(t, r.objective_trace, color="tab:red", lw=1, ls="--")
        dist = np.linalg.norm(r.trajectory - X_STAR[:, None], axis=0)
        axes[1].semilogy(t, np.maximum(dist, 1e-12), color="tab:red", lw=1, ls="--")
    axes[0].plot([], [], color="tab:green", label="primal-dual network")
    axes[0].plot([], [], color="tab:red", ls="--", label="box projection network")
    axes[0].axhline(-225.0, color="black", lw=0.8, ls=":", label="f* = -225")
    axes[0].set_xscale("log")
    axes[0].set_xlabel("time t (network time units)")
    axes[0].set_ylabel("objective f(x(t))")
    axes[0].set_title("Objective along the trajectory")
    axes[0].legend(fontsize=8)
    axes[1].set_xscale("log")
    axes[1].set_xlabel("time t (network time units)")
    axes[1].set_ylabel("|x(t) - x*|")
    axes[1].set_title("Distance to the optimum")
    dyn.save_figure(fig, out_dir / "qp_objective.png")
    plt.close(fig)

    def info(r):
        return {"x": r.x.tolist(), "objective": r.objective, "status": r.status,
                "t_final": float(r.t[-1]), "error": float(np.linalg.norm(r.x - X_STAR)),
                "objective_rises": bool(np.any(np.diff(r.objective_trace) > 1e-9))}

    return {
        "quick": quick,
        "x_star": X_STAR.tolist(),
        "f_star": -225.0,
        "primal_dual": [info(r) for r in pd],
        "multipliers_ub": pd[0].multipliers_ub.tolist(),
        "box_network": [info(r) for r in box],
        "max_error": float(max(np.linalg.norm(r.x - X_STAR) for r in pd + box)),
        "max_objective_gap": float(max(abs(r.objective + 225.0) for r in pd + box)),
        "figures": ["qp_trajectories.png", "qp_objective.png"],
        "elapsed_s": elapsed,
    }
