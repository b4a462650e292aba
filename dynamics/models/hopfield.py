"""The graded-response (continuous) Hopfield network (Hopfield 1984).

Circuit form (Hopfield 1984, eq. 5)::

    C_i du_i/dt = -u_i / R_i + sum_j T_ij V_j + I_i,     V_j = g(u_j)

and the equivalent time-constant form used by most texts (R = 1, C = tau)::

    tau_i du_i/dt = -u_i + sum_j W_ij g(u_j) + I_i.

For symmetric weights and increasing g the energy (Hopfield 1984, eq. 7)::

    E(V) = -1/2 V^T W V - I^T V + sum_i (1/R_i) integral_0^{V_i} g^-1(v) dv

never increases along trajectories: dE/dt = -sum_i C_i g'(u_i) (du_i/dt)^2 <= 0.
The state integrated is ``u``; ``V = g(u)`` is :meth:`ContinuousHopfield.output`.

The parameters are described by one :class:`~dynamics.models.layout.ParamLayout`,
``ContinuousHopfield.layout`` (module constant ``LAYOUT``): the header ``n``, then the blocks
``gain`` (the gain's code), ``lam`` (its slope lambda), ``leak`` (n) = 1/R, ``inv_cap``
(n) = 1/C, ``I`` (n) and ``W`` (n, n); the kernels unpack them with its compiled unpacker.
The kernels never write the parameters: their scratch (``work_size = 2n`` floats: ``V``
and ``W V``) is the work area the solvers append to ``p``
(:meth:`~dynamics.models.base.Model.kernel_params`). For an ensemble block of ``rows``
states, :meth:`ContinuousHopfield.ensemble_params` gives ``kernel_params(rows)`` (room for
``V`` of every row, ``rhs_batch_work = n``) followed by ``W^T`` (n*n) and the row count,
which the batched kernel checks before using ``W^T``;
:meth:`ContinuousHopfield.ensemble_params_per_row` puts an input vector per row before
``W^T`` (an ensemble whose trajectories differ in ``I`` only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numba as nb
import numpy as np

from dynamics import _validate as _v
from dynamics._small_linalg import matvec
from dynamics.activations import (
    Gain,
    gain_derivative,
    gain_integral_of_inverse_u,
    gain_integrals,
    gain_values,
    get_gain,
)
from dynamics.models._work import scratch_of
from dynamics.models.base import (
    ENERGY_BATCH_SIGNATURE,
    ENERGY_SIGNATURE,
    JACOBIAN_SIGNATURE,
    RHS_BATCH_SIGNATURE,
    RHS_SIGNATURE,
    Model,
)
from dynamics.models.layout import ParamLayout

__all__ = [
    "ContinuousHopfield",
    "two_neuron_hopfield",
    "random_hopfield",
    "hebbian_hopfield",
]

#: The blocks of ``ContinuousHopfield.params`` (see the module docstring).
LAYOUT = ParamLayout(
    [
        ("gain", ()),
        ("lam", ()),
        ("leak", ("n",)),
        ("inv_cap", ("n",)),
        ("I", ("n",)),
        ("W", ("n", "n")),
    ],
    dims=("n",),
)
_unpack = LAYOUT.unpacker(work=True)


@nb.njit(cache=True, inline="always")
def _transposed_weights(work, n, m):
    """Where :meth:`ContinuousHopfield.ensemble_params` put ``W^T`` and the room for ``V``:
    ``work = [scratch (2n), V (rows * n), W^T (n * n), rows]``, or, from
    :meth:`ContinuousHopfield.ensemble_params_per_row`, ``[scratch (2n), V (rows * n),
    I per row (rows * n), W^T (n * n), rows]`` (the two sizes differ for every ``rows``).
    Returns ``(ok, W^T, V, I per row, per_row)``; ``ok = False`` (and empty views) when
    ``work`` is laid out neither way, or has room for fewer than ``m`` rows."""
    size = work.shape[0]
    rows = int(work[size - 1]) if size > 0 else 0
    plain = 2 * n + rows * n + n * n + 1
    empty = work[:0].reshape((0, n))
    if m > rows or (size != plain and size != plain + rows * n):
        return False, empty, empty, empty, False
    per_row = size == plain + rows * n
    start = 2 * n + (2 * rows * n if per_row else rows * n)
    w_t = work[start : start + n * n].reshape((n, n))
    v = work[2 * n : 2 * n + m * n].reshape((m, n))
    bias_rows = work[2 * n + rows * n : 2 * n + rows * n + m * n].reshape((m, n)) if per_row \
        else empty
    return True, w_t, v, bias_rows, per_row


@nb.njit(RHS_SIGNATURE, cache=True, error_model="numpy")
def hopfield_rhs(t, x, p, out):
    """du/dt = inv_cap * (-leak * u + W g(u) + I), one matrix-vector product."""
    n, code, lam, leak, inv_cap, bias, weights, work = _unpack(p)
    kind = int(code)
    scratch = scratch_of(work, n)
    v = scratch[:n]
    gain_values(kind, lam, x[:n], v)
    matvec(weights, v, out)
    for i in range(n):
        out[i] = inv_cap[i] * (out[i] - leak[i] * x[i] + bias[i])


@nb.njit(RHS_BATCH_SIGNATURE, cache=True, error_model="numpy")
def hopfield_rhs_batch(t, x, p, out):
    """The vector field for m states at once: V = g(U) in one vectorised pass, then one
    (m, n) x (n, n) matrix product OUT = V W^T, then the affine part; allocates nothing.

    The ensemble engine passes :meth:`ContinuousHopfield.ensemble_params`: the parameters,
    the work area with room for V, then W^T (row-major, so the product needs no transposed
    packing, which costs up to 2x for a block of 32 rows). Called with ``kernel_params()``
    alone, the kernel falls back to one matrix-vector product per state in the work area.
    """
    n, code, lam, leak, inv_cap, bias, weights, work = _unpack(p)
    kind = int(code)
    m = x.shape[0]
    ok, w_t, v, bias_rows, per_row = _transposed_weights(work, n, m)
    if ok:
        for r in range(m):
            gain_values(kind, lam, x[r], v[r])
        np.dot(v, w_t, out)
    else:
        v1 = scratch_of(work, n)
        for r in range(m):
            gain_values(kind, lam, x[r], v1)
            np.dot(weights, v1, out[r])
    if per_row:  # every row its own input I (filled in by the ensemble engine)
        for r in range(m):
            for i in range(n):
                out[r, i] = inv_cap[i] * (out[r, i] - leak[i] * x[r, i] + bias_rows[r, i])
        return
    for r in range(m):
        for i in range(n):
            out[r, i] = inv_cap[i] * (out[r, i] - leak[i] * x[r, i] + bias[i])


@nb.njit(cache=True, inline="always")
def energy_of(x, n, kind, lam, leak, bias, weights, v, wv):
    """E = -1/2 V^T W V - I^T V + sum_i leak_i G(V_i), V = g(u) with u = x[:n]; ``v`` and
    ``wv`` (n each) are scratch. Shared with the delayed networks' energy kernels."""
    gain_values(kind, lam, x[:n], v)  # x may be longer (DistributedDelayHopfield): u = x[:n]
    e = 0.0
    for i in range(n):
        e += leak[i] * gain_integral_of_inverse_u(kind, lam, x[i]) - bias[i] * v[i]
    np.dot(weights, v, wv)
    quad = 0.0
    for i in range(n):
        quad += v[i] * wv[i]
    return e - 0.5 * quad


@nb.njit(ENERGY_SIGNATURE, cache=True, error_model="numpy")
def hopfield_energy(x, p):
    """E = -1/2 V^T W V - I^T V + sum_i leak_i G(V_i), V = g(u)."""
    n, code, lam, leak, inv_cap, bias, weights, work = _unpack(p)
    scratch = scratch_of(work, 2 * n)
    return energy_of(x, n, int(code), lam, leak, bias, weights, scratch[:n], scratch[n:])


@nb.njit(ENERGY_BATCH_SIGNATURE, cache=True, error_model="numpy")
def hopfield_energy_batch(x, p, e):
    """The energy of each row of ``x`` (m, n): the quadratic forms by one product V W^T, the
    gain terms by vectorised loops."""
    n, code, lam, leak, inv_cap, bias, weights, _ = _unpack(p)
    kind = int(code)
    m = x.shape[0]
    v = np.empty((m, n))
    big_g = np.empty(n)
    for r in range(m):
        gain_values(kind, lam, x[r, :n], v[r])
    wv = np.dot(v, weights.T)
    for r in range(m):
        gain_integrals(kind, lam, x[r, :n], big_g)
        acc = 0.0
        quad = 0.0
        for i in range(n):
            acc += leak[i] * big_g[i] - bias[i] * v[r, i]
            quad += v[r, i] * wv[r, i]
        e[r] = acc - 0.5 * quad


@nb.njit(JACOBIAN_SIGNATURE, cache=True)
def hopfield_jacobian(t, x, p, jac):
    """J_ij = inv_cap_i (-leak_i delta_ij + W_ij g'(u_j))."""
    n, code, lam, leak, inv_cap, bias, weights, work = _unpack(p)
    kind = int(code)
    dv = scratch_of(work, n)
    for j in range(n):
        dv[j] = gain_derivative(kind, lam, x[j])
    for i in range(n):
        for j in range(n):
            jac[i, j] = inv_cap[i] * weights[i, j] * dv[j]
        jac[i, i] -= inv_cap[i] * leak[i]


def _as_matrix(W: Any, argument: str) -> np.ndarray:
    arr = _v.float_array(W, argument)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise ValueError(f"{argument}: expected a square (n, n) matrix, got shape {arr.shape}")
    _v.check_finite(arr, argument)
    return arr


def _per_neuron(value: Any, n: int, argument: str, positive: bool) -> np.ndarray:
    return _v.per_unit(value, n, argument, positive=positive)


class ContinuousHopfield(Model):
    """Graded-response Hopfield network ``tau du/dt = -u + W g(u) + I`` (Hopfield 1984).

    Parameters
    ----------
    W:
        (n, n) weight matrix. Symmetric weights make the energy a Lyapunov function;
        asymmetric weights are accepted (the solver then flags energy increases).
    I:
        External input (bias currents), scalar or shape (n,). Default 0.
    tau:
        Time constant(s) > 0, scalar or per neuron.
    gain:
        "tanh" (V in (-1, 1)), "logistic" (V in (0, 1)) or "piecewise_linear", or a
        :class:`~dynamics.activations.Gain`.
    gain_scale:
        The slope lambda of the gain, g(u) = gain(lambda u).

    The circuit form ``C du/dt = -u/R + T g(u) + I`` is :meth:`from_circuit`.
    """

    name = "continuous Hopfield"

    def __init__(
        self,
        W: Any,
        I: Any = None,  # noqa: E741 (the paper's symbol)
        tau: float | Sequence[float] | np.ndarray = 1.0,
        gain: str | Gain = "tanh",
        gain_scale: float = 1.0,
    ) -> None:
        weights = _as_matrix(W, "W")
        n = weights.shape[0]
        bias = np.zeros(n) if I is None else _per_neuron(I, n, "I", positive=False)
        taus = _per_neuron(tau, n, "tau", positive=True)
        self._init(weights, bias, np.ones(n), 1.0 / taus, get_gain(gain, gain_scale))

    @classmethod
    def from_circuit(
        cls,
        T: Any,
        I: Any = None,  # noqa: E741
        C: Any = 1.0,
        R: Any = 1.0,
        gain: str | Gain = "tanh",
        gain_scale: float = 1.0,
    ) -> ContinuousHopfield:
        """The circuit form ``C_i du_i/dt = -u_i/R_i + sum_j T_ij g(u_j) + I_i`` (Hopfield 1984)."""
        weights = _as_matrix(T, "T")
        n = weights.shape[0]
        bias = np.zeros(n) if I is None else _per_neuron(I, n, "I", positive=False)
        caps = _per_neuron(C, n, "C", positive=True)
        res = _per_neuron(R, n, "R", positive=True)
        self = cls.__new__(cls)
        self._init(weights, bias, 1.0 / res, 1.0 / caps, get_gain(gain, gain_scale))
        return self

    def _init(self, weights, bias, leak, inv_cap, gain: Gain) -> None:
        n = weights.shape[0]
        self.n_states = n
        self.gain = gain
        self.layout = LAYOUT
        self.params = LAYOUT.pack(
            gain=float(gain.code), lam=gain.lam, leak=leak, inv_cap=inv_cap, I=bias, W=weights
        )
        self.work_size = 2 * n  # V and W V of the single-state kernels
        self.rhs_batch_work = n  # V of every row of an ensemble block
        self.rhs_kernel = hopfield_rhs
        self.rhs_batch_kernel = hopfield_rhs_batch
        self.energy_kernel = hopfield_energy
        self.energy_batch_kernel = hopfield_energy_batch
        self.jacobian_kernel = hopfield_jacobian

    def ensemble_params(self, rows: int) -> np.ndarray:
        """:meth:`~dynamics.models.base.Model.kernel_params` with room for V = g(U) of
        ``rows`` states, followed by W^T (n*n) and ``rows``: the private ``p`` of one
        ensemble engine call (see :func:`hopfield_rhs_batch`)."""
        return np.concatenate([self.kernel_params(rows), self.W.T.ravel(), [float(rows)]])

    #: the ensemble keeps the batched kernel when the trajectories differ only in I
    batch_row_blocks = ("I",)

    def ensemble_params_per_row(self, rows: int) -> tuple[np.ndarray, int]:
        """As :meth:`ensemble_params`, with room for an input vector I per row between V and
        W^T; the engine writes there the I of each row's trajectory (the offset returned)."""
        start = self.kernel_params(rows)
        per_row = np.zeros(rows * self.n_states)
        return np.concatenate([start, per_row, self.W.T.ravel(), [float(rows)]]), start.size

    # Copies of the blocks of params, so that the kernels' data cannot be aliased.
    @property
    def W(self) -> np.ndarray:
        """The weight matrix (a copy)."""
        return self.param("W")

    @property
    def I(self) -> np.ndarray:  # noqa: E743
        """The external inputs (a copy)."""
        return self.param("I")

    @property
    def leak(self) -> np.ndarray:
        """The leak conductances 1/R_i (a copy; 1 in the time-constant form)."""
        return self.param("leak")

    @property
    def inv_cap(self) -> np.ndarray:
        """The inverse capacitances 1/C_i (a copy; 1/tau_i in the time-constant form)."""
        return self.param("inv_cap")

    @property
    def tau(self) -> np.ndarray:
        """The time constants R_i C_i (a copy)."""
        return 1.0 / (self.leak * self.inv_cap)

    @property
    def is_symmetric(self) -> bool:
        """Whether W is symmetric (to 1e-12 relative), the condition for a Lyapunov energy."""
        w = self.W
        return bool(np.allclose(w, w.T, rtol=1e-12, atol=1e-12 * max(1.0, np.abs(w).max())))

    def output(self, u: Any) -> np.ndarray:
        """V = g(u) for a state, a trajectory or an ensemble (any shape)."""
        return self.gain.g(u)

    def __repr__(self) -> str:
        return (
            f"ContinuousHopfield(n={self.n_states}, gain={self.gain.name!r}, "
            f"gain_scale={self.gain.lam})"
        )


def two_neuron_hopfield(
    w12: float = 1.0,
    gain: str = "tanh",
    gain_scale: float = 2.0,
    I: Sequence[float] | None = None,  # noqa: E741
    tau: float = 1.0,
) -> ContinuousHopfield:
    """Two neurons coupled symmetrically by ``w12`` (no self-coupling).

    With tanh gain and ``gain_scale * w12 > 1`` the origin is a saddle and the network has two
    stable states: (+, +) and (-, -) for excitation (w12 > 0), (+, -) and (-, +) for inhibition.
    """
    w = np.array([[0.0, w12], [w12, 0.0]])
    return ContinuousHopfield(w, I=I, tau=tau, gain=gain, gain_scale=gain_scale)


def random_hopfield(
    n: int,
    seed: int | np.random.Generator | None = None,
    gain: str = "tanh",
    gain_scale: float = 1.0,
    scale: float = 1.0,
    input_scale: float = 0.0,
    tau: float = 1.0,
) -> ContinuousHopfield:
    """A network with random symmetric Gaussian weights W_ij = W_ji ~ N(0, scale^2 / n).

    Zero diagonal; optional Gaussian inputs of standard deviation ``input_scale``.
    """
    n = _v.positive_int(n, "n")
    scale = _v.real(scale, "scale", minimum=0.0)
    input_scale = _v.real(input_scale, "input_scale", minimum=0.0)
    rng = _v.rng(seed)
    a = rng.normal(0.0, scale / np.sqrt(n), size=(n, n))
    w = np.triu(a, 1)
    w = w + w.T
    bias = rng.normal(0.0, input_scale, size=n) if input_scale > 0 else None
    return ContinuousHopfield(w, I=bias, tau=tau, gain=gain, gain_scale=gain_scale)


def hebbian_hopfield(
    patterns: Any,
    gain: str = "tanh",
    gain_scale: float = 5.0,
    tau: float = 1.0,
) -> ContinuousHopfield:
    """A network storing bipolar ``patterns`` (P, n) by the Hebb rule W = (1/n) sum xi xi^T.

    The diagonal is zeroed. With tanh gain of slope ``gain_scale`` > 1 the stored patterns
    (and their negatives) lie near stable states while the load P/n stays small.
    """
    xi = _v.float_array(patterns, "patterns")
    if xi.ndim == 1:
        xi = xi[None, :]
    if xi.ndim != 2 or xi.shape[0] == 0 or xi.shape[1] == 0:
        raise ValueError(f"patterns: expected shape (n_patterns, n_neurons), got {xi.shape}")
    if not np.all(np.isin(xi, (-1.0, 1.0))):
        raise ValueError("patterns: expected bipolar entries in {-1, +1}")
    n = xi.shape[1]
    w = xi.T @ xi / n
    np.fill_diagonal(w, 0.0)
    return ContinuousHopfield(w, tau=tau, gain=gain, gain_scale=gain_scale)
