"""Cohen-Grossberg networks with different a / b / d: the energy falls on every trajectory.

Cohen & Grossberg (1983) networks ``dx_i/dt = a_i(x_i)[b_i(x_i) - sum_k c_ik d_k(x_k)]``
with symmetric ``C`` have the Lyapunov function

    V(x) = - sum_i integral_0^{x_i} b_i(s) d_i'(s) ds + 1/2 sum_jk c_jk d_j(x_j) d_k(x_k).

Five networks of N = 20 neurons share one random symmetric coupling matrix but differ in
their amplification a, self-signal b and signal d (built-in families of
``dyn.CohenGrossberg``; the last one mixes families neuron by neuron). Each is integrated by
``dyn.solve_ensemble`` (dopri5) from several random starts, and its energy -- closed form for
linear b, Gauss-Legendre quadrature for cubic b -- never rises (the solver's
``energy_increases`` flags are all False). For contrast, a sixth network with a random
Gaussian (asymmetric) C has no Lyapunov function: its "energy" rises and falls, and the
solver flags it.

Figures: ``energies.png`` (V(t) per network and start, the asymmetric one last),
``asymmetric_contrast.png`` (the asymmetric network's energy and states). The summary holds
per network the families, the energy drop, monotonicity flags and the largest final |dx/dt|.
``DYNAMICS_QUICK=1`` runs 8 neurons, 2 starts, shorter spans.
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

NETWORKS = [
    ("Hopfield-like", "constant", ("linear", {}), ("tanh", {"gain": 2.0})),
    ("quadratic a, cubic b", "quadratic", ("cubic", {"cubic": 0.5}), ("logistic", {"gain": 3.0})),
    ("Lorentzian a", "lorentzian", ("linear", {"decay": 0.5}), ("piecewise_linear", {"gain": 1.5})),
    ("logistic a, ReLU d", "logistic", ("cubic", {"decay": 0.5}), ("relu", {"gain": 1.0})),
]


def _config() -> dict:
    if os.environ.get("DYNAMICS_QUICK") == "1":
        return {"quick": True, "n": 8, "starts": 2, "t_end": 15.0, "n_eval": 151}
    return {"quick": False, "n": 20, "starts": 6, "t_end": 60.0, "n_eval": 601}


def _networks(cfg: dict, rng: np.random.Generator) -> list[tuple[str, dyn.CohenGrossberg, dict]]:
    n = cfg["n"]
    m = rng.normal(size=(n, n)) * 1.2 / np.sqrt(n)
    c = (m + m.T) / 2
    inputs = rng.normal(0.0, 0.5, n)
    out = []
    for label, a, (bname, bq), d in NETWORKS:
        b = (bname, {**bq, "input": inputs})
        out.append((label, dyn.CohenGrossberg(a=a, b=b, C=c, d=d), {"a": a, "b": bname, "d": d[0]}))
    a_mix = ["constant", "quadratic", "lorentzian", "logistic"]
    d_mix = ["tanh", "logistic", "piecewise_linear", "relu"]
    mixed = dyn.CohenGrossberg(
        a=[a_mix[i % 4] for i in range(n)],
        b=[("cubic" if i % 2 else "linear", {"input": inputs[i]}) for i in range(n)],
        C=c,
        d=[(d_mix[(i // 2) % 4], {"gain": 2.0}) for i in range(n)],
    )
    out.append(("per-neuron mix", mixed, {"a": "mixed", "b": "mixed", "d": "mixed"}))
    return out


def _asymmetric(cfg: dict, rng: np.random.Generator) -> dyn.CohenGrossberg:
    n = cfg["n"]
    m = rng.normal(size=(n, n)) / np.sqrt(n)
    # a random Gaussian C: the origin is unstable (gain * spectral radius ~ 3 > 1) and the
    # saturating tanh keeps the state moving (as in a random rate network, g ~ 3)
    return dyn.CohenGrossberg(a="constant", b="linear", C=m, d=("tanh", {"gain": 3.0}))


def _run(model, cfg, y0):
    t_eval = np.linspace(0.0, cfg["t_end"], cfg["n_eval"])
    return dyn.solve_ensemble(model, (0.0, cfg["t_end"]), y0, t_eval=t_eval, rtol=1e-8, atol=1e-10)


def _max_rate(model, ens) -> float:
    return float(max(np.abs(model.rhs(ens.y[k, :, -1])).max() for k in range(len(ens))))


def _plot_energies(results, asym, path):
    panels = [*results, ("asymmetric C (contrast)", asym)]
    cols = 3
    rows = int(np.ceil(len(panels) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(11, 3.3 * rows), squeeze=False)
    for ax, (label, ens) in zip(axes.flat, panels, strict=False):
        e = ens.energy
        for j in range(e.shape[0]):
            colour = plt.cm.viridis(j / max(1, e.shape[0] - 1))
            ax.plot(ens.t, e[j], lw=1.4, color=colour)
        flag = bool(ens.energy_increases.any())
        ax.set_title(
            f"{label}\nenergy rises: {flag}", fontsize=10, color="tab:red" if flag else "black"
        )
        ax.set_xscale("symlog", linthresh=1.0)
        ax.set_xlabel("time t (symlog scale)")
        ax.set_ylabel("energy V(t)")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    fig.suptitle("Cohen-Grossberg energies along dopri5 trajectories (one colour per start)")
    fig.tight_layout()
    dyn.save_figure(fig, path)


def _plot_asymmetric(ens, model, path):
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.2))
    for j in range(ens.energy.shape[0]):
        ax1.plot(ens.t, ens.energy[j], lw=1.4, label=f"start {j + 1}")
    ax1.set_xlabel("time t")
    ax1.set_ylabel("V(t) (no Lyapunov function)")
    ax1.set_title(f"asymmetric C: energy rises = {bool(ens.energy_increases.any())}")
    ax1.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)
    ax1.grid(alpha=0.3)
    signals = model.output(ens.y[0])
    for i in range(min(5, signals.shape[0])):
        ax2.plot(ens.t, signals[i], lw=1.2, label=f"neuron {i + 1}")
    ax2.set_xlabel("time t")
    ax2.set_ylabel("signal d(x_i)")
    ax2.set_title("start 1: the state keeps moving")
    ax2.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    dyn.save_figure(fig, path)


def run(out_dir: Path, seed: int) -> dict:
    """Integrate the networks, write the figures into ``out_dir``, return the summary."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cfg = _config()
    rng = np.random.default_rng(seed)
    t_start = time.perf_counter()
    results = []
    networks = []
    for label, model, families in _networks(cfg, rng):
        y0 = rng.normal(0.0, 1.5, (cfg["starts"], model.n_states))
        ens = _run(model, cfg, y0)
        results.append((label, ens))
        drops = ens.energy[:, 0] - ens.energy[:, -1]
        steps = np.diff(ens.energy, axis=1)
        networks.append(
            {
                "name": label,
                "families": families,
                "symmetric": model.is_symmetric,
                "energy_increases": [bool(v) for v in ens.energy_increases],
                "largest_energy_step": float(steps.max()),
                "energy_drop": [float(v) for v in drops],
                "final_max_abs_rate": _max_rate(model, ens),
                "status": [int(s) for s in ens.status],
            }
        )
    asym_model = _asymmetric(cfg, rng)
    asym = _run(asym_model, cfg, rng.normal(0.0, 1.5, (cfg["starts"], asym_model.n_states)))
    _plot_energies(results, asym, out_dir / "energies.png")
    _plot_asymmetric(asym, asym_model, out_dir / "asymmetric_contrast.png")
    rises = np.diff(asym.energy, axis=1)
    return {
        "quick": cfg["quick"],
        "seed": seed,
        "n_neurons": cfg["n"],
        "starts": cfg["starts"],
        "t_end": cfg["t_end"],
        "networks": networks,
        "all_symmetric_monotone": all(not any(n["energy_increases"]) for n in networks),
        "asymmetric": {
            "symmetric": asym_model.is_symmetric,
            "energy_increases": [bool(v) for v in asym.energy_increases],
            "largest_energy_rise": float(rises.max()),
            "final_max_abs_rate": _max_rate(asym_model, asym),
        },
        "figures": ["energies.png", "asymmetric_contrast.png"],
        "elapsed_s": time.perf_counter() - t_start,
    }
