"""A layer keeps its own copy of what forward was given: changing the caller's arrays in
place between forward and backward does not change the gradients."""

from __future__ import annotations

import numpy as np
import pytest

import dynamics as dyn


def _grads_after(layer, x, state, mutate):
    if isinstance(layer, dyn.Linear):
        layer.forward(x)
        mutate()
        gx, grads = layer.backward(np.ones((x.shape[0], layer.out_features)))
        return gx, grads
    if isinstance(layer, dyn.RNNCell):
        h = layer.forward(x, state)
        mutate()
        gx, gh, grads = layer.backward(np.ones_like(h))
        return gx, {**grads, "h0": gh}
    out, _ = layer.forward(x, state)
    mutate()
    gx, grads = layer.backward(np.ones_like(out))
    return gx, {**grads, "h0": layer.grad_initial_state}


@pytest.mark.parametrize("make", [
    lambda: dyn.Linear(3, 2, seed=0),
    lambda: dyn.RNNCell(3, 4, seed=0),
    lambda: dyn.RNN(3, 4, seed=0),
    lambda: dyn.GRU(3, 4, seed=0, batch_first=True),
], ids=["Linear", "RNNCell", "RNN", "GRU-batch_first"])
def test_in_place_change_of_the_input_after_forward_leaves_gradients_unchanged(make):
    rng = np.random.default_rng(1)
    layer = make()
    if isinstance(layer, dyn.Linear):
        x, state = rng.normal(size=(5, 3)), None
    elif isinstance(layer, dyn.RNNCell):
        x, state = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    else:
        x, state = rng.normal(size=(6, 5, 3)), rng.normal(size=(1, 5, 4))
        if getattr(layer, "batch_first", False):
            x = np.ascontiguousarray(x.transpose(1, 0, 2))
    ref_gx, ref = _grads_after(layer, x.copy(), None if state is None else state.copy(),
                               lambda: None)

    def scribble():
        x[...] = 7.0
        if state is not None:
            state[...] = -3.0

    gx, got = _grads_after(layer, x, state, scribble)
    np.testing.assert_array_equal(gx, ref_gx)
    assert got.keys() == ref.keys()
    for key in ref:
        np.testing.assert_array_equal(got[key], ref[key], err_msg=key)
