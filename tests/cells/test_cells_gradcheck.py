"""Exact BPTT against central finite differences (float64), every parameter and the input."""

import numpy as np
import pytest

import dynamics as dyn

EPS = 1e-6
ATOL = 1e-7


def loss_value(model, x, state, R, Rs):
    out, st = model.forward(x, state)
    val = float(np.sum(out * R))
    parts = st if isinstance(st, tuple) else (st,)
    return val + sum(float(np.sum(p * r)) for p, r in zip(parts, Rs, strict=True))


def fd_grad(f, arr):
    g = np.zeros_like(arr)
    for idx in np.ndindex(arr.shape):
        old = arr[idx]
        arr[idx] = old + EPS
        lp = f()
        arr[idx] = old - EPS
        lm = f()
        arr[idx] = old
        g[idx] = (lp - lm) / (2 * EPS)
    return g


def check(model, x, state=None):
    rng = np.random.default_rng(7)
    out, st = model.forward(x, state)
    parts = st if isinstance(st, tuple) else (st,)
    R = rng.standard_normal(out.shape)
    Rs = [rng.standard_normal(p.shape) for p in parts]
    grad_state = tuple(Rs) if isinstance(st, tuple) else Rs[0]
    gx, gp = model.backward(R, grad_state)
    g0 = model.grad_initial_state

    def f():
        return loss_value(model, x, state, R, Rs)

    for name, p in model.parameters().items():
        np.testing.assert_allclose(gp[name], fd_grad(f, p), rtol=1e-6, atol=ATOL, err_msg=name)
    np.testing.assert_allclose(gx, fd_grad(f, x), rtol=1e-6, atol=ATOL, err_msg="input")
    if state is not None:
        sparts = state if isinstance(state, tuple) else (state,)
        gparts = g0 if isinstance(g0, tuple) else (g0,)
        for s, g in zip(sparts, gparts, strict=True):
            np.testing.assert_allclose(g, fd_grad(f, s), rtol=1e-6, atol=ATOL, err_msg="state")


CONFIGS = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu"}),
    ("RNN", {"num_layers": 2, "bidirectional": True}),
    ("RNN", {"bias": False, "batch_first": True}),
    ("LSTM", {}),
    ("LSTM", {"peephole": True}),
    ("LSTM", {"peephole": True, "num_layers": 2, "bidirectional": True}),
    ("LSTM", {"num_layers": 2, "batch_first": True}),
    ("GRU", {}),
    ("GRU", {"reset_after": False}),
    ("GRU", {"reset_after": False, "num_layers": 2, "bidirectional": True}),
    ("GRU", {"num_layers": 2, "bidirectional": True, "bias": False}),
]


@pytest.mark.parametrize(("kind", "kwargs"), CONFIGS, ids=[f"{k}-{kw}" for k, kw in CONFIGS])
def test_gradients_match_finite_differences(kind, kwargs):
    rng = np.random.default_rng(0)
    model = getattr(dyn, kind)(2, 3, seed=1, **kwargs)
    T, B = 4, 2
    x = rng.standard_normal((B, T, 2) if kwargs.get("batch_first") else (T, B, 2))
    LD = model.num_layers * model.num_directions
    h0 = 0.5 * rng.standard_normal((LD, B, 3))
    state = (h0, 0.5 * rng.standard_normal((LD, B, 3))) if kind == "LSTM" else h0
    check(model, x, state)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_unbatched_gradients(kind):
    rng = np.random.default_rng(3)
    model = getattr(dyn, kind)(2, 3, seed=2)
    check(model, rng.standard_normal((5, 2)))


@pytest.mark.parametrize(("kind", "kwargs"), [
    ("RNNCell", {"nonlinearity": "relu"}),
    ("LSTMCell", {"peephole": True}),
    ("GRUCell", {"reset_after": False}),
    ("GRUCell", {}),
])
def test_cell_step_gradients(kind, kwargs):
    rng = np.random.default_rng(4)
    cell = getattr(dyn, kind)(2, 3, seed=5, **kwargs)
    x = rng.standard_normal((2, 2))
    h = 0.5 * rng.standard_normal((2, 3))
    state = (h, 0.5 * rng.standard_normal((2, 3))) if kind == "LSTMCell" else h
    R = [rng.standard_normal((2, 3)) for _ in range(2)]

    def f():
        new = cell.forward(x, state)
        cell.reset()
        parts = new if isinstance(new, tuple) else (new,)
        return sum(float(np.sum(p * r)) for p, r in zip(parts, R, strict=False))

    cell.forward(x, state)
    g_out = (R[0], R[1]) if kind == "LSTMCell" else R[0]
    gx, gprev, gp = cell.backward(g_out)
    for name, p in cell.parameters().items():
        np.testing.assert_allclose(gp[name], fd_grad(f, p), rtol=1e-6, atol=ATOL, err_msg=name)
    np.testing.assert_allclose(gx, fd_grad(f, x), rtol=1e-6, atol=ATOL)
    sparts = state if isinstance(state, tuple) else (state,)
    gparts = gprev if isinstance(gprev, tuple) else (gprev,)
    for s, g in zip(sparts, gparts, strict=True):
        np.testing.assert_allclose(g, fd_grad(f, s), rtol=1e-6, atol=ATOL)


@pytest.mark.parametrize("output", ["last", "all"])
def test_sequence_model_gradients(output):
    rng = np.random.default_rng(5)
    model = dyn.SequenceModel(dyn.GRU(2, 3, batch_first=True, seed=1), dyn.Linear(3, 2, seed=2),
                              output=output)
    x = rng.standard_normal((2, 4, 2))
    pred = model.forward(x)
    R = rng.standard_normal(pred.shape)
    gx, gp = model.backward(R)

    def f():
        return float(np.sum(model.forward(x) * R))

    for name, p in model.parameters().items():
        np.testing.assert_allclose(gp[name], fd_grad(f, p), rtol=1e-6, atol=ATOL, err_msg=name)
    np.testing.assert_allclose(gx, fd_grad(f, x), rtol=1e-6, atol=ATOL)


def test_losses_gradients():
    rng = np.random.default_rng(6)
    pred = rng.standard_normal((3, 4))
    target = rng.standard_normal((3, 4))
    loss, g = dyn.mse_loss(pred, target)
    assert loss == pytest.approx(np.mean((pred - target) ** 2))
    np.testing.assert_allclose(g, fd_grad(lambda: dyn.mse_loss(pred, target)[0], pred),
                               atol=1e-8)
    logits = rng.standard_normal((2, 3, 5))
    labels = rng.integers(0, 5, (2, 3))
    loss, g = dyn.softmax_cross_entropy(logits, labels)
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    expected = -np.mean(np.log(np.take_along_axis(p, labels[..., None], -1)))
    assert loss == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(
        g, fd_grad(lambda: dyn.softmax_cross_entropy(logits, labels)[0], logits), atol=1e-8)
    big, _ = dyn.softmax_cross_entropy(np.array([[1000.0, 0.0]]), np.array([1]))
    assert big == pytest.approx(1000.0)
