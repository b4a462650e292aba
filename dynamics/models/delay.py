"""The delayed-model protocol: delay differential equations as data plus compiled kernels.

A delayed model describes

    dx/dt = f(t, x(t), x(t - tau_1(t)), ..., x(t - tau_m(t))),     tau_j(t) >= 0,

with state-independent delays: constants, or known functions of time. It carries

* ``n_states``, ``params`` -- as for an ODE :class:`~dynamics.models.base.Model`;
* ``n_delays`` -- the number ``m`` of distinct delays;
* ``delay_kernel(t, q, out)`` and ``delay_params`` (``q``) -- the delays at time ``t`` written
  into ``out`` (shape ``(m,)``). Constant delays use :func:`constant_delays`, which copies
  ``q`` (the delays themselves) into ``out``; ``constant_delays`` is then True;
* ``rhs_kernel(t, x, x_delayed, p, out)`` -- the vector field, where ``x_delayed[j, :]`` is the
  state at ``t - tau_j(t)`` (shape ``(m, n)``): the solver evaluates the stored past (or the
  history) at each delayed time once per stage and hands all of them to the kernel;
* ``energy_kernel(x, p)`` -- optional: an energy of the instantaneous state ``x(t)``. For
  delayed networks this is in general *not* a Lyapunov function (it is one of the delay-free
  network); the solver reports it at the saved times like :func:`dynamics.solve` does.

A delay of exactly 0 is allowed: its ``x_delayed`` row is the current stage state.
The protocol lives with the models (``models`` import nothing of ``integrate``); the solver is
:func:`dynamics.solve_dde`. A user model is a :class:`UserDelayModel`::

    import numba, dynamics as dyn

    @numba.njit(cache=True)
    def mackey_glass(t, x, xd, p, out):
        beta, gamma, n = p[0], p[1], p[2]
        out[0] = beta * xd[0, 0] / (1.0 + xd[0, 0] ** n) - gamma * x[0]

    model = dyn.UserDelayModel(mackey_glass, n_states=1, delays=[17.0],
                               params=[0.2, 0.1, 10.0])
    sol = dyn.solve_dde(model, (0.0, 300.0), history=0.5, rtol=1e-8, atol=1e-10)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numba as nb
import numpy as np
from numba import types
from numba.core.registry import CPUDispatcher

from dynamics.models.base import ENERGY_SIGNATURE, compile_kernel

__all__ = [
    "DelayModel",
    "UserDelayModel",
    "DDE_RHS_SIGNATURE",
    "DELAY_SIGNATURE",
    "constant_delays",
    "check_delays",
]

_f8 = types.float64
_vec = types.float64[::1]
_mat = types.float64[:, ::1]

#: ``rhs(t: float, x: float[n], x_delayed: float[m, n], p: float[:], out: float[n]) -> None``
DDE_RHS_SIGNATURE = types.void(_f8, _vec, _mat, _vec, _vec)
#: ``delay(t: float, q: float[:], out: float[m]) -> None``: the delays at time t
DELAY_SIGNATURE = types.void(_f8, _vec, _vec)


@nb.njit(DELAY_SIGNATURE, cache=True)
def constant_delays(t, q, out):
    """Constant delays: ``out = q``."""
    for j in range(out.shape[0]):
        out[j] = q[j]


def check_delays(delays: Any, argument: str = "delays") -> np.ndarray:
    """Constant delays as a 1-D float64 array; ``ValueError`` naming ``argument`` for negative,
    non-finite or empty delays, ``TypeError`` for non-numeric ones."""
    try:
        arr = np.asarray(delays, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{argument}: expected numbers (the delays), got {delays!r}") from exc
    arr = np.atleast_1d(arr)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{argument}: expected a non-empty 1-D array of delays, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{argument}: expected finite delays (found NaN or inf)")
    if np.any(arr < 0):
        raise ValueError(f"{argument}: expected delays >= 0, got min {arr.min()}")
    return np.ascontiguousarray(arr)


class DelayModel:
    """Base class of delayed models (see the module docstring for the protocol).

    Subclasses set ``n_states``, ``params``, ``n_delays``, ``delay_kernel``,
    ``delay_params``, ``rhs_kernel`` and optionally ``energy_kernel``.
    """

    name: str = "delayed model"
    n_states: int
    params: np.ndarray
    n_delays: int
    delay_kernel: CPUDispatcher = constant_delays
    delay_params: np.ndarray
    rhs_kernel: CPUDispatcher
    energy_kernel: CPUDispatcher | None = None
    #: floats of work area the kernels may overwrite after the parameters in ``p``
    work_size: int = 0

    def kernel_params(self) -> np.ndarray:
        """The ``p`` the solver passes to the kernels: a private copy of ``params`` followed
        by a zeroed work area of ``work_size`` floats (kernels never write ``params``)."""
        p = np.zeros(self.params.size + int(self.work_size))
        p[: self.params.size] = self.params
        return p

    @property
    def constant_delays(self) -> bool:
        """Whether the delays are constants (the kernel is :func:`constant_delays`)."""
        return self.delay_kernel is constant_delays

    @property
    def has_energy(self) -> bool:
        return self.energy_kernel is not None

    def delays(self, t: float | np.ndarray = 0.0) -> np.ndarray:
        """The delays at time ``t`` (shape ``(n_delays,)``), or at each of an array of times
        (shape ``(n_delays, len(t))``)."""
        tt = np.asarray(t, dtype=np.float64)
        out = np.empty((self.n_delays, tt.size))
        buf = np.empty(self.n_delays)
        for k, tk in enumerate(tt.ravel()):
            self.delay_kernel(float(tk), self.delay_params, buf)
            out[:, k] = buf
        return out[:, 0] if tt.ndim == 0 else out

    def rhs(self, x: Any, x_delayed: Any, t: float = 0.0) -> np.ndarray:
        """The vector field at one state and its delayed states (shape ``(n_delays, n)``)."""
        xs = np.ascontiguousarray(np.asarray(x, dtype=np.float64))
        xd = np.ascontiguousarray(np.asarray(x_delayed, dtype=np.float64))
        if xs.shape != (self.n_states,):
            raise ValueError(f"x: expected shape ({self.n_states},), got {xs.shape}")
        if xd.shape != (self.n_delays, self.n_states):
            raise ValueError(
                f"x_delayed: expected shape ({self.n_delays}, {self.n_states}), got {xd.shape}"
            )
        out = np.empty(self.n_states)
        self.rhs_kernel(float(t), xs, xd, self.kernel_params(), out)
        return out

    def energy(self, x: Any) -> float:
        """The energy of the instantaneous state ``x`` (see the module docstring)."""
        if self.energy_kernel is None:
            raise ValueError(f"{self.name}: this model has no energy function")
        xs = np.ascontiguousarray(np.asarray(x, dtype=np.float64))
        if xs.shape != (self.n_states,):
            raise ValueError(f"x: expected shape ({self.n_states},), got {xs.shape}")
        return float(self.energy_kernel(xs, self.kernel_params()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_states={self.n_states}, n_delays={self.n_delays})"


_SENTINEL = 1.2345678901234567e300


def _probe_dde_rhs(kernel: CPUDispatcher, n: int, m: int, params: np.ndarray) -> None:
    """Call ``rhs`` once with a guarded ``out``: a kernel that writes past ``out`` or leaves
    an entry unwritten has a ``n_states`` different from the one given."""
    out_buf = np.full(n + 8, _SENTINEL)
    x = 0.5 + 0.01 * np.arange(n)
    xd = np.ascontiguousarray(np.tile(x, (m, 1)))
    kernel(0.0, x, xd, params, out_buf[:n])
    if np.any(out_buf[n:] != _SENTINEL):
        raise ValueError(f"n_states: rhs writes beyond out[{n - 1}]; the model has more states")
    if np.any(out_buf[:n] == _SENTINEL):
        raise ValueError(f"n_states: rhs leaves part of out[:{n}] unwritten; fewer states")


class UserDelayModel(DelayModel):
    """A delayed model written by the user as numba kernels (see the module docstring).

    Parameters
    ----------
    rhs:
        ``rhs(t, x, x_delayed, p, out)`` (:data:`DDE_RHS_SIGNATURE`): the vector field written
        into ``out``; ``x_delayed[j, :]`` is the state at ``t - tau_j(t)``.
    n_states:
        Number of state variables.
    delays:
        Constant delays (a number or a 1-D array, each >= 0), or a time-varying delay kernel
        ``delay(t, q, out)`` (:data:`DELAY_SIGNATURE`) writing ``n_delays`` delays >= 0 into
        ``out``; it then needs ``n_delays`` and takes ``q = delay_params``.
    params:
        Parameters handed to ``rhs`` and ``energy`` as a flat float64 array.
    energy:
        Optional ``energy(x, p) -> float`` of the instantaneous state.
    """

    def __init__(
        self,
        rhs: Callable,
        n_states: int,
        delays: float | Sequence[float] | np.ndarray | Callable,
        params: Sequence[float] | np.ndarray | None = None,
        *,
        n_delays: int | None = None,
        delay_params: Sequence[float] | np.ndarray | None = None,
        energy: Callable | None = None,
        name: str | None = None,
    ) -> None:
        if isinstance(n_states, bool) or not isinstance(n_states, (int, np.integer)):
            raise TypeError(f"n_states: expected an int, got {type(n_states).__name__}")
        if n_states < 1:
            raise ValueError(f"n_states: expected >= 1, got {n_states}")
        self.n_states = int(n_states)
        p = np.zeros(1) if params is None else np.asarray(params, dtype=np.float64).ravel()
        if p.size == 0:
            p = np.zeros(1)
        if not np.all(np.isfinite(p)):
            raise ValueError("params: expected finite values")
        self.params = np.ascontiguousarray(p)
        self.name = name or getattr(rhs, "__name__", "user delayed model")
        if callable(delays):
            if n_delays is None:
                raise ValueError("n_delays: a delay kernel needs n_delays (the length of out)")
            if isinstance(n_delays, bool) or not isinstance(n_delays, (int, np.integer)):
                raise TypeError(f"n_delays: expected an int, got {type(n_delays).__name__}")
            if n_delays < 1:
                raise ValueError(f"n_delays: expected >= 1, got {n_delays}")
            self.n_delays = int(n_delays)
            self.delay_kernel = compile_kernel(delays, DELAY_SIGNATURE, "delays")
            q = np.zeros(1) if delay_params is None else np.asarray(delay_params, float).ravel()
            self.delay_params = np.ascontiguousarray(q if q.size else np.zeros(1))
        else:
            if delay_params is not None:
                raise ValueError("delay_params: only used with a delay kernel")
            self.delay_params = check_delays(delays)
            self.n_delays = int(self.delay_params.size)
            if n_delays is not None and n_delays != self.n_delays:
                raise ValueError(
                    f"n_delays: {n_delays} given but delays has {self.n_delays} entries"
                )
            self.delay_kernel = constant_delays
        self.rhs_kernel = compile_kernel(rhs, DDE_RHS_SIGNATURE, "rhs")
        _probe_dde_rhs(self.rhs_kernel, self.n_states, self.n_delays, self.kernel_params())
        self.energy_kernel = (
            None if energy is None else compile_kernel(energy, ENERGY_SIGNATURE, "energy")
        )
