"""Bad arguments to the optimizers, the clipping helpers and ``fit`` raise a TypeError (wrong
type) or a ValueError (wrong value) naming the argument, before anything is modified."""

from __future__ import annotations

import math

import numpy as np
import pytest

import dynamics as dyn


def _params():
    return {"w": np.array([1.0, -2.0])}


@pytest.mark.parametrize("lr", ["a", None, [0.1], True])
def test_lr_of_wrong_type(lr):
    for cls in (dyn.SGD, dyn.Adam):
        with pytest.raises(TypeError, match="lr: expected a finite non-negative number"):
            cls(_params(), lr=lr)


@pytest.mark.parametrize("lr", [-0.1, math.nan, math.inf])
def test_lr_of_wrong_value(lr):
    for cls in (dyn.SGD, dyn.Adam):
        with pytest.raises(ValueError, match="lr: expected a finite non-negative number"):
            cls(_params(), lr=lr)


def test_sgd_momentum_and_weight_decay():
    with pytest.raises(TypeError, match=r"momentum: expected a number in \[0, 1\), got str"):
        dyn.SGD(_params(), lr=0.1, momentum="a")
    for bad in (1.0, -0.1, math.nan):
        with pytest.raises(ValueError, match=r"momentum: expected a number in \[0, 1\)"):
            dyn.SGD(_params(), lr=0.1, momentum=bad)
    with pytest.raises(TypeError, match="weight_decay"):
        dyn.SGD(_params(), lr=0.1, weight_decay="0.1")
    with pytest.raises(ValueError, match="weight_decay: expected a finite non-negative"):
        dyn.SGD(_params(), lr=0.1, weight_decay=-1)
    opt = dyn.SGD(_params(), lr=np.float32(0.1), momentum=np.float64(0.5), weight_decay=0)
    assert (opt.lr, opt.momentum, opt.weight_decay) == pytest.approx((0.1, 0.5, 0.0))


def test_adam_betas_eps_weight_decay():
    with pytest.raises(TypeError, match=r"betas: expected a pair \(beta1, beta2\)"):
        dyn.Adam(_params(), betas=0.9)
    with pytest.raises(TypeError, match="betas: expected a pair"):
        dyn.Adam(_params(), betas="ab")
    with pytest.raises(ValueError, match=r"betas: expected a pair .* got 3 value\(s\)"):
        dyn.Adam(_params(), betas=(0.9, 0.99, 0.999))
    with pytest.raises(TypeError, match=r"betas\[1\]: expected a number in \[0, 1\)"):
        dyn.Adam(_params(), betas=(0.9, "x"))
    with pytest.raises(ValueError, match=r"betas\[0\]: expected a number in \[0, 1\)"):
        dyn.Adam(_params(), betas=(1.0, 0.999))
    with pytest.raises(ValueError, match=r"betas\[1\]"):
        dyn.Adam(_params(), betas=[0.9, -0.1])
    for bad in (0.0, -1e-8, math.inf):
        with pytest.raises(ValueError, match="eps: expected a finite number > 0"):
            dyn.Adam(_params(), eps=bad)
    with pytest.raises(TypeError, match="eps"):
        dyn.Adam(_params(), eps="tiny")
    with pytest.raises(ValueError, match="weight_decay: expected a finite non-negative"):
        dyn.Adam(_params(), weight_decay=-1)
    adam = dyn.Adam(_params(), betas=np.array([0.8, 0.9]), eps=1e-6, weight_decay=0.01)
    assert adam.betas == pytest.approx((0.8, 0.9)) and adam.weight_decay == 0.01


def test_clipping_arguments():
    grads = {"a": np.array([3.0, 4.0])}
    for fn, name in ((dyn.clip_grad_norm, "max_norm"), (dyn.clip_grad_value, "clip_value")):
        with pytest.raises(TypeError, match=f"{name}: expected a finite number > 0, got str"):
            fn(grads, "x")
        for bad in (0.0, -1.0, math.nan, math.inf):
            with pytest.raises(ValueError, match=f"{name}: expected a finite number > 0"):
                fn(grads, bad)
        with pytest.raises(TypeError, match="grads: expected a dict"):
            fn([np.zeros(2)], 1.0)
        with pytest.raises(TypeError, match=r"grads\['a'\]: expected a float numpy array"):
            fn({"a": [3.0, 4.0]}, 1.0)
    np.testing.assert_array_equal(grads["a"], [3.0, 4.0])  # untouched by the failed calls


def _tiny_model():
    return dyn.SequenceModel(dyn.RNN(1, 2, seed=0), dyn.Linear(2, 1, seed=1), output="last")


@pytest.mark.parametrize("n_steps", [1.5, 2.0, "3", True])
def test_fit_n_steps_of_wrong_type(n_steps):
    model = _tiny_model()
    opt = dyn.SGD(model.parameters(), lr=0.1)
    batch = (np.zeros((3, 2, 1)), np.zeros((2, 1)))
    with pytest.raises(TypeError, match="n_steps: expected a positive integer"):
        dyn.fit(model, dyn.mse_loss, opt, [batch], n_steps, progress=False)


@pytest.mark.parametrize("n_steps", [0, -3])
def test_fit_n_steps_of_wrong_value(n_steps):
    model = _tiny_model()
    opt = dyn.SGD(model.parameters(), lr=0.1)
    batch = (np.zeros((3, 2, 1)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="n_steps: expected a positive integer"):
        dyn.fit(model, dyn.mse_loss, opt, [batch], n_steps, progress=False)


def test_sizes_of_wrong_type_or_value():
    with pytest.raises(TypeError, match="hidden_size: expected a positive integer, got float"):
        dyn.RNN(2, 3.0)
    with pytest.raises(TypeError, match="input_size"):
        dyn.GRU(True, 3)
    with pytest.raises(TypeError, match="out_features"):
        dyn.Linear(2, "1")
    with pytest.raises(ValueError, match="num_layers: expected a positive integer"):
        dyn.LSTM(2, 3, num_layers=0)
    assert dyn.RNN(np.int64(2), 3).input_size == 2


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"clip_norm": "x"}, TypeError, "clip_norm"),
        ({"clip_norm": -1.0}, ValueError, "clip_norm"),
        ({"clip_value": 0.0}, ValueError, "clip_value"),
    ],
)
def test_fit_clipping_arguments(kwargs, error, match):
    model = dyn.SequenceModel(dyn.GRU(1, 4, seed=0), dyn.Linear(4, 1, seed=1))
    opt = dyn.SGD(model.parameters(), lr=0.1)
    x = np.zeros((3, 2, 1))
    y = np.zeros((2, 1))
    with pytest.raises(error, match=match):
        dyn.fit(model, dyn.mse_loss, opt, lambda step: (x, y), 2, progress=False, **kwargs)
