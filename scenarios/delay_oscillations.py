"""Delay-induced oscillations: a symmetric Hopfield network below and above its critical delay.

Marcus & Westervelt (1989) showed that a symmetric network which converges to fixed points
without delay can oscillate once its connections are delayed. This scenario takes N = 4
neurons with all-to-all inhibition (W_ij = -1, i != j; eigenvalues -3 and +1 three times),
tanh gain of slope beta = 0.8, tau = 1 and one delay tau_d on every connection,

    du_i/dt = -u_i + sum_j W_ij tanh(beta u_j(t - tau_d)),

solved with ``dyn.solve_dde``. Linearising about u = 0 gives the critical delay
``tau_c = (pi - arctan(sqrt(b^2 - 1))) / sqrt(b^2 - 1)`` with ``b = beta mu_min = -2.4``
(``dyn.critical_delay``). The scenario

(a) plots trajectories at 0.8 tau_c (decaying to the fixed point) and 1.2 tau_c (a limit
    cycle), with the delay-free energy of the instantaneous state (not a Lyapunov function
    of the delayed network: it oscillates with it);
(b) sweeps the delay and measures the oscillation amplitude after the transient (amplitude
    against delay with tau_c marked) and the exponential growth rate of a small
    perturbation (from the peaks of u_1(t)); the numerical critical delay is the zero of the
    growth rate (Brent's method on the simulations) and, independently, the extrapolation to
    zero of amplitude^2 (a quadratic fit through the first oscillating delays), which grows
    linearly above a supercritical Hopf bifurcation.

Figures: ``trajectories.png``, ``amplitude_vs_delay.png``. The summary holds the analytic and
numerical critical delays, the angular frequency at onset (analytic and measured) and the
amplitudes. ``DYNAMICS_QUICK=1`` shortens the runs and the sweep.
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
from scipy.optimize import brentq

import dynamics as dyn

N = 4
BETA = 0.8
W = -(np.ones((N, N)) - np.eye(N))
RTOL, ATOL = 1e-8, 1e-11


def _config() -> dict:
    if os.environ.get("DYNAMICS_QUICK") == "1":
        return {"quick": True, "n_delays": 9, "t_amp": 120.0, "t_rate": 50.0, "rate_xtol": 1e-3}
    return {"quick": False, "n_delays": 33, "t_amp": 300.0, "t_rate": 80.0, "rate_xtol": 1e-6}


def _run(delay: float, t1: float, u0: np.ndarray, dt: float = 0.01):
    model = dyn.DelayedHopfield(W, delay, gain_scale=BETA)
    t = np.arange(0.0, t1 + 0.5 * dt, dt)
    return dyn.solve_dde(model, (0.0, t[-1]), u0, rtol=RTOL, atol=ATOL, t_eval=t)


def _peaks(t: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local maxima of x, refined by a parabola through the three samples around each."""
    i = np.flatnonzero((x[1:-1] > x[:-2]) & (x[1:-1] >= x[2:])) + 1
    a, b, c = x[i - 1], x[i], x[i + 1]
    denom = a - 2 * b + c
    shift = np.where(denom != 0, 0.5 * (a - c) / np.where(denom != 0, denom, 1.0), 0.0)
    dt = t[1] - t[0]
    return t[i] + shift * dt, b - 0.25 * (a - c) * shift


def growth_rate(delay: float, t1: float) -> float:
    """Exponential growth rate of a perturbation of size 1e-7 along the uniform mode."""
    sol = _run(delay, t1, np.full(N, 1e-7))
    tp, xp = _peaks(sol.t, sol.y[0])
    keep = (tp > 0.3 * t1) & (xp > 0)
    if keep.sum() < 3:
        return -math.inf
    return float(np.polyfit(tp[keep], np.log(xp[keep]), 1)[0])


def amplitude_and_period(delay: float, t1: float) -> tuple[float, float | None]:
    """Half the peak-to-peak range of u_1 over the last third of the run, and its period."""
    sol = _run(delay, t1, np.array([0.5, 0.25, -0.1, 0.15]), dt=0.02)
    tail = sol.t > 2.0 * t1 / 3.0
    x = sol.y[0, tail]
    amp = float(0.5 * (x.max() - x.min()))
    tp, _ = _peaks(sol.t[tail], x)
    period = float(np.mean(np.diff(tp))) if amp > 1e-6 and tp.size > 2 else None
    return amp, period


def run(out_dir: Path, seed: int = 0) -> dict:
    """Run the scenario (deterministic: ``seed`` is unused) and return its summary."""
    cfg = _config()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    tau_c = dyn.critical_delay(W, gain_scale=BETA)
    b = BETA * float(np.linalg.eigvalsh(W).min())
    omega_c = math.sqrt(b * b - 1.0)

    # (a) trajectories below and above tau_c
    fig, axes = plt.subplots(2, 2, figsize=(8.0, 5.6), sharex=True,
                             gridspec_kw={"height_ratios": [2, 1]})
    colors = plt.cm.viridis(np.linspace(0.0, 0.85, N))
    traj = {}
    for col, factor in enumerate((0.8, 1.2)):
        sol = _run(factor * tau_c, 60.0, np.array([0.5, 0.25, -0.1, 0.15]), dt=0.02)
        traj[f"{factor}"] = {"status": sol.status, "nfev": sol.nfev,
                             "final_max_abs_u": float(np.abs(sol.y[:, -1]).max())}
        ax = axes[0, col]
        for i in range(N):
            ax.plot(sol.t, sol.y[i], color=colors[i], lw=1.2, label=f"$u_{i + 1}$")
        ax.set_title(f"delay = {factor} $\\tau_c$ = {factor * tau_c:.3f}", fontsize=10)
        ax.set_ylabel("potential $u_i$")
        axes[1, col].plot(sol.t, sol.energy, color="tab:red", lw=1.2)
        axes[1, col].set_ylabel("delay-free energy")
        axes[1, col].set_xlabel("time $t$ (units of $\\tau$)")
    axes[0, 0].legend(loc="upper right", fontsize=8, ncol=2, framealpha=0.9)
    fig.suptitle(f"N = {N} inhibitory network, $\\beta$ = {BETA}: below and above "
                 f"the critical delay $\\tau_c$ = {tau_c:.4f}", fontsize=11)
    fig.tight_layout()
    dyn.save_figure(fig, out_dir / "trajectories.png", dpi=100)
    plt.close(fig)

    # (b) amplitude and growth rate against the delay
    delays = np.linspace(0.5 * tau_c, 2.0 * tau_c, cfg["n_delays"])
    amps, periods, rates = [], [], []
    for d in delays:
        a, p = amplitude_and_period(float(d), cfg["t_amp"])
        amps.append(a)
        periods.append(p)
        rates.append(growth_rate(float(d), cfg["t_rate"]))
    amps = np.array(amps)
    rates = np.array(rates)
    sign = np.flatnonzero((rates[:-1] < 0) & (rates[1:] > 0))
    lo, hi = delays[sign[0]], delays[sign[0] + 1]
    tau_rate = brentq(lambda d: growth_rate(d, cfg["t_rate"]), lo, hi, xtol=cfg["rate_xtol"])
    # amplitude^2 grows like (delay - tau_c) above a supercritical Hopf bifurcation: a
    # quadratic through the first oscillating points, extrapolated to amplitude 0
    above = np.flatnonzero((amps > 1e-2) & (rates > 0))[:5]
    fit = np.polyfit(delays[above], amps[above] ** 2, min(2, above.size - 1))
    roots = np.roots(fit)
    roots = roots[np.isreal(roots)].real
    tau_amp = float(roots[np.argmin(np.abs(roots - delays[above[0]]))])
    # the oscillation period at the first swept delay above tau_c
    near_delay, near = next(
        ((float(d), p) for d, p in zip(delays, periods, strict=True) if d > tau_c and p),
        (None, None),
    )

    fig, ax = plt.subplots(1, 2, figsize=(8.0, 3.4))
    ax[0].plot(delays, amps, "o-", color="tab:blue", ms=4, label="simulated")
    ax[0].axvline(tau_c, color="k", ls="--", lw=1, label=f"analytic $\\tau_c$ = {tau_c:.3f}")
    dd = np.linspace(tau_amp, delays[above].max(), 50)
    ax[0].plot(dd, np.sqrt(np.maximum(np.polyval(fit, dd), 0)), color="tab:orange", lw=1.5,
               label=f"fit of amplitude$^2$, zero at {tau_amp:.3f}")
    ax[0].set_xlabel("delay $\\tau_d$ (units of $\\tau$)")
    ax[0].set_ylabel("oscillation amplitude of $u_1$")
    ax[0].set_title("amplitude after the transient", fontsize=10)
    ax[0].legend(fontsize=8, loc="upper left")
    ax[1].plot(delays, rates, "o-", color="tab:green", ms=4)
    ax[1].axhline(0.0, color="0.5", lw=0.8)
    ax[1].axvline(tau_c, color="k", ls="--", lw=1, label="analytic $\\tau_c$")
    ax[1].plot([tau_rate], [0.0], "r*", ms=10, label=f"numerical {tau_rate:.4f}")
    ax[1].set_xlabel("delay $\\tau_d$ (units of $\\tau$)")
    ax[1].set_ylabel("growth rate (1/$\\tau$)")
    ax[1].set_title("growth rate of a small perturbation", fontsize=10)
    ax[1].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    dyn.save_figure(fig, out_dir / "amplitude_vs_delay.png", dpi=100)
    plt.close(fig)

    return {
        "quick": cfg["quick"],
        "network": {"n": N, "W": "W_ij = -1 (i != j)", "gain": "tanh", "gain_scale": BETA,
                    "tau": 1.0},
        "critical_delay_analytic": tau_c,
        "critical_delay_from_growth_rate": float(tau_rate),
        "critical_delay_from_amplitude": tau_amp,
        "relative_difference_growth_rate": float(abs(tau_rate - tau_c) / tau_c),
        "onset_angular_frequency_analytic": omega_c,
        "angular_frequency_measured": None if near is None else 2 * math.pi / near,
        "angular_frequency_measured_at_delay": near_delay,
        "delays": [float(d) for d in delays],
        "amplitudes": [float(a) for a in amps],
        "growth_rates": [float(r) if math.isfinite(r) else None for r in rates],
        "trajectories": traj,
        "figures": ["amplitude_vs_delay.png", "trajectories.png"],
        "seconds": time.perf_counter() - start,
    }
