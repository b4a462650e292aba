"""Dense associative memories (Krotov & Hopfield 2016; Demircigil et al. 2017) and the modern
continuous Hopfield network (Ramsauer et al. 2020).

Dense associative memory on bipolar states sigma in {-1, +1}^N with patterns xi^mu:

    E(sigma) = - sum_mu F(xi^mu . sigma),
    F(x) = x^n             (``interaction="poly"``, degree n; Krotov & Hopfield 2016)
    F(x) = exp(x)          (``interaction="exp"``; Demircigil, Heusel, Loewe, Upgang &
                            Vermet 2017, capacity exponential in N)

Asynchronous update (each neuron exactly once per random sweep; ties -- energy differences
within 1e-12 of the summed terms -- keep the state):

    sigma_i <- sign( sum_mu [ F(xi^mu_i + sum_{j != i} xi^mu_j sigma_j)
                             - F(-xi^mu_i + sum_{j != i} xi^mu_j sigma_j) ] ),

which picks the sign of sigma_i with the lower energy, so E never increases.

Modern Hopfield network (Ramsauer et al. 2020) on real vectors xi in R^d with stored patterns
X = (x_1 ... x_P):

    E(xi) = -lse(beta, X^T xi) + 1/2 xi^T xi + beta^-1 log P + 1/2 M^2,
    lse(beta, z) = beta^-1 log sum_mu exp(beta z_mu),   M = max_mu ||x_mu||,
    update: xi <- X softmax(beta X^T xi)    (one step of the concave-convex procedure).

The update converges to one of three kinds of fixed point: a global fixed point averaging all
patterns (small beta), metastable states averaging a subset of similar patterns, or fixed
points near a single pattern (large beta, well-separated patterns), reached in one step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from dynamics.memory._checks import (
    as_float_array,
    as_rng,
    as_state_matrix,
    check_positive_int,
    check_real,
)
from dynamics.memory._kernels import seed_state, shuffle

__all__ = ["DenseAssociativeMemory", "DenseRecallResult", "ModernHopfield", "ModernRecallResult"]

INTERACTIONS = ("poly", "exp")


@njit(cache=True)
def _dense_async(xi, states, overlaps, max_sweeps, seeds, kind, degree, energy, sweeps,
                 converged):  # pragma: no cover - compiled
    """Asynchronous sweeps of a dense associative memory (see module docstring).

    ``overlaps`` (n_probes, P) holds a_mu = xi^mu . sigma and is updated when a neuron flips.
    kind 0: F(x) = x^degree, compared on x / N (a positive rescaling keeps the sign of the
    energy difference and avoids overflow); kind 1: F(x) = exp(x), compared in log space.
    """
    n_probes, n = states.shape
    p_count = xi.shape[0]
    perm = np.empty(n, dtype=np.int64)
    rng = np.empty(1, dtype=np.uint64)
    inv_n = 1.0 / n
    for p in range(n_probes):
        rng[0] = seed_state(seeds[p])
        s = states[p]
        a = overlaps[p]
        for i in range(n):
            perm[i] = i
        energy[p, 0] = _dense_energy(a, kind, degree)
        sweeps[p] = max_sweeps
        converged[p] = False
        for sweep in range(1, max_sweeps + 1):
            shuffle(perm, rng)
            flips = 0
            for k in range(n):
                i = perm[k]
                old = s[i]
                if kind == 0:
                    diff = 0.0
                    scale = 0.0
                    for mu in range(p_count):
                        x = xi[mu, i]
                        base = a[mu] - x * old
                        fp = ((base + x) * inv_n) ** degree
                        fm = ((base - x) * inv_n) ** degree
                        diff += fp - fm
                        scale += abs(fp) + abs(fm)
                else:
                    top = -np.inf
                    for mu in range(p_count):
                        base = a[mu] - xi[mu, i] * old
                        v = base + abs(xi[mu, i])
                        if v > top:
                            top = v
                    plus = 0.0
                    minus = 0.0
                    for mu in range(p_count):
                        x = xi[mu, i]
                        base = a[mu] - x * old
                        plus += np.exp(base + x - top)
                        minus += np.exp(base - x - top)
                    diff = plus - minus
                    scale = plus + minus
                # energy differences within rounding of zero are ties: keep the state
                if diff > 1e-12 * scale:
                    new = 1.0
                elif diff < -1e-12 * scale:
                    new = -1.0
                else:
                    new = old
                if new != old:
                    d = new - old
                    s[i] = new
                    for mu in range(p_count):
                        a[mu] += d * xi[mu, i]
                    flips += 1
            energy[p, sweep] = _dense_energy(a, kind, degree)
            if flips == 0:
                converged[p] = True
                sweeps[p] = sweep
                break


@njit(cache=True)
def _dense_energy(a, kind, degree):  # pragma: no cover - compiled
    e = 0.0
    for mu in range(a.shape[0]):
        if kind == 0:
            e -= a[mu] ** degree
        else:
            e -= np.exp(a[mu])
    return e


@dataclass
class DenseRecallResult:
    """Outcome of :meth:`DenseAssociativeMemory.recall`: final ``states`` (int8), per-probe
    ``converged`` and ``sweeps``, and ``energy`` (n_probes, max(sweeps) + 1), NaN after a
    probe has stopped."""

    states: np.ndarray
    converged: np.ndarray
    sweeps: np.ndarray
    energy: np.ndarray


class DenseAssociativeMemory:
    """Dense associative memory E = -sum_mu F(xi^mu . sigma) (Krotov & Hopfield 2016).

    Parameters
    ----------
    n_neurons : N.
    interaction : ``"poly"`` (F(x) = x^degree) or ``"exp"`` (F(x) = e^x, Demircigil et al.
        2017).
    degree : the polynomial degree n >= 2 (``"poly"`` only). Capacity grows like N^(n-1).

    States are bipolar ({-1, +1}). The energy value overflows to -inf for ``"exp"`` once
    overlaps exceed ~709 (N > 709); the dynamics compares energies in log space and is
    unaffected.
    """

    def __init__(self, n_neurons: int, interaction: str = "poly", degree: int = 3):
        self.n_neurons = check_positive_int(n_neurons, "n_neurons")
        if interaction not in INTERACTIONS:
            raise ValueError(f"interaction: expected one of {INTERACTIONS}, got {interaction!r}")
        self.interaction = interaction
        self.degree = check_positive_int(degree, "degree", minimum=2)
        self._patterns = np.zeros((0, self.n_neurons))

    @property
    def patterns(self) -> np.ndarray:
        return self._patterns.astype(np.int8)

    @property
    def n_patterns(self) -> int:
        return int(self._patterns.shape[0])

    def store(self, patterns) -> DenseAssociativeMemory:
        """Add bipolar ``patterns`` (n_patterns, N); returns ``self``."""
        arr = np.asarray(patterns)
        if arr.ndim == 1:
            arr = arr[None, :]
        xi, _ = as_state_matrix(arr, "patterns", self.n_neurons)
        self._patterns = np.ascontiguousarray(np.concatenate([self._patterns, xi]))
        return self

    def _f(self, x: np.ndarray) -> np.ndarray:
        return x**self.degree if self.interaction == "poly" else np.exp(x)

    def energy(self, states) -> np.ndarray | float:
        """E(sigma) = -sum_mu F(xi^mu . sigma) for one state or a batch."""
        s, single = as_state_matrix(states, "states", self.n_neurons)
        with np.errstate(over="ignore"):
            e = -self._f(s @ self._patterns.T).sum(axis=1)
        return float(e[0]) if single else e

    def recall(self, probes, max_sweeps: int = 100, seed=None) -> DenseRecallResult:
        """Asynchronous recall from bipolar ``probes`` (n_probes, N) or (N,)."""
        if self.n_patterns == 0:
            raise ValueError("store: no patterns stored yet; call store(patterns) first")
        max_sweeps = check_positive_int(max_sweeps, "max_sweeps")
        s, single = as_state_matrix(probes, "probes", self.n_neurons)
        rng = as_rng(seed)
        n_probes = s.shape[0]
        a = np.ascontiguousarray(s @ self._patterns.T)
        seeds = rng.integers(0, 2**63 - 1, size=n_probes, dtype=np.int64)
        energy = np.full((n_probes, max_sweeps + 1), np.nan)
        sweeps = np.zeros(n_probes, dtype=np.int64)
        converged = np.zeros(n_probes, dtype=np.bool_)
        kind = 0 if self.interaction == "poly" else 1
        _dense_async(self._patterns, s, a, max_sweeps, seeds, kind, self.degree, energy,
                     sweeps, converged)
        last = int(sweeps.max()) + 1
        states = s.astype(np.int8)
        return DenseRecallResult(states[0] if single else states, converged, sweeps,
                                 energy[:, :last])

    def __repr__(self) -> str:
        return (f"DenseAssociativeMemory(n_neurons={self.n_neurons}, "
                f"interaction={self.interaction!r}, degree={self.degree}, "
                f"n_patterns={self.n_patterns})")


@dataclass
class ModernRecallResult:
    """Outcome of :meth:`ModernHopfield.retrieve`: final ``states`` (n_probes, d), ``steps``
    taken, ``converged`` flags, ``energy`` (n_probes, steps + 1) and the final softmax
    ``weights`` (n_probes, n_patterns) over the stored patterns."""

    states: np.ndarray
    steps: int
    converged: np.ndarray
    energy: np.ndarray
    weights: np.ndarray


class ModernHopfield:
    """Modern Hopfield network with continuous states (Ramsauer et al. 2020).

    ``beta`` > 0 is the inverse temperature of the softmax. Patterns are real vectors
    (n_patterns, d). Batches of queries are processed with matrix-matrix products.
    """

    def __init__(self, beta: float = 1.0):
        self.beta = check_real(beta, "beta", minimum=0.0, strict=True)
        self._patterns: np.ndarray | None = None

    @property
    def patterns(self) -> np.ndarray:
        if self._patterns is None:
            raise ValueError("store: no patterns stored yet; call store(patterns) first")
        return self._patterns

    @property
    def n_patterns(self) -> int:
        return 0 if self._patterns is None else int(self._patterns.shape[0])

    def store(self, patterns) -> ModernHopfield:
        """Add real-valued ``patterns`` (n_patterns, d); returns ``self``."""
        x = as_float_array(patterns, "patterns")
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
            raise ValueError(f"patterns: expected a non-empty (n_patterns, d) array, got {x.shape}")
        if not np.isfinite(x).all():
            raise ValueError("patterns: contains NaN or infinite values")
        if self._patterns is not None and x.shape[1] != self._patterns.shape[1]:
            raise ValueError(
                f"patterns: expected {self._patterns.shape[1]} values per row, got {x.shape[1]}"
            )
        x = np.array(x, dtype=np.float64)
        self._patterns = x if self._patterns is None else np.concatenate([self._patterns, x])
        return self

    def _queries(self, states, name: str = "states") -> tuple[np.ndarray, bool]:
        x = self.patterns
        q = as_float_array(states, name)
        single = q.ndim == 1
        q = np.atleast_2d(q)
        if q.ndim != 2 or q.shape[1] != x.shape[1]:
            raise ValueError(f"{name}: expected shape (n, {x.shape[1]}) or ({x.shape[1]},), "
                             f"got {np.shape(states)}")
        if not np.isfinite(q).all():
            raise ValueError(f"{name}: contains NaN or infinite values")
        return np.array(q, dtype=np.float64), single

    def weights(self, states) -> np.ndarray:
        """softmax(beta X^T xi): the attention of each query over the stored patterns."""
        q, single = self._queries(states)
        p = self._softmax(q)
        return p[0] if single else p

    def _softmax(self, q: np.ndarray) -> np.ndarray:
        z = self.beta * (q @ self.patterns.T)
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    def energy(self, states) -> np.ndarray | float:
        """E = -lse(beta, X^T xi) + 1/2 xi.xi + beta^-1 log P + 1/2 M^2 (Ramsauer et al. 2020)."""
        q, single = self._queries(states)
        x = self.patterns
        z = self.beta * (q @ x.T)
        top = z.max(axis=1)
        lse = (top + np.log(np.exp(z - top[:, None]).sum(axis=1))) / self.beta
        m2 = float(np.max(np.einsum("ij,ij->i", x, x)))
        e = -lse + 0.5 * np.einsum("ij,ij->i", q, q) + np.log(x.shape[0]) / self.beta + 0.5 * m2
        return float(e[0]) if single else e

    def update(self, states) -> np.ndarray:
        """One update xi <- X softmax(beta X^T xi) for a query (d,) or a batch (n, d)."""
        q, single = self._queries(states)
        new = self._softmax(q) @ self.patterns
        return new[0] if single else new

    def retrieve(self, probes, max_steps: int = 1, tol: float = 1e-10) -> ModernRecallResult:
        """Iterate the update from ``probes`` for up to ``max_steps`` steps (default one step,
        the retrieval of Ramsauer et al. 2020), stopping early once every query moves by less
        than ``tol`` (max-norm)."""
        max_steps = check_positive_int(max_steps, "max_steps")
        tol = check_real(tol, "tol", minimum=0.0, strict=True)
        q, single = self._queries(probes, "probes")
        energies = [self.energy(q)]
        converged = np.zeros(q.shape[0], dtype=bool)
        steps = 0
        for steps in range(1, max_steps + 1):  # noqa: B007 (steps is reported)
            new = self._softmax(q) @ self.patterns
            converged = np.max(np.abs(new - q), axis=1) < tol
            q = new
            energies.append(self.energy(q))
            if converged.all():
                break
        weights = self._softmax(q)
        states = q[0] if single else q
        return ModernRecallResult(states, steps, converged, np.stack(energies, axis=1),
                                  weights[0] if single else weights)

    def regime(self, states, single_pattern: float = 1.5, global_fraction: float = 0.9):
        """Classify (fixed-point) states by the effective number of patterns they average.

        With p = softmax(beta X^T xi) and the participation ratio n_eff = 1 / sum_mu p_mu^2:
        ``"single"`` if n_eff < ``single_pattern``, ``"global"`` if n_eff >= ``global_fraction``
        * P (an average over (almost) all patterns), otherwise ``"metastable"`` (an average
        over a subset). Returns one label per state and the n_eff values.
        """
        q, single = self._queries(states)
        p = self._softmax(q)
        n_eff = 1.0 / np.sum(p * p, axis=1)
        labels = np.where(n_eff < single_pattern, "single",
                          np.where(n_eff >= global_fraction * self.n_patterns, "global",
                                   "metastable"))
        if single:
            return labels[0], float(n_eff[0])
        return labels, n_eff

    def __repr__(self) -> str:
        return f"ModernHopfield(beta={self.beta}, n_patterns={self.n_patterns})"

