"""Vanishing and exploding gradients: tanh RNN at spectral radius 0.5, 1, 1.5, LSTM, GRU; clipping.

Part 1 (Bengio, Simard & Frasconi 1994; Hochreiter 1991; Pascanu, Mikolov & Bengio 2013).
A loss that depends on the last hidden state only, L = sum_b g_b . h_T[b] with random unit
vectors g_b, is back-propagated through T = 100 steps of a network driven by random inputs. For
a vanilla RNN h_t = tanh(W_ih x_t + b + W_hh h_{t-1}),
dL/dh_{t-1} = W_hh^T diag(1 - h_t^2) dL/dh_t, so the norm shrinks or grows geometrically with
a rate set by W_hh, here rescaled to spectral radius rho = 0.5, 1.0 and 1.5. LSTM and GRU are
taken at their (PyTorch-style) initialisation, where every gate sits near 1/2, so the
gradient through the cell (LSTM: dL/dc_{t-1} = f_t * dL/dc_t + ...) or the interpolated state
(GRU: h_t = (1 - z_t) n_t + z_t h_{t-1}) also decays geometrically; and again after training on
the adding problem (T = 50), where the network has learned to hold its forget / update gates
open on the units that carry the memory, so that the gradient survives 100 steps. This is the
mechanism of Hochreiter & Schmidhuber (1997) and Gers, Schmidhuber & Cummins (2000): the
additive path only helps once its gate is near 1.

How dL/dh_t is measured with the public API only: the layer's weights are loaded into the
matching one-step cell (``dyn.RNNCell``/``LSTMCell``/``GRUCell``), which is run forward T steps
and then back-propagated one step at a time; each ``cell.backward`` returns
dL/d(previous state), i.e. dL/dh_{t-1} (and dL/dc_{t-1} for the LSTM). As a check, dL/dh_0 is
compared with the sequence layer's own BPTT (``layer.backward`` then
``layer.grad_initial_state``).

Part 2 (Pascanu, Mikolov & Bengio 2013). A vanilla RNN whose recurrent matrix starts at
spectral radius 1.5 is trained with SGD + momentum on the adding problem, without clipping,
with ``clip_norm`` (rescale the whole gradient to norm <= 1 when it is larger,
``dyn.clip_grad_norm``) and with ``clip_value`` (``dyn.clip_grad_value``), same seed and data.
The figure shows the gradient norm (before clipping) and the loss per step.

Set ``DYNAMICS_QUICK=1`` for a seconds-long smoke run.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import dynamics as dyn

SPECTRAL_RADII = (0.5, 1.0, 1.5)


def _config() -> dict:
    if os.environ.get("DYNAMICS_QUICK") == "1":
        return {"T": 20, "hidden": 16, "input": 4, "batch": 8, "gated_T": 10,
                "gated_steps": 20, "train_T": 10, "train_steps": 40, "train_batch": 16,
                "lr": 0.05, "momentum": 0.9, "clip_norm": 1.0, "clip_value": 0.1}
    return {"T": 100, "hidden": 64, "input": 8, "batch": 32, "gated_T": 50,
            "gated_steps": 800, "train_T": 30, "train_steps": 1500, "train_batch": 32,
            "lr": 0.02, "momentum": 0.9, "clip_norm": 1.0, "clip_value": 0.1}


def set_spectral_radius(rnn, rho: float) -> float:
    """Rescale ``weight_hh_l0`` in place to spectral radius ``rho``; return the old radius."""
    w = rnn.parameters()["weight_hh_l0"]
    old = float(np.max(np.abs(np.linalg.eigvals(w))))
    w *= rho / old
    return old


def _as_cell(layer, kind: str):
    """The one-step cell (``dyn.RNNCell``/``LSTMCell``/``GRUCell``) with ``layer``'s weights."""
    cls = {"RNN": dyn.RNNCell, "LSTM": dyn.LSTMCell, "GRU": dyn.GRUCell}[kind]
    cell = cls(layer.input_size, layer.hidden_size)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in layer.state_dict().items()})
    return cell


def hidden_gradient_norms(layer, kind: str, x: np.ndarray,
                          g_last: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, float]:
    """||dL/dh_t|| for t = 0..T (shape (T+1, B)) for L = sum_b g_last[b] . h_T[b].

    Runs the layer's weights step by step in a one-step cell, then back-propagates one step
    at a time: each ``cell.backward`` returns dL/d(previous state), i.e. dL/dh_{t-1} (and
    dL/dc_{t-1} for an LSTM, returned as the second array; None otherwise). As a check,
    dL/dh_0 is compared with the sequence layer's own exact BPTT
    (``layer.backward`` -> ``layer.grad_initial_state``); the largest absolute difference is
    returned third.
    """
    T, B, _ = x.shape
    has_cell = kind == "LSTM"
    cell = _as_cell(layer, kind)
    state = None
    for t in range(T):
        state = cell.forward(x[t], state)
    h_norms = np.empty((T + 1, B))
    c_norms = np.empty((T + 1, B)) if has_cell else None
    grad = (g_last, None) if has_cell else g_last
    h_norms[T] = np.linalg.norm(g_last, axis=1)
    if has_cell:
        c_norms[T] = 0.0
    for t in reversed(range(T)):
        _, grad, _ = cell.backward(grad)
        if has_cell:
            h_norms[t] = np.linalg.norm(grad[0], axis=1)
            c_norms[t] = np.linalg.norm(grad[1], axis=1)
        else:
            h_norms[t] = np.linalg.norm(grad, axis=1)

    output, _ = layer.forward(x)
    grad_output = np.zeros_like(output)
    grad_output[-1] = g_last
    layer.backward(grad_output)
    reference = layer.grad_initial_state
    reference_h0 = (reference[0] if has_cell else reference)[0]
    step_h0 = grad[0] if has_cell else grad
    return h_norms, c_norms, float(np.max(np.abs(reference_h0 - step_h0)))


def _adding_batch(length: int, batch: int, rng: np.random.Generator):
    x = np.zeros((length, batch, 2))
    x[:, :, 0] = rng.random((length, batch))
    half = length // 2
    first, second = rng.integers(0, half, batch), rng.integers(half, length, batch)
    cols = np.arange(batch)
    x[first, cols, 1] = 1.0
    x[second, cols, 1] = 1.0
    return x, (x[first, cols, 0] + x[second, cols, 0])[:, None]


def _train_gated(kind: str, cfg: dict, seed: int):
    """An LSTM or GRU trained on the adding problem (Adam, clipping); returns the layer and
    its test MSE on fresh sequences of the training length."""
    hidden = cfg["hidden"]
    layer = (dyn.LSTM if kind == "LSTM" else dyn.GRU)(2, hidden, seed=seed)
    model = dyn.SequenceModel(layer, dyn.Linear(hidden, 1, seed=seed + 1), output="last")
    rng = np.random.default_rng([seed, 4])
    dyn.fit(model, dyn.mse_loss, dyn.Adam(model.parameters(), lr=1e-2),
            lambda step: _adding_batch(cfg["gated_T"], 32, rng), cfg["gated_steps"],
            clip_norm=1.0, progress=False)
    x_test, y_test = _adding_batch(cfg["gated_T"], 500, rng)
    return layer, float(np.mean((model.forward(x_test) - y_test) ** 2))


def _train_run(cfg: dict, seed: int, clip: str) -> dict:
    hidden = cfg["hidden"]
    rnn = dyn.RNN(2, hidden, seed=seed)
    set_spectral_radius(rnn, 1.5)
    model = dyn.SequenceModel(rnn, dyn.Linear(hidden, 1, seed=seed + 1), output="last")
    rng = np.random.default_rng([seed, 3])
    data = [_adding_batch(cfg["train_T"], cfg["train_batch"], rng)
            for _ in range(cfg["train_steps"])]
    optimizer = dyn.SGD(model.parameters(), lr=cfg["lr"], momentum=cfg["momentum"])
    kwargs = {}
    if clip == "norm":
        kwargs["clip_norm"] = cfg["clip_norm"]
    elif clip == "value":
        kwargs["clip_value"] = cfg["clip_value"]
    history = dyn.fit(model, dyn.mse_loss, optimizer, data, cfg["train_steps"],
                      progress=False, **kwargs)
    return {"loss": np.asarray(history.loss, dtype=float),
            "grad_norm": np.asarray(history.grad_norm, dtype=float),
            "status": history.status, "message": history.message}


def run(out_dir: Path, seed: int) -> dict:
    cfg = _config()
    out_dir = Path(out_dir)
    T, H, I, B = cfg["T"], cfg["hidden"], cfg["input"], cfg["batch"]
    rng = np.random.default_rng([seed, 0])
    x = rng.normal(size=(T, B, I))
    g_last = rng.normal(size=(B, H))
    g_last /= np.linalg.norm(g_last, axis=1, keepdims=True)

    layers: dict[str, tuple] = {}
    for k, rho in enumerate(SPECTRAL_RADII):
        rnn = dyn.RNN(I, H, nonlinearity="tanh", seed=seed * 10 + k)
        set_spectral_radius(rnn, rho)
        layers[f"RNN rho={rho:g}"] = (rnn, "RNN", x)
    layers["LSTM"] = (dyn.LSTM(I, H, seed=seed * 10 + 5), "LSTM", x)
    layers["GRU"] = (dyn.GRU(I, H, seed=seed * 10 + 6), "GRU", x)
    # gated networks after training on the adding problem, probed on adding sequences
    x_adding, _ = _adding_batch(T, B, rng)
    trained_mse = {}
    for k, kind in enumerate(("LSTM", "GRU")):
        layer, trained_mse[kind] = _train_gated(kind, cfg, seed * 10 + 8 + 2 * k)
        layers[f"{kind} trained"] = (layer, kind, x_adding)

    norms: dict[str, np.ndarray] = {}
    gradient_summary: dict[str, dict] = {}
    for name, (layer, kind, inputs) in layers.items():
        h_norms, c_norms, check = hidden_gradient_norms(layer, kind, inputs, g_last)
        mean_norm = h_norms.mean(axis=1)
        norms[name] = mean_norm
        ratio = float(mean_norm[0] / mean_norm[T])
        entry = {
            "norm_dL_dh_T": float(mean_norm[T]),
            "norm_dL_dh_0": float(mean_norm[0]),
            "ratio_h0_over_hT": ratio,
            "per_step_factor": float(ratio ** (1.0 / T)) if ratio > 0 else 0.0,
            "norm_every_10_steps": [float(v) for v in mean_norm[::10]],
            "check_vs_layer_bptt_max_abs_diff": check,
        }
        if c_norms is not None:
            entry["norm_dL_dc_0"] = float(c_norms.mean(axis=1)[0])
        if name.endswith("trained"):
            entry["trained_on_adding_T"] = cfg["gated_T"]
            entry["trained_adding_test_mse"] = trained_mse[kind]
        gradient_summary[name] = entry

    runs = {clip: _train_run(cfg, seed * 10 + 7, clip) for clip in ("none", "norm", "value")}
    clipping_summary = {}
    for clip, r in runs.items():
        gn, loss = r["grad_norm"], r["loss"]
        tail = max(1, loss.size // 10)
        finite = np.isfinite(loss)
        clipping_summary[clip] = {
            "max_grad_norm": float(np.nanmax(gn)),
            "median_grad_norm": float(np.nanmedian(gn)),
            "steps_with_grad_norm_above_10x_median": int(np.sum(gn > 10 * np.nanmedian(gn))),
            "final_loss_mean_last_10pct": float(np.mean(loss[-tail:])) if finite[-tail:].all()
            else float("nan"),
            "max_loss": float(np.nanmax(loss)),
            "all_finite": bool(finite.all()),
            "steps_run": int(loss.size),
            "status": r["status"],
        }

    colors = {"RNN rho=0.5": "tab:purple", "RNN rho=1": "tab:red", "RNN rho=1.5": "tab:orange",
              "LSTM": "tab:blue", "GRU": "tab:green", "LSTM trained": "tab:blue",
              "GRU trained": "tab:green"}
    fig, ax = plt.subplots(figsize=(7, 4.5))
    steps_back = T - np.arange(T + 1)
    for name, mean_norm in norms.items():
        ax.semilogy(steps_back, mean_norm, color=colors.get(name),
                    ls="--" if name.endswith("trained") else "-",
                    label=name + (" (adding problem)" if name.endswith("trained") else ""))
    ax.set_xlabel(r"steps back from the loss, $T - t$")
    ax.set_ylabel(r"$\|\partial L / \partial h_t\|$ (batch mean)")
    ax.set_title(f"gradient through time (T = {T}, hidden {H}); solid: at initialisation")
    ax.legend()
    dyn.save_figure(fig, out_dir / "hidden_gradient_norms.png")

    fig, axes = plt.subplots(2, 1, figsize=(7.5, 6), sharex=True)
    clip_colors = {"none": "tab:red", "norm": "tab:blue", "value": "tab:green"}
    labels = {"none": "no clipping", "norm": f"clip_norm={cfg['clip_norm']}",
              "value": f"clip_value={cfg['clip_value']}"}
    width = 25
    for clip, r in runs.items():
        for ax, values in ((axes[0], r["grad_norm"]), (axes[1], r["loss"])):
            ax.semilogy(values, color=clip_colors[clip], lw=0.5, alpha=0.3)
            if values.size > width and np.all(np.isfinite(values)):
                smooth = np.exp(np.convolve(np.log(np.maximum(values, 1e-300)),
                                            np.ones(width) / width, mode="valid"))
                ax.semilogy(np.arange(width - 1, values.size), smooth, color=clip_colors[clip],
                            lw=1.2, label=f"{labels[clip]} (geometric moving average of {width})")
            else:
                ax.plot([], [], color=clip_colors[clip], label=labels[clip])
    axes[0].set_ylabel("gradient norm (before clipping)")
    axes[1].set_ylabel("training MSE")
    axes[1].axhline(2 / 12, color="k", ls="--", lw=1, label="trivial predictor")
    axes[1].set_xlabel("SGD step")
    finite_losses = np.concatenate([r["loss"][np.isfinite(r["loss"])] for r in runs.values()])
    if finite_losses.size:
        axes[1].set_ylim(max(1e-3, 0.5 * finite_losses.min()),
                         min(1e6, 2 * finite_losses.max()))
    axes[0].set_title(f"tanh RNN, initial spectral radius 1.5, adding problem T = {cfg['train_T']}")
    axes[0].legend(fontsize=8)
    axes[1].legend(fontsize=8)
    dyn.save_figure(fig, out_dir / "clipping.png")

    return {
        "config": cfg,
        "hidden_gradients": gradient_summary,
        "clipping": clipping_summary,
        "figures": ["hidden_gradient_norms.png", "clipping.png"],
    }
