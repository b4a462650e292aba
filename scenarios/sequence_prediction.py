"""GRU and LSTM learn the Lorenz system (integrated by dyn.solve) and predict it free-running.

Data: the Lorenz (1963) system dx/dt = sigma (y - x), dy/dt = x (rho - z) - y,
dz/dt = x y - beta z with sigma = 10, rho = 28, beta = 8/3, written as a user model (a
``numba.njit`` kernel wrapped in ``dyn.UserModel``) and integrated by this package's adaptive
``dyn.solve``; the trajectory is sampled every ``dt`` = 0.02 after a transient. Its largest
Lyapunov exponent is lambda_max ~= 0.906 (Sprott 2003), so one Lyapunov time is 1/0.906 ~= 1.10
time units, 55 samples.

Training (teacher forcing, one-step prediction): on random windows of the z-scored series
u_t, a ``dyn.GRU`` and a ``dyn.LSTM`` with a ``dyn.Linear`` readout predict the scaled increment
(u_{t+1} - u_t) / s at every step (``output="all"``), trained with ``dyn.Adam``, MSE and
gradient-norm clipping.

Testing (free-running): from many starting points in a held-out stretch of the trajectory the
network first reads ``warmup`` true samples (to set its hidden state), then feeds its own
predictions back as inputs. The normalised error e(t) = ||u_hat - u|| / sqrt(<||u||^2>) grows
roughly like exp(lambda_max t); the *valid prediction time* is the first time at which e(t)
exceeds 0.4 (Pathak et al. 2018; Vlachas et al. 2020), reported in Lyapunov times
(lambda_max * t), median over the starting points.

Set ``DYNAMICS_QUICK=1`` for a seconds-long smoke run (short series, few steps).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numba
import numpy as np

import dynamics as dyn

LORENZ_PARAMS = (10.0, 28.0, 8.0 / 3.0)  # sigma, rho, beta (Lorenz 1963)
LAMBDA_MAX = 0.906  # largest Lyapunov exponent of the Lorenz system at these parameters
VPT_THRESHOLD = 0.4


def _config() -> dict:
    if os.environ.get("DYNAMICS_QUICK") == "1":
        return {"dt": 0.02, "n_train": 1500, "n_test": 800, "hidden": 16, "window": 40,
                "batch": 16, "steps": 40, "lr": 5e-3, "clip_norm": 1.0, "n_starts": 4,
                "warmup": 50, "horizon_lyapunov": 2.0, "climate_steps": 200}
    return {"dt": 0.02, "n_train": 20000, "n_test": 6000, "hidden": 64, "window": 100,
            "batch": 32, "steps": 2500, "lr": 3e-3, "clip_norm": 1.0, "n_starts": 40,
            "warmup": 100, "horizon_lyapunov": 10.0, "climate_steps": 2500}


# Not ``cache=True``: the scenario runner imports this file under a generated module name,
# which numba's on-disk cache cannot re-import; the kernel compiles in about a second.
@numba.njit
def lorenz_rhs(t, x, p, out):
    """Lorenz (1963): x' = sigma (y - x), y' = x (rho - z) - y, z' = x y - beta z."""
    out[0] = p[0] * (x[1] - x[0])
    out[1] = x[0] * (p[1] - x[2]) - x[1]
    out[2] = x[0] * x[1] - p[2] * x[2]


def lorenz_series(n_samples: int, dt: float, seed: int, transient: float = 25.0) -> np.ndarray:
    """A Lorenz trajectory of ``n_samples`` points spaced ``dt`` apart, shape (n_samples, 3).

    Integrated with ``dyn.solve`` (adaptive Dormand-Prince, tight tolerances) from a random
    initial condition; the first ``transient`` time units are discarded so that the
    trajectory lies on the attractor.
    """
    rng = np.random.default_rng(seed)
    y0 = np.array([1.0, 1.0, 20.0]) + rng.normal(scale=5.0, size=3)
    model = dyn.UserModel(lorenz_rhs, n_states=3, params=list(LORENZ_PARAMS))
    t_eval = transient + dt * np.arange(n_samples)
    sol = dyn.solve(model, (0.0, float(t_eval[-1])), y0, t_eval=t_eval, rtol=1e-9, atol=1e-9)
    if int(sol.status) < 0 or sol.y.shape[1] != n_samples:
        raise RuntimeError(f"Lorenz integration failed: {sol.message}")
    return np.ascontiguousarray(sol.y.T)


def _build(kind: str, hidden: int, seed: int):
    rnn_seed, readout_seed = np.random.SeedSequence(seed).generate_state(2)
    rnn_cls = dyn.GRU if kind == "GRU" else dyn.LSTM
    rnn = rnn_cls(3, hidden, seed=int(rnn_seed))
    readout = dyn.Linear(hidden, 3, seed=int(readout_seed))
    return rnn, readout, dyn.SequenceModel(rnn, readout, output="all")


def free_run(rnn, readout, warm: np.ndarray, n_steps: int, step_scale: np.ndarray) -> np.ndarray:
    """Read ``warm`` (shape (W, B, 3), true normalised samples), then predict ``n_steps`` more
    by feeding each prediction back in; returns the predictions, shape (n_steps, B, 3)."""
    out, state = rnn.forward(warm)
    u = warm[-1] + step_scale * readout.forward(out[-1])
    predictions = np.empty((n_steps, *u.shape))
    predictions[0] = u
    for k in range(1, n_steps):
        out, state = rnn.forward(u[None], state)
        u = u + step_scale * readout.forward(out[-1])
        predictions[k] = u
    return predictions


def run(out_dir: Path, seed: int) -> dict:
    cfg = _config()
    out_dir = Path(out_dir)
    dt = cfg["dt"]
    start = time.perf_counter()
    series = lorenz_series(cfg["n_train"] + cfg["n_test"], dt, seed)
    integrate_seconds = time.perf_counter() - start
    train, test = series[: cfg["n_train"]], series[cfg["n_train"]:]
    mean, std = train.mean(axis=0), train.std(axis=0)
    u_train, u_test = (train - mean) / std, (test - mean) / std
    step_scale = np.diff(u_train, axis=0).std(axis=0)
    rms_norm = float(np.sqrt(np.mean(np.sum(u_test**2, axis=1))))
    # persistence baseline u_hat_{t+1} = u_t on the same held-out stretch as the networks
    persistence_rmse = float(np.sqrt(np.mean(np.sum(np.diff(u_test, axis=0) ** 2, axis=1))))

    horizon = int(round(cfg["horizon_lyapunov"] / (LAMBDA_MAX * dt)))
    warmup, window, batch = cfg["warmup"], cfg["window"], cfg["batch"]
    last_start = u_test.shape[0] - horizon - 1
    starts = np.linspace(warmup, last_start, cfg["n_starts"]).astype(int)
    warm = np.stack([u_test[s - warmup:s] for s in starts], axis=1)  # (W, B, 3)
    truth = np.stack([u_test[s:s + horizon] for s in starts], axis=1)  # (H, B, 3)
    lyapunov_time = (np.arange(1, horizon + 1) * dt) * LAMBDA_MAX

    results: dict[str, dict] = {}
    curves: dict[str, np.ndarray] = {}
    predictions: dict[str, np.ndarray] = {}
    errors: dict[str, np.ndarray] = {}
    climate: dict[str, np.ndarray] = {}
    for mi, kind in enumerate(["GRU", "LSTM"]):
        rnn, readout, model = _build(kind, cfg["hidden"], seed * 100 + mi)
        rng = np.random.default_rng([seed, mi, 7])

        def batches(step, rng=rng):
            begin = rng.integers(0, u_train.shape[0] - window - 1, size=batch)
            idx = begin[None, :] + np.arange(window)[:, None]  # (T, B)
            x = u_train[idx]
            y = (u_train[idx + 1] - x) / step_scale
            return x, y

        optimizer = dyn.Adam(model.parameters(), lr=cfg["lr"])
        t0 = time.perf_counter()
        history = dyn.fit(model, dyn.mse_loss, optimizer, batches, cfg["steps"],
                          clip_norm=cfg["clip_norm"], progress=False)
        train_seconds = time.perf_counter() - t0
        curves[kind] = np.asarray(history.loss, dtype=float)

        # one-step error on the held-out stretch (teacher forcing)
        x_all = u_test[:-1, None, :]
        out, _ = rnn.forward(x_all)
        one_step = x_all[:, 0] + step_scale * readout.forward(out[:, 0])
        one_step_rmse = float(np.sqrt(np.mean(np.sum((one_step - u_test[1:]) ** 2, axis=1))))

        pred = free_run(rnn, readout, warm, horizon, step_scale)
        err = np.linalg.norm(pred - truth, axis=2) / rms_norm  # (H, B)
        exceeded = err > VPT_THRESHOLD
        first = np.where(exceeded.any(axis=0), exceeded.argmax(axis=0), horizon)
        vpt = first * dt * LAMBDA_MAX  # in Lyapunov times
        predictions[kind], errors[kind] = pred, err
        climate[kind] = free_run(rnn, readout, warm[:, :1], cfg["climate_steps"], step_scale)[:, 0]
        results[kind] = {
            "valid_prediction_time_lyapunov_median": float(np.median(vpt)),
            "valid_prediction_time_lyapunov_mean": float(np.mean(vpt)),
            "valid_prediction_time_lyapunov_min": float(np.min(vpt)),
            "valid_prediction_time_lyapunov_max": float(np.max(vpt)),
            "one_step_rmse_normalised": one_step_rmse / rms_norm,
            "final_train_loss": float(np.mean(curves[kind][-50:])),
            "train_seconds": train_seconds,
        }

    colors = {"GRU": "tab:green", "LSTM": "tab:blue"}
    # 1. free-running prediction against the truth, one starting point
    fig, axes = plt.subplots(3, 1, figsize=(8, 6.5), sharex=True)
    for c, (ax, name) in enumerate(zip(axes, "xyz", strict=True)):
        ax.plot(lyapunov_time, truth[:, 0, c] * std[c] + mean[c], "k", lw=1.5, label="truth")
        for kind in predictions:
            ax.plot(lyapunov_time, predictions[kind][:, 0, c] * std[c] + mean[c],
                    color=colors[kind], lw=1, ls="--", label=kind)
        ax.set_ylabel(name)
    axes[0].legend(loc="upper right", fontsize=8)
    axes[-1].set_xlabel(r"time after the warm-up, in Lyapunov times ($\lambda_{max} t$)")
    axes[0].set_title("Lorenz system: free-running prediction vs truth")
    dyn.save_figure(fig, out_dir / "free_running_prediction.png")

    # 2. error growth, median over the starting points
    fig, ax = plt.subplots(figsize=(7, 4))
    for kind, err in errors.items():
        med = np.median(err, axis=1)
        ax.semilogy(lyapunov_time, med, color=colors[kind],
                    label=f"{kind} (median VPT "
                          f"{results[kind]['valid_prediction_time_lyapunov_median']:.2f})")
        ax.fill_between(lyapunov_time, np.quantile(err, 0.25, axis=1),
                        np.quantile(err, 0.75, axis=1), color=colors[kind], alpha=0.2)
    ref0 = np.median(np.concatenate([errors[k][0] for k in errors]))
    ax.semilogy(lyapunov_time, ref0 * np.exp(lyapunov_time), "k:", lw=1,
                label=r"$\propto e^{\lambda_{max} t}$")
    ax.axhline(VPT_THRESHOLD, color="k", ls="--", lw=1, label=f"threshold {VPT_THRESHOLD}")
    ax.set_ylim(1e-4, 5)
    ax.set_xlabel(r"$\lambda_{max} t$ (Lyapunov times)")
    ax.set_ylabel("normalised error (median, IQR)")
    ax.legend(fontsize=8)
    dyn.save_figure(fig, out_dir / "error_growth.png")

    # 3. the long-run "climate": the free-running network stays on a Lorenz-like attractor
    fig, axes = plt.subplots(1, 1 + len(climate), figsize=(4.2 * (1 + len(climate)), 4),
                             sharex=True, sharey=True)
    n_clim = cfg["climate_steps"]
    axes[0].plot(test[:n_clim, 0], test[:n_clim, 2], "k", lw=0.4)
    axes[0].set_title("truth")
    for ax, (kind, traj) in zip(axes[1:], climate.items(), strict=True):
        ax.plot(traj[:, 0] * std[0] + mean[0], traj[:, 2] * std[2] + mean[2],
                color=colors[kind], lw=0.4)
        ax.set_title(f"{kind}, free-running {n_clim} steps")
    for ax in axes:
        ax.set_xlabel("x")
    axes[0].set_ylabel("z")
    dyn.save_figure(fig, out_dir / "attractor.png")

    # 4. training curves
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for kind, loss in curves.items():
        ax.semilogy(loss, color=colors[kind], lw=0.8, label=kind)
    ax.set_xlabel("training step")
    ax.set_ylabel("one-step MSE (scaled increments)")
    ax.legend()
    dyn.save_figure(fig, out_dir / "training.png")

    return {
        "system": "Lorenz 1963, sigma=10, rho=28, beta=8/3",
        "lambda_max": LAMBDA_MAX,
        "vpt_threshold": VPT_THRESHOLD,
        "config": cfg,
        "integrate_seconds": integrate_seconds,
        "persistence_one_step_rmse_normalised": persistence_rmse / rms_norm,
        "results": results,
        "figures": ["free_running_prediction.png", "error_growth.png", "attractor.png",
                    "training.png"],
    }
