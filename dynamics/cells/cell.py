"""Single-step cells for users who write their own time loop.

``RNNCell``, ``LSTMCell`` (optional peepholes) and ``GRUCell`` (``reset_after`` option) have
the same equations, parameter names (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``;
peepholes ``weight_ci``, ``weight_cf``, ``weight_co``) and shapes as PyTorch's
``nn.RNNCell`` / ``nn.LSTMCell`` / ``nn.GRUCell``, and run the same compiled kernels as the
sequence layers.

Backpropagation through your loop: every ``forward`` pushes what its backward needs onto a
tape (a stack); ``backward`` pops the most recent step. Run the steps forward, then call
``backward`` once per step in reverse order, feeding each call the gradient with respect to
the state that step produced (from your loss at that step plus the ``grad_prev_state``
returned by the step after it). Sum the per-step parameter gradients::

    h = None
    for t in range(T):
        h = cell.forward(x[t], h)
    g_h, total = dL_dh_T, {}
    for t in reversed(range(T)):
        g_x, g_h, g = cell.backward(g_h)          # + dL/dh_{t-1} from your loss if any
        for k, v in g.items():
            total[k] = total.get(k, 0) + v
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
from dynamics.cells.recurrent import make_rng

__all__ = ["RNNCell", "LSTMCell", "GRUCell"]


class _Cell(HasParameters):
    _kind = "rnn"

    def __init__(self, input_size: int, hidden_size: int, bias: bool, dtype: Any, seed: Any,
                 engine: Engine, extra: tuple[str, ...] = ()) -> None:
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.bias = _v.flag(bias, "bias")
        self.dtype = check_dtype(dtype)
        self._engine = engine
        rng = make_rng(seed)
        H = self.hidden_size
        G = n_gates(self._kind) * H
        bound = 1.0 / np.sqrt(H)
        shapes = {"weight_ih": (G, self.input_size), "weight_hh": (G, H)}
        if self.bias:
            shapes.update(bias_ih=(G,), bias_hh=(G,))
        for name in extra:
            shapes[name] = (H,)
        self._params = {k: rng.uniform(-bound, bound, s).astype(self.dtype)
                        for k, s in shapes.items()}
        self._tape: list[tuple] = []

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size}, dtype={self.dtype})"

    @property
    def tape_length(self) -> int:
        """Number of forward steps whose backward has not been called yet."""
        return len(self._tape)

    def reset(self) -> None:
        """Drop the recorded steps (start a new sequence without backpropagating)."""
        self._tape.clear()

    def _state_arrays(self, state, B, unbatched, name):
        shape = (self.hidden_size,) if unbatched else (B, self.hidden_size)
        full = (B, self.hidden_size)
        n = 2 if self._kind == "lstm" else 1
        if state is None:
            return [np.zeros(full, dtype=self.dtype) for _ in range(n)]
        if n == 2:
            if not isinstance(state, tuple | list) or len(state) != 2:
                raise TypeError(f"{name}: expected a tuple (h, c), got {type(state).__name__}")
            items = [(state[0], f"{name}[0]"), (state[1], f"{name}[1]")]
        else:
            if isinstance(state, tuple | list):
                raise TypeError(f"{name}: expected an array of shape {shape}, got a "
                                f"{type(state).__name__}")
            items = [(state, name)]
        out = []
        for v, label in items:
            if v is None:
                out.append(np.zeros(full, dtype=self.dtype))
                continue
            a = as_float_array(v, label, self.dtype)
            check_shape(a, shape, label)
            check_finite(a, label)
            out.append(np.ascontiguousarray(a.reshape(full)))
        return out

    def forward(self, x: Any, state: Any = None):
        """One step. x: (B, input_size) or (input_size,); state: h (B, H) (LSTM: (h, c)),
        zeros if None. Returns the new state h' (LSTM: (h', c')). Records the step on the tape.
        """
        x = as_float_array(x, "x", self.dtype)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(f"x: expected shape (B, {self.input_size}) or "
                             f"({self.input_size},), got {x.shape}")
        check_finite(x, "x")
        unbatched = x.ndim == 1
        xb = x.reshape(1, -1, self.input_size)
        B = xb.shape[1]
        st = self._state_arrays(state, B, unbatched, "state")
        with layer_blas_threads():
            out, h, c, cache = self._engine.forward(
                self._params, xb, st[0], st[1] if len(st) == 2 else None, reverse=False)
        self._tape.append((cache, B, unbatched))
        if unbatched:
            h = h[0]
            c = c[0] if c is not None else None
        return (h, c) if self._kind == "lstm" else h

    __call__ = forward

    def backward(self, grad_state: Any):
        """Backward through the most recent unconsumed ``forward`` step.

        grad_state: dL/dh' (LSTM: (dL/dh', dL/dc'), either may be None) for the state that
        step returned. Returns ``(grad_input, grad_prev_state, grad_params)`` where
        grad_prev_state has the structure of the state (dL/dh or (dL/dh, dL/dc)) and
        grad_params holds this step's contribution to dL/d(parameter).
        """
        if not self._tape:
            raise RuntimeError("backward: no recorded forward step left on the tape")
        cache, B, unbatched = self._tape[-1]
        st = self._state_arrays(grad_state, B, unbatched, "grad_state")
        self._tape.pop()
        H = self.hidden_size
        zeros_out = np.zeros((1, B, H), dtype=self.dtype)
        with layer_blas_threads():
            d_inp, dh0, dc0, grads = self._engine.backward(
                self._params, cache, zeros_out, st[0], st[1] if len(st) == 2 else None)
        gx = d_inp[0]
        if unbatched:
            gx, dh0 = gx[0], dh0[0]
            dc0 = dc0[0] if dc0 is not None else None
        prev = (dh0, dc0) if self._kind == "lstm" else dh0
        return gx, prev, grads


class RNNCell(_Cell):
    """One Elman step h' = phi(W_ih x + b_ih + W_hh h + b_hh), phi = tanh or relu."""

    _kind = "rnn"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", dtype: Any = np.float64, seed: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity: expected 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, dtype, seed,
                         Engine("rnn", relu=nonlinearity == "relu"))


class LSTMCell(_Cell):
    """One LSTM step (equations in ``LSTM``); state (h, c); optional peepholes."""

    _kind = "lstm"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 dtype: Any = np.float64, seed: Any = None, peephole: bool = False) -> None:
        self.peephole = _v.flag(peephole, "peephole")
        extra = ("weight_ci", "weight_cf", "weight_co") if self.peephole else ()
        super().__init__(input_size, hidden_size, bias, dtype, seed,
                         Engine("lstm", peephole=self.peephole), extra)


class GRUCell(_Cell):
    """One GRU step (equations in ``GRU``); ``reset_after=False`` is Cho et al. (2014)."""

    _kind = "gru"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 dtype: Any = np.float64, seed: Any = None, reset_after: bool = True) -> None:
        self.reset_after = _v.flag(reset_after, "reset_after")
        super().__init__(input_size, hidden_size, bias, dtype, seed,
                         Engine("gru", reset_after=self.reset_after))
