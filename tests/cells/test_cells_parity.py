"""Parity with PyTorch: fixtures produced by tests/data/cells/make_torch_fixtures.py.

The fixtures hold weights, inputs, initial states, outputs, final states and the gradients of
L = sum(output * R) + sum(h_n * R_h) [+ sum(c_n * R_c)] computed by torch in float64.
torch is not needed here.
"""

import json
from pathlib import Path

import numpy as np
import pytest

import dynamics as dyn

DATA = Path(__file__).resolve().parents[1] / "data" / "cells"
LAYER_CASES = sorted(p.stem for p in DATA.glob("*.npz") if not p.stem.startswith("cell_"))
CELL_CASES = sorted(p.stem for p in DATA.glob("cell_*.npz"))
TOL = 1e-10


def load(name):
    with np.load(DATA / f"{name}.npz") as f:
        data = {k: f[k] for k in f.files}
    data["config"] = json.loads(str(data["config"]))
    return data


def params_of(data):
    return {k[6:]: v for k, v in data.items() if k.startswith("param:")}


def test_fixtures_present_and_small():
    assert len(LAYER_CASES) >= 9 and len(CELL_CASES) == 3
    assert sum(p.stat().st_size for p in DATA.glob("*.npz")) < 1_000_000
    for name in LAYER_CASES + CELL_CASES:
        assert str(load(name)["torch_version"]).startswith("2.")


@pytest.mark.parametrize("name", LAYER_CASES)
def test_layer_matches_torch(name):
    data = load(name)
    cfg = data["config"]
    model = getattr(dyn, cfg["kind"])(**cfg["kwargs"], seed=0)
    model.load_state_dict(params_of(data))
    is_lstm = cfg["kind"] == "LSTM"
    state = (data["h0"], data["c0"]) if is_lstm else data["h0"]
    out, st = model.forward(data["x"].copy(), state)
    np.testing.assert_allclose(out, data["output"], rtol=0, atol=TOL)
    hn = st[0] if is_lstm else st
    np.testing.assert_allclose(hn, data["h_n"], rtol=0, atol=TOL)
    if is_lstm:
        np.testing.assert_allclose(st[1], data["c_n"], rtol=0, atol=TOL)
        grad_state = (data["R_h"], data["R_c"])
    else:
        grad_state = data["R_h"]
    gx, gp = model.backward(data["R"], grad_state)
    np.testing.assert_allclose(gx, data["grad_x"], rtol=0, atol=TOL)
    assert set(gp) == set(params_of(data))
    for k, g in gp.items():
        np.testing.assert_allclose(g, data[f"grad:{k}"], rtol=0, atol=TOL, err_msg=k)
    g0 = model.grad_initial_state
    np.testing.assert_allclose(g0[0] if is_lstm else g0, data["grad_h0"], rtol=0, atol=TOL)
    if is_lstm:
        np.testing.assert_allclose(g0[1], data["grad_c0"], rtol=0, atol=TOL)


@pytest.mark.parametrize("name", CELL_CASES)
def test_cell_matches_torch(name):
    data = load(name)
    cfg = data["config"]
    cell = getattr(dyn, cfg["kind"])(**cfg["kwargs"], seed=0)
    cell.load_state_dict(params_of(data))
    is_lstm = cfg["kind"] == "LSTMCell"
    x, R = data["x"], data["R"]
    state = (data["h0"], data["c0"]) if is_lstm else data["h0"]
    hs = []
    for t in range(x.shape[0]):
        state = cell.forward(x[t], state)
        hs.append(state[0] if is_lstm else state)
    np.testing.assert_allclose(np.stack(hs), data["output"], rtol=0, atol=TOL)
    if is_lstm:
        np.testing.assert_allclose(state[1], data["c_n"], rtol=0, atol=TOL)
    total = {}
    gx = np.empty_like(x)
    g_prev = (np.zeros_like(R[0]), data["R_c"]) if is_lstm else np.zeros_like(R[0])
    for t in reversed(range(x.shape[0])):
        g = (g_prev[0] + R[t], g_prev[1]) if is_lstm else g_prev + R[t]
        gx[t], g_prev, gp = cell.backward(g)
        for k, v in gp.items():
            total[k] = total.get(k, 0) + v
    assert cell.tape_length == 0
    np.testing.assert_allclose(gx, data["grad_x"], rtol=0, atol=TOL)
    for k, g in total.items():
        np.testing.assert_allclose(g, data[f"grad:{k}"], rtol=0, atol=TOL, err_msg=k)
    np.testing.assert_allclose(g_prev[0] if is_lstm else g_prev, data["grad_h0"], rtol=0,
                               atol=TOL)
    if is_lstm:
        np.testing.assert_allclose(g_prev[1], data["grad_c0"], rtol=0, atol=TOL)


def parity_max_error():
    """Largest absolute deviation from torch over all fixtures (used by the docs)."""
    worst = 0.0
    for name in LAYER_CASES:
        data = load(name)
        cfg = data["config"]
        model = getattr(dyn, cfg["kind"])(**cfg["kwargs"], seed=0)
        model.load_state_dict(params_of(data))
        is_lstm = cfg["kind"] == "LSTM"
        out, st = model.forward(data["x"], (data["h0"], data["c0"]) if is_lstm else data["h0"])
        gx, gp = model.backward(data["R"], (data["R_h"], data["R_c"]) if is_lstm
                                else data["R_h"])
        errs = [np.abs(out - data["output"]).max(), np.abs(gx - data["grad_x"]).max()]
        errs += [np.abs(g - data[f"grad:{k}"]).max() for k, g in gp.items()]
        worst = max(worst, *errs)
    return worst


if __name__ == "__main__":
    print(f"max |ours - torch| over all layer fixtures: {parity_max_error():.3e}")
