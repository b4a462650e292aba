"""Chaos transition: the largest Lyapunov exponent of random rate networks against g, via dyn.sweep.

The random rate network of Sompolinsky, Crisanti & Sommers (1988),

    dx/dt = -x + g J tanh(x),     J_ij ~ N(0, 1/N), J_ii = 0,

has a stable origin for g < 1 and, for N -> infinity, chaotic activity for g > 1. Below the
transition the largest Lyapunov exponent is the leading real part of the Jacobian at the
origin, -1 + g max Re eig(J) ~ g - 1 (the eigenvalues of J fill the unit disc, Girko's
circular law); above it lambda_1 > 0.

``task(params, seed)`` builds one network (``RandomRateNetwork(N, g, seed)``), integrates it
through a transient and returns lambda_1 from ``dyn.lyapunov_spectrum`` (QR method, k = 1,
fixed-step RK4);
``run`` sweeps it with :func:`dynamics.sweep` over g in [0.5, 3] for N = 200, 500, 1000 and
several network seeds, then estimates the chaos onset of each N as the g where the mean
lambda_1 first crosses 0 (linear interpolation). Figures: ``lyapunov_vs_g.png`` (lambda_1
against g with the g - 1 line) and ``example_trajectories.png`` (activity of a few neurons
below and above the transition). Set ``DYNAMICS_QUICK=1`` for a seconds-long smoke run.
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


def _config() -> dict:
    if os.environ.get("DYNAMICS_QUICK") == "1":
        return {"quick": True, "N": [200], "g": [0.5, 1.0, 1.5, 2.0, 2.5, 3.0], "seeds": 1,
                "t_transient": 20.0, "t_total": 20.0, "dt": 0.1, "t_example": 100.0}
    return {"quick": False, "N": [200, 500, 1000],
            "g": [float(g) for g in np.round(np.linspace(0.5, 3.0, 11), 3)], "seeds": 2,
            "t_transient": 50.0, "t_total": 100.0, "dt": 0.05, "t_example": 100.0}


def task(params: dict, seed) -> dict:
    """lambda_1 of one random rate network: ``params`` holds ``N``, ``g``, ``t_transient``,
    ``t_total`` and ``dt``; ``seed`` draws the couplings and the initial state."""
    rng = np.random.default_rng(seed)
    n = int(params["N"])
    net = dyn.RandomRateNetwork(n, float(params["g"]), seed=rng)
    x0 = rng.normal(0.0, 1.0, size=n)
    res = dyn.lyapunov_spectrum(net, x0, float(params["t_transient"]), float(params["t_total"]),
                                k=1, method="rk4", dt=float(params["dt"]),
                                return_history=True)
    return {"lyapunov": float(res.exponents[0]) if res.status == 0 else None,
            "rms_activity": float(np.sqrt(np.mean(res.x_final**2))),
            "lyapunov_status": res.status}


def _onset(g: np.ndarray, lam: np.ndarray) -> float | None:
    """The first g where lam crosses from <= 0 to > 0 (linear interpolation)."""
    for i in range(1, g.size):
        if lam[i - 1] <= 0.0 < lam[i]:
            return float(g[i - 1] + (g[i] - g[i - 1]) * (-lam[i - 1]) / (lam[i] - lam[i - 1]))
    return None


def _examples(cfg: dict, seed: int, out: Path) -> dict:
    n = cfg["N"][0]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained", sharey=True)
    kinds = {}
    for ax, g in zip(axes, (0.7, 2.0), strict=True):
        net = dyn.RandomRateNetwork(n, g, seed=seed)
        x0 = np.random.default_rng(seed).normal(size=n)
        t_eval = np.linspace(0.0, cfg["t_example"], 2001)
        sol = dyn.solve(net, (0.0, cfg["t_example"]), x0, t_eval=t_eval)
        verdict = dyn.classify_attractor(sol, net,
                                         lyapunov_options={"method": "rk4", "dt": cfg["dt"]})
        kinds[str(g)] = verdict.as_dict()
        for i in range(5):
            ax.plot(sol.t, sol.y[i], lw=1.0, label=f"neuron {i + 1}")
        ax.set_xlabel("time (units of the neuron time constant)")
        ax.set_title(f"N = {n}, g = {g}: {verdict.kind}", fontsize=10)
    axes[0].set_ylabel("activation x_i")
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    dyn.save_figure(fig, out / "example_trajectories.png")
    return kinds


def run(out_dir: Path, seed: int) -> dict:
    cfg = _config()
    out = Path(out_dir)
    start = time.perf_counter()
    grid = {"N": cfg["N"], "g": cfg["g"], "t_transient": [cfg["t_transient"]],
            "t_total": [cfg["t_total"]], "dt": [cfg["dt"]]}
    result = dyn.sweep(task, grid, seeds=cfg["seeds"], base_seed=seed, progress=False)
    sweep_s = time.perf_counter() - start

    fig, ax = plt.subplots(figsize=(6.5, 4.2), layout="constrained")
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.axvline(1.0, color="0.6", lw=0.8, ls=":")
    gline = np.linspace(0.5, 1.0, 20)
    ax.plot(gline, gline - 1.0, "k--", lw=1.0, label="g - 1 (stable origin, N -> inf)")
    per_n = {}
    for idx, n in enumerate(cfg["N"]):
        rows = result.where(N=n)
        agg = rows.aggregate("lyapunov", by="g")
        order = np.argsort(agg["g"])
        g, lam = np.asarray(agg["g"])[order], np.asarray(agg["lyapunov"], dtype=float)[order]
        ax.plot(np.asarray(rows["g"]), np.asarray(rows["lyapunov"], dtype=float), ".",
                color=f"C{idx}", alpha=0.4, ms=4)
        ax.plot(g, lam, "-o", color=f"C{idx}", ms=4, label=f"N = {n} (mean of {cfg['seeds']})")
        per_n[str(n)] = {"g": [float(v) for v in g], "lyapunov_mean": [float(v) for v in lam],
                         "chaos_onset_g": _onset(g, lam)}
    ax.set_xlabel("coupling gain g")
    ax.set_ylabel("largest Lyapunov exponent (1 / time unit)")
    ax.set_title("Random rate network: onset of chaos", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    dyn.save_figure(fig, out / "lyapunov_vs_g.png")

    examples = _examples(cfg, seed, out)
    largest = str(cfg["N"][-1])
    return {
        "quick": cfg["quick"],
        "N": cfg["N"],
        "seeds": cfg["seeds"],
        "t_transient": cfg["t_transient"],
        "t_total": cfg["t_total"],
        "dt": cfg["dt"],
        "per_N": per_n,
        "chaos_onset_g": per_n[largest]["chaos_onset_g"],
        "chaos_onset_N": int(largest),
        "examples": examples,
        "n_tasks": result.n_tasks,
        "n_failed": len(result.failed),
        "figures": ["example_trajectories.png", "lyapunov_vs_g.png"],
        "timings_s": {"sweep": sweep_s, "total": time.perf_counter() - start},
    }
