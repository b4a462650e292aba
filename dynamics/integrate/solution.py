"""Results of a solve: :class:`Solution`, :class:`EnsembleSolution`, :class:`DenseOutput`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba as nb
import numpy as np

from dynamics.integrate.engine import all_finite

__all__ = ["Solution", "EnsembleSolution", "DenseOutput", "energy_increase"]


class DenseOutput:
    """Continuous extension of a solution over the steps taken (``Solution.sol``).

    ``sol(t)`` returns the state at time ``t`` (shape ``(n,)``) or at each of an array of
    times (shape ``(n, len(t))``), from the method's interpolant: dopri5's 4th-order
    continuous extension (Hairer's DOPRI5 dense output), dop853's 7th-order one (Hairer's
    DOP853), tsit5's own 4th-order interpolant, cubic Hermite for euler, rk4 and bs32.

    ``breakpoints`` are the step boundaries (step k spans ``[t[k], t[k+1]]``), ``coefficients``
    the interpolation coefficients per step. ``t_max`` (default: the last breakpoint) is where
    the solution ends when that is inside the last step -- a terminal event -- and evaluating
    past it raises ``ValueError``, as past ``t_min``.
    """

    def __init__(
        self, breakpoints: np.ndarray, coefficients: np.ndarray, t_max: float | None = None
    ) -> None:
        self.t = breakpoints  # (n_steps + 1,)
        self.r = coefficients  # (n_steps, M, n); M = 5 for dopri5, 8 for dop853
        self.t_min = float(breakpoints[0])
        self.t_max = float(breakpoints[-1]) if t_max is None else float(t_max)

    def __call__(self, t: float | np.ndarray) -> np.ndarray:
        tt = np.asarray(t, dtype=float)
        scalar = tt.ndim == 0
        tt = np.atleast_1d(tt)
        if np.any(~np.isfinite(tt)):
            raise ValueError("t: expected finite times")
        span = self.t_max - self.t_min
        eps = 1e-12 * max(abs(span), 1.0)
        if np.any(tt < self.t_min - eps) or np.any(tt > self.t_max + eps * (
            self.t_max == float(self.t[-1])
        )):
            raise ValueError(
                f"t: expected times within the solved interval [{self.t_min}, {self.t_max}]"
            )
        idx = np.clip(np.searchsorted(self.t, tt, side="right") - 1, 0, len(self.r) - 1)
        h = self.t[idx + 1] - self.t[idx]
        theta = ((tt - self.t[idx]) / h)[:, None]
        r = self.r[idx]  # (m, M, n): the nested form of dynamics.integrate.dense
        t1 = 1.0 - theta
        y = r[:, -1]
        for k in range(r.shape[1] - 1, 0, -1):
            y = r[:, k - 1] + (theta if k % 2 == 1 else t1) * y
        return y[0] if scalar else y.T


def energy_increase(energy: np.ndarray, tol: float) -> tuple[bool, float]:
    """Whether ``energy`` (last axis = time) ever rises by more than ``tol * (1 + |E|)``.

    Returns the flag and the largest relative rise ``max (E_{k+1} - E_k) / (1 + |E_k|)``.
    """
    e = np.asarray(energy, dtype=float)
    if e.shape[-1] < 2:
        return False, 0.0
    if e.ndim == 1:
        # compiled: the same numbers as the array expression below, without its temporaries
        worst = float(_largest_rise(np.ascontiguousarray(e)))
        if worst == -math.inf:
            return False, 0.0
        return bool(worst > tol), max(worst, 0.0)
    with np.errstate(invalid="ignore", over="ignore"):  # non-finite rises are left out
        rise = np.diff(e, axis=-1) / (1.0 + np.abs(e[..., :-1]))
    rise = rise[np.isfinite(rise)]
    if rise.size == 0:
        return False, 0.0
    worst = float(rise.max())
    return bool(worst > tol), max(worst, 0.0)


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _largest_rise(e):
    """max_k (e[k+1] - e[k]) / (1 + |e[k]|) over the finite rises; -inf when there is none."""
    worst = -math.inf
    for k in range(e.shape[0] - 1):
        r = (e[k + 1] - e[k]) / (1.0 + abs(e[k]))
        if math.isfinite(r) and r > worst:
            worst = r
    return worst


@nb.njit(cache=True, nogil=True)
def _nan_at_finite_state(energy, states):
    for k in range(energy.shape[0]):
        if math.isnan(energy[k]) and all_finite(states[k]):
            return True
    return False


def energy_nan_at_finite_state(energy: np.ndarray, states: np.ndarray) -> bool:
    """Whether the energy is NaN at a saved state (a row of ``states``) that is finite: the
    energy kernel failed there, as opposed to a run that blew up."""
    return bool(_nan_at_finite_state(np.ascontiguousarray(energy, dtype=float),
                                     np.ascontiguousarray(states, dtype=float)))


@dataclass
class Solution:
    """One trajectory, laid out like ``scipy.integrate.solve_ivp``'s result.

    Attributes
    ----------
    t : (n_times,) saved times.
    y : (n_states, n_times) saved states.
    energy : (n_times,) energy at the saved times, or None if the model has none.
    status : 0 reached t_end; 1 equilibrium reached (``stop_at_equilibrium``); 2 a terminal
        event stopped the run; -1 failure (non-finite state, max_steps, step underflow) --
        ``t`` and ``y`` then hold everything computed up to the failure.
    message : what happened, in words.
    nfev, nsteps, naccepted, nrejected : right-hand-side evaluations and step counts.
    t_events, y_events : per event function, the times and states of its zero crossings.
    sol : :class:`DenseOutput` if ``dense_output=True``, else None.
    energy_increases : True if the energy rose by more than ``energy_tol`` (relative) between
        saved times -- the sign of asymmetric weights or too-large steps.
    max_energy_increase : the largest relative rise seen.
    energy_nan : True if the energy kernel returned NaN at a finite state (a warning was
        issued; ``energy_increases`` cannot speak for those times).
    event_nan : per event function, True if it ever returned NaN (no crossing can be
        located there; a warning was issued); None without events.
    """

    t: np.ndarray
    y: np.ndarray
    energy: np.ndarray | None
    status: int
    message: str
    nfev: int
    nsteps: int
    naccepted: int
    nrejected: int
    method: str
    t_events: list[np.ndarray] | None = None
    y_events: list[np.ndarray] | None = None
    sol: DenseOutput | None = None
    energy_increases: bool = False
    max_energy_increase: float = 0.0
    energy_nan: bool = False
    event_nan: np.ndarray | None = None

    @property
    def success(self) -> bool:
        """True unless the run failed (status -1)."""
        return self.status >= 0

    def __repr__(self) -> str:
        return (
            f"Solution(method={self.method!r}, status={self.status}, message={self.message!r}, "
            f"n_times={self.t.shape[0]}, nfev={self.nfev}, naccepted={self.naccepted}, "
            f"nrejected={self.nrejected}, energy_increases={self.energy_increases})"
        )


@dataclass
class EnsembleSolution:
    """Many trajectories integrated together (``dynamics.solve_ensemble``).

    Attributes
    ----------
    t : (n_times,) the common output times.
    y : (n_trajectories, n_states, n_times).
    energy : (n_trajectories, n_times) or None.
    status : (n_trajectories,) per-trajectory status, codes as in :class:`Solution`.
        A trajectory that reached equilibrium holds its final state at later output times;
        one that failed has NaN at the output times it never reached.
    t_final : (n_trajectories,) the time each trajectory stopped.
    converged : (n_trajectories,) True where the equilibrium stop fired.
    nfev, nsteps, naccepted, nrejected : (n_trajectories,) per-trajectory counts.
    energy_increases : (n_trajectories,) per-trajectory energy-rise flags.
    energy_nan : (n_trajectories,) True where the energy kernel returned NaN at a finite
        state (None without an energy).
    """

    t: np.ndarray
    y: np.ndarray
    energy: np.ndarray | None
    status: np.ndarray
    t_final: np.ndarray
    nfev: np.ndarray
    nsteps: np.ndarray
    naccepted: np.ndarray
    nrejected: np.ndarray
    method: str
    messages: list[str] = field(default_factory=list)
    energy_increases: np.ndarray | None = None
    energy_nan: np.ndarray | None = None

    @property
    def converged(self) -> np.ndarray:
        """Per trajectory: whether it stopped at an equilibrium."""
        return self.status == 1

    @property
    def success(self) -> np.ndarray:
        """Per trajectory: status >= 0."""
        return self.status >= 0

    @property
    def message(self) -> str:
        """A one-line summary of the per-trajectory outcomes."""
        n = len(self.status)
        return (
            f"{n} trajectories: {int(np.sum(self.status == 0))} reached t_end, "
            f"{int(np.sum(self.status == 1))} reached equilibrium, "
            f"{int(np.sum(self.status < 0))} failed"
        )

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def __repr__(self) -> str:
        return f"EnsembleSolution(method={self.method!r}, {self.message})"
