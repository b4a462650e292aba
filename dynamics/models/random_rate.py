"""The random rate network of Sompolinsky, Crisanti & Sommers (1988).

    dx_i/dt = -x_i + g sum_j J_ij tanh(x_j),     J_ij ~ N(0, 1/N) i.i.d., J_ii = 0.

For N -> infinity the origin is the only attractor when g < 1; at g = 1 it loses stability
(the eigenvalues of g J fill the disc of radius g, Girko's circular law) and for g > 1 the
network is chaotic, with a largest Lyapunov exponent that grows from zero at g = 1
(Sompolinsky, Crisanti & Sommers 1988, Phys. Rev. Lett. 61, 259). The model has no energy
function (J is not symmetric). Its Jacobian is

    A_ij = -delta_ij + g J_ij (1 - tanh(x_j)^2).

The parameters are described by one :class:`~dynamics.models.layout.ParamLayout`,
``RandomRateNetwork.layout``: the header ``n`` (= N), the gain ``g`` and ``W`` = g J
(N, N). The kernels never write them: their scratch (``work_size = N`` floats for tanh(x))
and, in an ensemble, the room for tanh(X) of every row (``rhs_batch_work = N``) are the
work area the solvers append to ``p`` (:meth:`~dynamics.models.base.Model.kernel_params`).
"""

from __future__ import annotations

import math
from typing import Any

import numba as nb
import numpy as np

from dynamics.models._work import scratch_of
from dynamics.models.base import (
    JACOBIAN_SIGNATURE,
    RHS_BATCH_SIGNATURE,
    RHS_SIGNATURE,
    Model,
)
from dynamics.models.layout import ParamLayout

__all__ = ["RandomRateNetwork"]

#: The blocks of ``RandomRateNetwork.params`` (see the module docstring).
LAYOUT = ParamLayout([("g", ()), ("W", ("n", "n"))], dims=("n",))
_unpack = LAYOUT.unpacker(work=True)


@nb.njit(RHS_SIGNATURE, cache=True)
def random_rate_rhs(t, x, p, out):
    """dx/dt = -x + W tanh(x), one matrix-vector product."""
    n, _, weights, work = _unpack(p)
    v = scratch_of(work, n)
    for i in range(n):
        v[i] = math.tanh(x[i])
    np.dot(weights, v, out)
    for i in range(n):
        out[i] -= x[i]


@nb.njit(RHS_BATCH_SIGNATURE, cache=True)
def random_rate_rhs_batch(t, x, p, out):
    """The vector field of m states at once: tanh(X) W^T, one (m, N) x (N, N) product.

    Allocates nothing: the ensemble engine passes a work area with room for tanh(X) after
    the single-state scratch (``rhs_batch_work = N``); with ``kernel_params()`` alone the
    kernel falls back to one matrix-vector product per state in the scratch.
    """
    n, _, weights, work = _unpack(p)
    v1 = scratch_of(work, n)
    m = x.shape[0]
    if work.shape[0] >= n + m * n:
        v = work[n : n + m * n].reshape((m, n))
        for r in range(m):
            for i in range(n):
                v[r, i] = math.tanh(x[r, i])
        np.dot(v, weights.T, out)
    else:
        for r in range(m):
            for i in range(n):
                v1[i] = math.tanh(x[r, i])
            np.dot(weights, v1, out[r])
    for r in range(m):
        for i in range(n):
            out[r, i] -= x[r, i]


@nb.njit(JACOBIAN_SIGNATURE, cache=True)
def random_rate_jacobian(t, x, p, jac):
    """A_ij = -delta_ij + W_ij (1 - tanh(x_j)^2)."""
    n, _, weights, work = _unpack(p)
    dv = scratch_of(work, n)
    for j in range(n):
        th = math.tanh(x[j])
        dv[j] = 1.0 - th * th
    for i in range(n):
        for j in range(n):
            jac[i, j] = weights[i, j] * dv[j]
        jac[i, i] -= 1.0


class RandomRateNetwork(Model):
    """Random rate network ``dx/dt = -x + g J tanh(x)`` (Sompolinsky, Crisanti & Sommers 1988).

    Parameters
    ----------
    N:
        Number of neurons (>= 2).
    g:
        Coupling gain >= 0: a stable origin below g = 1, chaos above (for large N).
    seed:
        int or ``numpy.random.Generator`` for the couplings J_ij ~ N(0, 1/N), J_ii = 0.
        The couplings depend only on ``N`` and ``seed``, not on ``g``: networks that differ
        only in ``g`` share the same J.
    J:
        Optional explicit (N, N) coupling matrix instead of the random one (its diagonal is
        used as given).

    The model has ``rhs``, a BLAS-3 ``rhs_batch`` and an analytic ``jacobian`` kernel, and no
    energy function.
    """

    name = "random rate network"

    def __init__(
        self,
        N: int,
        g: float,
        seed: int | np.random.Generator | None = None,
        *,
        J: Any = None,
    ) -> None:
        if isinstance(N, bool) or not isinstance(N, (int, np.integer)):
            raise TypeError(f"N: expected an int, got {type(N).__name__}")
        if N < 2:
            raise ValueError(f"N: expected an int >= 2, got {N}")
        if isinstance(g, bool) or not isinstance(g, (int, float, np.integer, np.floating)):
            raise TypeError(f"g: expected a number, got {type(g).__name__}")
        g = float(g)
        if not math.isfinite(g) or g < 0:
            raise ValueError(f"g: expected a finite gain >= 0, got {g}")
        if seed is not None and not isinstance(seed, (int, np.integer, np.random.Generator)):
            raise TypeError(
                f"seed: expected an int or numpy.random.Generator, got {type(seed).__name__}"
            )
        n = int(N)
        if J is None:
            rng = np.random.default_rng(seed)
            couplings = rng.normal(0.0, 1.0 / math.sqrt(n), size=(n, n))
            np.fill_diagonal(couplings, 0.0)
        else:
            try:
                couplings = np.array(J, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"J: expected a numeric ({n}, {n}) matrix") from exc
            if couplings.shape != (n, n):
                raise ValueError(f"J: expected shape ({n}, {n}), got {couplings.shape}")
            if not np.all(np.isfinite(couplings)):
                raise ValueError("J: expected finite values")
        self.n_states = n
        self.g = g
        self._J = couplings
        self.layout = LAYOUT
        self.params = LAYOUT.pack(g=g, W=g * couplings)
        self.work_size = n  # tanh(x) of the single-state kernels
        self.rhs_kernel = random_rate_rhs
        self.rhs_batch_kernel = random_rate_rhs_batch
        self.rhs_batch_work = n  # room for tanh(X) of an ensemble block
        self.jacobian_kernel = random_rate_jacobian

    @property
    def J(self) -> np.ndarray:
        """The coupling matrix J (a copy; the kernels use g J)."""
        return self._J.copy()

    def with_gain(self, g: float) -> RandomRateNetwork:
        """The same couplings J with another gain g."""
        return RandomRateNetwork(self.n_states, g, J=self._J)

    def fixed_point_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """A box holding every fixed point: x = g J tanh(x) gives |x_i| <= g sum_j |J_ij|."""
        reach = np.maximum(self.g * np.abs(self._J).sum(axis=1), 1e-3)
        return -reach, reach.copy()

    def __repr__(self) -> str:
        return f"RandomRateNetwork(N={self.n_states}, g={self.g})"
