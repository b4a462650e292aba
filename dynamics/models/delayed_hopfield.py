"""Hopfield networks with transmission delays (Marcus & Westervelt 1989).

Each neuron sees the others' outputs late::

    tau_i du_i/dt = -u_i + sum_j W_ij g(u_j(t - tau_ij)) + I_i.

Four kinds of delay:

(a) one constant delay for every connection, ``DelayedHopfield(W, 0.5)``;
(b) per-connection constant delays, ``DelayedHopfield(W, D)`` with ``D`` of shape (n, n): the
    distinct delays (of the connections with W_ij != 0) are grouped, so the solver evaluates
    the stored past once per distinct delay, not once per connection;
(c) a time-varying delay ``tau(t)`` common to every connection, ``DelayedHopfield(W, fn)`` with
    ``fn(t) -> float`` a numba function (state-independent; :func:`dynamics.solve_dde` tracks
    the breakpoints it creates);
(d) a distributed delay with the Erlang (gamma) kernel of order m and mean T,
    ``k(s) = a^m s^(m-1) e^(-a s) / (m-1)!``, ``a = m / T`` (m = 1: the exponential kernel),
    :class:`DistributedDelayHopfield`. The linear chain trick turns the convolution
    ``z_i(t) = integral_0^inf k(s) g(u_i(t - s)) ds`` into m extra states per neuron,

        dz_i^1/dt = a (g(u_i) - z_i^1),   dz_i^k/dt = a (z_i^(k-1) - z_i^k),   z_i = z_i^m,

    a regular ODE :class:`~dynamics.models.base.Model` solved by :func:`dynamics.solve`. As
    m grows at fixed mean T the kernel tends to a point mass at T: the DDE (a).

Energy: the theory gives a Lyapunov function only for the delay-free network (Hopfield 1984):
``energy`` is the delay-free energy ``E(u) = -1/2 V^T W V - I^T V + sum_i G(V_i)`` of the
instantaneous state. With delays it is not a Lyapunov function (it oscillates when the network
does); Marcus & Westervelt (1989) show that a symmetric network keeps converging to fixed
points as long as the delay is small compared with the critical delay below.

Stability (Marcus & Westervelt 1989): linearising (a) about u = 0 (I = 0, odd gain with slope
beta = g'(0)) gives for each eigenvalue mu of W the characteristic equation
``tau lambda + 1 = b e^(-lambda tau_d)``, ``b = beta mu``. Roots cross the imaginary axis at
``lambda = i omega`` only for |b| > 1, at ``omega = sqrt(|b|^2 - 1) / tau`` and the delays
``tau_d = ((arg b - arctan(omega tau)) mod 2 pi) / omega``; for a symmetric W the first one
comes from the most negative eigenvalue, ``b = beta mu_min < -1``:

    tau_c = tau (pi - arctan(sqrt(b^2 - 1))) / sqrt(b^2 - 1)

(:func:`critical_delay`). Below tau_c the origin is stable, above it a Hopf bifurcation
makes the network oscillate.

The parameters are described by a :class:`~dynamics.models.layout.ParamLayout`: the blocks
of :class:`~dynamics.models.hopfield.ContinuousHopfield`'s layout followed by ``n_delays``
(m) and the column ``offsets`` (n, n) for the delayed network (``DELAYED_LAYOUT``), by
``order`` and the rate ``a`` for the distributed one (``DISTRIBUTED_LAYOUT``). The kernels
never write them; their scratch is the work area the solvers append to ``p``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numba as nb
import numpy as np
from numba.core.registry import CPUDispatcher

from dynamics.activations import Gain, gain_value, get_gain
from dynamics.models._work import scratch_of
from dynamics.models.base import ENERGY_SIGNATURE, RHS_SIGNATURE, Model, compile_kernel
from dynamics.models.delay import (
    DDE_RHS_SIGNATURE,
    DELAY_SIGNATURE,
    DelayModel,
    check_delays,
    constant_delays,
)
from dynamics.models.hopfield import (
    LAYOUT,
    ContinuousHopfield,
    _as_matrix,
    _per_neuron,
    energy_of,
)
from dynamics.models.layout import ParamLayout

__all__ = ["DelayedHopfield", "DistributedDelayHopfield", "critical_delay"]


def _hopfield_prefix(W: Any, I: Any, tau: Any, gain: str | Gain, gain_scale: float):
    """The ContinuousHopfield of the delay-free network and its parameter blocks."""
    weights = _as_matrix(W, "W")
    n = weights.shape[0]
    bias = None if I is None else _per_neuron(I, n, "I", positive=False)
    taus = _per_neuron(tau, n, "tau", positive=True)
    net = ContinuousHopfield(weights, I=bias, tau=taus, gain=get_gain(gain, gain_scale))
    return net, net.layout.views(net.params)


_HOPFIELD_BLOCKS = list(LAYOUT.shapes.items())
#: The blocks of ``DelayedHopfield.params``: ContinuousHopfield's, then the delays'.
DELAYED_LAYOUT = ParamLayout(
    _HOPFIELD_BLOCKS + [("n_delays", ()), ("offsets", ("n", "n"))], dims=("n",)
)
#: The blocks of ``DistributedDelayHopfield.params``: ContinuousHopfield's, then the chain's.
DISTRIBUTED_LAYOUT = ParamLayout(_HOPFIELD_BLOCKS + [("order", ()), ("rate", ())], dims=("n",))
_unpack_delayed = DELAYED_LAYOUT.unpacker(work=True)
_unpack_distributed = DISTRIBUTED_LAYOUT.unpacker(work=True)


@nb.njit(DDE_RHS_SIGNATURE, cache=True)
def delayed_hopfield_rhs(t, x, xd, p, out):
    """du_i/dt = (-u_i + sum_j W_ij g(u_j(t - tau_ij)) + I_i) / tau_i; ``xd[k]`` is the state
    at the k-th distinct delay; ``offsets[i, j] = k n + j`` picks g of the right one."""
    n, code, lam, leak, inv_cap, bias, weights, n_del, offsets, work = _unpack_delayed(p)
    kind = int(code)
    m = int(n_del)
    g_del = scratch_of(work, m * n)
    for k in range(m):
        for j in range(n):
            g_del[k * n + j] = gain_value(kind, lam, xd[k, j])
    if m == 1:
        np.dot(weights, g_del, out)
    else:
        for i in range(n):
            acc = 0.0
            for j in range(n):
                acc += weights[i, j] * g_del[int(offsets[i, j])]
            out[i] = acc
    for i in range(n):
        out[i] = inv_cap[i] * (out[i] - leak[i] * x[i] + bias[i])


@nb.njit(ENERGY_SIGNATURE, cache=True, error_model="numpy")
def delayed_hopfield_energy(x, p):
    """The delay-free energy of the instantaneous state (see the module docstring)."""
    n, code, lam, leak, _, bias, weights, _, _, work = _unpack_delayed(p)
    scratch = scratch_of(work, 2 * n)
    return energy_of(x, n, int(code), lam, leak, bias, weights, scratch[:n], scratch[n:])


def _time_varying_kernel(fn: Callable) -> CPUDispatcher:
    """A delay kernel writing the scalar delay ``fn(t)`` into every slot."""
    scalar = compile_kernel(fn, nb.float64(nb.float64), "delays")

    @nb.njit(DELAY_SIGNATURE)
    def time_varying_delay(t, q, out):
        v = scalar(t)
        for j in range(out.shape[0]):
            out[j] = v

    return time_varying_delay


class DelayedHopfield(DelayModel):
    """``tau_i du_i/dt = -u_i + sum_j W_ij g(u_j(t - tau_ij)) + I_i`` (Marcus & Westervelt 1989).

    Parameters
    ----------
    W:
        (n, n) weight matrix.
    delays:
        A number >= 0 (one delay for every connection), an (n, n) array of per-connection
        delays >= 0 (entries where W_ij = 0 are ignored), or a numba function ``tau(t) ->
        float`` (a time-varying delay >= 0 common to every connection; plain Python
        functions are compiled with numba).
    I, tau, gain, gain_scale:
        As for :class:`~dynamics.models.hopfield.ContinuousHopfield`.

    Solve with :func:`dynamics.solve_dde`. ``energy`` is the delay-free network's energy of
    the instantaneous state (not a Lyapunov function of the delayed network).
    """

    name = "delayed Hopfield"

    def __init__(
        self,
        W: Any,
        delays: float | np.ndarray | Callable,
        I: Any = None,  # noqa: E741 (the paper's symbol)
        tau: float | Sequence[float] | np.ndarray = 1.0,
        gain: str | Gain = "tanh",
        gain_scale: float = 1.0,
    ) -> None:
        net, prefix = _hopfield_prefix(W, I, tau, gain, gain_scale)
        n = net.n_states
        weights = net.W
        self.n_states = n
        self.gain = net.gain
        self._delay_free = net
        if callable(delays):
            self.delay_kernel = _time_varying_kernel(delays)
            self.delay_params = np.zeros(1)
            group = np.zeros((n, n), dtype=np.int64)
            values = None
        else:
            arr = np.asarray(delays, dtype=np.float64) if not isinstance(delays, str) else None
            if arr is None:
                raise TypeError("delays: expected a number, an (n, n) array or a function")
            if arr.ndim == 0:
                values = check_delays(arr)
                group = np.zeros((n, n), dtype=np.int64)
            else:
                if arr.shape != (n, n):
                    raise ValueError(
                        f"delays: expected a number, shape ({n}, {n}) or a function of t, "
                        f"got shape {arr.shape}"
                    )
                used = arr[weights != 0.0]
                check_delays(arr.ravel())
                values = np.unique(used) if used.size else np.zeros(1)
                group = np.zeros((n, n), dtype=np.int64)
                mask = weights != 0.0
                group[mask] = np.searchsorted(values, arr[mask])
            self.delay_kernel = constant_delays
            self.delay_params = np.ascontiguousarray(values)
        m = 1 if values is None else int(values.size)
        self.n_delays = m
        offsets = group * n + np.arange(n)[None, :]
        self.layout = DELAYED_LAYOUT
        self.params = DELAYED_LAYOUT.pack(prefix, n_delays=float(m), offsets=offsets)
        self.work_size = max(m, 2) * n  # g of the delayed states; the energy's V and W V
        self.rhs_kernel = delayed_hopfield_rhs
        self.energy_kernel = delayed_hopfield_energy

    @property
    def W(self) -> np.ndarray:
        """The weight matrix (a copy)."""
        return self._delay_free.W

    def delay_free(self) -> ContinuousHopfield:
        """The same network without delays, a :class:`ContinuousHopfield` for ``dyn.solve``."""
        return self._delay_free

    def output(self, u: Any) -> np.ndarray:
        """V = g(u)."""
        return self.gain.g(u)

    def __repr__(self) -> str:
        kind = "constant" if self.constant_delays else "time-varying"
        return f"DelayedHopfield(n={self.n_states}, {self.n_delays} {kind} delay(s))"


@nb.njit(RHS_SIGNATURE, cache=True)
def distributed_hopfield_rhs(t, x, p, out):
    """u' = (-u + W z^m + I) / tau, z^1' = a (g(u) - z^1), z^k' = a (z^(k-1) - z^k)."""
    n, code, lam, leak, inv_cap, bias, weights, order_f, a, _ = _unpack_distributed(p)
    kind = int(code)
    order = int(order_f)
    np.dot(weights, x[order * n : (order + 1) * n], out[:n])
    for i in range(n):
        out[i] = inv_cap[i] * (out[i] - leak[i] * x[i] + bias[i])
        out[n + i] = a * (gain_value(kind, lam, x[i]) - x[n + i])
    for k in range(2, order + 1):
        for i in range(n):
            out[k * n + i] = a * (x[(k - 1) * n + i] - x[k * n + i])


@nb.njit(ENERGY_SIGNATURE, cache=True, error_model="numpy")
def distributed_hopfield_energy(x, p):
    """The delay-free energy of u = x[:n] (see the module docstring)."""
    n, code, lam, leak, _, bias, weights, _, _, work = _unpack_distributed(p)
    scratch = scratch_of(work, 2 * n)
    return energy_of(x, n, int(code), lam, leak, bias, weights, scratch[:n], scratch[n:])


class DistributedDelayHopfield(Model):
    """A Hopfield network with an Erlang-distributed delay, by the linear chain trick.

    ``tau_i du_i/dt = -u_i + sum_j W_ij z_j + I_i`` with ``z_j(t)`` the output ``g(u_j)``
    convolved with the Erlang kernel of order ``order`` and mean ``mean_delay`` (see the module
    docstring). States: ``[u (n), z^1 (n), ..., z^m (n)]``, ``n_states = n (m + 1)``;
    a regular :class:`~dynamics.models.base.Model` for :func:`dynamics.solve`.
    ``initial_state(u0)`` gives the state of a network that rested at ``u0`` for all t < 0.
    ``energy`` is the delay-free energy of ``u`` (not a Lyapunov function here).
    """

    name = "distributed-delay Hopfield"

    def __init__(
        self,
        W: Any,
        mean_delay: float,
        order: int = 1,
        I: Any = None,  # noqa: E741
        tau: float | Sequence[float] | np.ndarray = 1.0,
        gain: str | Gain = "tanh",
        gain_scale: float = 1.0,
    ) -> None:
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)):
            raise TypeError(f"order: expected an int, got {type(order).__name__}")
        if order < 1:
            raise ValueError(f"order: expected an int >= 1, got {order}")
        mean = float(mean_delay)
        if not math.isfinite(mean) or mean <= 0.0:
            raise ValueError(f"mean_delay: expected a finite delay > 0, got {mean_delay!r}")
        net, prefix = _hopfield_prefix(W, I, tau, gain, gain_scale)
        self._delay_free = net
        self.gain = net.gain
        self.n_neurons = net.n_states
        self.order = int(order)
        self.mean_delay = mean
        self.rate = self.order / mean
        self.n_states = self.n_neurons * (self.order + 1)
        self.layout = DISTRIBUTED_LAYOUT
        self.params = DISTRIBUTED_LAYOUT.pack(prefix, order=float(self.order), rate=self.rate)
        self.work_size = 2 * self.n_neurons  # the energy's V and W V
        self.rhs_kernel = distributed_hopfield_rhs
        self.energy_kernel = distributed_hopfield_energy  # reads only u = x[:n]

    def initial_state(self, u0: Any) -> np.ndarray:
        """``[u0, g(u0), ..., g(u0)]``: the chain at rest after a constant history u0."""
        u = _per_neuron(u0, self.n_neurons, "u0", positive=False)
        return np.concatenate([u] + [self.gain.g(u)] * self.order)

    def delay_free(self) -> ContinuousHopfield:
        return self._delay_free

    def __repr__(self) -> str:
        return (
            f"DistributedDelayHopfield(n={self.n_neurons}, order={self.order}, "
            f"mean_delay={self.mean_delay})"
        )


def critical_delay(W: Any, gain_scale: float = 1.0, tau: float = 1.0) -> float:
    """The smallest delay at which u = 0 of ``tau u' = -u + W g(u(t - tau_d))`` loses stability.

    Linear stability (Marcus & Westervelt 1989; see the module docstring) with the slope
    ``beta = gain_scale = g'(0)`` of an odd gain (tanh, piecewise linear) and I = 0; one delay
    on every connection, one ``tau`` for every neuron. Returns 0.0 if the origin is unstable
    without delay (some Re(beta mu) > 1) and ``inf`` if no delay destabilises it
    (|beta mu| <= 1 for every eigenvalue mu of W).
    """
    weights = _as_matrix(W, "W")
    beta = float(gain_scale)
    if not math.isfinite(beta) or beta <= 0:
        raise ValueError(f"gain_scale: expected a finite slope > 0, got {gain_scale!r}")
    tau = float(tau)
    if not math.isfinite(tau) or tau <= 0:
        raise ValueError(f"tau: expected a finite time constant > 0, got {tau!r}")
    best = math.inf
    for mu in np.linalg.eigvals(weights):
        b = complex(beta * mu)
        if b.real > 1.0:
            return 0.0
        if abs(b) <= 1.0:
            continue
        omega = math.sqrt(abs(b) ** 2 - 1.0) / tau
        phase = (math.atan2(b.imag, b.real) - math.atan(omega * tau)) % (2.0 * math.pi)
        best = min(best, phase / omega)
    return best
