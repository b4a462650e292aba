"""Bidirectional associative memory (Kosko 1988), discrete and continuous.

Discrete BAM. Pairs (A_k, B_k) of bipolar vectors, A_k in {-1,+1}^n, B_k in {-1,+1}^m, are
stored in the correlation matrix

    M = sum_k A_k^T B_k          (n x m).

Recall alternates between the layers, B <- sign(A M), A <- sign(B M^T) (tie rule: a neuron
whose input is exactly 0 keeps its state), and every pass lowers (or keeps) the energy

    E(A, B) = -A M B^T,

so recall ends in a stable pair (Kosko 1988, the "BAM theorem").

Continuous BAM (Kosko 1987; a two-layer graded-response network, Hopfield 1984) with
potentials x (n) and y (m), outputs g(x), g(y):

    tau dx/dt = -x + M g(y) + I_a,
    tau dy/dt = -y + M^T g(x) + I_b,

which is the Hopfield network with the symmetric block weights [[0, M], [M^T, 0]] and
therefore has the Lyapunov function

    E = -g(x)^T M g(y) - I_a . g(x) - I_b . g(y) + sum_i G(g(x_i)) + sum_j G(g(y_j)),

G(V) = integral_0^V g^-1(v) dv, with dE/dt = -sum_i tau_i g'(z_i) (dz_i/dt)^2 <= 0.
:class:`ContinuousBAM` implements it with its own compiled kernels (model protocol of
``dynamics.models.base``), so ``dynamics.solve`` / ``solve_ensemble`` integrate it and track E.
Its parameters are described by the module's :class:`~dynamics.models.layout.ParamLayout`
(``ContinuousBAM.layout``): the layer sizes n_a, n_b in the header, then the gain code and
scale, 1/tau of each layer, I_a, I_b and M. The kernels keep the gains of a state in the
solvers' work area (``work_size = n_a + n_b``) and never write ``params``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from dynamics import _validate as _v
from dynamics.activations import (
    gain_derivative,
    gain_integral_of_inverse_u,
    gain_value,
    get_gain,
)
from dynamics.memory._checks import as_float_array, as_state_matrix, check_positive_int
from dynamics.models._work import take, take_matrix
from dynamics.models.base import (
    ENERGY_SIGNATURE,
    JACOBIAN_SIGNATURE,
    RHS_BATCH_SIGNATURE,
    RHS_SIGNATURE,
    Model,
    compile_kernel,
)
from dynamics.models.layout import ParamLayout

__all__ = ["BAM", "BAMResult", "ContinuousBAM"]


@dataclass
class BAMResult:
    """Outcome of :meth:`BAM.recall`.

    ``a`` (n_probes, n) and ``b`` (n_probes, m) int8 final layers; ``converged`` and
    ``passes`` per probe; ``energy`` (n_probes, max(passes) + 1): E(A, B) after the initial
    half-pass that fills the missing layer and after every full pass (NaN after a probe has
    stopped).
    """

    a: np.ndarray
    b: np.ndarray
    converged: np.ndarray
    passes: np.ndarray
    energy: np.ndarray


def _sign_keep(u: np.ndarray, current: np.ndarray) -> np.ndarray:
    return np.where(u > 0, 1.0, np.where(u < 0, -1.0, current))


class BAM:
    """Discrete bidirectional associative memory (Kosko 1988).

    Parameters
    ----------
    n_a, n_b : sizes of the two layers.
    """

    def __init__(self, n_a: int, n_b: int):
        self.n_a = check_positive_int(n_a, "n_a")
        self.n_b = check_positive_int(n_b, "n_b")
        self._m = np.zeros((self.n_a, self.n_b))
        self._pairs_a = np.zeros((0, self.n_a))
        self._pairs_b = np.zeros((0, self.n_b))

    @property
    def weights(self) -> np.ndarray:
        """The correlation matrix M = sum_k A_k^T B_k (n_a, n_b), read-only."""
        view = self._m.view()
        view.flags.writeable = False
        return view

    @property
    def n_pairs(self) -> int:
        return int(self._pairs_a.shape[0])

    def store(self, a, b) -> BAM:
        """Add the pairs (a[k], b[k]); ``a`` (P, n_a), ``b`` (P, n_b) bipolar. Returns self."""
        aa, _ = as_state_matrix(np.atleast_2d(np.asarray(a)), "a", self.n_a)
        bb, _ = as_state_matrix(np.atleast_2d(np.asarray(b)), "b", self.n_b)
        if aa.shape[0] != bb.shape[0]:
            raise ValueError(
                f"b: expected as many rows as a ({aa.shape[0]} pairs), got {bb.shape[0]}"
            )
        self._m += aa.T @ bb
        self._pairs_a = np.concatenate([self._pairs_a, aa])
        self._pairs_b = np.concatenate([self._pairs_b, bb])
        return self

    def energy(self, a, b) -> np.ndarray | float:
        """E(A, B) = -A M B^T for one pair or row-wise for batches."""
        aa, single_a = as_state_matrix(a, "a", self.n_a)
        bb, single_b = as_state_matrix(b, "b", self.n_b)
        if aa.shape[0] != bb.shape[0]:
            raise ValueError(f"b: expected {aa.shape[0]} rows to match a, got {bb.shape[0]}")
        e = -np.einsum("ij,ij->i", aa @ self._m, bb)
        return float(e[0]) if single_a and single_b else e

    def recall(self, a=None, b=None, max_passes: int = 100) -> BAMResult:
        """Bidirectional recall from probes of either layer (or both).

        Give ``a`` (n_probes, n_a) to recall the associated B (the first half-pass computes
        B = sign(A M) with ties set to +1), or ``b`` to recall A, or both to start from a pair.
        One pass is B <- sign(A M) then A <- sign(B M^T), for the whole batch with two
        matrix-matrix products. Stops per probe when a pass changes nothing.
        """
        if a is None and b is None:
            raise ValueError("a: give a probe for layer A, layer B (b=...) or both")
        max_passes = check_positive_int(max_passes, "max_passes")
        aa = bb = None
        single = False
        if a is not None:
            aa, single = as_state_matrix(a, "a", self.n_a)
        if b is not None:
            bb, single_b = as_state_matrix(b, "b", self.n_b)
            single = single if aa is not None else single_b
        if aa is None:
            aa = _sign_keep(bb @ self._m.T, np.ones((bb.shape[0], self.n_a)))
        if bb is None:
            bb = _sign_keep(aa @ self._m, np.ones((aa.shape[0], self.n_b)))
        if aa.shape[0] != bb.shape[0]:
            raise ValueError(f"b: expected {aa.shape[0]} rows to match a, got {bb.shape[0]}")
        n_probes = aa.shape[0]
        energy = np.full((n_probes, max_passes + 1), np.nan)
        energy[:, 0] = -np.einsum("ij,ij->i", aa @ self._m, bb)
        passes = np.full(n_probes, max_passes, dtype=np.int64)
        converged = np.zeros(n_probes, dtype=bool)
        active = np.arange(n_probes)
        for k in range(1, max_passes + 1):
            a_act, b_act = aa[active], bb[active]
            b_new = _sign_keep(a_act @ self._m, b_act)
            a_new = _sign_keep(b_new @ self._m.T, a_act)
            energy[active, k] = -np.einsum("ij,ij->i", a_new @ self._m, b_new)
            same = np.all(a_new == a_act, axis=1) & np.all(b_new == b_act, axis=1)
            aa[active], bb[active] = a_new, b_new
            passes[active[same]] = k
            converged[active[same]] = True
            active = active[~same]
            if active.size == 0:
                break
        last = int(passes.max()) + 1
        a_out, b_out = aa.astype(np.int8), bb.astype(np.int8)
        if single:
            a_out, b_out = a_out[0], b_out[0]
        return BAMResult(a_out, b_out, converged, passes, energy[:, :last])

    def as_continuous(self, gain: str = "tanh", gain_scale: float = 1.0,
                      tau: float = 1.0) -> ContinuousBAM:
        """The continuous BAM with the same correlation matrix M."""
        return ContinuousBAM(np.array(self._m), gain=gain, gain_scale=gain_scale, tau=tau)

    def __repr__(self) -> str:
        return f"BAM(n_a={self.n_a}, n_b={self.n_b}, n_pairs={self.n_pairs})"


# --------------------------------------------------------------------------- continuous BAM
# the parameters of ContinuousBAM: the layer sizes in the header, then the blocks
_LAYOUT = ParamLayout(
    [("gain_code", ()), ("gain_scale", ()), ("inv_tau_a", ("n_a",)), ("inv_tau_b", ("n_b",)),
     ("I_a", ("n_a",)), ("I_b", ("n_b",)), ("M", ("n_a", "n_b"))],
    dims=("n_a", "n_b"),
)
_unpack = _LAYOUT.unpacker(work=True)


@nb.njit(cache=True)
def bam_rhs(t, x, p, out):  # pragma: no cover - compiled
    """dx/dt = (-x + M g(y) + I_a)/tau, dy/dt = (-y + M^T g(x) + I_b)/tau (no allocation:
    the gains in the work area)."""
    n, m, code, lam, inv_tau_a, inv_tau_b, ia, ib, w, work = _unpack(p)
    kind = int(code)
    gains, _ = take(work, n + m)
    for i in range(n + m):
        gains[i] = gain_value(kind, lam, x[i])
    for i in range(n):
        acc = 0.0
        for j in range(m):
            acc += w[i, j] * gains[n + j]
        out[i] = inv_tau_a[i] * (acc - x[i] + ia[i])
    for j in range(m):
        out[n + j] = 0.0
    for i in range(n):
        gi = gains[i]
        for j in range(m):
            out[n + j] += w[i, j] * gi
    for j in range(m):
        out[n + j] = inv_tau_b[j] * (out[n + j] - x[n + j] + ib[j])


@nb.njit(cache=True)
def bam_rhs_batch(t, x, p, out):  # pragma: no cover - compiled
    """The vector field of many states at once: two matrix-matrix products (BLAS-3).

    Allocates nothing: after the single-state work area (n_a + n_b floats) the ensemble
    engine passes room for the gains and products of the block (``rhs_batch_work = 2 (n_a +
    n_b)`` per state); called with ``kernel_params()`` alone the kernel evaluates the states
    one by one with :func:`bam_rhs`.
    """
    n, m, code, lam, inv_tau_a, inv_tau_b, ia, ib, w, work = _unpack(p)
    kind = int(code)
    rows = x.shape[0]
    if work.shape[0] < (n + m) + 2 * rows * (n + m):
        for r in range(rows):
            bam_rhs(t[r], x[r], p, out[r])
        return
    _, rest = take(work, n + m)  # the single-state gains: unused here
    ga, rest = take_matrix(rest, rows, n)
    gb, rest = take_matrix(rest, rows, m)
    fa, rest = take_matrix(rest, rows, n)
    fb, _ = take_matrix(rest, rows, m)
    for r in range(rows):
        for i in range(n):
            ga[r, i] = gain_value(kind, lam, x[r, i])
        for j in range(m):
            gb[r, j] = gain_value(kind, lam, x[r, n + j])
    np.dot(gb, w.T, fa)
    np.dot(ga, w, fb)
    for r in range(rows):
        for i in range(n):
            out[r, i] = inv_tau_a[i] * (fa[r, i] - x[r, i] + ia[i])
        for j in range(m):
            out[r, n + j] = inv_tau_b[j] * (fb[r, j] - x[r, n + j] + ib[j])


@nb.njit(cache=True)
def bam_energy(x, p):  # pragma: no cover - compiled
    """E = -g(x)^T M g(y) - I_a.g(x) - I_b.g(y) + sum G(g(x_i)) + sum G(g(y_j))."""
    n, m, code, lam, _, _, ia, ib, w, work = _unpack(p)
    kind = int(code)
    gains, _ = take(work, n + m)
    e = 0.0
    for i in range(n + m):
        gains[i] = gain_value(kind, lam, x[i])
        e += gain_integral_of_inverse_u(kind, lam, x[i])
    for i in range(n):
        e -= ia[i] * gains[i]
    for j in range(m):
        e -= ib[j] * gains[n + j]
    quad = 0.0
    for i in range(n):
        acc = 0.0
        for j in range(m):
            acc += w[i, j] * gains[n + j]
        quad += gains[i] * acc
    return e - quad


@nb.njit(cache=True)
def bam_jacobian(t, x, p, jac):  # pragma: no cover - compiled
    """J = diag(1/tau) [[-1, M diag g'(y)], [M^T diag g'(x), -1]]."""
    n, m, code, lam, inv_tau_a, inv_tau_b, _, _, w, work = _unpack(p)
    kind = int(code)
    slopes, _ = take(work, n + m)
    for i in range(n + m):
        slopes[i] = gain_derivative(kind, lam, x[i])
    for i in range(n + m):
        for j in range(n + m):
            jac[i, j] = 0.0
    for i in range(n):
        for j in range(m):
            jac[i, n + j] = inv_tau_a[i] * w[i, j] * slopes[n + j]
            jac[n + j, i] = inv_tau_b[j] * w[i, j] * slopes[i]
    for i in range(n):
        jac[i, i] = -inv_tau_a[i]
    for j in range(m):
        jac[n + j, n + j] = -inv_tau_b[j]


class ContinuousBAM(Model):
    """Continuous bidirectional associative memory as a model for ``dynamics.solve``.

    State ``x = concat(x_a, x_b)`` of length n_a + n_b (potentials of the two layers);
    tau dx_a/dt = -x_a + M g(x_b) + I_a, tau dx_b/dt = -x_b + M^T g(x_a) + I_b, with the energy
    of the module docstring (a Lyapunov function: it never increases along trajectories).

    Parameters
    ----------
    M : (n_a, n_b) correlation matrix (e.g. ``BAM.weights``).
    I_a, I_b : external inputs of the layers (scalar or per neuron), default 0.
    tau : time constant(s) > 0: a scalar, or one per neuron (shape (n_a + n_b,), layer a
        first), as in ``ContinuousHopfield``.
    gain, gain_scale : the gain g(u) = gain(gain_scale * u) as in ``ContinuousHopfield``
        ("tanh", "logistic", "piecewise_linear").
    """

    name = "continuous BAM"

    def __init__(self, M, I_a=None, I_b=None, tau: float | np.ndarray = 1.0, gain: str = "tanh",
                 gain_scale: float = 1.0):
        w = as_float_array(M, "M")
        if w.ndim != 2 or w.size == 0:
            raise ValueError(f"M: expected a non-empty (n_a, n_b) matrix, got shape {w.shape}")
        if not np.isfinite(w).all():
            raise ValueError("M: contains NaN or infinite values")
        n, m = w.shape
        ia = self._input(I_a, n, "I_a")
        ib = self._input(I_b, m, "I_b")
        taus = _v.per_unit(tau, n + m, "tau", positive=True)
        g = get_gain(gain, gain_scale)
        self.gain = g
        self.n_a, self.n_b = n, m
        self.n_states = n + m
        self.layout = _LAYOUT
        self.params = _LAYOUT.pack(
            gain_code=float(g.code), gain_scale=float(g.lam), inv_tau_a=1.0 / taus[:n],
            inv_tau_b=1.0 / taus[n:], I_a=ia, I_b=ib, M=w,
        )
        self.work_size = n + m  # the gains (or slopes) of one state
        self.rhs_kernel = compile_kernel(bam_rhs, RHS_SIGNATURE, "rhs")
        self.rhs_batch_kernel = compile_kernel(bam_rhs_batch, RHS_BATCH_SIGNATURE, "rhs_batch")
        self.rhs_batch_work = 2 * (n + m)  # gains and products of each state of a block
        self.energy_kernel = compile_kernel(bam_energy, ENERGY_SIGNATURE, "energy")
        self.jacobian_kernel = compile_kernel(bam_jacobian, JACOBIAN_SIGNATURE, "jacobian")

    @staticmethod
    def _input(value, size: int, name: str) -> np.ndarray:
        return np.zeros(size) if value is None else _v.per_unit(value, size, name)

    @property
    def M(self) -> np.ndarray:
        """The correlation matrix (a copy)."""
        return self.param("M")

    def split(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Outputs of the two layers, (g(x_a), g(x_b)), for states whose last axis has length
        n_a + n_b (for a ``Solution`` pass ``sol.y.T``)."""
        arr = np.asarray(x, dtype=np.float64)
        if arr.shape[-1] != self.n_states:
            raise ValueError(f"x: expected a last axis of length {self.n_states}, got {arr.shape}")
        v = self.gain.g(arr)
        return v[..., : self.n_a], v[..., self.n_a :]

    def __repr__(self) -> str:
        return f"ContinuousBAM(n_a={self.n_a}, n_b={self.n_b}, gain={self.gain.name!r})"
