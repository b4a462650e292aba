"""The brain-state-in-a-box associative memory (Anderson, Silverstein, Ritz & Jones 1977).

A discrete-time network whose state lives in the hypercube [-1, 1]^n::

    x(k+1) = clip(x(k) + beta W x(k), -1, 1)

The feedback amplifies the components of ``x`` along the large-eigenvalue directions of ``W``
until the state is stopped by the walls of the box and ends in a corner (or on a face). With
``W`` built from bipolar patterns by a learning rule (Hebbian or pseudo-inverse, see
:mod:`dynamics.memory.rules`) the stored patterns are corners that attract noisy probes.

Energy (Golden 1986)::

    E(x) = -1/2 x^T W x

is non-increasing along the iteration when ``W`` is symmetric and positive semidefinite, for
every ``beta > 0`` (Golden 1986). The same projection argument gives the weaker sufficient
condition ``W`` symmetric and ``beta * lambda_min(W) >= -2``: the clip is the Euclidean
projection onto the box, so with d = x(k+1) - x(k) one has ``beta x^T W d >= |d|^2`` and

    E(x(k+1)) - E(x(k)) = -x^T W d - 1/2 d^T W d <= -|d|^2 (1/beta + lambda_min / 2) <= 0.

Batched probes are iterated together: one (m, n) x (n, n) matrix product per step (BLAS-3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dynamics.memory._checks import as_float_array, as_state_matrix, check_positive_int, check_real
from dynamics.memory.rules import hebbian_weights, pseudoinverse_weights, storkey_weights

__all__ = ["BrainStateInABox", "BSBResult"]

_RULES = {
    "hebbian": hebbian_weights,
    "pseudoinverse": pseudoinverse_weights,
    "storkey": storkey_weights,
}


@dataclass
class BSBResult:
    """Outcome of :meth:`BrainStateInABox.recall`.

    Attributes
    ----------
    states : (m, n) final states (in [-1, 1]; a corner when all entries are +-1).
    converged : (m,) bool, True when the probe reached a fixed point (within ``tol``).
    steps : (m,) int, iterations performed until the fixed point (or ``max_steps``).
    energy : (m, max(steps) + 1) E before the first step and after each step; after a probe
        has stopped its last value repeats.
    history : (m, max(steps) + 1, n) states after each step when requested.
    """

    states: np.ndarray
    converged: np.ndarray
    steps: np.ndarray
    energy: np.ndarray
    history: np.ndarray | None = None

    @property
    def corners(self) -> np.ndarray:
        """(m,) bool: the final state is a corner of the box (every entry is +-1)."""
        return np.all(np.abs(self.states) == 1.0, axis=1)

    @property
    def energy_increases(self) -> np.ndarray:
        """(m,) bool: the energy rose somewhere along the probe's run (beyond rounding)."""
        e = self.energy
        rise = np.diff(e, axis=1) > 1e-12 * (1.0 + np.abs(e[:, :-1]))
        return rise.any(axis=1)


class BrainStateInABox:
    """The brain-state-in-a-box network ``x <- clip(x + beta W x, -1, 1)`` (Anderson et al.
    1977); see the module docstring for the energy and its condition.

    Parameters
    ----------
    W : (n, n) weight matrix (symmetric positive semidefinite for a Lyapunov energy).
    beta : feedback gain beta > 0.
    """

    def __init__(self, W, beta: float = 0.1) -> None:
        w = as_float_array(W, "W")
        if w.ndim != 2 or w.shape[0] != w.shape[1] or w.shape[0] == 0:
            raise ValueError(f"W: expected a square (n, n) matrix, got shape {w.shape}")
        if not np.all(np.isfinite(w)):
            raise ValueError("W: expected finite values")
        self._weights = np.ascontiguousarray(w)
        self.beta = check_real(beta, "beta", minimum=0.0, strict=True)
        self.patterns: np.ndarray | None = None

    @classmethod
    def from_patterns(
        cls, patterns, beta: float = 0.1, rule: str = "hebbian", zero_diagonal: bool = False
    ) -> BrainStateInABox:
        """Store bipolar ``patterns`` (P, n) with a rule of :mod:`dynamics.memory.rules`:
        ``"hebbian"`` (W = (1/n) sum xi xi^T), ``"pseudoinverse"`` (the projector onto the
        patterns' span) or ``"storkey"``. The diagonal is kept by default: the Hebbian and
        pseudo-inverse matrices are then positive semidefinite."""
        if rule not in _RULES:
            raise ValueError(f"rule: expected one of {sorted(_RULES)}, got {rule!r}")
        xi = np.asarray(patterns)
        if xi.ndim == 1:
            xi = xi[None, :]
        w = _RULES[rule](xi, zero_diagonal=bool(zero_diagonal))
        net = cls(w, beta=beta)
        net.patterns, _ = as_state_matrix(xi, "patterns", w.shape[0])
        return net

    @property
    def n_neurons(self) -> int:
        return self._weights.shape[0]

    @property
    def weights(self) -> np.ndarray:
        """W (a copy)."""
        return self._weights.copy()

    @property
    def lyapunov(self) -> bool:
        """Whether the energy is guaranteed non-increasing: W symmetric and
        beta * lambda_min(W) >= -2 (always true for positive semidefinite W)."""
        w = self._weights
        scale = max(1.0, float(np.abs(w).max()))
        if not np.allclose(w, w.T, rtol=0.0, atol=1e-12 * scale):
            return False
        lam_min = float(np.linalg.eigvalsh(0.5 * (w + w.T))[0])
        return bool(self.beta * lam_min >= -2.0 - 1e-12)

    def _probes(self, states, name: str) -> tuple[np.ndarray, bool]:
        x = as_float_array(states, name)
        single = x.ndim == 1
        x = np.atleast_2d(x)
        n = self.n_neurons
        if x.ndim != 2 or x.shape[1] != n:
            raise ValueError(f"{name}: expected shape ({n},) or (m, {n}), got {np.shape(states)}")
        if not np.all(np.isfinite(x)) or np.abs(x).max() > 1.0:
            raise ValueError(f"{name}: expected finite values in the box [-1, 1]")
        return np.array(x, dtype=np.float64), single

    def energy(self, states) -> float | np.ndarray:
        """E = -1/2 x^T W x for one state (n,) or each row of (m, n)."""
        x, single = self._probes(states, "states")
        e = -0.5 * np.einsum("ij,ij->i", x @ self._weights.T, x)
        return float(e[0]) if single else e

    def step(self, states) -> np.ndarray:
        """One iteration x <- clip(x + beta W x, -1, 1) for one state or each row."""
        x, single = self._probes(states, "states")
        out = np.clip(x + self.beta * (x @ self._weights.T), -1.0, 1.0)
        return out[0] if single else out

    def recall(
        self,
        probes,
        max_steps: int = 500,
        tol: float = 1e-12,
        record_history: bool = False,
    ) -> BSBResult:
        """Iterate every probe (rows of ``probes``) until max |x(k+1) - x(k)| <= ``tol``
        or ``max_steps``; the probes still moving are advanced together, one matrix-matrix
        product per step."""
        x, _ = self._probes(probes, "probes")
        max_steps = check_positive_int(max_steps, "max_steps")
        tol = check_real(tol, "tol", minimum=0.0)
        m = x.shape[0]
        wt = self._weights.T
        energies = [-0.5 * np.einsum("ij,ij->i", x @ wt, x)]
        history = [x.copy()] if record_history else None
        steps = np.zeros(m, dtype=np.int64)
        converged = np.zeros(m, dtype=bool)
        active = np.arange(m)
        e_now = energies[0].copy()
        for k in range(1, max_steps + 1):
            xa = x[active]
            new = np.clip(xa + self.beta * (xa @ wt), -1.0, 1.0)
            moved = np.abs(new - xa).max(axis=1)
            x[active] = new
            e_now = e_now.copy()
            e_now[active] = -0.5 * np.einsum("ij,ij->i", new @ wt, new)
            energies.append(e_now)
            if record_history:
                history.append(x.copy())
            done = moved <= tol
            steps[active] = k
            converged[active[done]] = True
            active = active[~done]
            if active.size == 0:
                break
        return BSBResult(
            states=x,
            converged=converged,
            steps=steps,
            energy=np.stack(energies, axis=1),
            history=np.stack(history, axis=1) if record_history else None,
        )

    def __repr__(self) -> str:
        stored = 0 if self.patterns is None else self.patterns.shape[0]
        return f"BrainStateInABox(n_neurons={self.n_neurons}, beta={self.beta}, patterns={stored})"
