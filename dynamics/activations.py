"""Gain (activation) functions of graded-response neurons.

Hopfield (1984) writes the output of neuron i as ``V_i = g(lambda * u_i)``: a bounded,
monotonically increasing function of its input potential ``u_i``. The energy of the network
needs, besides ``g``, its inverse and the closed-form integral of the inverse,

    G(V) = integral_0^V g^-1(v) dv,

which enters the Lyapunov function as ``sum_i (1/R_i) G(V_i)``. Three gains are provided:

========================  ===========================  ===========================================
name                      g(u)                         G(V) = integral_0^V g^-1
========================  ===========================  ===========================================
``"tanh"``                tanh(lambda u), V in (-1,1)  [(1+V)ln(1+V) + (1-V)ln(1-V)] / (2 lambda)
``"logistic"``            1/(1+exp(-lambda u)),        (1/lambda) [V ln V + (1-V) ln(1-V)]
                          V in (0,1)
``"piecewise_linear"``    clip(lambda u, -1, 1)        V^2 / (2 lambda) for |V| <= 1
========================  ===========================  ===========================================

Each gain is available to Python as a :class:`Gain` (vectorised numpy methods ``g``,
``derivative``, ``inverse``, ``integral_inverse``) and to compiled kernels through the numba
functions :func:`gain_value`, :func:`gain_derivative` and :func:`gain_integral_of_inverse_u`
dispatched on an integer code (``Gain.code``); :func:`gain_values` fills a whole array with
``g`` in a loop that the compiler vectorises (SIMD), and :func:`fast_tanh` is the branch-free
tanh it uses (within 3 ulp of ``np.tanh``, NaN and +-inf handled). The compiled energy
evaluates ``G(g(u))`` directly from ``u`` in a form that stays accurate when ``V`` saturates:

    tanh:      G = V u - ln cosh(lambda u) / lambda
    logistic:  G = -(V softplus(-lambda u) + (1 - V) softplus(lambda u)) / lambda
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

__all__ = ["Gain", "get_gain", "GAINS", "TANH", "LOGISTIC", "PIECEWISE_LINEAR"]
# compiled helpers for kernels (used inside the package, not re-exported): gain_value,
# gain_values, fast_tanh, fast_log_cosh, gain_derivative, gain_integral_of_inverse_u,
# gain_integrals

TANH = 0
LOGISTIC = 1
PIECEWISE_LINEAR = 2


@intrinsic
def _bits_of(typingctx, x):
    """The IEEE-754 bit pattern of a float64 as an int64 (a register move, vectorisable)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _float_of(typingctx, i):
    """The float64 whose bit pattern is the int64 ``i``."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


_SHIFTER = 6755399441055744.0  # 1.5 * 2**52: adding it rounds to an integer in the low bits
_INV_LN2 = 1.4426950408889634
# ln 2 split in two (Cody & Waite 1980) so that k * _LN2_HI is exact for |k| < 2**11
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_LN2 = 0.6931471805599453
# 1/(2j+1), the coefficients of atanh(s)/s = sum_j s^(2j) / (2j+1)
(_L3, _L5, _L7, _L9, _L11, _L13, _L15, _L17, _L19) = (
    1 / 3, 1 / 5, 1 / 7, 1 / 9, 1 / 11, 1 / 13, 1 / 15, 1 / 17, 1 / 19)
(_L21, _L23, _L25, _L27, _L29, _L31, _L33, _L35, _L37) = (
    1 / 21, 1 / 23, 1 / 25, 1 / 27, 1 / 29, 1 / 31, 1 / 33, 1 / 35, 1 / 37)
# Taylor coefficients 1/k! of expm1(r) = r + r^2/2! + ... + r^14/14!; with |r| <= ln(2)/2 the
# truncation error is below 2e-17 relative
_E2, _E3, _E4, _E5, _E6, _E7, _E8 = (1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040,
                                     1 / 40320)
_E9, _E10, _E11, _E12 = 1 / 362880, 1 / 3628800, 1 / 39916800, 1 / 479001600
_E13, _E14 = 1 / 6227020800, 1 / 87178291200
# tanh(z) rounds to +-1 in float64 for |z| > 19.06 (1 - tanh z ~ 2 e^{-2z} < 2^-54)
_TANH_SATURATION = 20.0


@nb.njit(cache=True, inline="always", error_model="numpy")
def _expm1_of_twice(a: float) -> float:
    """expm1(2a) for 0 <= a <= 20 (or NaN), branch-free: 2a = k ln 2 + r with |r| <= ln(2)/2
    (Cody-Waite reduction), expm1(2a) = 2^k expm1(r) + (2^k - 1), expm1(r) by its Taylor
    polynomial, 2^k built from its exponent bits."""
    x = 2.0 * a
    kf = x * _INV_LN2 + _SHIFTER
    k = kf - _SHIFTER
    r = (x - k * _LN2_HI) - k * _LN2_LO
    q = _E14
    q = q * r + _E13
    q = q * r + _E12
    q = q * r + _E11
    q = q * r + _E10
    q = q * r + _E9
    q = q * r + _E8
    q = q * r + _E7
    q = q * r + _E6
    q = q * r + _E5
    q = q * r + _E4
    q = q * r + _E3
    q = q * r + _E2
    em_r = r + r * r * q
    two_k = _float_of((_bits_of(kf) << 52) + (1023 << 52))
    return two_k * em_r + (two_k - 1.0)


@nb.njit(cache=True, inline="always", error_model="numpy")
def fast_tanh(z: float) -> float:
    """tanh(z) without branches or library calls, so that loops over it vectorise (SIMD).

    tanh|z| = m / (m + 2) with m = expm1(2|z|), the sign of z copied back (so -0.0 stays -0.0).
    |z| is clamped at 20, where tanh is +-1 to the last bit; NaN propagates (the clamp
    compares with ``>``), +-inf gives +-1. Relative error <= 3 ulp against ``np.tanh``
    (measured over 5e5 points from 1e-320 to 1e3; tests/test_activations.py).
    """
    a = abs(z)
    a = _TANH_SATURATION if a > _TANH_SATURATION else a
    em = _expm1_of_twice(a)
    return math.copysign(em / (em + 2.0), z)


@nb.njit(cache=True, inline="always", error_model="numpy")
def fast_log_cosh(z: float) -> float:
    """ln cosh z = |z| + ln(1 + w) - ln 2 with w = e^{-2|z|} = 1 / (1 + expm1(2|z|)), branch-free.

    ln(1 + w) = 2 atanh(s), s = w / (2 + w) in [0, 1/3], by its odd series to s^37 (truncation
    below 1e-18). Same formula, and the same absolute accuracy (a few ulp of ln 2 near 0), as
    the scalar form in :func:`gain_integral_of_inverse_u`; w is clamped at |z| = 20 where it no
    longer changes the sum. NaN gives NaN, +-inf gives inf.
    """
    a = abs(z)
    ac = _TANH_SATURATION if a > _TANH_SATURATION else a
    w = 1.0 / (1.0 + _expm1_of_twice(ac))
    sr = w / (2.0 + w)
    s2 = sr * sr
    q = _L37
    q = q * s2 + _L35
    q = q * s2 + _L33
    q = q * s2 + _L31
    q = q * s2 + _L29
    q = q * s2 + _L27
    q = q * s2 + _L25
    q = q * s2 + _L23
    q = q * s2 + _L21
    q = q * s2 + _L19
    q = q * s2 + _L17
    q = q * s2 + _L15
    q = q * s2 + _L13
    q = q * s2 + _L11
    q = q * s2 + _L9
    q = q * s2 + _L7
    q = q * s2 + _L5
    q = q * s2 + _L3
    q = q * s2 + 1.0
    return a + 2.0 * sr * q - _LN2


@nb.njit(cache=True, inline="always")
def _softplus(z: float) -> float:
    """ln(1 + e^z) without overflow."""
    if z > 0.0:
        return z + math.log1p(math.exp(-z))
    return math.log1p(math.exp(z))


@nb.njit(cache=True, inline="always")
def gain_value(kind: int, lam: float, u: float) -> float:
    """V = g(u) for gain code ``kind`` and slope ``lam``."""
    z = lam * u
    if kind == TANH:
        return fast_tanh(z)
    if kind == LOGISTIC:
        if z >= 0.0:
            return 1.0 / (1.0 + math.exp(-z))
        ez = math.exp(z)
        return ez / (1.0 + ez)
    if z > 1.0:
        return 1.0
    if z < -1.0:
        return -1.0
    return z


@nb.njit(cache=True, error_model="numpy")
def gain_values(kind: int, lam: float, u, out) -> None:
    """out[i] = g(u[i]) for the entries of the 1-D arrays ``u`` and ``out`` (may be the same;
    the first min(len(u), len(out)) entries).

    The gain is chosen once, outside the loop, so each loop is branch-free and vectorises
    (tanh through :func:`fast_tanh`). Allocates nothing.
    """
    m = min(u.shape[0], out.shape[0])
    if kind == TANH:
        for i in range(m):
            out[i] = fast_tanh(lam * u[i])
    elif kind == PIECEWISE_LINEAR:
        for i in range(m):
            z = lam * u[i]
            out[i] = 1.0 if z > 1.0 else (-1.0 if z < -1.0 else z)
    else:
        for i in range(m):
            out[i] = gain_value(kind, lam, u[i])


@nb.njit(cache=True, error_model="numpy")
def gain_integrals(kind: int, lam: float, u, out) -> None:
    """out[i] = G(g(u[i])) (see :func:`gain_integral_of_inverse_u`) for the entries of the
    1-D arrays ``u`` and ``out``, one branch-free loop per gain (vectorised for tanh)."""
    m = min(u.shape[0], out.shape[0])
    if kind == TANH:
        for i in range(m):
            out[i] = gain_integral_of_inverse_u(TANH, lam, u[i])
    else:
        for i in range(m):
            out[i] = gain_integral_of_inverse_u(kind, lam, u[i])


@nb.njit(cache=True, inline="always")
def gain_derivative(kind: int, lam: float, u: float) -> float:
    """dg/du at ``u``."""
    if kind == TANH:
        v = gain_value(TANH, lam, u)
        return lam * (1.0 - v * v)
    if kind == LOGISTIC:
        v = gain_value(LOGISTIC, lam, u)
        return lam * v * (1.0 - v)
    z = lam * u
    if -1.0 < z < 1.0:
        return lam
    return 0.0


@nb.njit(cache=True, inline="always")
def gain_integral_of_inverse_u(kind: int, lam: float, u: float) -> float:
    """G(g(u)) = integral_0^{g(u)} g^-1(v) dv, evaluated stably from ``u``."""
    z = lam * u
    if kind == TANH:
        return gain_value(TANH, lam, u) * u - fast_log_cosh(z) / lam
    if kind == LOGISTIC:
        v = gain_value(LOGISTIC, lam, u)
        return -(v * _softplus(-z) + (1.0 - v) * _softplus(z)) / lam
    v = gain_value(PIECEWISE_LINEAR, lam, u)
    return v * v / (2.0 * lam)


def _xlogx(x: np.ndarray) -> np.ndarray:
    """x ln x with the limit 0 at x = 0."""
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    pos = x > 0
    out[pos] = x[pos] * np.log(x[pos])
    return out


@dataclass(frozen=True)
class Gain:
    """A gain function ``V = g(u)`` with slope parameter ``lam`` (lambda).

    Methods are vectorised over numpy arrays. ``integral_inverse`` is the closed form in ``V``
    quoted in the module docstring (Hopfield 1984); compiled code uses the equivalent form in
    ``u`` (see :func:`gain_integral_of_inverse_u`).
    """

    name: str
    code: int
    lam: float = 1.0
    lower: float = -1.0
    upper: float = 1.0

    def g(self, u: np.ndarray) -> np.ndarray:
        """Output V = g(u)."""
        z = self.lam * np.asarray(u, dtype=float)
        if self.code == TANH:
            return np.tanh(z)
        if self.code == LOGISTIC:
            return 0.5 * (1.0 + np.tanh(0.5 * z))
        return np.clip(z, -1.0, 1.0)

    def derivative(self, u: np.ndarray) -> np.ndarray:
        """g'(u)."""
        u = np.asarray(u, dtype=float)
        if self.code == TANH:
            v = np.tanh(self.lam * u)
            return self.lam * (1.0 - v * v)
        if self.code == LOGISTIC:
            v = self.g(u)
            return self.lam * v * (1.0 - v)
        z = self.lam * u
        return np.where((z > -1.0) & (z < 1.0), self.lam, 0.0)

    def inverse(self, v: np.ndarray) -> np.ndarray:
        """u = g^-1(V) for V inside the open range of g."""
        v = np.asarray(v, dtype=float)
        if self.code == TANH:
            return np.arctanh(v) / self.lam
        if self.code == LOGISTIC:
            return np.log(v / (1.0 - v)) / self.lam
        return v / self.lam

    def integral_inverse(self, v: np.ndarray) -> np.ndarray:
        """G(V) = integral_0^V g^-1(s) ds in closed form (V in the closed range of g)."""
        v = np.asarray(v, dtype=float)
        if self.code == TANH:
            return (_xlogx(1.0 + v) + _xlogx(1.0 - v)) / (2.0 * self.lam)
        if self.code == LOGISTIC:
            return (_xlogx(v) + _xlogx(1.0 - v)) / self.lam
        return v * v / (2.0 * self.lam)

    def integral_inverse_of_u(self, u: np.ndarray) -> np.ndarray:
        """G(g(u)), evaluated stably from u (the form the compiled energy uses)."""
        u = np.asarray(u, dtype=float)
        z = self.lam * u
        v = self.g(u)
        if self.code == TANH:
            az = np.abs(z)
            log_cosh = az + np.log1p(np.exp(-2.0 * az)) - np.log(2.0)
            return v * u - log_cosh / self.lam
        if self.code == LOGISTIC:
            return -(v * np.logaddexp(0.0, -z) + (1.0 - v) * np.logaddexp(0.0, z)) / self.lam
        return v * v / (2.0 * self.lam)


GAINS: dict[str, tuple[int, float, float]] = {
    "tanh": (TANH, -1.0, 1.0),
    "logistic": (LOGISTIC, 0.0, 1.0),
    "piecewise_linear": (PIECEWISE_LINEAR, -1.0, 1.0),
}


def get_gain(gain: str | Gain = "tanh", lam: float = 1.0) -> Gain:
    """Return the :class:`Gain` called ``gain`` ("tanh", "logistic", "piecewise_linear").

    ``lam`` is the slope lambda (> 0, finite). A :class:`Gain` instance is returned as is.
    """
    if isinstance(gain, Gain):
        return gain
    if not isinstance(gain, str):
        raise TypeError(f"gain: expected a gain name (str) or Gain, got {type(gain).__name__}")
    if gain not in GAINS:
        raise ValueError(f"gain: unknown gain {gain!r}; expected one of {sorted(GAINS)}")
    lam = float(lam)
    if not np.isfinite(lam) or lam <= 0.0:
        raise ValueError(f"gain_scale: expected a finite slope lambda > 0, got {lam}")
    code, lower, upper = GAINS[gain]
    return Gain(name=gain, code=code, lam=lam, lower=lower, upper=upper)
