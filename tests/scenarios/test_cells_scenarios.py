"""The five RNN-cell scenarios in quick mode: they run, write their figures and a sane summary.

Quick mode (DYNAMICS_QUICK=1) trains for a few dozen steps only, so these tests check the
plumbing, the invariants that hold whatever the training reached (exact gradients, fixed
points that are fixed, samples drawn from the vocabulary), and determinism, not the full-mode
numbers (those are in docs/sections/cells_experiments.md).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import dynamics as dyn
from dynamics.scenarios import load_scenario

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _run(name, tmp_path, monkeypatch, seed=0):
    monkeypatch.setenv("DYNAMICS_QUICK", "1")
    summary = dyn.run_scenario(name, out=tmp_path, seed=seed)
    folder = tmp_path / name
    on_disk = json.loads((folder / "summary.json").read_text())
    for fig in summary["figures"]:
        data = (folder / fig).read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 5_000, fig
    return summary, on_disk, folder


def _finite(*values):
    return all(isinstance(v, float | int) and math.isfinite(v) for v in values)


def test_scenarios_are_listed():
    names = dyn.list_scenarios()
    for name in ["rnn_gradients", "adding_problem", "sequence_prediction", "char_rnn",
                 "elman_as_dynamics"]:
        assert name in names and names[name], name


def test_adding_problem_quick(tmp_path, monkeypatch):
    summary, on_disk, _ = _run("adding_problem", tmp_path, monkeypatch)
    assert set(on_disk["results"]) == {"T=10", "T=20"}
    for per_model in on_disk["results"].values():
        assert set(per_model) == {"LSTM", "GRU", "RNN"}
        for r in per_model.values():
            assert _finite(r["test_mse"], r["final_train_mse"], r["train_seconds"])
            # measured on held-out sequences: positive (no model is exact) and bounded
            assert 0 < r["test_mse"] < 2.0
            assert r["final_train_mse"] > 0
    # same seed, same numbers
    again, _, _ = _run("adding_problem", tmp_path / "again", monkeypatch)
    for key, per_model in summary["results"].items():
        for kind, r in per_model.items():
            assert again["results"][key][kind]["test_mse"] == r["test_mse"]


def test_adding_problem_data():
    module = load_scenario("adding_problem")
    x, y = module.adding_batch(12, 50, np.random.default_rng(0))
    assert x.shape == (12, 50, 2) and y.shape == (50, 1)
    markers = x[:, :, 1]
    assert np.all(markers.sum(axis=0) == 2)
    assert np.all(markers[:6].sum(axis=0) == 1)  # one marker in each half
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * markers).sum(axis=0))


def test_rnn_gradients_quick(tmp_path, monkeypatch):
    _, on_disk, _ = _run("rnn_gradients", tmp_path, monkeypatch)
    grads = on_disk["hidden_gradients"]
    assert set(grads) == {"RNN rho=0.5", "RNN rho=1", "RNN rho=1.5", "LSTM", "GRU",
                          "LSTM trained", "GRU trained"}
    for entry in grads.values():
        assert _finite(entry["ratio_h0_over_hT"], entry["per_step_factor"])
        assert entry["norm_dL_dh_0"] > 0 and entry["ratio_h0_over_hT"] > 0
        # the step-by-step cell backward and the layer's BPTT agree exactly
        assert entry["check_vs_layer_bptt_max_abs_diff"] < 1e-12
    # a larger recurrent spectral radius lets the gradient travel further back
    ratios = [grads[f"RNN rho={r}"]["ratio_h0_over_hT"] for r in ("0.5", "1", "1.5")]
    assert ratios[0] < ratios[1] < ratios[2]
    # with spectral radius <= 1 (and tanh' <= 1) the gradient vanishes going back in time
    for rho in ("0.5", "1"):
        assert grads[f"RNN rho={rho}"]["per_step_factor"] < 1.0, rho
    assert "norm_dL_dc_0" in grads["LSTM"] and "norm_dL_dc_0" in grads["LSTM trained"]
    for kind in ("LSTM", "GRU"):
        assert _finite(grads[f"{kind} trained"]["trained_adding_test_mse"])
    clip = on_disk["clipping"]
    assert set(clip) == {"none", "norm", "value"}
    for r in clip.values():
        assert _finite(r["max_grad_norm"], r["median_grad_norm"], r["max_loss"])


def test_rnn_gradients_spectral_radius():
    module = load_scenario("rnn_gradients")
    rnn = dyn.RNN(3, 10, seed=1)
    module.set_spectral_radius(rnn, 1.5)
    w = rnn.parameters()["weight_hh_l0"]
    assert np.max(np.abs(np.linalg.eigvals(w))) == pytest.approx(1.5)


def test_sequence_prediction_quick(tmp_path, monkeypatch):
    _, on_disk, _ = _run("sequence_prediction", tmp_path, monkeypatch)
    horizon = on_disk["config"]["horizon_lyapunov"]
    # the persistence baseline u_{t+1} = u_t, recomputed here from the same held-out data
    cfg = on_disk["config"]
    module = load_scenario("sequence_prediction")
    series = module.lorenz_series(cfg["n_train"] + cfg["n_test"], cfg["dt"], seed=0)
    train, test = series[: cfg["n_train"]], series[cfg["n_train"]:]
    u_test = (test - train.mean(axis=0)) / train.std(axis=0)
    persistence = np.sqrt(np.mean(np.sum(np.diff(u_test, axis=0) ** 2, axis=1)))
    persistence /= np.sqrt(np.mean(np.sum(u_test**2, axis=1)))
    assert on_disk["persistence_one_step_rmse_normalised"] == pytest.approx(persistence)
    assert set(on_disk["results"]) == {"GRU", "LSTM"}
    for r in on_disk["results"].values():
        vpt = [r[f"valid_prediction_time_lyapunov_{k}"] for k in ("min", "median", "max")]
        assert _finite(*vpt, r["one_step_rmse_normalised"], r["final_train_loss"])
        assert 0 <= vpt[0] <= vpt[1] <= vpt[2] <= horizon + 1e-9
        # even after a quick training run the network's one-step prediction beats persistence
        assert r["one_step_rmse_normalised"] < persistence


def test_lorenz_series_stays_on_the_attractor():
    module = load_scenario("sequence_prediction")
    series = module.lorenz_series(500, 0.02, seed=0)
    assert series.shape == (500, 3) and np.all(np.isfinite(series))
    # the Lorenz attractor lives in |x| < 25, |y| < 30, 0 < z < 55
    assert np.all(np.abs(series[:, 0]) < 25) and np.all(np.abs(series[:, 1]) < 30)
    assert np.all((series[:, 2] > 0) & (series[:, 2] < 55))
    # consecutive samples follow the vector field: finite difference ~ f(x) at dt = 0.02
    f = np.empty(3)
    module.lorenz_rhs(0.0, series[100], np.array(module.LORENZ_PARAMS), f)
    central = (series[101] - series[99]) / 0.04
    np.testing.assert_allclose(central, f, rtol=0.05, atol=0.5)


def test_char_rnn_quick(tmp_path, monkeypatch):
    _, on_disk, folder = _run("char_rnn", tmp_path, monkeypatch)
    vocab = on_disk["vocabulary"]
    assert vocab == 65 and on_disk["corpus_chars"] > 100_000
    assert 3.5 < on_disk["unigram_entropy_bits"] < math.log2(vocab)
    for key in ("final_train_bpc", "final_val_bpc", "best_val_bpc"):
        assert _finite(on_disk[key]) and 0 < on_disk[key] < 8, key
    assert len(on_disk["val_bpc"]) == len(on_disk["eval_steps"])
    text_chars = set(load_scenario("char_rnn").load_text())
    n = on_disk["config"]["sample_chars"]
    for sample in on_disk["samples"].values():
        assert sample.startswith("Of Man") and len(sample) == len("Of Man") + n
        assert set(sample) <= text_chars
    assert "temperature 0.5" in (folder / "samples.txt").read_text()


def test_elman_as_dynamics_quick(tmp_path, monkeypatch):
    _, on_disk, _ = _run("elman_as_dynamics", tmp_path, monkeypatch)
    assert _finite(on_disk["test_mse"], on_disk["test_bit_accuracy"])
    assert on_disk["n_fixed_points"] == len(on_disk["fixed_points"]) >= 1
    assert on_disk["n_stable"] == sum(p["stable"] for p in on_disk["fixed_points"])
    for p in on_disk["fixed_points"]:
        assert p["residual"] < 1e-9
    # the memories of the flip-flop are stable fixed points, the rest are saddles
    assert on_disk["n_stable"] >= 1
    assert sum(on_disk["unstable_directions_histogram"].values()) == on_disk["n_fixed_points"]


def test_fixed_point_stability_agrees_with_iterating_the_map():
    """"stable" (from the Jacobian's spectrum) must agree with what the map does: a small
    perturbation of a stable point dies out, one of an unstable point grows."""
    module = load_scenario("elman_as_dynamics")
    rng = np.random.default_rng(4)
    w = 1.8 * np.linalg.qr(rng.normal(size=(4, 4)))[0]  # several fixed points, mixed types
    w = 0.5 * (w + w.T)
    b = 0.05 * rng.normal(size=4)
    points = module.find_fixed_points(rng.uniform(-1.5, 1.5, size=(300, 4)), w, b)
    kinds = set()
    for p in points:
        if abs(p["spectral_radius"] - 1.0) < 0.05:
            continue  # too slow to tell apart by iteration
        h = p["h"] + 1e-7 * rng.normal(size=4)
        for _ in range(400):
            h = module.autonomous_map(h, w, b)
        distance = np.linalg.norm(h - p["h"])
        assert p["stable"] == (distance < 1e-9), (p["spectral_radius"], distance)
        kinds.add(p["stable"])
    assert kinds == {True, False}  # both kinds were exercised


def test_fixed_point_finder_on_known_maps():
    module = load_scenario("elman_as_dynamics")
    rng = np.random.default_rng(0)
    # h -> tanh(0.5 h): the origin is the only fixed point, stable (eigenvalues 0.5)
    points = module.find_fixed_points(rng.normal(size=(10, 2)), 0.5 * np.eye(2), np.zeros(2))
    assert len(points) == 1 and points[0]["stable"]
    np.testing.assert_allclose(points[0]["h"], 0.0, atol=1e-10)
    # h -> tanh(2 h) in 2-D: 3 x 3 = 9 fixed points (0, +-a per axis with a = tanh(2a));
    # only the 4 corners are stable, the 4 edge points have 1 unstable direction, the origin 2
    starts = rng.uniform(-1.2, 1.2, size=(200, 2))
    points = module.find_fixed_points(starts, 2.0 * np.eye(2), np.zeros(2))
    assert len(points) == 9
    a = 0.9575040240772688  # root of a = tanh(2 a)
    assert a == pytest.approx(np.tanh(2 * a), abs=1e-14)
    counts = sorted(p["n_unstable"] for p in points)
    assert counts == [0, 0, 0, 0, 1, 1, 1, 1, 2]
    for p in points:
        if p["stable"]:
            np.testing.assert_allclose(np.abs(p["h"]), a, atol=1e-10)
