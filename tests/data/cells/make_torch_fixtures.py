"""Produce the PyTorch reference fixtures for tests/cells/test_parity.py.

Run with a Python that has torch (not needed by the tests themselves)::

    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch==2.13.0 numpy
    /tmp/torchvenv/bin/python tests/data/cells/make_torch_fixtures.py

For each case a small float64 torch module is built with a fixed seed, run on a random input
with a random non-zero initial state, and the scalar loss

    L = sum(output * R) + sum(h_n * R_h) [+ sum(c_n * R_c)]

with fixed random R, R_h, R_c is differentiated with respect to every parameter, the input
and the initial state. Everything is stored in ``<case>.npz`` next to this script
(keys: ``param:<name>``, ``grad:<name>``, ``x``, ``h0``, ``c0``, ``output``, ``h_n``,
``c_n``, ``R``, ``R_h``, ``R_c``, ``grad_x``, ``grad_h0``, ``grad_c0``, ``config`` (JSON),
``torch_version``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent

CASES = {
    # name: (module kind, constructor kwargs, T, B (None = unbatched))
    "rnn_tanh_2layer_bidir": ("RNN", dict(input_size=3, hidden_size=4, num_layers=2,
                                          bidirectional=True), 5, 2),
    "rnn_relu_batch_first": ("RNN", dict(input_size=3, hidden_size=4, nonlinearity="relu",
                                         batch_first=True), 6, 3),
    "rnn_tanh_unbatched_nobias": ("RNN", dict(input_size=2, hidden_size=3, bias=False), 4,
                                  None),
    "lstm_2layer_bidir": ("LSTM", dict(input_size=3, hidden_size=4, num_layers=2,
                                       bidirectional=True), 5, 2),
    "lstm_batch_first": ("LSTM", dict(input_size=3, hidden_size=5, batch_first=True), 6, 3),
    "lstm_unbatched": ("LSTM", dict(input_size=2, hidden_size=3), 4, None),
    "gru_2layer_bidir": ("GRU", dict(input_size=3, hidden_size=4, num_layers=2,
                                     bidirectional=True), 5, 2),
    "gru_batch_first_nobias": ("GRU", dict(input_size=3, hidden_size=5, batch_first=True,
                                           bias=False), 6, 3),
    "gru_unbatched": ("GRU", dict(input_size=2, hidden_size=3), 4, None),
}


def make_case(name: str, kind: str, kwargs: dict, T: int, B: int | None, seed: int) -> dict:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    module = getattr(torch.nn, kind)(**kwargs).double()
    I, H = kwargs["input_size"], kwargs["hidden_size"]
    D = 2 if kwargs.get("bidirectional") else 1
    L = kwargs.get("num_layers", 1)
    if B is None:
        x_shape, s_shape = (T, I), (L * D, H)
    elif kwargs.get("batch_first"):
        x_shape, s_shape = (B, T, I), (L * D, B, H)
    else:
        x_shape, s_shape = (T, B, I), (L * D, B, H)
    x = torch.tensor(rng.standard_normal(x_shape), requires_grad=True)
    h0 = torch.tensor(0.5 * rng.standard_normal(s_shape), requires_grad=True)
    c0 = torch.tensor(0.5 * rng.standard_normal(s_shape), requires_grad=True)
    if kind == "LSTM":
        out, (hn, cn) = module(x, (h0, c0))
    else:
        out, hn = module(x, h0)
    R = torch.tensor(rng.standard_normal(tuple(out.shape)))
    Rh = torch.tensor(rng.standard_normal(tuple(hn.shape)))
    loss = (out * R).sum() + (hn * Rh).sum()
    data = {}
    if kind == "LSTM":
        Rc = torch.tensor(rng.standard_normal(tuple(cn.shape)))
        loss = loss + (cn * Rc).sum()
        data.update(c0=c0.detach().numpy(), c_n=cn.detach().numpy(), R_c=Rc.numpy())
    loss.backward()
    for pname, p in module.named_parameters():
        data[f"param:{pname}"] = p.detach().numpy().copy()
        data[f"grad:{pname}"] = p.grad.numpy().copy()
    data.update(x=x.detach().numpy(), h0=h0.detach().numpy(), output=out.detach().numpy(),
                h_n=hn.detach().numpy(), R=R.numpy(), R_h=Rh.numpy(),
                grad_x=x.grad.numpy(), grad_h0=h0.grad.numpy())
    if kind == "LSTM":
        data["grad_c0"] = c0.grad.numpy()
    data["config"] = np.array(json.dumps({"kind": kind, "kwargs": kwargs}))
    data["torch_version"] = np.array(torch.__version__)
    return data


CELL_CASES = {
    # one-step cells unrolled by hand over T steps; L = sum_t sum(h_t * R[t]) [+ c_T * R_c]
    "cell_rnn_relu": ("RNNCell", dict(input_size=3, hidden_size=4, nonlinearity="relu"), 4, 2),
    "cell_lstm": ("LSTMCell", dict(input_size=3, hidden_size=4), 4, 2),
    "cell_gru": ("GRUCell", dict(input_size=3, hidden_size=4), 4, 2),
}


def make_cell_case(kind: str, kwargs: dict, T: int, B: int, seed: int) -> dict:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    cell = getattr(torch.nn, kind)(**kwargs).double()
    I, H = kwargs["input_size"], kwargs["hidden_size"]
    x = torch.tensor(rng.standard_normal((T, B, I)), requires_grad=True)
    h0 = torch.tensor(0.5 * rng.standard_normal((B, H)), requires_grad=True)
    c0 = torch.tensor(0.5 * rng.standard_normal((B, H)), requires_grad=True)
    R = torch.tensor(rng.standard_normal((T, B, H)))
    Rc = torch.tensor(rng.standard_normal((B, H)))
    h, c = h0, c0
    loss = 0.0
    hs = []
    for t in range(T):
        if kind == "LSTMCell":
            h, c = cell(x[t], (h, c))
        else:
            h = cell(x[t], h)
        hs.append(h)
        loss = loss + (h * R[t]).sum()
    data = {}
    if kind == "LSTMCell":
        loss = loss + (c * Rc).sum()
    loss.backward()
    for pname, p in cell.named_parameters():
        data[f"param:{pname}"] = p.detach().numpy().copy()
        data[f"grad:{pname}"] = p.grad.numpy().copy()
    data.update(x=x.detach().numpy(), h0=h0.detach().numpy(), c0=c0.detach().numpy(),
                output=torch.stack(hs).detach().numpy(), c_n=c.detach().numpy(),
                R=R.numpy(), R_c=Rc.numpy(), grad_x=x.grad.numpy(),
                grad_h0=h0.grad.numpy())
    if kind == "LSTMCell":
        data["grad_c0"] = c0.grad.numpy()
    data["config"] = np.array(json.dumps({"kind": kind, "kwargs": kwargs}))
    data["torch_version"] = np.array(torch.__version__)
    return data


def main() -> None:
    for seed, (name, (kind, kwargs, T, B)) in enumerate(CASES.items()):
        data = make_case(name, kind, kwargs, T, B, seed)
        np.savez_compressed(HERE / f"{name}.npz", **data)
        print(f"{name}: {len(data)} arrays")
    for seed, (name, (kind, kwargs, T, B)) in enumerate(CELL_CASES.items(), start=100):
        data = make_cell_case(kind, kwargs, T, B, seed)
        np.savez_compressed(HERE / f"{name}.npz", **data)
        print(f"{name}: {len(data)} arrays")


if __name__ == "__main__":
    main()
