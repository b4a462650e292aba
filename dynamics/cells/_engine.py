"""One layer, one direction: forward over a whole sequence and its exact backward pass.

Shared by the stacked/bidirectional layers (``RNN``, ``LSTM``, ``GRU``) and the one-step cells
(``RNNCell`` ...), so both run the same compiled kernels. Parameters are passed with their
short names (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``, ``weight_ci`` ...).

Work split (see ``_kernels``):
1. ``proj = x W_ih^T + b`` for all T steps in one (T*B, I) x (I, G*H) GEMM;
2. the sequential part in one compiled kernel (per step a (B, H) x (H, G*H) GEMM plus fused
   gate math);
3. backward: the kernel fills dL/d(pre-activations) for all steps, then
   dW_ih, dW_hh and dL/dx are each one GEMM over all T*B rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dynamics.cells import _kernels as K


@dataclass
class Cache:
    """What the forward pass keeps for the backward pass of one layer/direction."""

    inp: np.ndarray  # (T, B, I) contiguous
    h0: np.ndarray
    c0: np.ndarray | None
    reverse: bool
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    ws: dict | None = None


def n_gates(kind: str) -> int:
    return {"rnn": 1, "lstm": 4, "gru": 3}[kind]


def _as2d(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, a.shape[-1])


def _buffer(ws: dict | None, name: str, shape: tuple, dtype) -> np.ndarray:
    """An uninitialised array; reused from the workspace ``ws`` when shape and dtype match.

    Layers pass one workspace per (layer, direction) so that repeated calls on same-shaped
    batches do not allocate (and page-fault) the caches again; the one-step cells pass None
    because their tape keeps the caches of many steps alive.
    """
    if ws is None:
        return np.empty(shape, dtype=dtype)
    arr = ws.get(name)
    if arr is None or arr.shape != shape or arr.dtype != dtype:
        arr = ws[name] = np.empty(shape, dtype=dtype)
    return arr


class Engine:
    """Forward/backward of one recurrent layer in one direction.

    Parameters
    ----------
    kind : "rnn" | "lstm" | "gru"
    relu : Elman RNN with ReLU instead of tanh.
    peephole : LSTM with peephole connections (Gers & Schmidhuber 2000).
    reset_after : GRU with the reset gate applied after the recurrent product (PyTorch) if
        True, before it (Cho et al. 2014) if False.
    """

    def __init__(self, kind: str, relu: bool = False, peephole: bool = False,
                 reset_after: bool = True) -> None:
        self.kind = kind
        self.relu = bool(relu)
        self.peephole = bool(peephole)
        self.reset_after = bool(reset_after)

    # ------------------------------------------------------------------ forward
    def forward(self, p: dict[str, np.ndarray], inp: np.ndarray, h0: np.ndarray,
                c0: np.ndarray | None, reverse: bool, ws: dict | None = None):
        """Run the layer over ``inp`` (T, B, I); ``ws``: optional workspace (see _buffer).

        Returns ``(out (T, B, H), h_n, c_n or None, cache)``.
        """
        T, B, _ = inp.shape
        w_ih, w_hh = p["weight_ih"], p["weight_hh"]
        G, H = w_hh.shape
        dt = w_hh.dtype
        inp = np.ascontiguousarray(inp)
        h0 = np.ascontiguousarray(h0)
        proj = _buffer(ws, "proj", (T, B, G), dt)
        np.matmul(_as2d(inp), w_ih.T, out=_as2d(proj))
        has_bias = "bias_ih" in p
        if has_bias:
            bias = p["bias_ih"].copy()
            if self.kind == "gru" and self.reset_after:
                bias[: 2 * H] += p["bias_hh"][: 2 * H]
            else:
                bias += p["bias_hh"]
            proj += bias
        out = _buffer(ws, "out", (T, B, H), dt)
        hprev = _buffer(ws, "hprev", (T, B, H), dt)
        cache = Cache(inp=inp, h0=h0, c0=None, reverse=reverse, ws=ws)
        a = cache.arrays
        a["out"] = out
        a["hprev"] = hprev
        hn, cn = self._kernel_forward(p, proj, h0, c0, reverse, cache, out, hprev)
        return out, hn, cn, cache

    def _kernel_forward(self, p, proj, h0, c0, reverse, cache, out, hprev):
        a = cache.arrays
        T, B, H = out.shape
        w_hh = p["weight_hh"]
        G = w_hh.shape[0]
        dt = w_hh.dtype
        has_bias = "bias_ih" in p
        cn = None
        if self.kind == "rnn":
            hn = K.rnn_forward(proj, np.ascontiguousarray(w_hh.T), h0, self.relu, reverse,
                               out, hprev)
        elif self.kind == "lstm":
            c0 = np.ascontiguousarray(c0)
            cache.c0 = c0
            wci, wcf, wco = self._peepholes(p, H, dt)
            cprev = _buffer(cache.ws, "cprev", (T, B, H), dt)
            cell = _buffer(cache.ws, "cell", (T, B, H), dt)
            tcell = _buffer(cache.ws, "tcell", (T, B, H), dt)
            gates = _buffer(cache.ws, "gates", (T, B, G), dt)
            hn, cn = K.lstm_forward(proj, np.ascontiguousarray(w_hh.T), wci, wcf, wco,
                                    "weight_ci" in p, h0, c0, reverse, out, hprev, cprev, cell,
                                    tcell, gates)
            a.update(cprev=cprev, cell=cell, tcell=tcell, gates=gates)
        else:
            gates = _buffer(cache.ws, "gates", (T, B, G), dt)
            if self.reset_after:
                bhn = p["bias_hh"][2 * H:] if has_bias else np.zeros(H, dtype=dt)
                hn_lin = _buffer(cache.ws, "hn_lin", (T, B, H), dt)
                hn = K.gru_forward_after(proj, np.ascontiguousarray(w_hh.T),
                                         np.ascontiguousarray(bhn), h0, reverse, out, hprev,
                                         gates, hn_lin)
                a["hn_lin"] = hn_lin
            else:
                rh = _buffer(cache.ws, "rh", (T, B, H), dt)
                hn = K.gru_forward_before(proj, np.ascontiguousarray(w_hh[: 2 * H].T),
                                          np.ascontiguousarray(w_hh[2 * H:].T), h0, reverse,
                                          out, hprev, gates, rh)
                a["rh"] = rh
            a["gates"] = gates
        return hn, cn

    @staticmethod
    def _peepholes(p, H, dt):
        if "weight_ci" in p:
            return p["weight_ci"], p["weight_cf"], p["weight_co"]
        z = np.zeros(H, dtype=dt)
        return z, z, z

    # ------------------------------------------------------------------ backward
    def backward(self, p: dict[str, np.ndarray], cache: Cache, dout: np.ndarray,
                 dh_last: np.ndarray, dc_last: np.ndarray | None, truncate: int = 0):
        """Exact BPTT through one forward call.

        ``dout`` (T, B, H) = dL/d(output), ``dh_last``/``dc_last`` = dL/d(h_n), dL/d(c_n).
        ``truncate`` > 0 cuts the gradient carried through the state every ``truncate``
        processed steps (see ``RNN.bptt_truncate``).

        Returns ``(d_inp (T, B, I), dh0, dc0 or None, grads with short names)``.
        """
        a = cache.arrays
        w_ih, w_hh = p["weight_ih"], p["weight_hh"]
        G, H = w_hh.shape
        inp = cache.inp
        T, B, _ = inp.shape
        dt = w_hh.dtype
        dout = np.ascontiguousarray(dout, dtype=dt)
        dh_last = np.ascontiguousarray(dh_last, dtype=dt)
        grads: dict[str, np.ndarray] = {}
        dc0 = None
        hprev = a["hprev"]
        if truncate:
            dh0, dc0, dgate, dgate_h = self._backward_truncated(
                p, cache, dout, dh_last, dc_last, truncate)
        else:
            dgate = _buffer(cache.ws, "dgate", (T, B, G), dt)
            dh0, dc0, dgate_h = self._kernel_backward(p, cache, dout, dh_last, dc_last, dgate)
        dgate2 = _as2d(dgate)
        grads["weight_ih"] = np.matmul(dgate2.T, _as2d(inp))
        if self.kind == "gru" and not self.reset_after:
            w_hh_grad = np.empty_like(w_hh)
            np.matmul(dgate2[:, : 2 * H].T, _as2d(hprev), out=w_hh_grad[: 2 * H])
            np.matmul(dgate2[:, 2 * H:].T, _as2d(a["rh"]), out=w_hh_grad[2 * H:])
            grads["weight_hh"] = w_hh_grad
        else:
            grads["weight_hh"] = np.matmul(_as2d(dgate_h).T, _as2d(hprev))
        if "bias_ih" in p:
            grads["bias_ih"] = dgate2.sum(axis=0)
            grads["bias_hh"] = (grads["bias_ih"].copy() if dgate_h is dgate
                                else _as2d(dgate_h).sum(axis=0))
        if self.kind == "lstm" and "weight_ci" in p:
            grads["weight_ci"] = np.einsum("tbj,tbj->j", dgate[..., :H], a["cprev"])
            grads["weight_cf"] = np.einsum("tbj,tbj->j", dgate[..., H: 2 * H], a["cprev"])
            grads["weight_co"] = np.einsum("tbj,tbj->j", dgate[..., 3 * H:], a["cell"])
        d_inp = np.matmul(dgate2, w_ih).reshape(inp.shape)
        return d_inp, dh0, dc0, grads

    def _kernel_backward(self, p, cache, dout, dh_last, dc_last, dgate):
        """Run the compiled backward kernel; returns ``(dh0, dc0, dgate_h)`` where
        ``dgate_h`` is dL/d(W_hh h + b_hh) (same array as ``dgate`` unless GRU reset_after)."""
        a = cache.arrays
        w_hh = p["weight_hh"]
        G, H = w_hh.shape
        dt = w_hh.dtype
        rev = cache.reverse
        dc0 = None
        dgate_h = dgate
        if self.kind == "rnn":
            dh0 = K.rnn_backward(dout, dh_last, w_hh, a["out"], self.relu, rev, dgate)
        elif self.kind == "lstm":
            wci, wcf, wco = self._peepholes(p, H, dt)
            dc_last = np.ascontiguousarray(dc_last, dtype=dt)
            dh0, dc0 = K.lstm_backward(dout, dh_last, dc_last, w_hh, wci, wcf, wco,
                                       a["cprev"], a["tcell"], a["gates"], rev, dgate)
        elif self.reset_after:
            dgate_h = _buffer(cache.ws, "dgate_h", dgate.shape, dt)
            dh0 = K.gru_backward_after(dout, dh_last, w_hh, a["hprev"], a["gates"],
                                       a["hn_lin"], rev, dgate, dgate_h)
        else:
            dh0 = K.gru_backward_before(dout, dh_last, np.ascontiguousarray(w_hh[: 2 * H]),
                                        np.ascontiguousarray(w_hh[2 * H:]), a["hprev"],
                                        a["gates"], rev, dgate)
        return dh0, dc0, dgate_h

    def _backward_truncated(self, p, cache, dout, dh_last, dc_last, k):
        """Backward in chunks of ``k`` processed steps; the state gradient is set to zero when
        it crosses a chunk boundary (except into the initial state of the whole sequence)."""
        T = cache.inp.shape[0]
        G = p["weight_hh"].shape[0]
        dt = p["weight_hh"].dtype
        B, H = dout.shape[1], dout.shape[2]
        dgate = _buffer(cache.ws, "dgate", (T, B, G), dt)
        dgate_h = dgate
        gru_after = self.kind == "gru" and self.reset_after
        if gru_after:
            dgate_h = _buffer(cache.ws, "dgate_h_full", (T, B, G), dt)
        starts = list(range(0, T, k))
        dh = dh_last
        dc = dc_last
        dh0 = dc0 = None
        for start in reversed(starts):
            stop = min(start + k, T)
            # processing steps [start, stop) correspond to time indices:
            if cache.reverse:
                tsl = slice(T - stop, T - start)
            else:
                tsl = slice(start, stop)
            sub = Cache(inp=cache.inp[tsl], h0=cache.h0, c0=cache.c0, reverse=cache.reverse,
                        arrays={name: arr[tsl] for name, arr in cache.arrays.items()})
            sub_dgate = np.empty((stop - start, B, G), dtype=dt)
            dh_in, dc_in, sub_dgate_h = self._kernel_backward(
                p, sub, np.ascontiguousarray(dout[tsl]), dh, dc, sub_dgate)
            dgate[tsl] = sub_dgate
            if gru_after:
                dgate_h[tsl] = sub_dgate_h
            if start == 0:
                dh0, dc0 = dh_in, dc_in
            dh = np.zeros((B, H), dtype=dt)
            dc = np.zeros((B, H), dtype=dt) if self.kind == "lstm" else None
        return dh0, dc0, dgate, dgate_h
