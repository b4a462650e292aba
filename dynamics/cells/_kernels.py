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
from numba import types
from numba.extending import overload

# "contract" only lets LLVM fuse a * b + c into one FMA (one rounding instead of two); no other
# fast-math assumption (NaN/inf semantics are kept).
_jit = numba.njit(cache=True, nogil=True, fastmath={"contract"})
_inline = numba.njit(cache=True, inline="always", fastmath={"contract"})

# Cody-Waite split of ln 2 and Taylor coefficients 1/k! of exp on |r| <= ln(2)/2
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10


@_inline
def _exp_reduced(v):
    """exp(v) = p * 2**k for v <= 0 (clamped at -708); returns (p, k).

    Pure arithmetic so that loops calling it are vectorised by LLVM (no libm call): range
    reduction v = k ln2 + r, |r| <= ln2/2, then the degree-13 Taylor polynomial of exp(r)
    (truncation error < 2e-16 relative). The caller builds 2**k from the exponent bits.
    """
    v = max(v, -708.0)
    k = math.floor(v * _LOG2E + 0.5)
    r = (v - k * _LN2_HI) - k * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    return p, k


@_jit
def _sigmoid_pass64(x, out, kbits):
    """out[i] = 1 / (1 + exp(-x[i])) for 1-D contiguous arrays (``out`` must not alias
    ``x``); ``kbits`` is an int64 scratch array of the same length.

    Evaluated as e = exp(-|x|), sigma = 1/(1+e) (x >= 0) or e/(1+e) (x < 0): no overflow,
    and every loop is branch-free so it runs in SIMD registers.
    """
    n = x.size
    for i in range(n):
        p, k = _exp_reduced(-abs(x[i]))
        out[i] = p
        kbits[i] = (np.int64(k) + 1023) << 52
    scale = kbits.view(np.float64)
    for i in range(n):
        e = out[i] * scale[i]
        s = 1.0 / (1.0 + e)
        out[i] = s if x[i] >= 0.0 else e * s


@_jit
def _tanh_pass64(x, out, kbits):
    """out[i] = tanh(x[i]) = sign(x) (1 - e) / (1 + e), e = exp(-2|x|); see _sigmoid_pass64."""
    n = x.size
    for i in range(n):
        p, k = _exp_reduced(-2.0 * abs(x[i]))
        out[i] = p
        kbits[i] = (np.int64(k) + 1023) << 52
    scale = kbits.view(np.float64)
    for i in range(n):
        e = out[i] * scale[i]
        t = (1.0 - e) / (1.0 + e)
        out[i] = t if x[i] >= 0.0 else -t


# float32: the same in single precision (16 SIMD lanes instead of 8): Cody-Waite split of ln 2
# for float32 and the degree-7 Taylor polynomial (truncation error < 6e-9 relative).
_F = np.float32
_F_LOG2E = _F(_LOG2E)
_F_LN2_HI = _F(0.693359375)
_F_LN2_LO = _F(-2.12194440e-4)
_F_LOW = _F(-87.0)
_F_HALF = _F(0.5)
_F_ONE = _F(1.0)
_F_TWO = _F(2.0)
_F_ZERO = _F(0.0)
_F_C7 = _F(1.0 / 5040.0)
_F_C6 = _F(1.0 / 720.0)
_F_C5 = _F(1.0 / 120.0)
_F_C4 = _F(1.0 / 24.0)
_F_C3 = _F(1.0 / 6.0)
_F_127 = np.int32(127)
_F_23 = np.int32(23)


@_inline
def _exp_reduced32(v):
    v = max(v, _F_LOW)
    k = np.floor(v * _F_LOG2E + _F_HALF)
    r = (v - k * _F_LN2_HI) - k * _F_LN2_LO
    p = _F_C7
    p = p * r + _F_C6
    p = p * r + _F_C5
    p = p * r + _F_C4
    p = p * r + _F_C3
    p = p * r + _F_HALF
    p = p * r + _F_ONE
    p = p * r + _F_ONE
    return p, k


@_jit
def _sigmoid_pass32(x, out, kbits):
    n = x.size
    kb = kbits.view(np.int32)
    for i in range(n):
        p, k = _exp_reduced32(-abs(x[i]))
        out[i] = p
        kb[i] = (np.int32(k) + _F_127) << _F_23
    scale = kb.view(np.float32)
    for i in range(n):
        e = out[i] * scale[i]
        s = _F_ONE / (_F_ONE + e)
        out[i] = s if x[i] >= _F_ZERO else e * s


@_jit
def _tanh_pass32(x, out, kbits):
    n = x.size
    kb = kbits.view(np.int32)
    for i in range(n):
        p, k = _exp_reduced32(-_F_TWO * abs(x[i]))
        out[i] = p
        kb[i] = (np.int32(k) + _F_127) << _F_23
    scale = kb.view(np.float32)
    for i in range(n):
        e = out[i] * scale[i]
        t = (_F_ONE - e) / (_F_ONE + e)
        out[i] = t if x[i] >= _F_ZERO else -t


def sigmoid_pass(x, out, kbits):  # pragma: no cover - replaced by the overload in jit code
    """out = sigmoid(x) on 1-D contiguous arrays, in the arrays' precision (compiled code
    only; kbits: int64 scratch of the same length)."""
    raise NotImplementedError("sigmoid_pass is callable from numba-compiled code only")


def tanh_pass(x, out, kbits):  # pragma: no cover - replaced by the overload in jit code
    """out = tanh(x) on 1-D contiguous arrays (compiled code only)."""
    raise NotImplementedError("tanh_pass is callable from numba-compiled code only")


@overload(sigmoid_pass)
def _sigmoid_pass_impl(x, out, kbits):
    if x.dtype == types.float32:
        return lambda x, out, kbits: _sigmoid_pass32(x, out, kbits)
    return lambda x, out, kbits: _sigmoid_pass64(x, out, kbits)


@overload(tanh_pass)
def _tanh_pass_impl(x, out, kbits):
    if x.dtype == types.float32:
        return lambda x, out, kbits: _tanh_pass32(x, out, kbits)
    return lambda x, out, kbits: _tanh_pass64(x, out, kbits)


# --------------------------------------------------------------------------- Elman RNN


@_jit
def rnn_forward(proj, whh_t, h0, relu, reverse, out, hprev):
    """h_t = phi(proj_t + W_hh h_{t-1}) with phi = tanh or relu (Elman 1990)."""
    T, B, H = out.shape
    acc = np.empty((B, H), dtype=out.dtype)
    pre = np.empty(B * H, dtype=out.dtype)
    kbits = np.empty(B * H, dtype=np.int64)
    h = h0
    for s in range(T):
        t = T - 1 - s if reverse else s
        hprev[t] = h
        np.dot(h, whh_t, acc)
        ht = out[t]
        if relu:
            for b in range(B):
                for j in range(H):
                    a = proj[t, b, j] + acc[b, j]
                    ht[b, j] = a if a > 0.0 else 0.0
        else:
            for b in range(B):
                for j in range(H):
                    pre[b * H + j] = proj[t, b, j] + acc[b, j]
            tanh_pass(pre, ht.reshape(-1), kbits)
        h = ht
    return h.copy()


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
def lstm_forward(proj, whh_t, wci, wcf, wco, peephole, h0, c0, reverse, out, hprev, cprev,
                 cell, tcell, gates):
    """LSTM step (Hochreiter & Schmidhuber 1997; forget gate Gers et al. 2000; peepholes
    Gers & Schmidhuber 2000; without peepholes this is PyTorch's LSTM)::

        i = sigma(W_ii x + W_hi h + b_i + w_ci * c_{t-1})
        f = sigma(W_if x + W_hf h + b_f + w_cf * c_{t-1})
        g = tanh(W_ig x + W_hg h + b_g)
        c_t = f * c_{t-1} + i * g
        o = sigma(W_io x + W_ho h + b_o + w_co * c_t)
        h_t = o * tanh(c_t)

    ``gates`` (T, B, 4H) keeps the activated i, f, g, o; ``cell`` c_t; ``tcell`` tanh(c_t).
    g is evaluated as 2 sigma(2a) - 1 so that all four gates take one vectorised pass.
    """
    T, B, H = out.shape
    G = 4 * H
    acc = np.empty((B, G), dtype=out.dtype)
    pre = np.empty(B * G, dtype=out.dtype)
    opre = np.empty(B * H, dtype=out.dtype)
    obuf = np.empty(B * H, dtype=out.dtype)
    kbits = np.empty(B * G, dtype=np.int64)
    h = h0
    c = c0
    for s in range(T):
        t = T - 1 - s if reverse else s
        hprev[t] = h
        cprev[t] = c
        np.dot(h, whh_t, acc)
        for b in range(B):
            row = b * G
            for j in range(H):
                cp = c[b, j]
                pre[row + j] = proj[t, b, j] + acc[b, j] + wci[j] * cp
                pre[row + H + j] = proj[t, b, H + j] + acc[b, H + j] + wcf[j] * cp
                pre[row + 2 * H + j] = 2.0 * (proj[t, b, 2 * H + j] + acc[b, 2 * H + j])
                pre[row + 3 * H + j] = proj[t, b, 3 * H + j] + acc[b, 3 * H + j]
        gt = gates[t]
        sigmoid_pass(pre, gt.reshape(-1), kbits)
        ct = cell[t]
        for b in range(B):
            for j in range(H):
                gg = 2.0 * gt[b, 2 * H + j] - 1.0
                gt[b, 2 * H + j] = gg
                ct[b, j] = gt[b, H + j] * c[b, j] + gt[b, j] * gg
        tt = tcell[t]
        tanh_pass(ct.reshape(-1), tt.reshape(-1), kbits)
        if peephole:
            for b in range(B):
                for j in range(H):
                    opre[b * H + j] = pre[b * G + 3 * H + j] + wco[j] * ct[b, j]
            sigmoid_pass(opre, obuf, kbits)
            for b in range(B):
                for j in range(H):
                    gt[b, 3 * H + j] = obuf[b * H + j]
        ht = out[t]
        for b in range(B):
            for j in range(H):
                ht[b, j] = gt[b, 3 * H + j] * tt[b, j]
        h = ht
        c = ct
    return h.copy(), c.copy()


@_jit
def lstm_backward(dout, dh_last, dc_last, whh, wci, wcf, wco, cprev, tcell, gates, reverse,
                  dgate):
    T, B, H = tcell.shape
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
                tc = tcell[t, b, j]
                cp = cprev[t, b, j]
                gh = dh[b, j] + dout[t, b, j]
                dao = gh * tc * og * (1.0 - og)
                gc = dc[b, j] + gh * og * (1.0 - tc * tc) + dao * wco[j]
                dai = gc * gg * ig * (1.0 - ig)
                daf = gc * cp * fg * (1.0 - fg)
                dgate[t, b, j] = dai
                dgate[t, b, H + j] = daf
                dgate[t, b, 2 * H + j] = gc * ig * (1.0 - gg * gg)
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
    acc = np.empty((B, 3 * H), dtype=out.dtype)
    pre = np.empty(B * 2 * H, dtype=out.dtype)
    rz = np.empty(B * 2 * H, dtype=out.dtype)
    npre = np.empty(B * H, dtype=out.dtype)
    nbuf = np.empty(B * H, dtype=out.dtype)
    kbits = np.empty(B * 2 * H, dtype=np.int64)
    h = h0
    for s in range(T):
        t = T - 1 - s if reverse else s
        hprev[t] = h
        np.dot(h, whh_t, acc)
        for b in range(B):
            for j in range(2 * H):
                pre[b * 2 * H + j] = proj[t, b, j] + acc[b, j]
        sigmoid_pass(pre, rz, kbits)
        lin_t = hn_lin[t]
        for b in range(B):
            for j in range(H):
                lin = acc[b, 2 * H + j] + bhn[j]
                lin_t[b, j] = lin
                npre[b * H + j] = proj[t, b, 2 * H + j] + rz[b * 2 * H + j] * lin
        tanh_pass(npre, nbuf, kbits)
        gt = gates[t]
        ht = out[t]
        for b in range(B):
            for j in range(H):
                r = rz[b * 2 * H + j]
                z = rz[b * 2 * H + H + j]
                n = nbuf[b * H + j]
                gt[b, j] = r
                gt[b, H + j] = z
                gt[b, 2 * H + j] = n
                ht[b, j] = (1.0 - z) * n + z * h[b, j]
        h = ht
    return h.copy()


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
        for b in range(B):
            for j in range(H):
                dh[b, j] += direct[b, j]
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
    acc = np.empty((B, 2 * H), dtype=out.dtype)
    accn = np.empty((B, H), dtype=out.dtype)
    pre = np.empty(B * 2 * H, dtype=out.dtype)
    rz = np.empty(B * 2 * H, dtype=out.dtype)
    npre = np.empty(B * H, dtype=out.dtype)
    nbuf = np.empty(B * H, dtype=out.dtype)
    kbits = np.empty(B * 2 * H, dtype=np.int64)
    h = h0
    for s in range(T):
        t = T - 1 - s if reverse else s
        hprev[t] = h
        np.dot(h, whh_rz_t, acc)
        for b in range(B):
            for j in range(2 * H):
                pre[b * 2 * H + j] = proj[t, b, j] + acc[b, j]
        sigmoid_pass(pre, rz, kbits)
        rht = rh[t]
        for b in range(B):
            for j in range(H):
                rht[b, j] = rz[b * 2 * H + j] * h[b, j]
        np.dot(rht, whn_t, accn)
        for b in range(B):
            for j in range(H):
                npre[b * H + j] = proj[t, b, 2 * H + j] + accn[b, j]
        tanh_pass(npre, nbuf, kbits)
        gt = gates[t]
        ht = out[t]
        for b in range(B):
            for j in range(H):
                z = rz[b * 2 * H + H + j]
                n = nbuf[b * H + j]
                gt[b, j] = rz[b * 2 * H + j]
                gt[b, H + j] = z
                gt[b, 2 * H + j] = n
                ht[b, j] = (1.0 - z) * n + z * h[b, j]
        h = ht
    return h.copy()


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
        for b in range(B):
            for j in range(H):
                dh[b, j] += direct[b, j]
    return dh
