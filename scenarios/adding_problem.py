"""Adding problem (Hochreiter & Schmidhuber 1997): LSTM, GRU solve it at T=50, 100; tanh RNN fails.

Each input sequence has T steps and two channels: a value drawn uniformly from [0, 1) and a
marker that is 1 at exactly two steps (one in the first half of the sequence, one in the second
half) and 0 elsewhere. The target, read after the last step, is the sum of the two marked
values. A network that ignores the inputs and always answers the mean 1.0 has test MSE
Var(u1 + u2) = 2/12 ~= 0.167, so "solved" means far below that. This is the variant of the
task popularised by Le, Jaitly & Hinton (2015) and Arjovsky, Shah & Bengio (2016) of the
original experiment 4 of Hochreiter & Schmidhuber (1997).

Three models with the same hidden size are trained with Adam and gradient-norm clipping for
T = 50 and T = 100: ``dyn.LSTM``, ``dyn.GRU`` and a vanilla tanh ``dyn.RNN``. The summary gives
the test MSE of each, on a held-out set of sequences, and the figure the training curves.

Set ``DYNAMICS_QUICK=1`` for a seconds-long smoke run (short sequences, few steps).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import dynamics as dyn

TRIVIAL_MSE = 2.0 / 12.0  # Var(u1 + u2) for u1, u2 ~ U(0, 1): the constant predictor 1.0


def _config() -> dict:
    if os.environ.get("DYNAMICS_QUICK") == "1":
        return {"lengths": [10, 20], "hidden": 16, "batch": 16, "steps": 40, "lr": 1e-2,
                "clip_norm": 1.0, "n_test": 256, "smooth": 5}
    return {"lengths": [50, 100], "hidden": 32, "batch": 64, "steps": 1500, "lr": 1e-2,
            "clip_norm": 1.0, "n_test": 2000, "smooth": 50}


def adding_batch(length: int, batch: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One batch of the adding problem: x of shape (T, B, 2), target y of shape (B, 1).

    Channel 0 holds u_t ~ U(0, 1); channel 1 marks one step t1 < T/2 and one step
    t2 >= T/2; the target is u_{t1} + u_{t2}.
    """
    x = np.zeros((length, batch, 2))
    x[:, :, 0] = rng.random((length, batch))
    half = length // 2
    first = rng.integers(0, half, size=batch)
    second = rng.integers(half, length, size=batch)
    columns = np.arange(batch)
    x[first, columns, 1] = 1.0
    x[second, columns, 1] = 1.0
    y = (x[first, columns, 0] + x[second, columns, 0])[:, None]
    return x, y


def _build(kind: str, hidden: int, seed: int) -> dyn.SequenceModel:
    layer_seed, readout_seed = np.random.SeedSequence(seed).generate_state(2)
    if kind == "LSTM":
        rnn = dyn.LSTM(2, hidden, seed=int(layer_seed))
    elif kind == "GRU":
        rnn = dyn.GRU(2, hidden, seed=int(layer_seed))
    else:
        rnn = dyn.RNN(2, hidden, nonlinearity="tanh", seed=int(layer_seed))
    return dyn.SequenceModel(rnn, dyn.Linear(hidden, 1, seed=int(readout_seed)), output="last")


def _test_mse(model: dyn.SequenceModel, x: np.ndarray, y: np.ndarray, chunk: int = 500) -> float:
    errors = []
    for start in range(0, x.shape[1], chunk):
        pred = model.forward(x[:, start:start + chunk])
        errors.append((pred - y[start:start + chunk]) ** 2)
    return float(np.mean(np.concatenate(errors)))


def _smooth(values: np.ndarray, width: int) -> np.ndarray:
    if width <= 1 or values.size < width:
        return values
    kernel = np.ones(width) / width
    return np.convolve(values, kernel, mode="valid")


def run(out_dir: Path, seed: int) -> dict:
    cfg = _config()
    out_dir = Path(out_dir)
    models = ["LSTM", "GRU", "RNN"]
    results: dict[str, dict] = {}
    curves: dict[tuple[int, str], np.ndarray] = {}
    for li, length in enumerate(cfg["lengths"]):
        test_rng = np.random.default_rng([seed, length, 999])
        x_test, y_test = adding_batch(length, cfg["n_test"], test_rng)
        results[f"T={length}"] = {}
        for mi, kind in enumerate(models):
            model = _build(kind, cfg["hidden"], seed=seed * 1000 + 10 * li + mi)
            train_rng = np.random.default_rng([seed, length, mi])

            def batches(step, rng=train_rng, length=length):
                return adding_batch(length, cfg["batch"], rng)

            optimizer = dyn.Adam(model.parameters(), lr=cfg["lr"])
            start = time.perf_counter()
            history = dyn.fit(model, dyn.mse_loss, optimizer, batches, cfg["steps"],
                              clip_norm=cfg["clip_norm"], progress=False)
            seconds = time.perf_counter() - start
            loss = np.asarray(history.loss, dtype=float)
            curves[(length, kind)] = loss
            mse = _test_mse(model, x_test, y_test)
            results[f"T={length}"][kind] = {
                "test_mse": mse,
                "ratio_to_trivial": mse / TRIVIAL_MSE,
                "final_train_mse": float(np.mean(loss[-cfg["smooth"]:])),
                "train_seconds": seconds,
            }

    fig, axes = plt.subplots(1, len(cfg["lengths"]), figsize=(5.5 * len(cfg["lengths"]), 4),
                             sharey=True, squeeze=False)
    colors = {"LSTM": "tab:blue", "GRU": "tab:green", "RNN": "tab:red"}
    for ax, length in zip(axes[0], cfg["lengths"], strict=True):
        for kind in models:
            loss = _smooth(curves[(length, kind)], cfg["smooth"])
            mse = results[f"T={length}"][kind]["test_mse"]
            ax.semilogy(np.arange(loss.size) + cfg["smooth"], loss, color=colors[kind],
                        label=f"{kind} (test MSE {mse:.3g})")
        ax.axhline(TRIVIAL_MSE, color="k", ls="--", lw=1, label="trivial predictor 1/6")
        ax.set_title(f"adding problem, T = {length}")
        ax.set_xlabel("training step")
        ax.legend(fontsize=8)
    axes[0, 0].set_ylabel(f"training MSE (moving average of {cfg['smooth']})")
    dyn.save_figure(fig, out_dir / "training_curves.png")

    return {
        "trivial_mse": TRIVIAL_MSE,
        "config": cfg,
        "results": results,
        "figures": ["training_curves.png"],
    }
