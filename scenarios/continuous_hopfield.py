"""Continuous Hopfield network: two-neuron phase portrait on its energy, N=100 pattern recall.

The graded-response network of Hopfield (1984), ``tau du/dt = -u + W g(u) + I`` with
``V = g(u) = tanh(lambda u)``, has for symmetric ``W`` the Lyapunov function

    E(V) = -1/2 V^T W V - I^T V + sum_i integral_0^{V_i} g^-1(v) dv,

so every trajectory slides downhill on E to a stable state (Hopfield 1984, eq. 7;
Cohen & Grossberg 1983). This scenario shows it in three parts.

(a) Two neurons coupled by ``w12 = 1`` with slope ``lambda = 2`` (``dyn.two_neuron_hopfield``):
    the phase portrait in the potentials ``u`` drawn by ``dyn.plot.phase_plane``: the energy
    as filled contours, the vector field as a streamplot (one batched kernel call for the
    grid), the two nullclines, the fixed points of ``dyn.find_fixed_points`` marked by their
    stability, and trajectories from several starts integrated with ``dyn.solve_ensemble``;
    beside it, the energy along each trajectory (``dyn.plot.energy``), which never rises.
(b) N = 100 neurons storing P = 5 random bipolar patterns with Hebbian weights
    (``dyn.hebbian_hopfield``): several noisy starts (a fraction of each pattern's bits
    flipped) and two random starts integrated together by ``dyn.solve_ensemble`` with
    ``stop_at_equilibrium=True``; energy against time on one plot, the recall overlap
    ``m(t) = (1/N) xi . sign(V(t))`` with the pattern each start converged to (one colour per
    start, linear time axis up to the last equilibrium stop), and the final
    overlap matrix. The solver's ``energy_increases`` flags are all False.
(c) Contrast: the same starts with an asymmetric ``W + A`` (``A`` antisymmetric Gaussian,
    entries of scale 1/sqrt(N)). There is no Lyapunov function any more: the state keeps
    moving, the "energy" rises and falls, and the solver flags it (``energy_increases``).

Figures: ``two_neuron_phase_portrait.png``, ``recall_energy_overlap.png``,
``asymmetric_contrast.png``; the returned summary holds final overlaps, energy decreases,
statuses, nfev and timings. Set ``DYNAMICS_QUICK=1`` for a seconds-long smoke run (coarser
grids, fewer starts).
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import dynamics as dyn

N_NEURONS = 100
N_PATTERNS = 5
ASYMMETRY = 1.0  # scale of the antisymmetric part, in units of 1/sqrt(N)


def _config() -> dict:
    if os.environ.get("DYNAMICS_QUICK") == "1":
        return {"quick": True, "grid": 41, "stream_grid": 15, "ring_starts": 6,
                "flip_fractions": [0.1, 0.3], "random_starts": 1, "n_eval": 151}
    return {"quick": False, "grid": 201, "stream_grid": 41, "ring_starts": 14,
            "flip_fractions": [0.05, 0.15, 0.25, 0.35, 0.15, 0.25, 0.35, 0.3, 0.2, 0.4],
            "random_starts": 2, "n_eval": 601}


# --------------------------------------------------------------------------------------------
# (a) two neurons


def _fixed_points(model) -> list[dict]:
    """The fixed points of ``dyn.find_fixed_points``, with their outputs V = g(u), stability
    type ("stable", "saddle" or "unstable"), real parts of the Jacobian's eigenvalues
    (ascending) and energy."""
    points = []
    for fp in dyn.find_fixed_points(model, n_starts=64, seed=0):
        kind = ("stable" if fp.stable else
                "saddle" if fp.label.startswith("saddle") else "unstable")
        points.append({"V": model.output(fp.x).tolist(), "u": fp.x.tolist(), "type": kind,
                       "label": fp.label,
                       "eigenvalues": sorted(float(e) for e in fp.eigenvalues.real),
                       "energy": float(model.energy(fp.x))})
    return points


def _ring_starts(n_starts: int) -> np.ndarray:
    """Starting outputs V on a ring near the corners, plus two near the saddle's stable line."""
    angles = np.linspace(0.0, 2.0 * np.pi, n_starts, endpoint=False) + np.pi / n_starts
    ring = 0.85 * np.column_stack([np.cos(angles), np.sin(angles)])
    near_saddle = np.array([[0.8, -0.78], [-0.8, 0.78]])
    return np.vstack([ring, near_saddle])


def two_neuron_part(cfg: dict) -> tuple[dict, dict]:
    model = dyn.two_neuron_hopfield(w12=1.0, gain_scale=2.0)
    g = model.gain
    start = time.perf_counter()

    # Trajectories from several starts, all integrated together.
    V0 = _ring_starts(cfg["ring_starts"])
    t_eval = np.linspace(0.0, 12.0, cfg["n_eval"])
    ens = dyn.solve_ensemble(model, (0.0, 12.0), g.inverse(V0), t_eval=t_eval,
                             rtol=1e-8, atol=1e-10)
    fixed = _fixed_points(model)
    elapsed = time.perf_counter() - start

    finals = g.g(ens.y[:, :, -1])
    summary = {
        "w12": float(model.W[0, 1]),
        "gain": model.gain.name,
        "gain_scale": g.lam,
        "portrait_space": "potential u (V = g(u) in the summary)",
        "fixed_points": fixed,
        "starts_V": V0.tolist(),
        "final_V": finals.tolist(),
        "status": ens.status.tolist(),
        "nfev": ens.nfev.tolist(),
        "energy_start": ens.energy[:, 0].tolist(),
        "energy_end": ens.energy[:, -1].tolist(),
        "energy_increases": ens.energy_increases.tolist(),
        "seconds": elapsed,
    }
    plot_data = {"model": model, "ens": ens, "fixed": fixed}
    return summary, plot_data


def _plot_two_neuron(d: dict, cfg: dict, path: Path) -> None:
    model, ens = d["model"], d["ens"]
    g, w = model.gain, model.W
    fig, (ax, ax_e) = plt.subplots(1, 2, figsize=(12.5, 5.6), layout="constrained",
                                   gridspec_kw={"width_ratios": [1.15, 1.0]})
    fixed_u = max(abs(v) for fp in d["fixed"] for v in fp["u"])
    reach = max(1.05 * float(np.max(np.abs(ens.y))), 1.3 * fixed_u)
    dyn.plot.phase_plane(model, (-reach, reach), (-reach, reach), ax=ax, trajectories=ens,
                         grid=cfg["stream_grid"], nullcline_grid=cfg["grid"],
                         labels=("$u_1$", "$u_2$"),
                         title=rf"Two neurons ($w_{{12}} = w_{{21}} = {w[0, 1]:g}$, "
                               rf"$V = \tanh({g.lam:g}\,u)$): flow on the energy")
    ax.set_aspect("equal")
    dyn.plot.energy(ens, ax=ax_e, color="0.25", lw=1.1, xlabel=r"time $t / \tau$",
                    ylabel="energy E(V(t))",
                    title=f"Energy along each of the {len(ens)} trajectories "
                          f"(flagged increases: {int(np.sum(ens.energy_increases))})")
    levels = {(fp["label"], round(fp["energy"], 3) + 0.0) for fp in d["fixed"]}
    for label, level in sorted(levels):
        count = sum(fp["label"] == label for fp in d["fixed"])
        ax_e.axhline(level, ls="--", lw=0.8, color="tab:blue")
        ax_e.annotate(f"{label}{' (both)' if count == 2 else ''}: E = {level:.3f}",
                      (ens.t[-1], level), ha="right", va="bottom", fontsize=8.5,
                      color="tab:blue")
    dyn.save_figure(fig, path)


# --------------------------------------------------------------------------------------------
# (b) N = 100 recall and (c) the asymmetric contrast


def _recall_starts(patterns: np.ndarray, cfg: dict, rng: np.random.Generator):
    """Initial potentials u0 = 0.1 * (noisy pattern) and a description of each start."""
    n_patterns, n = patterns.shape
    rows, info = [], []
    for k, frac in enumerate(cfg["flip_fractions"]):
        target = k % n_patterns
        flips = rng.permutation(n)[: int(round(frac * n))]
        state = patterns[target].copy()
        state[flips] *= -1.0
        rows.append(state)
        info.append({"start": f"xi{target + 1}, {int(round(100 * frac))}% flipped",
                     "cue_pattern": target, "flipped_fraction": float(frac)})
    for _ in range(cfg["random_starts"]):
        rows.append(rng.choice([-1.0, 1.0], size=n))
        info.append({"start": "random", "cue_pattern": None, "flipped_fraction": None})
    return 0.1 * np.array(rows), info


def _overlaps(model, ens, patterns: np.ndarray) -> np.ndarray:
    """m[k, mu, t] = (1/N) xi_mu . sign(V_k(t))."""
    signs = np.sign(model.output(ens.y))  # (m, N, T)
    return np.einsum("pn,knt->kpt", patterns, signs) / patterns.shape[1]


def recall_part(cfg: dict, rng: np.random.Generator) -> tuple[dict, dict]:
    patterns = rng.choice([-1.0, 1.0], size=(N_PATTERNS, N_NEURONS))
    model = dyn.hebbian_hopfield(patterns, gain_scale=5.0)
    U0, info = _recall_starts(patterns, cfg, rng)
    t_end = 30.0
    t_eval = np.linspace(0.0, t_end, cfg["n_eval"])
    start = time.perf_counter()
    ens = dyn.solve_ensemble(model, (0.0, t_end), U0, t_eval=t_eval,
                             stop_at_equilibrium=True, eq_tol=1e-6)
    elapsed = time.perf_counter() - start
    m = _overlaps(model, ens, patterns)
    final = m[:, :, -1]
    starts = []
    for k, meta in enumerate(info):
        best = int(np.argmax(np.abs(final[k])))
        sign = int(np.sign(final[k, best]))
        starts.append({
            **meta,
            "initial_overlap_with_cue": (None if meta["cue_pattern"] is None
                                         else float(m[k, meta["cue_pattern"], 0])),
            "converged_to": f"{'-' if sign < 0 else '+'}xi{best + 1}",
            "final_overlap": float(final[k, best]),
            "final_overlaps_all": final[k].tolist(),
            "energy_start": float(ens.energy[k, 0]),
            "energy_end": float(ens.energy[k, -1]),
            "energy_decrease": float(ens.energy[k, 0] - ens.energy[k, -1]),
            "status": int(ens.status[k]),
            "t_final": float(ens.t_final[k]),
            "nfev": int(ens.nfev[k]),
            "energy_increases": bool(ens.energy_increases[k]),
        })
    cued = [s for s in starts if s["cue_pattern"] is not None]
    summary = {
        "n_neurons": N_NEURONS,
        "n_patterns": N_PATTERNS,
        "gain_scale": model.gain.lam,
        "symmetric_W": model.is_symmetric,
        "starts": starts,
        "recalled_cue": sum(s["converged_to"] == f"+xi{s['cue_pattern'] + 1}"
                            and s["final_overlap"] >= 0.95 for s in cued),
        "n_cued_starts": len(cued),
        "all_converged": bool(np.all(ens.converged)),
        "any_energy_increase": bool(np.any(ens.energy_increases)),
        "nfev_total": int(ens.nfev.sum()),
        "seconds": elapsed,
    }
    plot_data = {"model": model, "patterns": patterns, "U0": U0, "ens": ens, "m": m,
                 "starts": starts, "t_eval": t_eval}
    return summary, plot_data


def asymmetric_part(d: dict, rng: np.random.Generator) -> tuple[dict, dict]:
    model = d["model"]
    n = model.n_states
    a = rng.normal(0.0, 1.0 / np.sqrt(n), size=(n, n))
    antisym = ASYMMETRY * (a - a.T) / np.sqrt(2.0)
    asym = dyn.ContinuousHopfield(model.W + antisym, gain="tanh", gain_scale=model.gain.lam)
    t_eval = d["t_eval"]
    start = time.perf_counter()
    ens = dyn.solve_ensemble(asym, (t_eval[0], t_eval[-1]), d["U0"], t_eval=t_eval,
                             stop_at_equilibrium=True, eq_tol=1e-6)
    elapsed = time.perf_counter() - start
    m = _overlaps(asym, ens, d["patterns"])
    summary = {
        "antisymmetric_scale": ASYMMETRY,
        "symmetric_W": asym.is_symmetric,
        "energy_increases": ens.energy_increases.tolist(),
        "max_energy_rise": [float(np.max(np.diff(e))) for e in ens.energy],
        "status": ens.status.tolist(),
        "nfev": ens.nfev.tolist(),
        "final_max_overlap": np.abs(m[:, :, -1]).max(axis=1).tolist(),
        "seconds": elapsed,
    }
    return summary, {"ens": ens, "m": m}


def _plot_recall(d: dict, path: Path) -> None:
    ens, starts, model = d["ens"], d["starts"], d["model"]
    names = [f"{s['start']} → {s['converged_to']} (m = {s['final_overlap']:.2f})"
             for s in starts]
    fig, (ax_e, ax_m, ax_h) = plt.subplots(1, 3, figsize=(17, 5.4), layout="constrained",
                                           gridspec_kw={"width_ratios": [1, 1, 0.8]})
    t_stop = float(np.max(ens.t_final))
    dyn.plot.energy(ens, ax=ax_e, labels=names, xlabel=r"time $t / \tau$",
                    ylabel="energy E(V(t))",
                    title=f"N = {N_NEURONS}, P = {N_PATTERNS} Hebbian patterns: energy of each "
                          f"start\n(flagged increases: {int(np.sum(ens.energy_increases))})")
    dyn.plot.overlap(ens, d["patterns"], ax=ax_m, output=model.output, sign=True,
                     color_by="trajectory", labels=names, xlabel=r"time $t / \tau$",
                     ylabel=r"overlap $m = \xi \cdot \mathrm{sign}(V) / N$, pattern reached",
                     title="Recall overlap with the pattern each start reaches")
    for axis in (ax_e, ax_m):
        axis.set_xlim(0.0, 1.05 * t_stop)
        if axis.get_legend():
            axis.get_legend().remove()
    fig.legend(*ax_e.get_legend_handles_labels(), loc="outside lower center", ncol=4,
               fontsize=8.5, frameon=False)
    final = np.array([s["final_overlaps_all"] for s in starts])
    im = ax_h.imshow(final, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    for (i, j), val in np.ndenumerate(final):
        ax_h.text(j, i, f"{val:.2f}", ha="center", va="center", fontsize=8.5,
                  color="white" if abs(val) > 0.6 else "black")
    ax_h.set_xticks(range(N_PATTERNS), [rf"$\xi^{{{p + 1}}}$" for p in range(N_PATTERNS)])
    ax_h.set_yticks(range(len(starts)), [s["start"] for s in starts], fontsize=8.5)
    ax_h.set_title("Final overlaps with every stored pattern")
    fig.colorbar(im, ax=ax_h, fraction=0.05, label="overlap m")
    dyn.save_figure(fig, path)


def _plot_asymmetric(d_sym: dict, d_asym: dict, path: Path) -> None:
    ens_s, ens_a, m_a = d_sym["ens"], d_asym["ens"], d_asym["m"]
    fig, (ax_e, ax_m) = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
    first = [None] * (len(ens_s) - 1)
    dyn.plot.energy(ens_s, ax=ax_e, color="tab:blue", labels=["symmetric W", *first], lw=1.0,
                    mark_increases=False)
    dyn.plot.energy(ens_a, ax=ax_e, color="tab:purple", labels=["asymmetric W + A", *first],
                    lw=1.0, xlabel=r"time $t / \tau$", ylabel="energy E(V(t))",
                    title=f"energy_increases: symmetric {int(np.sum(ens_s.energy_increases))}/"
                          f"{len(ens_s)} flagged, asymmetric "
                          f"{int(np.sum(ens_a.energy_increases))}/{len(ens_a)} flagged")
    best = np.abs(m_a).max(axis=1)  # (m, T): largest overlap with any pattern
    for k in range(best.shape[0]):
        ax_m.plot(ens_a.t, best[k], color="tab:purple", lw=0.9, alpha=0.7)
    ax_m.set_ylim(0, 1.05)
    ax_m.set_xlabel(r"time $t / \tau$")
    ax_m.set_ylabel(r"$\max_\mu |m_\mu(t)|$")
    ax_m.set_title(f"W + A (A antisymmetric, scale {ASYMMETRY:g}/sqrt(N)): no Lyapunov "
                   "function, the state keeps moving", fontsize=10)
    ax_m.grid(alpha=0.3)
    dyn.save_figure(fig, path)


# --------------------------------------------------------------------------------------------


def run(out_dir: Path, seed: int) -> dict:
    """Run the three parts, write the figures into ``out_dir`` and return the summary."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cfg = _config()
    rng = np.random.default_rng(seed)
    timings: dict[str, float] = {}
    total = time.perf_counter()
    from tqdm.auto import tqdm

    bar = tqdm(total=4, desc="continuous_hopfield", unit="part", disable=not sys.stderr.isatty())
    with warnings.catch_warnings():
        # numba's first-class-function typing warns once per process; nothing to act on.
        warnings.filterwarnings("ignore", message="First-class function type")

        bar.set_postfix_str("two-neuron phase portrait")
        t = time.perf_counter()
        two, two_plot = two_neuron_part(cfg)
        _plot_two_neuron(two_plot, cfg, out_dir / "two_neuron_phase_portrait.png")
        timings["two_neuron"] = time.perf_counter() - t
        bar.update()

        bar.set_postfix_str("N=100 recall")
        t = time.perf_counter()
        recall, recall_plot = recall_part(cfg, rng)
        timings["recall"] = time.perf_counter() - t
        bar.update()

        bar.set_postfix_str("asymmetric contrast")
        t = time.perf_counter()
        asym, asym_plot = asymmetric_part(recall_plot, rng)
        timings["asymmetric"] = time.perf_counter() - t
        bar.update()

        bar.set_postfix_str("figures")
        t = time.perf_counter()
        _plot_recall(recall_plot, out_dir / "recall_energy_overlap.png")
        _plot_asymmetric(recall_plot, asym_plot, out_dir / "asymmetric_contrast.png")
        timings["recall_figures"] = time.perf_counter() - t
        bar.update()
    bar.close()
    timings["total"] = time.perf_counter() - total
    return {
        "seed": seed,
        "quick": cfg["quick"],
        "two_neuron": two,
        "recall": recall,
        "asymmetric": asym,
        "figures": sorted(p.name for p in out_dir.glob("*.png")),
        "timings_s": timings,
    }
