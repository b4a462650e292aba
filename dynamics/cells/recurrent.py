"""Stacked, optionally bidirectional recurrent layers with exact backpropagation through time.

``RNN`` (Elman 1990), ``LSTM`` (Hochreiter & Schmidhuber 1997, forget gate Gers, Schmidhuber &
Cummins 2000, optional peepholes Gers & Schmidhuber 2000) and ``GRU`` (Cho et al. 2014) with
PyTorch's equations, parameter names, shapes, gate order and initialisation, so a PyTorch
state dict converted to numpy loads as is and gives the same outputs and gradients.

Backpropagation through time (Werbos 1990) is exact: ``backward`` returns the gradient of the
loss through the last ``forward`` call with respect to every parameter and to the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dynamics import _validate as _v
from dynamics._blas import layer_blas_threads
from dynamics.cells._engine import Engine, n_gates
from dynamics.cells._params import HasParameters
from dynamics.cells._validate import (
    as_float_array,
    check_dtype,
    check_finite,
    check_positive_int,
    check_shape,
)

__all__ = ["RNN", "LSTM", "GRU"]

State = np.ndarray | tuple[np.ndarray, np.ndarray]


def make_rng(seed: Any) -> np.random.Generator:
    """``seed`` may be None, an int or a ``numpy.random.Generator``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise TypeError(f"seed: expected None, an int or a numpy Generator, got {seed!r}")
    return np.random.default_rng(seed)


class _RecurrentLayer(HasParameters):
    """Common machinery of ``RNN``, ``LSTM`` and ``GRU`` (not public)."""

    _kind = "rnn"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        bidirectional: bool = False,
        dtype: Any = np.float64,
        seed: Any = None,
        bptt_truncate: int | None = None,
        *,
        engine: Engine,
        extra_params: tuple[str, ...] = (),
    ) -> None:
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.num_layers = check_positive_int(num_layers, "num_layers")
        self.bias = _v.flag(bias, "bias")
        self.batch_first = _v.flag(batch_first, "batch_first")
        self.bidirectional = _v.flag(bidirectional, "bidirectional")
        self.dtype = check_dtype(dtype)
        self.bptt_truncate = bptt_truncate
        self._engine = engine
        self._extra = extra_params
        self.num_directions = 2 if self.bidirectional else 1
        rng = make_rng(seed)
        H = self.hidden_size
        G = n_gates(self._kind) * H
        bound = 1.0 / np.sqrt(H)
        self._params: dict[str, np.ndarray] = {}
        for layer in range(self.num_layers):
            in_size = self.input_size if layer == 0 else H * self.num_directions
            for d in range(self.num_directions):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                shapes = {"weight_ih": (G, in_size), "weight_hh": (G, H)}
                if self.bias:
                    shapes.update(bias_ih=(G,), bias_hh=(G,))
                for name in extra_params:
                    shapes[name] = (H,)
                for name, shape in shapes.items():
                    self._params[name + sfx] = rng.uniform(-bound, bound, size=shape).astype(
                        self.dtype)
        self._tape: dict[str, Any] | None = None
        # per (layer, direction) reusable cache buffers (see _engine._buffer)
        self._ws: list[dict] = [{} for _ in range(self.num_layers * self.num_directions)]
        self.grad_initial_state: State | None = None

    # ------------------------------------------------------------------ properties
    @property
    def bptt_truncate(self) -> int | None:
        """Cut the gradient carried through the recurrent state every k steps (None: exact)."""
        return self._bptt_truncate

    @bptt_truncate.setter
    def bptt_truncate(self, k: int | None) -> None:
        self._bptt_truncate = None if k is None else check_positive_int(k, "bptt_truncate")

    def __repr__(self) -> str:
        opts = [f"{self.input_size}", f"{self.hidden_size}", f"num_layers={self.num_layers}"]
        if self.bidirectional:
            opts.append("bidirectional=True")
        if self.batch_first:
            opts.append("batch_first=True")
        opts.append(f"dtype={self.dtype}")
        return f"{type(self).__name__}({', '.join(opts)})"

    # ------------------------------------------------------------------ parameters
    def _direction_params(self, layer: int, d: int) -> dict[str, np.ndarray]:
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        names = ["weight_ih", "weight_hh"]
        if self.bias:
            names += ["bias_ih", "bias_hh"]
        names += list(self._extra)
        return {n: self._params[n + sfx] for n in names}

    # ------------------------------------------------------------------ input checks
    @property
    def _has_cell(self) -> bool:
        return self._kind == "lstm"

    def _check_input(self, x: Any) -> tuple[np.ndarray, bool]:
        x = as_float_array(x, "x", self.dtype)
        if x.ndim not in (2, 3):
            raise ValueError(
                f"x: expected shape (T, B, {self.input_size})"
                + (" with batch_first=True (B, T, input_size)" if self.batch_first else "")
                + f" or unbatched (T, {self.input_size}), got shape {x.shape}")
        if x.shape[-1] != self.input_size:
            raise ValueError(
                f"x: expected last dimension input_size={self.input_size}, got shape {x.shape}")
        if x.size == 0:
            raise ValueError(f"x: expected a non-empty sequence, got shape {x.shape}")
        check_finite(x, "x")
        unbatched = x.ndim == 2
        if unbatched:
            x = x[:, None, :]
        elif self.batch_first:
            x = x.transpose(1, 0, 2)
        return np.ascontiguousarray(x), unbatched

    def _state_shape(self, B: int, unbatched: bool) -> tuple[int, ...]:
        LD = self.num_layers * self.num_directions
        return (LD, self.hidden_size) if unbatched else (LD, B, self.hidden_size)

    def _check_state(self, state: Any, B: int, unbatched: bool, name: str = "state"):
        """Return (h0, c0) as (L*D, B, H) arrays (c0 None unless LSTM)."""
        shape = self._state_shape(B, unbatched)
        LD = self.num_layers * self.num_directions
        full = (LD, B, self.hidden_size)
        if state is None:
            z = np.zeros(full, dtype=self.dtype)
            return z, (np.zeros(full, dtype=self.dtype) if self._has_cell else None)
        if self._has_cell:
            if not isinstance(state, tuple | list) or len(state) != 2:
                raise TypeError(f"{name}: expected a tuple (h_0, c_0) for LSTM, got "
                                f"{type(state).__name__}")
            parts = [(state[0], f"{name}[0] (h_0)"), (state[1], f"{name}[1] (c_0)")]
        else:
            if isinstance(state, tuple | list):
                raise TypeError(f"{name}: expected an array h_0 of shape {shape}, got a "
                                f"{type(state).__name__}")
            parts = [(state, name)]
        out = []
        for arr, label in parts:
            a = as_float_array(arr, label, self.dtype)
            check_shape(a, shape, label)
            check_finite(a, label)
            out.append(a.reshape(full))
        return out[0], (out[1] if self._has_cell else None)

    # ------------------------------------------------------------------ forward
    def forward(self, x: Any, state: State | None = None):
        """Run the stacked layers over the sequence ``x``.

        Parameters
        ----------
        x : (T, B, input_size), or (B, T, input_size) with ``batch_first``, or unbatched
            (T, input_size); dtype must be the module's dtype.
        state : initial state, zeros if None. RNN/GRU: h_0 of shape
            (num_layers * num_directions, B, hidden_size) ((L*D, hidden_size) unbatched);
            LSTM: a tuple (h_0, c_0) of that shape.

        Returns
        -------
        output : (T, B, D * hidden_size) (batch_first: (B, T, D*H); unbatched (T, D*H)), the
            last layer's hidden states, directions concatenated (forward first).
        h_n : (L*D, B, H), or ``(h_n, c_n)`` for LSTM.
        """
        xs, unbatched = self._check_input(x)
        T, B, _ = xs.shape
        h0, c0 = self._check_state(state, B, unbatched)
        with layer_blas_threads():
            return self._forward(xs, h0, c0, unbatched)

    def _forward(self, xs, h0, c0, unbatched):
        T, B, _ = xs.shape
        H, D = self.hidden_size, self.num_directions
        hn = np.empty_like(h0)
        cn = np.empty_like(c0) if c0 is not None else None
        caches = []
        inp = xs
        for layer in range(self.num_layers):
            out = np.empty((T, B, D * H), dtype=self.dtype)
            for d in range(D):
                idx = layer * D + d
                o, h, c, cache = self._engine.forward(
                    self._direction_params(layer, d), inp, h0[idx],
                    None if c0 is None else c0[idx], reverse=bool(d), ws=self._ws[idx])
                out[:, :, d * H:(d + 1) * H] = o
                hn[idx] = h
                if cn is not None:
                    cn[idx] = c
                caches.append(cache)
            inp = out
        self._tape = {"caches": caches, "T": T, "B": B, "unbatched": unbatched,
                      "out_shape": out.shape}
        output = self._format_output(out, unbatched)
        h_out = hn[:, 0] if unbatched else hn
        if self._has_cell:
            c_out = cn[:, 0] if unbatched else cn
            return output, (h_out, c_out)
        return output, h_out

    def _format_output(self, out: np.ndarray, unbatched: bool) -> np.ndarray:
        if unbatched:
            return out[:, 0]
        if self.batch_first:
            return np.ascontiguousarray(out.transpose(1, 0, 2))
        return out

    __call__ = forward

    # ------------------------------------------------------------------ backward
    def backward(self, grad_output: Any, grad_state: State | None = None):
        """Exact backpropagation through time through the last ``forward`` call.

        Parameters
        ----------
        grad_output : dL/d(output), same shape as ``output`` (None: zeros).
        grad_state : dL/d(h_n) (LSTM: a tuple (dL/dh_n, dL/dc_n); either element may be
            None), same shapes as the returned state; None means zero.

        Returns
        -------
        grad_input : dL/dx, shaped like ``x``.
        grad_params : dict of dL/d(parameter) keyed by the parameter names.

        The gradient with respect to the initial state is stored in
        ``self.grad_initial_state`` (same structure as ``state``). If ``bptt_truncate`` is k,
        the gradient carried through the recurrent state is cut every k steps (truncated
        BPTT, Williams & Peng 1990); the gradient of each k-step chunk is exact.
        """
        if self._tape is None:
            raise RuntimeError("backward: call forward first")
        tape = self._tape
        T, B, unbatched = tape["T"], tape["B"], tape["unbatched"]
        H, D = self.hidden_size, self.num_directions
        out_shape = (T, D * H) if unbatched else (
            (B, T, D * H) if self.batch_first else (T, B, D * H))
        if grad_output is None:
            g = np.zeros((T, B, D * H), dtype=self.dtype)
        else:
            g = as_float_array(grad_output, "grad_output", self.dtype)
            check_shape(g, out_shape, "grad_output")
            check_finite(g, "grad_output")
            if unbatched:
                g = g[:, None, :]
            elif self.batch_first:
                g = g.transpose(1, 0, 2)
        dhn, dcn = self._check_grad_state(grad_state, B, unbatched)
        with layer_blas_threads():
            return self._backward(g, dhn, dcn, T, B, unbatched)

    def _backward(self, g, dhn, dcn, T, B, unbatched):
        tape = self._tape
        H, D = self.hidden_size, self.num_directions
        caches = tape["caches"]
        grads: dict[str, np.ndarray] = {}
        dh0 = np.empty_like(dhn)
        dc0 = np.empty_like(dcn) if dcn is not None else None
        trunc = self._bptt_truncate or 0
        for layer in reversed(range(self.num_layers)):
            d_inp = None
            for d in range(D):
                idx = layer * D + d
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                di, h0g, c0g, gr = self._engine.backward(
                    self._direction_params(layer, d), caches[idx], g[:, :, d * H:(d + 1) * H],
                    dhn[idx], None if dcn is None else dcn[idx], truncate=trunc)
                dh0[idx] = h0g
                if dc0 is not None:
                    dc0[idx] = c0g
                for k, v in gr.items():
                    grads[k + sfx] = v
                d_inp = di if d_inp is None else d_inp + di
            g = d_inp
        grads = {k: grads[k] for k in self._params}
        if unbatched:
            grad_input = g[:, 0]
            dh0, dc0 = dh0[:, 0], (dc0[:, 0] if dc0 is not None else None)
        elif self.batch_first:
            grad_input = np.ascontiguousarray(g.transpose(1, 0, 2))
        else:
            grad_input = g
        self.grad_initial_state = (dh0, dc0) if self._has_cell else dh0
        return grad_input, grads

    def _check_grad_state(self, grad_state, B, unbatched):
        LD = self.num_layers * self.num_directions
        full = (LD, B, self.hidden_size)
        shape = self._state_shape(B, unbatched)

        def one(v, label):
            if v is None:
                return np.zeros(full, dtype=self.dtype)
            a = as_float_array(v, label, self.dtype)
            check_shape(a, shape, label)
            check_finite(a, label)
            return np.ascontiguousarray(a.reshape(full))

        if self._has_cell:
            if grad_state is None:
                grad_state = (None, None)
            if not isinstance(grad_state, tuple | list) or len(grad_state) != 2:
                raise TypeError("grad_state: expected a tuple (dL/dh_n, dL/dc_n) for LSTM, got "
                                f"{type(grad_state).__name__}")
            return one(grad_state[0], "grad_state[0]"), one(grad_state[1], "grad_state[1]")
        if isinstance(grad_state, tuple | list):
            raise TypeError(f"grad_state: expected an array of shape {shape}, got a "
                            f"{type(grad_state).__name__}")
        return one(grad_state, "grad_state"), None


class RNN(_RecurrentLayer):
    """Elman recurrent network (Elman 1990), PyTorch's ``nn.RNN``.

    h_t = phi(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), phi = tanh or relu.

    Parameters ``weight_ih_l{k}`` (H, I or D*H), ``weight_hh_l{k}`` (H, H), ``bias_ih_l{k}``,
    ``bias_hh_l{k}`` (H,), suffix ``_reverse`` for the backward direction; all initialised
    U(-1/sqrt(H), 1/sqrt(H)). ``bptt_truncate=k`` cuts the gradient every k steps.
    """

    _kind = "rnn"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 bidirectional: bool = False, dtype: Any = np.float64, seed: Any = None,
                 bptt_truncate: int | None = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity: expected 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional,
                         dtype, seed, bptt_truncate,
                         engine=Engine("rnn", relu=nonlinearity == "relu"))


class LSTM(_RecurrentLayer):
    """Long short-term memory (Hochreiter & Schmidhuber 1997; forget gate Gers et al. 2000),
    PyTorch's ``nn.LSTM``; optional peepholes (Gers & Schmidhuber 2000)::

        i = sigma(W_ii x + b_ii + W_hi h + b_hi [+ w_ci * c_{t-1}])
        f = sigma(W_if x + b_if + W_hf h + b_hf [+ w_cf * c_{t-1}])
        g = tanh(W_ig x + b_ig + W_hg h + b_hg)
        c_t = f * c_{t-1} + i * g
        o = sigma(W_io x + b_io + W_ho h + b_ho [+ w_co * c_t])
        h_t = o * tanh(c_t)

    Gate order i, f, g, o in ``weight_ih_l{k}`` (4H, I) etc.; peephole weights
    ``weight_ci_l{k}``, ``weight_cf_l{k}``, ``weight_co_l{k}`` (H,) (diagonal), initialised
    like the others U(-1/sqrt(H), 1/sqrt(H)). State is a tuple (h, c).
    """

    _kind = "lstm"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, bidirectional: bool = False,
                 dtype: Any = np.float64, seed: Any = None, peephole: bool = False,
                 bptt_truncate: int | None = None) -> None:
        self.peephole = _v.flag(peephole, "peephole")
        extra = ("weight_ci", "weight_cf", "weight_co") if self.peephole else ()
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional,
                         dtype, seed, bptt_truncate,
                         engine=Engine("lstm", peephole=self.peephole), extra_params=extra)


class GRU(_RecurrentLayer):
    """Gated recurrent unit (Cho et al. 2014), PyTorch's ``nn.GRU``::

        r = sigma(W_ir x + b_ir + W_hr h + b_hr)
        z = sigma(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))        reset_after=True (PyTorch)
        n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)        reset_after=False (Cho 2014)
        h_t = (1 - z) * n + z * h_{t-1}

    Gate order r, z, n in ``weight_ih_l{k}`` (3H, I) etc.
    """

    _kind = "gru"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, bidirectional: bool = False,
                 dtype: Any = np.float64, seed: Any = None, reset_after: bool = True,
                 bptt_truncate: int | None = None) -> None:
        self.reset_after = _v.flag(reset_after, "reset_after")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional,
                         dtype, seed, bptt_truncate,
                         engine=Engine("gru", reset_after=self.reset_after))
