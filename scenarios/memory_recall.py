"""Associative recall of rendered letters: async binary sweeps and graded ODE recall, with energy.

Letters drawn with matplotlib's DejaVu Sans font are stored in binary Hopfield networks with
the three learning rules. Noisy probes (a fraction of pixels flipped) are recalled by
asynchronous sweeps (snapshots after each sweep, energy per sweep) and by the graded-response
network with the same weights (Hopfield 1984), integrated with ``dyn.solve`` while its energy
is tracked. Glyphs are strongly correlated (pairwise overlaps ~0.7), which defeats Hebbian
storage but not the pseudo-inverse rule (Personnaz et al. 1985).

``DYNAMICS_QUICK=1`` shrinks the glyphs and the run to a few seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dynamics as dyn  # noqa: E402

RULES = ("hebbian", "storkey", "pseudoinverse")


def _config() -> dict:
    if os.environ.get("DYNAMICS_QUICK") == "1":
        return {"chars": "HOPF", "size": 12, "noise": 0.15, "t_end": 10.0, "n_times": 5}
    return {"chars": "HOPFIELD", "size": 24, "noise": 0.2, "t_end": 20.0, "n_times": 7}


def _img(ax, v, size, title=None):
    ax.imshow(np.asarray(v, dtype=float).reshape(size, size), cmap="gray_r", vmin=-1, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=8)


def run(out_dir: Path, seed: int) -> dict:
    cfg = _config()
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    size = cfg["size"]
    xi = dyn.glyph_patterns(cfg["chars"], size=size)
    p, n = xi.shape
    probes = dyn.flip_bits(xi, cfg["noise"], seed=rng)

    summary: dict = {
        "n_neurons": n,
        "patterns": cfg["chars"],
        "flip_fraction": cfg["noise"],
        "mean_pairwise_overlap": float(
            (np.abs(xi @ xi.T / n).sum() - p) / (p * (p - 1))
        ),
        "async": {},
    }
    results = {}
    for rule in RULES:
        net = dyn.HopfieldNetwork(n, rule=rule).store(xi)
        res = net.recall(probes, mode="async", max_sweeps=50, seed=rng, record_history=True)
        m = np.diag(dyn.overlaps(res.states.astype(float), xi))
        monotone = all(
            bool(np.all(np.diff(res.energy[k, : res.sweeps[k] + 1]) <= 1e-9))
            for k in range(p)
        )
        results[rule] = (net, res)
        summary["async"][rule] = {
            "fraction_retrieved": float(np.mean(m >= 0.99)),
            "final_overlaps": m.round(4).tolist(),
            "sweeps": res.sweeps.tolist(),
            "energy_non_increasing": monotone,
        }
        sync = net.recall(probes, mode="sync", max_sweeps=50)
        summary["async"][rule]["sync_outcomes"] = sync.outcome.tolist()

    # --- snapshots over sweeps (pseudo-inverse rule)
    net, res = results["pseudoinverse"]
    n_cols = min(int(res.sweeps.max()) + 1, 5)
    show = min(p, 4)
    fig, axes = plt.subplots(show, n_cols + 1, figsize=(1.6 * (n_cols + 1), 1.6 * show),
                             squeeze=False)
    for r in range(show):
        for c in range(n_cols):
            _img(axes[r, c], res.history[r, c], size, f"sweep {c}" if r == 0 else None)
        _img(axes[r, n_cols], xi[r], size, "stored" if r == 0 else None)
    fig.suptitle("Asynchronous recall (pseudo-inverse rule): state after each sweep")
    dyn.save_figure(fig, out_dir / "recall_snapshots.png")

    # --- energy per sweep for every rule
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), sharey=False)
    for ax, rule in zip(axes, RULES, strict=True):
        _, r_res = results[rule]
        for k in range(p):
            e = r_res.energy[k, : r_res.sweeps[k] + 1]
            ax.plot(np.arange(e.size), e, marker="o", ms=3, label=cfg["chars"][k])
        ax.set_title(f"{rule}: retrieved "
                     f"{summary['async'][rule]['fraction_retrieved']:.0%}")
        ax.set_xlabel("sweep")
    axes[0].set_ylabel("energy E = -1/2 s^T W s")
    axes[-1].legend(fontsize=7, ncol=2)
    dyn.save_figure(fig, out_dir / "energy_per_sweep.png")

    # --- final states per rule
    fig, axes = plt.subplots(len(RULES) + 2, p, figsize=(1.3 * p, 1.4 * (len(RULES) + 2)),
                             squeeze=False)
    for k in range(p):
        _img(axes[0, k], xi[k], size, "stored" if k == 0 else None)
        _img(axes[1, k], probes[k], size, "probe" if k == 0 else None)
        for r, rule in enumerate(RULES):
            _img(axes[r + 2, k], results[rule][1].states[k], size, rule if k == 0 else None)
    fig.suptitle("Correlated glyphs: Hebbian storage mixes them, the projection rule does not")
    dyn.save_figure(fig, out_dir / "rules_comparison.png")

    # --- graded recall: the continuous network with the same weights, solved as an ODE
    model = net.as_continuous(gain="tanh", gain_scale=4.0, tau=1.0)
    t_eval = np.concatenate([[0.0], np.geomspace(0.25, cfg["t_end"], cfg["n_times"] - 1)])
    graded = []
    fig, axes = plt.subplots(show, cfg["n_times"] + 1, figsize=(1.5 * (cfg["n_times"] + 1),
                             1.6 * show), squeeze=False)
    fig_e, ax_e = plt.subplots(figsize=(5, 3.4))
    for r in range(p):
        sol = dyn.solve(model, (0.0, cfg["t_end"]), 0.1 * probes[r], rtol=1e-7, atol=1e-9,
                        dense_output=True)
        v_final = model.output(sol.y[:, -1])
        m_final = float(np.sign(v_final) @ xi[r] / n)
        graded.append({
            "letter": cfg["chars"][r],
            "status": sol.status,
            "final_overlap_sign": m_final,
            "energy_start": float(sol.energy[0]),
            "energy_end": float(sol.energy[-1]),
            "energy_increases": bool(sol.energy_increases),
            "nsteps": sol.nsteps,
        })
        ax_e.plot(sol.t, sol.energy, label=cfg["chars"][r])
        if r < show:
            snaps = sol.sol(t_eval)
            for c, t in enumerate(t_eval):
                _img(axes[r, c], model.output(snaps[:, c]), size,
                     f"t = {t:.2g}" if r == 0 else None)
            _img(axes[r, -1], xi[r], size, "stored" if r == 0 else None)
    fig.suptitle("Graded recall: V = tanh(4u), tau du/dt = -u + W V (same weights)")
    dyn.save_figure(fig, out_dir / "graded_snapshots.png")
    ax_e.set_xlabel("t / tau")
    ax_e.set_ylabel("Hopfield (1984) energy")
    ax_e.set_title("Graded recall: energy along each trajectory")
    ax_e.legend(fontsize=7, ncol=2)
    dyn.save_figure(fig_e, out_dir / "graded_energy.png")
    summary["graded"] = graded
    summary["graded_fraction_retrieved"] = float(
        np.mean([g["final_overlap_sign"] >= 0.99 for g in graded])
    )
    return summary
