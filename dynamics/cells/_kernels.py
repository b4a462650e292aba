"""Compiled time loops for the recurrent layers (forward and exact backward).

Each kernel runs the whole sequence of one layer in one direction inside numba: the
recurrent matrix product of every step is a BLAS GEMM (``np.dot(a, b, out)``, no
allocation), the gate nonlinearities are fused elementwise loops. The input projections
``x_t W_ih^T + b`` of all time steps are computed beforehand by the caller in a single GEMM,
and the weight gradients afterwards in single GEMMs over all steps, so only what must be
sequential runs here.

Conventions shared by all kernels
---------------------------------
* ``proj``    (T, B, G): input projection of every step, biases that add linearly folded in.
* ``whh_t``   (H, G): transposed recurrent weight (contiguous copy of ``weight_hh.T``).
* ``whh``     (G, H): recurrent weight (PyTorch layout) used by the backward pass.
* ``reverse``: process t = T-1, ..., 0 instead of 0, ..., T-1 (the backward direction of a
  bidirectional layer). All caches are indexed by the time index t, not the processing step.
* ``hprev``   (T, B, H): the hidden state that entered step t (filled by the forward kernel).
* Backward kernels receive ``dout`` (T, B, H) = dL/dh_t from above and ``dh_last`` = dL/dh_n,
  fill ``dgate`` (T, B, G) = dL/d(pre-activation) and return dL/dh_0 (and dL/dc_0).

Compiled lazily on first call and cached on disk (``cache=True``).
"""

from __future__ import annotations

import math

import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True)


@_jit
def _sigmoid(a):
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


# --------------------------------------------------------------------------- Elman RNN


@_jit
def rnn_forward(proj, whh_t, h0, relu, reverse, out, hprev):
    """h_t = phi(proj_t + W_hh h_{t-1}) with phi = tanh or relu (Elman 1990)."""
    T, B, H = out.shape
    h = h0.copy()
    acc = np.empty((B, H), dtype=out.dtype)
    for s in range(T):
        t = T - 1 - s if reverse else s
        hprev[t] = h
        np.dot(h, whh_t, acc)
        for b in range(B):
            for j in range(H):
                a = proj[t, b, j] + acc[b, j]
                if relu:
                    v = a if a > 0.0 else 0.0
                else:
                    v = math.tanh(a)
                h[b, j] = v
                out[t, b, j] = v
    return h


@_jit
def rnn_backward(dout, dh_last, whh, out, relu, reverse, dgate):
    T, B, H = out.shape
    dh = dh_last.copy()
    for s in range(T):
        t = s if reverse else T - 1 - s
        for b in range(B):
            for j in range(H):
                g = dh[b, j] + dout[t, b, j]
                v = out[t, b, j]
                if relu:
                    dgate[t, b, j] = g if v > 0.0 else 0.0
                else:
                    dgate[t, b, j] = g * (1.0 - v * v)
        np.dot(dgate[t], whh, dh)
    return dh


# --------------------------------------------------------------------------- LSTM


@_jit
def lstm_forward(proj, whh_t, wci, wcf, wco, h0, c0, reverse, out, hprev, cprev, cell, gates):
    """LSTM step (Hochreiter & Schmidhuber 1997; forget gate Gers et al. 2000; peepholes
    Gers & Schmidhuber 2000; zero peephole weights give PyTorch's LSTM)::

        i = sigma(W_ii x + W_hi h + b_i + w_ci * c_{t-1})
        f = sigma(W_if x + W_hf h + b_f + w_cf * c_{t-1})
        g = tanh(W_ig x + W_hg h + b_g)
        c_t = f * c_{t-1} + i * g
        o = sigma(W_io x + W_ho h + b_o + w_co * c_t)
        h_t = o * tanh(c_t)

    ``gates`` (T, B, 4H) keeps the activated i, f, g, o; ``cell`` keeps c_t.
    """
    T, B, H = out.shape
    h = h0.copy()
    c = c0.copy()
    acc = np.empty((B, 4 * H), dtype=out.dtype)
    for s in range(T):
        t = T - 1 - s if reverse else s
        hprev[t] = h
        cprev[t] = c
        np.dot(h, whh_t, acc)
        for b in range(B):
            for j in range(H):
                cp = c[b, j]
                ig = _sigmoid(proj[t, b, j] + acc[b, j] + wci[j] * cp)
                fg = _sigmoid(proj[t, b, H + j] + acc[b, H + j] + wcf[j] * cp)
                gg = math.tanh(proj[t, b, 2 * H + j] + acc[b, 2 * H + j])
                cn = fg * cp + ig * gg
                og = _sigmoid(proj[t, b, 3 * H + j] + acc[b, 3 * H + j] + wco[j] * cn)
                hn = og * math.tanh(cn)
                gates[t, b, j] = ig
                gates[t, b, H + j] = fg
                gates[t, b, 2 * H + j] = gg
                gates[t, b, 3 * H + j] = og
                c[b, j] = cn
                cell[t, b, j] = cn
                h[b, j] = hn
                out[t, b, j] = hn
    return h, c


@_jit
def lstm_backward(
    dout, dh_last, dc_last, whh, wci, wcf, wco, cprev, cell, gates, reverse, dgate
):
    T, B, H = cell.shape
    dh = dh_last.copy()
    dc = dc_last.copy()
    for s in range(T):
        t = s if reverse else T - 1 - s
        for b in range(B):
            for j in range(H):
                ig = gates[t, b, j]
                fg = gates[t, b, H + j]
                gg = gates[t, b, 2 * H + j]
                og = gates[t, b, 3 * H + j]
                cn = cell[t, b, j]
                cp = cprev[t, b, j]
                tc = math.tanh(cn)
                gh = dh[b, j] + dout[t, b, j]
                dao = gh * tc * og * (1.0 - og)
                gc = dc[b, j] + gh * og * (1.0 - tc * tc) + dao * wco[j]
                dai = gc * gg * ig * (1.0 - ig)
                daf = gc * cp * fg * (1.0 - fg)
                dag = gc * ig * (1.0 - gg * gg)
                dgate[t, b, j] = dai
                dgate[t, b, H + j] = daf
                dgate[t, b, 2 * H + j] = dag
                dgate[t, b, 3 * H + j] = dao
                dc[b, j] = gc * fg + dai * wci[j] + daf * wcf[j]
        np.dot(dgate[t], whh, dh)
    return dh, dc


# --------------------------------------------------------------------------- GRU


@_jit
def gru_forward_after(proj, whh_t, bhn, h0, reverse, out, hprev, gates, hn_lin):
    """GRU as in PyTorch / cuDNN (reset applied after the recurrent product)::

        r = sigma(W_ir x + b_ir + W_hr h + b_hr)
        z = sigma(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}

    ``proj`` holds b_ir + b_hr, b_iz + b_hz and b_in; ``hn_lin`` keeps W_hn h + b_hn.
    """
    T, B, H = out.shape
    h = h0.copy()
    acc = np.empty((B, 3 * H), dtype=out.dtype)
    for s in range(T):
        t = T - 1 - s if reverse else s
        hprev[t] = h
        np.dot(h, whh_t, acc)
        for b in range(B):
            for j in range(H):
                r = _sigmoid(proj[t, b, j] + acc[b, j])
                z = _sigmoid(proj[t, b, H + j] + acc[b, H + j])
                lin = acc[b, 2 * H + j] + bhn[j]
                n = math.tanh(proj[t, b, 2 * H + j] + r * lin)
                hn = (1.0 - z) * n + z * h[b, j]
                gates[t, b, j] = r
                gates[t, b, H + j] = z
                gates[t, b, 2 * H + j] = n
                hn_lin[t, b, j] = lin
                h[b, j] = hn
                out[t, b, j] = hn
    return h


@_jit
def gru_backward_after(dout, dh_last, whh, hprev, gates, hn_lin, reverse, dgate, dgate_h):
    """Fills ``dgate`` = dL/d(input pre-activations) and ``dgate_h`` = dL/d(W_hh h + b_hh)."""
    T, B, H = hprev.shape
    dh = dh_last.copy()
    direct = np.empty((B, H), dtype=dh.dtype)
    for s in range(T):
        t = s if reverse else T - 1 - s
        for b in range(B):
            for j in range(H):
                r = gates[t, b, j]
                z = gates[t, b, H + j]
                n = gates[t, b, 2 * H + j]
                gh = dh[b, j] + dout[t, b, j]
                dan = gh * (1.0 - z) * (1.0 - n * n)
                daz = gh * (hprev[t, b, j] - n) * z * (1.0 - z)
                dar = dan * hn_lin[t, b, j] * r * (1.0 - r)
                dgate[t, b, j] = dar
                dgate[t, b, H + j] = daz
                dgate[t, b, 2 * H + j] = dan
                dgate_h[t, b, j] = dar
                dgate_h[t, b, H + j] = daz
                dgate_h[t, b, 2 * H + j] = dan * r
                direct[b, j] = gh * z
        np.dot(dgate_h[t], whh, dh)
        dh += direct
    return dh


@_jit
def gru_forward_before(proj, whh_rz_t, whn_t, h0, reverse, out, hprev, gates, rh):
    """GRU of Cho et al. (2014) (reset applied before the recurrent product)::

        r = sigma(W_ir x + b_ir + W_hr h + b_hr)
        z = sigma(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)
        h_t = (1 - z) * n + z * h_{t-1}

    ``proj`` holds all biases; ``rh`` keeps r * h_{t-1}.
    """
    T, B, H = out.shape
    h = h0.copy()
    acc = np.empty((B, 2 * H), dtype=out.dtype)
    accn = np.empty((B, H), dtype=out.dtype)
    rhs = np.empty((B, H), dtype=out.dtype)
    for s in range(T):
        t = T - 1 - s if reverse else s
        hprev[t] = h
        np.dot(h, whh_rz_t, acc)
        for b in range(B):
            for j in range(H):
                r = _sigmoid(proj[t, b, j] + acc[b, j])
                z = _sigmoid(proj[t, b, H + j] + acc[b, H + j])
                gates[t, b, j] = r
                gates[t, b, H + j] = z
                rhs[b, j] = r * h[b, j]
        rh[t] = rhs
        np.dot(rhs, whn_t, accn)
        for b in range(B):
            for j in range(H):
                n = math.tanh(proj[t, b, 2 * H + j] + accn[b, j])
                z = gates[t, b, H + j]
                hn = (1.0 - z) * n + z * h[b, j]
                gates[t, b, 2 * H + j] = n
                h[b, j] = hn
                out[t, b, j] = hn
    return h


@_jit
def gru_backward_before(dout, dh_last, whh_rz, whn, hprev, gates, reverse, dgate):
    T, B, H = hprev.shape
    dh = dh_last.copy()
    drh = np.empty((B, H), dtype=dh.dtype)
    dan = np.empty((B, H), dtype=dh.dtype)
    direct = np.empty((B, H), dtype=dh.dtype)
    darz = np.empty((B, 2 * H), dtype=dh.dtype)
    for s in range(T):
        t = s if reverse else T - 1 - s
        for b in range(B):
            for j in range(H):
                z = gates[t, b, H + j]
                n = gates[t, b, 2 * H + j]
                gh = dh[b, j] + dout[t, b, j]
                v = gh * (1.0 - z) * (1.0 - n * n)
                dan[b, j] = v
                dgate[t, b, 2 * H + j] = v
                daz = gh * (hprev[t, b, j] - n) * z * (1.0 - z)
                dgate[t, b, H + j] = daz
                darz[b, H + j] = daz
                direct[b, j] = gh * z
        np.dot(dan, whn, drh)
        for b in range(B):
            for j in range(H):
                r = gates[t, b, j]
                dar = drh[b, j] * hprev[t, b, j] * r * (1.0 - r)
                dgate[t, b, j] = dar
                darz[b, j] = dar
                direct[b, j] += drh[b, j] * r
        np.dot(darz, whh_rz, dh)
        dh += direct
    return dh
