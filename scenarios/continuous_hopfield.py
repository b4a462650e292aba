"""Continuous Hopfield network: two-neuron phase portrait on its energy, N=100 pattern recall.

The graded-response network of Hopfield (1984), ``tau du/dt = -u + W g(u) + I`` with
``V = g(u) = tanh(lambda u)``, has for symmetric ``W`` the Lyapunov function

    E(V) = -1/2 V^T W V - I^T V + sum_i integral_0^{V_i} g^-1(v) dv,

so every trajectory slides downhill on E to a stable state (Hopfield 1984, eq. 7;
Cohen & Grossberg 1983). This scenario shows it in three parts.

(a) Two neurons coupled by ``w12 = 1`` with slope ``lambda = 2`` (``dyn.two_neuron_hopfield``):
    the phase portrait is drawn in the output space ``V = (g(u1), g(u2))`` (the space where
    Hopfield drew his energy contours): the energy as filled contours (``model.energy``
    evaluated at ``u = g^-1(V)`` on a grid), the vector field ``dV/dt = g'(u) du/dt`` as a
    streamplot, the two nullclines ``V1 = g(w12 V2 + I1)`` and ``V2 = g(w21 V1 + I2)``, the
    fixed points (nullcline intersections, classified by the eigenvalues of the Jacobian),
    and trajectories from several starts integrated with ``dyn.solve_ensemble``; beside it,
    the energy along each trajectory, which never rises.
(b) N = 100 neurons storing P = 5 random bipolar patterns with Hebbian weights
    (``dyn.hebbian_hopfield``): several noisy starts (a fraction of each pattern's bits
    flipped) and two random starts integrated together by ``dyn.solve_ensemble`` with
    ``stop_at_equilibrium=True``; energy against time on one plot, the recall overlap
    ``m(t) = (1/N) xi . sign(V(t))`` with the pattern each start converged to, and the final
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
from scipy.optimize import brentq

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
    """Intersections of the two nullclines, classified by the Jacobian's eigenvalues.

    Along the first nullcline ``V1 = g(W12 V2 + I1)`` (tau form: unit leak), a fixed point is a
    zero of ``r(V2) = V2 - g(W21 V1(V2) + I2)``; sign changes on a fine grid are refined by
    Brent's method.
    """
    w, bias, g = model.W, model.I, model.gain

    def residual(v2: float) -> float:
        v1 = g.g(w[0, 1] * v2 + bias[0])
        return float(v2 - g.g(w[1, 0] * v1 + bias[1]))

    lo, hi = g.lower, g.upper
    grid = np.linspace(lo, hi, 4001)
    values = np.array([residual(v) for v in grid])
    roots = []
    for k in range(len(grid) - 1):
        if values[k] == 0.0:
            roots.append(grid[k])
        elif values[k] * values[k + 1] < 0.0:
            roots.append(brentq(residual, grid[k], grid[k + 1], xtol=1e-14))
    points = []
    for v2 in roots:
        v1 = float(g.g(w[0, 1] * v2 + bias[0]))
        u = g.inverse(np.array([v1, v2]))
        eig = np.linalg.eigvals(model.jacobian(u))
        kind = ("stable" if np.all(eig.real < 0) else
                "unstable" if np.all(eig.real > 0) else "saddle")
        points.append({"V": [v1, float(v2)], "u": u.tolist(), "type": kind,
                       "eigenvalues": sorted(float(e) for e in eig.real),
                       "energy": float(model.energy(u))})
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

    # Energy landscape on a grid of outputs V (open square, g^-1 diverges at +-1).
    vs = np.linspace(-0.995, 0.995, cfg["grid"])
    v1, v2 = np.meshgrid(vs, vs)
    u_grid = g.inverse(np.column_stack([v1.ravel(), v2.ravel()]))
    energy_grid = model.energy(u_grid).reshape(v1.shape)

    # Vector field in V-space: dV/dt = g'(u) * du/dt.
    vq = np.linspace(-0.98, 0.98, cfg["stream_grid"])
    q1, q2 = np.meshgrid(vq, vq)
    uq = g.inverse(np.column_stack([q1.ravel(), q2.ravel()]))
    dudt = np.array([model.rhs(u) for u in uq])
    dvdt = g.derivative(uq) * dudt

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
        "portrait_space": "output V = g(u)",
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
    plot_data = {"model": model, "vs": vs, "energy_grid": energy_grid, "q": (q1, q2),
                 "dvdt": dvdt, "ens": ens, "fixed": fixed, "V0": V0}
    return summary, plot_data


def _plot_two_neuron(d: dict, path: Path) -> None:
    model, ens = d["model"], d["ens"]
    g, w, bias = model.gain, model.W, model.I
    fig, (ax, ax_e) = plt.subplots(1, 2, figsize=(14, 6), layout="constrained",
                                   gridspec_kw={"width_ratios": [1.2, 1.0]})
    vs, egrid = d["vs"], d["energy_grid"]
    levels = np.linspace(egrid.min(), egrid.max(), 31)
    cf = ax.contourf(vs, vs, egrid, levels=levels, cmap="viridis", alpha=0.9)
    ax.contour(vs, vs, egrid, levels=levels[::3], colors="k", linewidths=0.4, alpha=0.5)
    fig.colorbar(cf, ax=ax, label="energy E(V)", format="%.2f", shrink=0.9)
    q1, q2 = d["q"]
    speed = np.hypot(d["dvdt"][:, 0], d["dvdt"][:, 1]).reshape(q1.shape)
    ax.streamplot(q1, q2, d["dvdt"][:, 0].reshape(q1.shape), d["dvdt"][:, 1].reshape(q1.shape),
                  color="white", linewidth=0.4 + 1.2 * speed / speed.max(), density=1.1,
                  arrowsize=0.8)
    line = np.linspace(g.lower, g.upper, 400)
    ax.plot(g.g(w[0, 1] * line + bias[0]), line, color="tab:orange", lw=2,
            label=r"nullcline $\dot V_1 = 0$")
    ax.plot(line, g.g(w[1, 0] * line + bias[1]), color="tab:red", lw=2,
            label=r"nullcline $\dot V_2 = 0$")
    traj_v = g.g(ens.y)  # (m, 2, n_times)
    for k in range(traj_v.shape[0]):
        ax.plot(traj_v[k, 0], traj_v[k, 1], color="black", lw=1.3)
        ax.plot(*d["V0"][k], "o", ms=4, mfc="white", mec="black")
    markers = {"stable": ("*", 16, "gold"), "saddle": ("X", 11, "white"),
               "unstable": ("s", 9, "white")}
    for fp in d["fixed"]:
        mk, size, color = markers[fp["type"]]
        ax.plot(*fp["V"], mk, ms=size, mfc=color, mec="black", zorder=5)
    ax.plot([], [], "*", ms=12, mfc="gold", mec="black", label="stable fixed point")
    ax.plot([], [], "X", ms=9, mfc="white", mec="black", label="saddle")
    ax.plot([], [], "k-", label="trajectories (dopri5)")
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    ax.set_aspect("equal")
    ax.set_xlabel(r"$V_1 = \tanh(\lambda u_1)$")
    ax.set_ylabel(r"$V_2 = \tanh(\lambda u_2)$")
    ax.set_title(rf"Two neurons ($w_{{12}} = w_{{21}} = {w[0, 1]:g}$, $\lambda = {g.lam:g}$): "
                 "flow on the energy landscape", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.1), ncol=3, fontsize=7.5,
              frameon=False)

    colors = plt.cm.twilight(np.linspace(0, 1, ens.energy.shape[0], endpoint=False))
    for k in range(ens.energy.shape[0]):
        ax_e.plot(ens.t, ens.energy[k], color=colors[k], lw=1.4)
    for fp in d["fixed"]:
        ax_e.axhline(fp["energy"], ls="--", lw=0.8, color="gray")
        ax_e.annotate(f"{fp['type']} E = {fp['energy']:.3f}", (ens.t[-1], fp["energy"]),
                      ha="right", va="bottom", fontsize=8, color="gray")
    flag = bool(np.any(ens.energy_increases))
    ax_e.set_xlabel("time t (units of tau)")
    ax_e.set_ylabel("energy E(V(t))")
    ax_e.set_title(f"Energy along each trajectory (energy_increases: {flag})", fontsize=10)
    ax_e.grid(alpha=0.3)
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


def _pattern_colors(n: int):
    return plt.cm.tab10(np.arange(n) % 10)


def _plot_recall(d: dict, path: Path) -> None:
    ens, m, starts = d["ens"], d["m"], d["starts"]
    colors = _pattern_colors(N_PATTERNS)
    fig, (ax_e, ax_m, ax_h) = plt.subplots(1, 3, figsize=(18, 5.6), layout="constrained",
                                           gridspec_kw={"width_ratios": [1, 1, 0.8]})
    for k, s in enumerate(starts):
        best = int(s["converged_to"][3:]) - 1
        live = ens.t <= ens.t_final[k] + 1e-12
        style = "--" if s["cue_pattern"] is None else "-"
        label = f"{s['start']} -> {s['converged_to']} (m={s['final_overlap']:.2f})"
        ax_e.plot(ens.t[live], ens.energy[k, live], style, color=colors[best], lw=1.4,
                  label=label)
        ax_e.plot(ens.t_final[k], ens.energy[k, -1], "o", color=colors[best], ms=4)
        ax_m.plot(ens.t[live], m[k, best, live] * np.sign(s["final_overlap"]), style,
                  color=colors[best], lw=1.4)
    for axis in (ax_e, ax_m):
        axis.set_xscale("symlog", linthresh=1.0)
        axis.set_xlim(0.0, ens.t[-1])
    ax_e.set_xlabel("time t (units of tau; linear below 1, log above)")
    ax_e.set_ylabel("energy E(V(t))")
    ax_e.set_title(f"N = {N_NEURONS}, P = {N_PATTERNS} Hebbian patterns: energy of each start\n"
                   f"(dots: equilibrium stop; any energy increase: "
                   f"{bool(np.any(ens.energy_increases))})", fontsize=10)
    ax_e.legend(fontsize=6.5, loc="upper right", framealpha=0.9)
    ax_e.grid(alpha=0.3)
    ax_m.set_xlabel("time t (units of tau; linear below 1, log above)")
    ax_m.set_ylabel(r"overlap $m = \pm\frac{1}{N}\,\xi \cdot \mathrm{sign}(V)$")
    ax_m.set_title("Recall overlap with the pattern reached (colour = pattern)", fontsize=10)
    ax_m.set_ylim(-0.05, 1.05)
    ax_m.grid(alpha=0.3)
    final = np.array([s["final_overlaps_all"] for s in starts])
    im = ax_h.imshow(final, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    for (i, j), val in np.ndenumerate(final):
        ax_h.text(j, i, f"{val:.2f}", ha="center", va="center", fontsize=7,
                  color="white" if abs(val) > 0.6 else "black")
    ax_h.set_xticks(range(N_PATTERNS), [f"xi{p + 1}" for p in range(N_PATTERNS)])
    ax_h.set_yticks(range(len(starts)), [s["start"] for s in starts], fontsize=7)
    ax_h.set_title("Final overlaps with every stored pattern", fontsize=10)
    fig.colorbar(im, ax=ax_h, fraction=0.05)
    dyn.save_figure(fig, path)


def _plot_asymmetric(d_sym: dict, d_asym: dict, path: Path) -> None:
    ens_s, ens_a, m_a = d_sym["ens"], d_asym["ens"], d_asym["m"]
    fig, (ax_e, ax_m) = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
    for k in range(ens_s.energy.shape[0]):
        live = ens_s.t <= ens_s.t_final[k] + 1e-12
        ax_e.plot(ens_s.t[live], ens_s.energy[k, live], color="tab:blue", lw=1.0, alpha=0.8,
                  label="symmetric W" if k == 0 else None)
        ax_e.plot(ens_a.t, ens_a.energy[k], color="tab:red", lw=1.0, alpha=0.8,
                  label="asymmetric W + A" if k == 0 else None)
    ax_e.set_xlabel("time t (units of tau)")
    ax_e.set_ylabel("energy E(V(t))")
    ax_e.set_title(f"energy_increases: symmetric {int(np.sum(ens_s.energy_increases))}/"
                   f"{len(ens_s)} flagged, asymmetric {int(np.sum(ens_a.energy_increases))}/"
                   f"{len(ens_a)} flagged", fontsize=10)
    ax_e.legend(fontsize=8)
    ax_e.grid(alpha=0.3)
    best = np.abs(m_a).max(axis=1)  # (m, T): largest overlap with any pattern
    for k in range(best.shape[0]):
        ax_m.plot(ens_a.t, best[k], color="tab:red", lw=0.9, alpha=0.7)
    ax_m.set_ylim(0, 1.05)
    ax_m.set_xlabel("time t (units of tau)")
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
        _plot_two_neuron(two_plot, out_dir / "two_neuron_phase_portrait.png")
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
