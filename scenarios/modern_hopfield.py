"""Modern Hopfield networks (Ramsauer et al. 2020) and dense associative memories beyond N.

Letters rendered as +-1 vectors are stored in a modern Hopfield network,
xi <- X softmax(beta X^T xi). From probes whose lower half is masked (set to 0) one update
retrieves the letter when beta is large; as beta decreases the fixed points become metastable
averages of similar letters and finally the global average of all of them -- the three regimes
of Ramsauer et al. (2020), classified by the participation ratio of the softmax weights. The
energy -lse(beta, X^T xi) + xi.xi/2 + const decreases along the iteration. Dense associative
memories E = -sum F(xi . sigma) with F = x^n (Krotov & Hopfield 2016) or exp (Demircigil et
al. 2017) store far more random patterns than neurons, where the Hebbian network fails.

``DYNAMICS_QUICK=1`` shrinks the run to a few seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dynamics as dyn  # noqa: E402


def _config() -> dict:
    if os.environ.get("DYNAMICS_QUICK") == "1":
        return {"chars": "HOPFEL", "size": 12, "n_betas": 7, "dam_n": 40,
                "dam_loads": (0.1, 0.15, 0.5, 1.0, 2.0), "dam_seeds": 2, "dam_probes": 20}
    return {"chars": "ABCDEFHIKLOPRTXZ", "size": 16, "n_betas": 17, "dam_n": 100,
            # fine around the Hebbian drop (alpha_c = 0.138), coarse beyond
            "dam_loads": (0.05, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.25, 0.35, 0.5, 0.75,
                          1.0, 1.5, 2.0, 3.0), "dam_seeds": 5,
            "dam_probes": 50}


def run(out_dir: Path, seed: int) -> dict:
    cfg = _config()
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    size = cfg["size"]
    x = dyn.glyph_patterns(cfg["chars"], size=size)
    p, d = x.shape
    masked = x.copy()
    masked[:, d // 2:] = 0.0  # the lower half of every letter is hidden

    betas = np.logspace(-4, 0, cfg["n_betas"])
    one_step_error = []
    regimes = {"single": [], "metastable": [], "global": []}
    mean_n_eff = []
    energy_ok = True
    # one beta per regime: global average, metastable averages, single letters
    shown = [betas[0], betas[int(np.argmin(np.abs(np.log10(betas) + 1.5)))], betas[-1]]
    shown_states = {}
    for beta in betas:
        net = dyn.ModernHopfield(beta).store(x)
        one = net.retrieve(masked, max_steps=1)
        one_step_error.append(float(np.mean(np.abs(one.states - x))))
        fixed = net.retrieve(masked, max_steps=200, tol=1e-10)
        energy_ok &= bool(np.all(np.diff(fixed.energy, axis=1) <= 1e-9))
        labels, n_eff = net.regime(fixed.states)
        for key in regimes:
            regimes[key].append(float(np.mean(labels == key)))
        mean_n_eff.append(float(np.mean(n_eff)))
        if beta in shown:
            shown_states[float(beta)] = one.states

    cols = min(p, 8)
    grid = np.stack([x[:cols], masked[:cols]] + [shown_states[float(b)][:cols] for b in shown])
    fig = dyn.plot.patterns(
        grid, (size, size), colorbar_label="component of xi",
        row_titles=["stored", "masked probe"] + [rf"one step, $\beta$ = {b:.2g}" for b in shown],
        suptitle=r"Modern Hopfield: one update $\xi \leftarrow X\,"
                 r"\mathrm{softmax}(\beta X^\top \xi)$")
    dyn.save_figure(fig, out_dir / "retrieval.png")

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    axes[0].semilogx(betas, one_step_error, marker="o")
    axes[0].set_xlabel(r"inverse temperature $\beta$")
    axes[0].set_ylabel(r"mean $|\xi_\mathrm{new} - x|$ after one step")
    axes[0].set_title("One-step retrieval error")
    for key, style in (("global", "s-"), ("metastable", "^--"), ("single", "o:")):
        axes[1].semilogx(betas, regimes[key], style, label=key)
    axes[1].set_xlabel(r"inverse temperature $\beta$")
    axes[1].set_ylabel("fraction of fixed points")
    axes[1].set_ylim(-0.03, 1.03)
    axes[1].set_title("Fixed-point regimes (participation ratio of softmax)")
    axes[1].legend(fontsize=8, loc="center left")
    for ax in axes:
        ax.grid(alpha=0.3)
    dyn.save_figure(fig, out_dir / "regimes.png")

    # --- dense associative memories: capacity beyond N
    n = cfg["dam_n"]
    models = {"hebbian (pairwise)": None, "poly n=3": ("poly", 3), "poly n=4": ("poly", 4),
              "exp": ("exp", 2)}
    capacity = {name: [] for name in models}
    capacity_sem = {name: [] for name in models}
    for load in cfg["dam_loads"]:
        n_pat = max(1, int(round(load * n)))
        fr = {name: [] for name in models}
        for _ in range(cfg["dam_seeds"]):
            xi = dyn.random_patterns(n_pat, n, seed=rng)
            idx = rng.choice(n_pat, size=min(n_pat, cfg["dam_probes"]), replace=False)
            probes = dyn.flip_bits(xi[idx], 0.1, seed=rng)
            for name, spec in models.items():
                if spec is None:
                    states = dyn.HopfieldNetwork(n).store(xi).recall(probes, seed=rng).states
                else:
                    mem = dyn.DenseAssociativeMemory(n, interaction=spec[0], degree=spec[1])
                    states = mem.store(xi).recall(probes, seed=rng).states
                m = np.einsum("ij,ij->i", states.astype(float), xi[idx]) / n
                fr[name].append(float(np.mean(m >= 0.99)))
        for name in models:
            capacity[name].append(float(np.mean(fr[name])))
            capacity_sem[name].append(float(np.std(fr[name], ddof=1) / np.sqrt(len(fr[name]))))
    fig, ax = plt.subplots(figsize=(8.0, 4.0), layout="constrained")
    # distinct colour, marker and line style per model; exp is drawn first and thickest so
    # that a curve lying on it (poly n = 4 retrieves as well up to P = 3N) stays visible
    styles = {"exp": ("tab:red", "s", "-", 4.0, 9), "hebbian (pairwise)": ("tab:blue", "o", "-",
              1.5, 5), "poly n=3": ("tab:green", "^", "--", 1.5, 6),
              "poly n=4": ("black", "D", ":", 1.8, 4)}
    for name in ("exp", "hebbian (pairwise)", "poly n=3", "poly n=4"):
        color, marker, ls, lw, ms = styles[name]
        mean = np.array(capacity[name])
        err = np.array(capacity_sem[name])
        ax.errorbar(cfg["dam_loads"], mean,
                    yerr=np.vstack([np.minimum(err, mean), np.minimum(err, 1 - mean)]),
                    color=color, marker=marker, ls=ls, lw=lw, ms=ms, capsize=2,
                    alpha=0.55 if name == "exp" else 1.0, label=name)
    ax.axvline(dyn.AGS_ALPHA_C, color="0.3", ls="--", lw=1,
               label=r"Hebbian $\alpha_c$ = 0.138 (AGS 1985)")
    ax.set_xscale("log")
    ax.set_xlabel(r"load $P / N$ (log scale)")
    ax.set_ylabel("fraction retrieved\n(m ≥ 0.99 from 10 % flipped bits)")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(f"Dense associative memory, N = {n}; error bars: s.e. over "
                 f"{cfg['dam_seeds']} seeds", fontsize=10)
    ax.grid(alpha=0.3)
    # beside the axes: inside, every free corner holds data (the dense models sit at 1 across
    # the whole load range, the Hebbian curve at 0 beyond its drop)
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    dyn.save_figure(fig, out_dir / "dense_capacity.png")

    return {
        "patterns": cfg["chars"],
        "dimension": d,
        "betas": betas.tolist(),
        "one_step_error": one_step_error,
        "regime_fractions": regimes,
        "mean_participation_ratio": mean_n_eff,
        "energy_non_increasing": energy_ok,
        "dense_capacity": {"n_neurons": n, "loads": list(cfg["dam_loads"]), **capacity},
        "dense_capacity_sem": capacity_sem,
    }
