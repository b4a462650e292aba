"""Sweep demo: Lyapunov exponent and attractor of the logistic map across r, run through dyn.sweep.

The logistic map x_{n+1} = r x_n (1 - x_n) (May 1976) goes from a stable fixed point through
period doubling to chaos at r_inf ~= 3.5699 (Feigenbaum 1978). Its Lyapunov exponent is the
orbit average lambda(r) = lim (1/N) sum_n ln|r (1 - 2 x_n)| (Strogatz 1994, section 10.5):
negative on periodic windows, positive in chaos, and exactly ln 2 at r = 4 (Ulam & von
Neumann 1947).

``task(params, seed)`` computes lambda and the last iterates of the orbit for one r and one
random initial condition; ``run`` sweeps it with :func:`dynamics.sweep` over a grid of r and
several seeds, on a local process pool, with the durable store in ``out_dir/sweep_seed<seed>``
(running the scenario again resumes that store instead of recomputing). The same sweep from the
command line::

    dynamics sweep sweep_demo --grid r=2.8:4.0:0.005 --grid n_iter=20000 --seeds 3 --out DIR

Set ``DYNAMICS_QUICK=1`` for a seconds-long smoke run (coarse grid, short orbits).
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import dynamics as dyn

FEIGENBAUM_R_INF = 3.569945672  # accumulation point of the period-doubling cascade


def _config() -> dict:
    if os.environ.get("DYNAMICS_QUICK") == "1":
        return {"r": np.linspace(2.8, 4.0, 25), "n_iter": 2000, "seeds": 2, "executor": "serial"}
    return {"r": np.linspace(2.8, 4.0, 241), "n_iter": 20000, "seeds": 3,
            "executor": "processes"}


#: the parameters task() takes (checked by `dynamics sweep` before anything runs)
TASK_PARAMS = {"required": ("r",), "optional": ("n_iter", "n_tail")}


def task(params: dict, seed) -> dict:
    """Lyapunov exponent of the logistic map at ``params["r"]`` from a random x0.

    ``params``: ``r`` in (0, 4], optional ``n_iter`` (iterations averaged, default 20000;
    a tenth as many are discarded first as transient), optional ``n_tail`` (orbit points
    returned, default 64). Returns ``lyapunov`` (float) and ``tail`` (array of the last
    iterates, the attractor).
    """
    r = float(params["r"])
    n_iter = int(params.get("n_iter", 20000))
    n_tail = int(params.get("n_tail", 64))
    if not 0.0 < r <= 4.0:
        raise ValueError(f"params['r']: expected 0 < r <= 4, got {r}")
    if n_iter < 1 or not 1 <= n_tail <= n_iter:
        raise ValueError(f"params: expected n_iter >= n_tail >= 1, got {n_iter}, {n_tail}")
    rng = np.random.default_rng(seed)
    x = float(rng.uniform(0.05, 0.95))
    for _ in range(n_iter // 10):  # transient
        x = r * x * (1.0 - x)
    total = 0.0
    tail = np.empty(n_tail)
    for n in range(n_iter):
        total += math.log(max(abs(r * (1.0 - 2.0 * x)), 1e-300))
        x = r * x * (1.0 - x)
        if n >= n_iter - n_tail:
            tail[n - (n_iter - n_tail)] = x
    return {"lyapunov": total / n_iter, "tail": tail}


def run(out_dir: Path, seed: int) -> dict:
    cfg = _config()
    start = time.perf_counter()
    result = dyn.sweep(
        task,
        {"r": cfg["r"], "n_iter": [cfg["n_iter"]]},
        seeds=cfg["seeds"],
        base_seed=seed,
        store=Path(out_dir) / f"sweep_seed{seed}",  # a store holds one base seed
        executor=cfg["executor"],
        progress=False,
    )
    elapsed = time.perf_counter() - start
    mean = result.aggregate("lyapunov", by="r")
    r, lam = mean["r"], mean["lyapunov"]

    fig, (ax_orbit, ax_lyap) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    tails = result["tail"]
    ax_orbit.plot(np.repeat(result["r"], tails.shape[1]), tails.ravel(), ",k", alpha=0.5)
    ax_orbit.set_ylabel("x (attractor)")
    ax_orbit.set_title("Logistic map x -> r x (1 - x), swept with dyn.sweep")
    ax_lyap.axhline(0.0, color="0.6", lw=0.8)
    ax_lyap.axhline(math.log(2.0), color="C3", ls="--", lw=0.8, label="ln 2 (exact at r = 4)")
    ax_lyap.axvline(FEIGENBAUM_R_INF, color="C2", ls=":", lw=0.8, label="r_inf = 3.5699")
    ax_lyap.plot(r, lam, "C0.-", ms=3, label=f"mean over {cfg['seeds']} seeds")
    ax_lyap.set_xlabel("r")
    ax_lyap.set_ylabel("Lyapunov exponent")
    ax_lyap.legend(loc="lower left", fontsize=8)
    dyn.save_figure(fig, Path(out_dir) / "logistic_lyapunov.png")

    chaotic = r[(lam > 0.01) & (r > 3.0)]
    return {
        "n_tasks": result.n_tasks,
        "n_failed": len(result.failed),
        "lyapunov_at_r4": float(lam[np.argmin(np.abs(r - 4.0))]),
        "ln2": math.log(2.0),
        "first_chaotic_r": float(chaotic.min()) if chaotic.size else None,
        "feigenbaum_r_inf": FEIGENBAUM_R_INF,
        "sweep_seconds": elapsed,
        "store": str(result.store),
    }
