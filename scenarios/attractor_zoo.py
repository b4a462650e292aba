"""Attractor zoo: fixed point, limit cycle and chaos of recurrent networks, auto-classified.

Three networks of the form ``dx/dt = -x + W tanh(lambda x)``:

(a) **fixed point** -- two neurons coupled symmetrically (``dyn.two_neuron_hopfield``,
    w12 = 1, lambda = 2; Hopfield 1984): two stable nodes and a saddle between them;
(b) **limit cycle** -- two neurons with a rotational coupling W = [[1, -1], [1, 1]],
    lambda = 2: the origin is an unstable focus (eigenvalues 1 +- 2i) and the saturating gain
    bounds the spiral, a stable oscillation;
(c) **chaos** -- a random rate network (Sompolinsky, Crisanti & Sommers 1988), N = 200,
    g = 3.

Each trajectory is labelled by ``dyn.classify_attractor`` (with the model, so lambda_1 comes
from ``dyn.lyapunov_spectrum``), fixed points come from ``dyn.find_fixed_points`` and the
basins from ``dyn.basins`` on a grid of initial conditions (for (c) a 2-D slice through
neurons 1 and 2 of the 200-dimensional state space). Figure: ``attractor_zoo.png``, one row
per network: time course, phase plane with the fixed points, basins. Set ``DYNAMICS_QUICK=1``
for a seconds-long smoke run (coarser grids, shorter runs).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

import dynamics as dyn

MARKERS = {"stable": ("o", "k"), "unstable": ("X", "C3")}


def _config() -> dict:
    if os.environ.get("DYNAMICS_QUICK") == "1":
        return {"quick": True, "grid": 15, "chaos_grid": 3, "t_end": 60.0, "chaos_t": 60.0}
    return {"quick": False, "grid": 61, "chaos_grid": 9, "t_end": 100.0, "chaos_t": 200.0}


def _networks(seed: int) -> list[dict]:
    return [
        {"name": "fixed point", "model": dyn.two_neuron_hopfield(w12=1.0, gain_scale=2.0),
         "x0": [0.1, 0.3], "extent": 1.5, "dims": (0, 1), "moving": "recurrence"},
        {"name": "limit cycle",
         "model": dyn.ContinuousHopfield([[1.0, -1.0], [1.0, 1.0]], gain_scale=2.0),
         "x0": [0.1, 0.0], "extent": 3.0, "dims": (0, 1), "moving": "recurrence"},
        {"name": "chaos", "model": dyn.RandomRateNetwork(200, 3.0, seed=seed),
         "x0": np.random.default_rng(seed).normal(size=200), "extent": 3.0, "dims": (0, 1),
         "moving": "one"},
    ]


def _row(axes, net: dict, cfg: dict, seed: int) -> dict:
    model = net["model"]
    t_end = cfg["chaos_t"] if net["name"] == "chaos" else cfg["t_end"]
    t_eval = np.linspace(0.0, t_end, 4001)
    sol = dyn.solve(model, (0.0, t_end), net["x0"], t_eval=t_eval, rtol=1e-8, atol=1e-10)
    verdict = dyn.classify_attractor(sol, model)
    n = model.n_states
    fps = dyn.find_fixed_points(model, n_starts=32 if n > 2 else 64, seed=seed)
    ax_t, ax_p, ax_b = axes
    for i in range(min(n, 3)):
        ax_t.plot(sol.t, sol.y[i], lw=1.0, label=f"x{i + 1}")
    ax_t.set_xlabel("time (units of tau)")
    ax_t.set_ylabel("activation")
    extra = f", period {verdict.period:.3f}" if verdict.period else ""
    extra += f", lambda_1 = {verdict.lyapunov:.3f}" if verdict.lyapunov is not None else ""
    ax_t.set_title(f"{net['name']}: classified '{verdict.kind}'{extra}", fontsize=9)
    ax_t.legend(fontsize=8, loc="upper right", ncol=3)

    d0, d1 = net["dims"]
    half = sol.t >= 0.5 * t_end
    ax_p.plot(sol.y[d0], sol.y[d1], color="0.7", lw=0.6, label="transient")
    ax_p.plot(sol.y[d0, half], sol.y[d1, half], color="C0", lw=1.0, label="tail")
    for kind, (marker, colour) in MARKERS.items():
        pts = [fp for fp in fps if fp.stable == (kind == "stable")]
        if pts:
            ax_p.plot([fp.x[d0] for fp in pts], [fp.x[d1] for fp in pts], marker, color=colour,
                      ms=7, ls="none", label=f"{kind} fixed point")
    ax_p.set_xlabel(f"x{d0 + 1}")
    ax_p.set_ylabel(f"x{d1 + 1}")
    ax_p.set_title("phase plane" + (" (projection)" if n > 2 else ""), fontsize=9)
    ax_p.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))

    size = cfg["chaos_grid"] if n > 2 else cfg["grid"]
    axis = np.linspace(-net["extent"], net["extent"], size) + 0.0123  # off exact symmetry
    base = np.asarray(net["x0"], dtype=float) if n > 2 else None
    bas = dyn.basins(model, (axis, axis), dims=net["dims"], base=base, t_end=t_end,
                     moving=net["moving"], seed=seed)
    names = []
    for a in bas.attractors:
        if a.fixed_point is not None:
            names.append(f"{a.fixed_point.label} ({a.state[d0]:+.2f}, {a.state[d1]:+.2f})")
        else:
            names.append("moving attractor" if net["moving"] == "recurrence"
                         else "not at rest (all moving)")
    cmap = ListedColormap([f"C{k + 1}" for k in range(max(1, len(names)))])
    ax_b.imshow(bas.labels, origin="lower", cmap=cmap, vmin=-0.5, vmax=len(names) - 0.5,
                extent=(axis[0], axis[-1], axis[0], axis[-1]), aspect="auto",
                interpolation="nearest")
    for k, label in enumerate(names):
        ax_b.plot([], [], "s", color=f"C{k + 1}", label=label)
    ax_b.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax_b.set_xlabel(f"x{d0 + 1}(0)")
    ax_b.set_ylabel(f"x{d1 + 1}(0)")
    ax_b.set_title(f"basins ({size} x {size} starts, one ensemble)", fontsize=9)
    return {
        "classification": verdict.as_dict(),
        "fixed_points": [{"x": [float(v) for v in fp.x[:3]], "label": fp.label,
                          "eigenvalues_real": [float(v) for v in fp.eigenvalues.real[:3]]}
                         for fp in fps],
        "basins": {"grid": size, "attractors": names,
                   "fractions": [float(f) for f in bas.fractions()],
                   "failed": int(np.sum(bas.labels < 0))},
    }


def run(out_dir: Path, seed: int) -> dict:
    cfg = _config()
    start = time.perf_counter()
    fig, axes = plt.subplots(3, 3, figsize=(15, 11), layout="constrained",
                             gridspec_kw={"width_ratios": [1.3, 1.0, 1.0]})
    rows = {}
    for k, net in enumerate(_networks(seed)):
        rows[net["name"]] = _row(axes[k], net, cfg, seed)
    fig.suptitle("Attractors of recurrent networks dx/dt = -x + W tanh(lambda x), "
                 "classified by dyn.classify_attractor", fontsize=11)
    dyn.save_figure(fig, Path(out_dir) / "attractor_zoo.png")
    return {
        "quick": cfg["quick"],
        "networks": rows,
        "kinds": {name: row["classification"]["kind"] for name, row in rows.items()},
        "figures": ["attractor_zoo.png"],
        "timings_s": {"total": time.perf_counter() - start},
    }
