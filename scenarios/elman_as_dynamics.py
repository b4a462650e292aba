"""A trained Elman RNN (3-bit flip-flop) as a discrete-time map: fixed points and their stability.

Task (Sussillo & Barak 2013, "Opening the black box"): three input channels receive rare
pulses of +1 or -1; output channel k must hold the sign of the most recent pulse on input k.
The network must store 3 bits, i.e. 2^3 = 8 memories. A vanilla tanh ``dyn.RNN`` (Elman 1990)
with a ``dyn.Linear`` readout is trained on it with ``dyn.Adam`` (MSE at every step).

Analysis: with no input (x = 0) the trained network is the autonomous discrete-time map
F(h) = tanh(W_hh h + b), b = b_ih + b_hh. Its fixed points h* = F(h*) are found by Newton's
method on G(h) = F(h) - h, with the analytic Jacobian
dF/dh = diag(1 - F(h)^2) W_hh, started from many hidden states visited during the task and then
from points on the segments between the stable fixed points found (where saddles sit), with a
backtracking line search on ||G||. A fixed point is stable when every eigenvalue of
dF/dh(h*) has modulus < 1; the number of eigenvalues outside the unit circle is its number of
unstable directions (1 for the saddles that separate two memories). Where the trained network
implements the task as in Sussillo & Barak, one expects 8 stable fixed points whose readouts
are the 8 sign patterns, plus saddles between them. The package has no analysis module with a
discrete-map fixed-point finder yet, so the search is written here with numpy.

Figures: the task (inputs, targets, network outputs); hidden trajectories projected onto the
first three principal components (two panels) with the fixed points marked by their number of
unstable directions (circle: stable, cross / triangle / square: saddles with 1 / 2 / 3) and
free (x = 0) trajectories relaxing onto the stable ones; the Jacobian spectra at the fixed
points against the unit circle, in the same colours. The task figure shows the test trial on
which the least active channel flips most often, so that every bit is seen to flip.

Set ``DYNAMICS_QUICK=1`` for a seconds-long smoke run (tiny network, few steps).
"""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import dynamics as dyn

N_BITS = 3


def _config() -> dict:
    if os.environ.get("DYNAMICS_QUICK") == "1":
        return {"hidden": 16, "T": 40, "batch": 16, "steps": 40, "lr": 5e-3,
                "clip_norm": 1.0, "pulse_prob": 0.05, "n_starts": 60, "n_test": 32}
    return {"hidden": 64, "T": 100, "batch": 64, "steps": 3000, "lr": 3e-3,
            "clip_norm": 1.0, "pulse_prob": 0.03, "n_starts": 600, "n_test": 256}


def flip_flop_batch(T: int, batch: int, pulse_prob: float,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (T, B, 3) of sparse +-1 pulses (every channel pulses at t = 0) and targets
    (T, B, 3): the sign of the latest pulse on each channel."""
    pulses = (rng.random((T, batch, N_BITS)) < pulse_prob).astype(float)
    pulses[0] = 1.0
    x = pulses * rng.choice([-1.0, 1.0], size=(T, batch, N_BITS))
    y = np.empty_like(x)
    held = np.zeros((batch, N_BITS))
    for t in range(T):
        held = np.where(x[t] != 0.0, x[t], held)
        y[t] = held
    return x, y


def autonomous_map(h: np.ndarray, w_hh: np.ndarray, b: np.ndarray) -> np.ndarray:
    """F(h) = tanh(W_hh h + b): one step of the Elman network with zero input."""
    return np.tanh(h @ w_hh.T + b)


def map_jacobian(h: np.ndarray, w_hh: np.ndarray, b: np.ndarray) -> np.ndarray:
    """dF/dh = diag(1 - F(h)^2) W_hh."""
    f = np.tanh(w_hh @ h + b)
    return (1.0 - f**2)[:, None] * w_hh


def newton_fixed_point(h0: np.ndarray, w_hh: np.ndarray, b: np.ndarray, tol: float = 1e-11,
                       max_iter: int = 100) -> tuple[np.ndarray, bool]:
    """Solve F(h) - h = 0 from ``h0`` by Newton's method with backtracking on ||F(h) - h||."""
    n = h0.size
    h = h0.copy()
    eye = np.eye(n)
    residual = np.tanh(w_hh @ h + b) - h
    norm = np.linalg.norm(residual)
    for _ in range(max_iter):
        if norm < tol:
            return h, True
        jac = map_jacobian(h, w_hh, b) - eye
        try:
            step = np.linalg.solve(jac, -residual)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(jac, -residual, rcond=None)[0]
        alpha = 1.0
        while alpha > 1e-6:
            trial = h + alpha * step
            trial_residual = np.tanh(w_hh @ trial + b) - trial
            trial_norm = np.linalg.norm(trial_residual)
            if trial_norm < norm:
                break
            alpha *= 0.5
        else:
            return h, False
        h, residual, norm = trial, trial_residual, trial_norm
    return h, norm < tol


def find_fixed_points(starts: np.ndarray, w_hh: np.ndarray, b: np.ndarray,
                      merge_tol: float = 1e-6) -> list[dict]:
    """Distinct fixed points of F reached from ``starts`` (rows), with their stability."""
    found: list[np.ndarray] = []
    for h0 in starts:
        h, ok = newton_fixed_point(h0, w_hh, b)
        if not ok:
            continue
        if any(np.linalg.norm(h - g) < merge_tol * (1 + np.linalg.norm(g)) for g in found):
            continue
        found.append(h)
    points = []
    for h in found:
        eig = np.linalg.eigvals(map_jacobian(h, w_hh, b))
        moduli = np.abs(eig)
        points.append({
            "h": h,
            "eigenvalues": eig,
            "spectral_radius": float(moduli.max()),
            "n_unstable": int(np.sum(moduli > 1.0)),
            "stable": bool(moduli.max() < 1.0),
        })
    return points


def run(out_dir: Path, seed: int) -> dict:
    cfg = _config()
    out_dir = Path(out_dir)
    H = cfg["hidden"]
    rnn_seed, readout_seed = np.random.SeedSequence(seed).generate_state(2)
    rnn = dyn.RNN(N_BITS, H, nonlinearity="tanh", seed=int(rnn_seed))
    readout = dyn.Linear(H, N_BITS, seed=int(readout_seed))
    model = dyn.SequenceModel(rnn, readout, output="all")
    rng = np.random.default_rng([seed, 1])

    def batches(step):
        return flip_flop_batch(cfg["T"], cfg["batch"], cfg["pulse_prob"], rng)

    optimizer = dyn.Adam(model.parameters(), lr=cfg["lr"])
    start = time.perf_counter()
    history = dyn.fit(model, dyn.mse_loss, optimizer, batches, cfg["steps"],
                      clip_norm=cfg["clip_norm"], progress=False)
    train_seconds = time.perf_counter() - start
    loss = np.asarray(history.loss, dtype=float)

    test_rng = np.random.default_rng([seed, 2])
    x_test, y_test = flip_flop_batch(cfg["T"], cfg["n_test"], cfg["pulse_prob"], test_rng)
    pred = model.forward(x_test)
    hidden, _ = rnn.forward(x_test)  # (T, B, H)
    test_mse = float(np.mean((pred - y_test) ** 2))
    bit_accuracy = float(np.mean(np.sign(pred) == y_test))

    params = rnn.parameters()
    w_hh = params["weight_hh_l0"]
    b = params["bias_ih_l0"] + params["bias_hh_l0"]
    states = hidden.reshape(-1, H)
    pick = rng.choice(states.shape[0], size=min(cfg["n_starts"], states.shape[0]),
                      replace=False)
    starts = states[pick] + rng.normal(scale=0.05, size=(pick.size, H))
    t0 = time.perf_counter()
    points = find_fixed_points(starts, w_hh, b)
    # Saddles sit between the memories, where driven trajectories pass only briefly: start
    # Newton again on the segments between every pair of stable fixed points found so far.
    stable_h = [p["h"] for p in points if p["stable"]]
    between = [(1 - a) * u + a * v for u, v in itertools.combinations(stable_h, 2)
               for a in (0.35, 0.5, 0.65)]
    if between:
        between = np.array(between) + rng.normal(scale=0.01, size=(len(between), H))
        points = find_fixed_points(np.vstack([[p["h"] for p in points], between]), w_hh, b)
    search_seconds = time.perf_counter() - t0

    w_out = readout.parameters()["weight"]
    b_out = readout.parameters()["bias"]
    stable = [p for p in points if p["stable"]]
    for p in points:
        p["readout"] = w_out @ p["h"] + b_out
    stable_patterns = {tuple(int(v) for v in np.sign(p["readout"])) for p in stable}
    all_patterns = set(itertools.product((-1, 1), repeat=N_BITS))

    # free runs (x = 0) from states visited during the task: where do they settle?
    # (from midpoints of random pairs of visited states, i.e. between memories)
    pairs = rng.choice(states.shape[0], size=(24, 2), replace=False)
    free_starts = 0.5 * (states[pairs[:, 0]] + states[pairs[:, 1]])
    free = [free_starts]
    for _ in range(200):
        free.append(autonomous_map(free[-1], w_hh, b))
    free = np.stack(free)  # (steps + 1, 24, H)

    mean = states.mean(axis=0)
    _, _, vt = np.linalg.svd(states - mean, full_matrices=False)
    axes_pc = vt[:3]
    explained = np.linalg.svd(states - mean, compute_uv=False) ** 2
    explained = explained / explained.sum()

    # figure 1: the task, on the test trial whose least active channel flips most often
    flips = np.sum(np.diff(y_test, axis=0) != 0.0, axis=0)  # (B, 3) sign changes per channel
    trial = int(np.lexsort((-flips.sum(axis=1), -flips.min(axis=1)))[0])
    fig, axes = plt.subplots(N_BITS, 1, figsize=(8, 5.2), sharex=True, layout="constrained")
    for k, ax in enumerate(axes):
        ax.plot(x_test[:, trial, k], color="0.6", lw=1, label="input pulses")
        ax.plot(y_test[:, trial, k], "k--", lw=1, label="target")
        ax.plot(pred[:, trial, k], color="tab:red", lw=1.2, label="network output")
        ax.set_ylabel(f"bit {k + 1}\n({flips[trial, k]} flips)")
        ax.set_ylim(-1.4, 1.4)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper center", bbox_to_anchor=(0.5, 1.55), fontsize=8, ncol=3,
                   frameon=False)
    axes[-1].set_xlabel("time step")
    axes[-1].xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    fig.suptitle(f"3-bit flip-flop, Elman RNN (hidden {H}): test trial {trial}, "
                 f"test MSE {test_mse:.3g}")
    dyn.save_figure(fig, out_dir / "flip_flop_task.png")

    # figure 2: state space, two projections onto the principal components; one marker per
    # number of unstable directions (0 = stable)
    index_style = {0: ("o", "black", "stable"), 1: ("X", "tab:red", "saddle, 1 unstable dir."),
                   2: ("^", "tab:orange", "saddle, 2 unstable dir."),
                   3: ("s", "tab:purple", "saddle, 3 unstable dir.")}

    def style_of(k: int):
        return index_style.get(k, ("P", "tab:brown", f"{k} unstable directions"))

    fig, axes = plt.subplots(1, 2, figsize=(12, 5.8), layout="constrained")
    proj = (hidden[:, :8] - mean) @ axes_pc.T  # (T, 8, 3)
    free_proj = (free - mean) @ axes_pc.T
    fp_proj = [((p["h"] - mean) @ axes_pc.T, p["n_unstable"]) for p in points]
    for ax, (i, j) in zip(axes, [(0, 1), (0, 2)], strict=True):
        for k in range(proj.shape[1]):
            ax.plot(proj[:, k, i], proj[:, k, j], color="0.75", lw=0.6)
        for k in range(free_proj.shape[1]):
            ax.plot(free_proj[:, k, i], free_proj[:, k, j], color="tab:blue", lw=0.8,
                    alpha=0.6)
        for xyz, n_unstable in fp_proj:
            marker, color, _ = style_of(n_unstable)
            ax.plot(xyz[i], xyz[j], marker, color=color, mec="black", mew=0.6, ms=9, zorder=5)
        ax.set_xlabel(f"PC {i + 1} ({100 * explained[i]:.0f} % of variance)")
        ax.set_ylabel(f"PC {j + 1} ({100 * explained[j]:.0f} % of variance)")
        ax.grid(alpha=0.3)
    handles = [matplotlib.lines.Line2D([], [], color="0.75", label="driven trajectories (task)"),
               matplotlib.lines.Line2D([], [], color="tab:blue", label="free runs, x = 0")]
    for k in sorted({n_unstable for _, n_unstable in fp_proj}):
        marker, color, name = style_of(k)
        count = sum(n_unstable == k for _, n_unstable in fp_proj)
        handles.append(matplotlib.lines.Line2D([], [], ls="none", marker=marker, color=color,
                                               mec="black", mew=0.6, ms=9,
                                               label=f"{name} ({count})"))
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=9, frameon=False)
    fig.suptitle("Trained Elman network as a discrete-time map h -> tanh(W_hh h + b): "
                 "fixed points by number of unstable directions")
    dyn.save_figure(fig, out_dir / "fixed_points_pca.png")

    # figure 3: Jacobian spectra, coloured like figure 2; beside it the eigenvalues outside the
    # unit circle of each saddle (they overlap in the complex plane)
    fig, (ax, ax_u) = plt.subplots(1, 2, figsize=(11, 5.0), layout="constrained",
                                   gridspec_kw={"width_ratios": [1.0, 0.8]})
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 400))
    ax.plot(circle.real, circle.imag, "k", lw=1)
    for p in sorted(points, key=lambda p: -p["n_unstable"]):  # stable points on top
        marker, color, _ = style_of(p["n_unstable"])
        eig = p["eigenvalues"]
        ax.plot(eig.real, eig.imag, marker, color=color, ms=4.5, alpha=0.7, ls="none",
                mec="black", mew=0.3)
    ax.set_aspect("equal")
    ax.set_xlabel(r"Re $\lambda$ (dimensionless)")
    ax.set_ylabel(r"Im $\lambda$ (dimensionless)")
    ax.grid(alpha=0.3)
    ax.set_title(r"Eigenvalues of $\partial F / \partial h$ at every fixed point")
    # one legend entry per kind of fixed point, with its count, in the order of figure 2
    handles = [matplotlib.lines.Line2D([], [], color="k", lw=1,
                                       label=r"unit circle $|\lambda| = 1$")]
    for k in sorted({p["n_unstable"] for p in points}):
        marker, color, name = style_of(k)
        count = sum(p["n_unstable"] == k for p in points)
        handles.append(matplotlib.lines.Line2D([], [], ls="none", marker=marker, color=color,
                                               mec="black", mew=0.5, ms=8,
                                               label=f"{name} ({count})"))
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=9,
               frameon=False)
    saddles = sorted((p for p in points if p["n_unstable"] > 0),
                     key=lambda p: (p["n_unstable"], float(np.abs(p["eigenvalues"]).max())))
    for row, p in enumerate(saddles):
        marker, color, _ = style_of(p["n_unstable"])
        moduli = np.abs(p["eigenvalues"])
        outside = moduli[moduli > 1.0]
        ax_u.plot(outside, np.full(outside.size, row + 1), marker, color=color, ms=7,
                  mec="black", mew=0.4, ls="none")
    ax_u.set_xlabel(r"modulus $|\lambda| > 1$ of each unstable eigenvalue")
    ax_u.set_ylabel("saddle number (sorted by unstable directions)")
    ax_u.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax_u.set_title("Unstable eigenvalues, one row per saddle")
    ax_u.margins(x=0.15)
    if not saddles:
        ax_u.text(0.5, 0.5, "no saddle found", transform=ax_u.transAxes, ha="center")
        ax_u.set_xticks([])
        ax_u.set_yticks([])
    ax_u.grid(alpha=0.3)
    dyn.save_figure(fig, out_dir / "jacobian_spectra.png")

    fixed_points = [
        {
            "stable": p["stable"],
            "n_unstable_directions": p["n_unstable"],
            "spectral_radius": p["spectral_radius"],
            "readout": [float(v) for v in p["readout"]],
            "residual": float(np.linalg.norm(autonomous_map(p["h"], w_hh, b) - p["h"])),
        }
        for p in sorted(points, key=lambda p: (not p["stable"], p["n_unstable"]))
    ]
    return {
        "task": "3-bit flip-flop (Sussillo & Barak 2013)",
        "config": cfg,
        "train_seconds": train_seconds,
        "final_train_mse": float(np.mean(loss[-50:])),
        "test_mse": test_mse,
        "test_bit_accuracy": bit_accuracy,
        "n_fixed_points": len(points),
        "n_stable": len(stable),
        "n_saddles_one_unstable_direction": sum(p["n_unstable"] == 1 for p in points),
        "unstable_directions_histogram": {
            str(k): sum(p["n_unstable"] == k for p in points)
            for k in sorted({p["n_unstable"] for p in points})
        },
        "stable_readout_sign_patterns": sorted(stable_patterns),
        "all_8_memories_are_stable_fixed_points": stable_patterns == all_patterns,
        "fixed_point_search_seconds": search_seconds,
        "pca_variance_explained_3": float(explained[:3].sum()),
        "fixed_points": fixed_points,
        "flip_flop_trial_shown": trial,
        "figures": ["flip_flop_task.png", "fixed_points_pca.png", "jacobian_spectra.png"],
    }
