"""Bidirectional associative memory (Kosko 1988): pairs, energy per pass, capacity, continuous BAM.

Random bipolar pairs (A_k, B_k) are stored in M = sum_k A_k^T B_k. From a noisy A the network
alternates B <- sign(A M), A <- sign(B M^T) until the pair is stable; the energy
E(A, B) = -A M B^T never increases from pass to pass. The fraction of pairs recalled exactly is
measured against the number of stored pairs. The continuous BAM with the same (scaled)
correlation matrix, tau dx/dt = -x + M g(y), tau dy/dt = -y + M^T g(x), is integrated with
``dyn.solve`` and its Lyapunov energy tracked along the trajectory.

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
        return {"n_a": 64, "n_b": 36, "shape_a": (8, 8), "shape_b": (6, 6), "pairs": 4,
                "max_pairs": 10, "seeds": 3, "t_end": 10.0}
    return {"n_a": 144, "n_b": 64, "shape_a": (12, 12), "shape_b": (8, 8), "pairs": 6,
            "max_pairs": 24, "seeds": 20, "t_end": 20.0}


def run(out_dir: Path, seed: int) -> dict:
    cfg = _config()
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    n_a, n_b, p = cfg["n_a"], cfg["n_b"], cfg["pairs"]
    a = dyn.random_patterns(p, n_a, seed=rng)
    b = dyn.random_patterns(p, n_b, seed=rng)
    bam = dyn.BAM(n_a, n_b).store(a, b)

    # --- recall in both directions from noisy probes
    fwd = bam.recall(a=dyn.flip_bits(a, 0.15, seed=rng))
    back = bam.recall(b=dyn.flip_bits(b, 0.1, seed=rng))
    fwd_ok = np.all(fwd.a == a, axis=1) & np.all(fwd.b == b, axis=1)
    back_ok = np.all(back.a == a, axis=1) & np.all(back.b == b, axis=1)
    monotone = all(bool(np.all(np.diff(r.energy[k, : r.passes[k] + 1]) <= 1e-9))
                   for r in (fwd, back) for k in range(p))

    fig, axes = plt.subplots(3, p, figsize=(1.6 * p, 5), squeeze=False)
    probes_a = dyn.flip_bits(a, 0.15, seed=np.random.default_rng(seed))
    res_show = bam.recall(a=probes_a)
    for k in range(p):
        axes[0, k].imshow(probes_a[k].reshape(cfg["shape_a"]), cmap="gray_r")
        axes[1, k].imshow(res_show.b[k].reshape(cfg["shape_b"]), cmap="gray_r")
        axes[2, k].imshow(b[k].reshape(cfg["shape_b"]), cmap="gray_r")
        for r in range(3):
            axes[r, k].set_xticks([])
            axes[r, k].set_yticks([])
    axes[0, 0].set_ylabel("probe A\n(15% flipped)", fontsize=8)
    axes[1, 0].set_ylabel("recalled B", fontsize=8)
    axes[2, 0].set_ylabel("stored B", fontsize=8)
    fig.suptitle("BAM: from a noisy A to its associated B")
    dyn.save_figure(fig, out_dir / "pairs.png")

    fig, ax = plt.subplots(figsize=(5, 3.4))
    for k in range(p):
        ax.plot(fwd.energy[k, : fwd.passes[k] + 1], marker="o", label=f"pair {k}")
    ax.set_xlabel("pass (B <- sign(A M), A <- sign(B M^T))")
    ax.set_ylabel("E(A, B) = -A M B^T")
    ax.set_title("Energy per pass")
    ax.legend(fontsize=7)
    dyn.save_figure(fig, out_dir / "energy_per_pass.png")

    # --- capacity: fraction of pairs recalled exactly vs number of stored pairs
    counts = np.arange(1, cfg["max_pairs"] + 1)
    frac = np.zeros((counts.size, cfg["seeds"]))
    for i, count in enumerate(counts):
        for s in range(cfg["seeds"]):
            aa = dyn.random_patterns(count, n_a, seed=rng)
            bb = dyn.random_patterns(count, n_b, seed=rng)
            res = dyn.BAM(n_a, n_b).store(aa, bb).recall(a=dyn.flip_bits(aa, 0.1, seed=rng))
            frac[i, s] = np.mean(np.all(res.a == aa, axis=1) & np.all(res.b == bb, axis=1))
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.errorbar(counts, frac.mean(axis=1), yerr=frac.std(axis=1, ddof=1) / np.sqrt(frac.shape[1]),
                marker="o", capsize=2)
    ax.set_xlabel("stored pairs")
    ax.set_ylabel("fraction recalled exactly")
    ax.set_title(f"BAM capacity, n_a = {n_a}, n_b = {n_b}, 10% flipped in A")
    dyn.save_figure(fig, out_dir / "capacity.png")

    # --- continuous BAM, same correlations (scaled), integrated with energy tracking
    model = dyn.ContinuousBAM(bam.weights / np.sqrt(n_a * n_b), gain="tanh", gain_scale=3.0)
    x0 = np.concatenate([0.1 * dyn.flip_bits(a[0], 0.15, seed=rng), np.zeros(n_b)])
    sol = dyn.solve(model, (0.0, cfg["t_end"]), x0, rtol=1e-8, atol=1e-10)
    va, vb = model.split(sol.y.T)
    m_a = va @ a.T / n_a
    m_b = vb @ b.T / n_b
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    axes[0].plot(sol.t, sol.energy)
    axes[0].set_xlabel("t / tau")
    axes[0].set_ylabel("Lyapunov energy")
    axes[0].set_title("Continuous BAM energy")
    colors = plt.cm.tab10(np.arange(p) % 10)
    for k in range(p):
        axes[1].plot(sol.t, m_a[:, k], color=colors[k], label=f"A_{k} (solid), B_{k} (dashed)")
        axes[1].plot(sol.t, m_b[:, k], color=colors[k], ls="--")
    axes[1].set_xlabel("t / tau")
    axes[1].set_ylabel("overlap of g(x) with stored layer")
    axes[1].legend(fontsize=6, ncol=2)
    dyn.save_figure(fig, out_dir / "continuous_bam.png")

    return {
        "n_a": n_a,
        "n_b": n_b,
        "pairs": p,
        "forward_recalled": float(fwd_ok.mean()),
        "backward_recalled": float(back_ok.mean()),
        "passes_forward": fwd.passes.tolist(),
        "energy_non_increasing": monotone,
        "capacity_fraction_recalled": dict(zip(counts.tolist(), frac.mean(axis=1).round(3)
                                               .tolist(), strict=True)),
        "continuous": {
            "status": sol.status,
            "energy_start": float(sol.energy[0]),
            "energy_end": float(sol.energy[-1]),
            "energy_increases": bool(sol.energy_increases),
            "final_overlap_a0": float(np.sign(va[-1]) @ a[0] / n_a),
            "final_overlap_b0": float(np.sign(vb[-1]) @ b[0] / n_b),
        },
    }
