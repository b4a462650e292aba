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
dispatched on an integer code (``Gain.code``). The compiled energy evaluates ``G(g(u))``
directly from ``u`` in a form that stays accurate when ``V`` saturates:

    tanh:      G = V u - ln cosh(lambda u) / lambda
    logistic:  G = -(V softplus(-lambda u) + (1 - V) softplus(lambda u)) / lambda
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np

__all__ = ["Gain", "get_gain", "GAINS", "TANH", "LOGISTIC", "PIECEWISE_LINEAR"]

TANH = 0
LOGISTIC = 1
PIECEWISE_LINEAR = 2


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
        # tanh(z) = -expm1(-2|z|) / (2 + expm1(-2|z|)) with the sign of z: as accurate as
        # libm's tanh (relative error ~1 ulp) and several times faster in compiled loops
        em = math.expm1(-2.0 * abs(z))
        return math.copysign(-em / (2.0 + em), z)
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
        v = gain_value(TANH, lam, u)
        az = abs(z)
        log_cosh = az + math.log1p(math.exp(-2.0 * az)) - math.log(2.0)
        return v * u - log_cosh / lam
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
