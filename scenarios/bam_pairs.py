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

    probes_a = dyn.flip_bits(a, 0.15, seed=np.random.default_rng(seed))
    res_show = bam.recall(a=probes_a)
    wrong_b = np.sum(res_show.b != b, axis=1)
    fig, axes = plt.subplots(3, p, figsize=(1.35 * p + 1.2, 4.6), squeeze=False,
                             layout="constrained")
    dyn.plot.patterns(probes_a, cfg["shape_a"], ncols=p, axes=axes[0], colorbar=False,
                      titles=[f"pair {k + 1}" for k in range(p)],
                      row_titles=["probe A\n(15 % flipped)"])
    dyn.plot.patterns(np.stack([res_show.b, b]).astype(float), cfg["shape_b"], axes=axes[1:],
                      row_titles=["recalled B", "stored B"], colorbar_label="unit state",
                      titles=[f"{int(w)} bits wrong" for w in wrong_b] + [None] * p)
    fig.suptitle(f"BAM: from a noisy A to its associated B ({int(np.sum(wrong_b == 0))} of "
                 f"{p} B recalled with no wrong bit)")
    dyn.save_figure(fig, out_dir / "pairs.png")

    ax = dyn.plot.energy(fwd, labels=[f"pair {k + 1}" for k in range(p)],
                         xlabel=r"pass (B $\leftarrow$ sign(A M), A $\leftarrow$ sign(B M$^\top$))",
                         ylabel=r"energy $E(A, B) = -A M B^\top$",
                         title=f"Energy per pass from A with 15 % flipped bits ({p} pairs)")
    dyn.save_figure(ax.figure, out_dir / "energy_per_pass.png")

    # --- capacity: fraction of pairs recalled exactly vs number of stored pairs
    counts = np.arange(1, cfg["max_pairs"] + 1)
    frac = np.zeros((counts.size, cfg["seeds"]))
    for i, count in enumerate(counts):
        for s in range(cfg["seeds"]):
            aa = dyn.random_patterns(count, n_a, seed=rng)
            bb = dyn.random_patterns(count, n_b, seed=rng)
            res = dyn.BAM(n_a, n_b).store(aa, bb).recall(a=dyn.flip_bits(aa, 0.1, seed=rng))
            frac[i, s] = np.mean(np.all(res.a == aa, axis=1) & np.all(res.b == bb, axis=1))
    mean = frac.mean(axis=1)
    sem = frac.std(axis=1, ddof=1) / np.sqrt(frac.shape[1])
    fig, ax = plt.subplots(figsize=(5.6, 3.6), layout="constrained")
    ax.errorbar(counts, mean, yerr=np.vstack([np.minimum(sem, mean), np.minimum(sem, 1 - mean)]),
                marker="o", ms=4, capsize=2,
                label=f"mean over {cfg['seeds']} seeds ± standard error")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("stored pairs P")
    ax.set_ylabel("fraction of pairs recalled exactly")
    ax.set_title(f"BAM capacity, $n_a$ = {n_a}, $n_b$ = {n_b}, 10 % flipped in A")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    dyn.save_figure(fig, out_dir / "capacity.png")

    # --- continuous BAM, same correlations (scaled), integrated with energy tracking
    model = dyn.ContinuousBAM(bam.weights / np.sqrt(n_a * n_b), gain="tanh", gain_scale=3.0)
    x0 = np.concatenate([0.1 * dyn.flip_bits(a[0], 0.15, seed=rng), np.zeros(n_b)])
    sol = dyn.solve(model, (0.0, cfg["t_end"]), x0, rtol=1e-8, atol=1e-10)
    va, vb = model.split(sol.y.T)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    dyn.plot.energy(sol, ax=axes[0], xlabel=r"time $t / \tau$", ylabel="Lyapunov energy E",
                    title=f"Continuous BAM energy (increases flagged: {sol.energy_increases})")
    names = [f"pair {k + 1}" for k in range(p)]
    dyn.plot.overlap(sol, a, ax=axes[1], output=model.gain.g, neurons=slice(0, n_a),
                     labels=names, xlabel=r"time $t / \tau$",
                     ylabel="overlap of g(x) with the stored layer")
    dyn.plot.overlap(sol, b, ax=axes[1], output=model.gain.g, neurons=slice(n_a, n_a + n_b),
                     labels=[None] * p, ls="--", xlabel=r"time $t / \tau$",
                     ylabel="overlap of g(x) with the stored layer",
                     title="Overlaps from a noisy A of pair 1 (solid: A, dashed: B)")
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
