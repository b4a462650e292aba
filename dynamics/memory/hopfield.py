"""Binary Hopfield network (Hopfield 1982): storage rules and async / sync / stochastic recall.

States are bipolar, s_i in {-1, +1} (or {0, 1} with ``encoding="binary"``, converted by
s = 2x - 1 on the way in and back on the way out). The energy is

    E(s) = -1/2 s^T W s + theta^T s

and the deterministic update of neuron i is s_i <- sign(h_i - theta_i) with h = W s.
**Tie rule**: when h_i == theta_i the neuron keeps its current state (sign(0) = "no
change"); this keeps the asynchronous energy non-increasing and makes every fixed point well
defined. Fields within ``tie_tol = 1e-12 * (max_i sum_j |W_ij| + max_i |theta_i|)`` of the
threshold count as ties, so that rounding (e.g. in incrementally updated fields) cannot break
an exact tie of the Hebbian integer-valued fields.

* ``mode="async"``: random-permutation sweeps, each neuron exactly once per sweep, in compiled
  code with incrementally updated fields. For symmetric W with non-negative diagonal every
  flip lowers E, so the dynamics ends in a fixed point (Hopfield 1982).
* ``mode="sync"``: all neurons at once, s(t+1) = sign(W s(t) - theta), done for the whole batch
  of probes with one matrix-matrix product per sweep (BLAS-3); once few neurons change in a
  sweep (fewer than ~1/8 of them for a full W), the fields are updated instead by adding the
  columns of W of the changed neurons (compiled, O(N) per change). For
  symmetric W it ends in a fixed point or a cycle of length 2 (Goles-Chacc, Fogelman-Soulie
  & Pellegrin 1985; Bruck 1990); the result says which.
* ``mode="stochastic"``: Glauber dynamics at temperature T, P(s_i = +1) = 1/(1 + e^{-2(h_i -
  theta_i)/T}), with the same random sweeps; T = 0 is the async rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dynamics import _validate as _v
from dynamics.memory import rules as _rules
from dynamics.memory._checks import (
    as_float_array,
    as_rng,
    as_state_matrix,
    check_encoding,
    check_positive_int,
    check_real,
    to_encoding,
)
from dynamics.memory._kernels import (
    add_changed_rows_where,
    async_recall,
    energies_where,
    sync_step,
)

__all__ = ["HopfieldNetwork", "RecallResult", "overlaps"]

MODES = ("async", "sync", "stochastic")
_SPARSE_COST = 8  # sync: relative cost of a sparse column update vs a BLAS-3 multiply-add


@dataclass
class RecallResult:
    """Outcome of :meth:`HopfieldNetwork.recall` for a batch of probes.

    Attributes
    ----------
    states : (n_probes, n_neurons) int8 final states, in the network's encoding.
    converged : (n_probes,) bool, True when the probe reached a fixed point (for
        ``stochastic``: the last sweep changed nothing).
    sweeps : (n_probes,) int, sweeps performed (the last one is the sweep that found the
        fixed point or closed the 2-cycle).
    energy : (n_probes, max(sweeps) + 1) float, E before the first sweep and after each sweep;
        NaN after a probe has stopped.
    outcome : (n_probes,) str, ``"fixed_point"``, ``"two_cycle"`` (sync only),
        ``"max_sweeps"`` (stopped without reaching either), or ``"sampled"`` (stochastic).
    mode : the update mode used.
    history : (n_probes, max(sweeps) + 1, n_neurons) int8 states after each sweep when
        requested with ``record_history=True`` (after a probe stops, its last state repeats).
    updates : (n_probes,) int, neuron updates (visits) performed, sweeps * n_neurons.
    """

    states: np.ndarray
    converged: np.ndarray
    sweeps: np.ndarray
    energy: np.ndarray
    outcome: np.ndarray
    mode: str
    history: np.ndarray | None = None
    updates: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def two_cycle(self) -> np.ndarray:
        """(n_probes,) bool: the synchronous run ended in a 2-cycle."""
        return self.outcome == "two_cycle"


def overlaps(states, patterns) -> np.ndarray:
    """Overlaps m_mu = (1/N) sum_i xi^mu_i s_i between bipolar states and patterns.

    ``states`` (n_states, N) or (N,), ``patterns`` (n_patterns, N) or (N,); returns
    (n_states, n_patterns) (squeezed for 1-D inputs). Inputs in {0, 1} must be converted to
    bipolar first (``2 x - 1``).
    """
    s = as_float_array(states, "states")
    x = as_float_array(patterns, "patterns")
    if s.shape[-1] != x.shape[-1]:
        raise ValueError(
            f"patterns: expected {s.shape[-1]} values per row to match states, got {x.shape[-1]}"
        )
    m = np.atleast_2d(s) @ np.atleast_2d(x).T / s.shape[-1]
    if s.ndim == 1 and x.ndim == 1:
        return m[0, 0]
    if s.ndim == 1:
        return m[0]
    if x.ndim == 1:
        return m[:, 0]
    return m


class HopfieldNetwork:
    """Binary Hopfield network with Hebbian, Storkey or pseudo-inverse storage.

    Parameters
    ----------
    n_neurons : number of neurons N.
    rule : ``"hebbian"`` (Hopfield 1982), ``"storkey"`` (Storkey 1997) or ``"pseudoinverse"``
        (Personnaz et al. 1985; Kanter & Sompolinsky 1987). See :mod:`dynamics.memory.rules`.
    zero_diagonal : remove self-couplings W_ii (default True).
    threshold : theta, a scalar or an (N,) array (default 0).
    encoding : ``"bipolar"`` for states in {-1, +1}, ``"binary"`` for {0, 1}.

    Example
    -------
    >>> net = HopfieldNetwork(100).store(patterns)          # doctest: +SKIP
    >>> result = net.recall(noisy, mode="async", seed=0)    # doctest: +SKIP
    """

    def __init__(
        self,
        n_neurons: int,
        rule: str = "hebbian",
        zero_diagonal: bool = True,
        threshold=None,
        encoding: str = "bipolar",
    ):
        self.n_neurons = check_positive_int(n_neurons, "n_neurons", minimum=1)
        if rule not in _rules.RULES:
            raise ValueError(f"rule: expected one of {_rules.RULES}, got {rule!r}")
        if not isinstance(zero_diagonal, bool | np.bool_):
            raise TypeError(f"zero_diagonal: expected a bool, got {type(zero_diagonal).__name__}")
        self.rule = rule
        self.zero_diagonal = _v.flag(zero_diagonal, "zero_diagonal")
        self.encoding = check_encoding(encoding)
        self.threshold = self._check_threshold(threshold)
        self._weights = np.zeros((self.n_neurons, self.n_neurons))
        self._patterns = np.zeros((0, self.n_neurons), dtype=np.int8)

    # ------------------------------------------------------------------ construction
    def _check_threshold(self, threshold) -> np.ndarray:
        n = self.n_neurons
        if threshold is None:
            return np.zeros(n)
        theta = as_float_array(threshold, "threshold")
        if theta.ndim == 0:
            theta = np.full(n, float(theta))
        if theta.shape != (n,):
            raise ValueError(f"threshold: expected a scalar or shape ({n},), got {theta.shape}")
        if not np.isfinite(theta).all():
            raise ValueError("threshold: contains NaN or infinite values")
        return np.array(theta, dtype=np.float64)

    @classmethod
    def from_weights(
        cls, weights, threshold=None, encoding: str = "bipolar"
    ) -> HopfieldNetwork:
        """A network with given symmetric weights (no learning rule; ``rule`` is "custom")."""
        w = as_float_array(weights, "weights")
        if w.ndim != 2 or w.shape[0] != w.shape[1] or w.shape[0] == 0:
            raise ValueError(f"weights: expected a non-empty square matrix, got shape {w.shape}")
        if not np.isfinite(w).all():
            raise ValueError("weights: contains NaN or infinite values")
        if not np.allclose(w, w.T, rtol=1e-12, atol=1e-12):
            raise ValueError("weights: expected a symmetric matrix (W == W.T)")
        net = cls(w.shape[0], threshold=threshold, encoding=encoding,
                  zero_diagonal=bool(np.all(np.diag(w) == 0)))
        net.rule = "custom"
        net._weights = np.array(w, dtype=np.float64)
        return net

    @property
    def weights(self) -> np.ndarray:
        """The (N, N) weight matrix W (a read-only view)."""
        view = self._weights.view()
        view.flags.writeable = False
        return view

    @property
    def patterns(self) -> np.ndarray:
        """The stored patterns, (n_patterns, N) int8 in the network's encoding."""
        return to_encoding(self._patterns.astype(np.float64), self.encoding)

    @property
    def n_patterns(self) -> int:
        return int(self._patterns.shape[0])

    @property
    def tie_tolerance(self) -> float:
        """|h_i - theta_i| <= this counts as a tie (the neuron keeps its state)."""
        scale = np.abs(self._weights).sum(axis=1).max() + np.abs(self.threshold).max()
        return float(1e-12 * scale)

    @property
    def load(self) -> float:
        """alpha = P / N."""
        return self.n_patterns / self.n_neurons

    def store(self, patterns) -> HopfieldNetwork:
        """Store ``patterns`` (n_patterns, N); may be called again to add more.

        Hebbian and Storkey learning are incremental (the new patterns update W); the
        pseudo-inverse rule recomputes the projector from all patterns stored so far.
        Returns ``self`` so that calls chain.
        """
        if self.rule == "custom":
            raise ValueError("store: this network was built from explicit weights (rule='custom')")
        arr = np.asarray(patterns) if not isinstance(patterns, np.ndarray) else patterns
        if getattr(arr, "ndim", 0) == 1:
            arr = arr[None, :]
        if getattr(arr, "ndim", 0) != 2:
            raise ValueError(
                f"patterns: expected shape (n_patterns, {self.n_neurons}), got {np.shape(arr)}"
            )
        xi, _ = as_state_matrix(arr, "patterns", self.n_neurons, self.encoding)
        if self.rule == "hebbian":
            self._weights += xi.T @ xi / self.n_neurons
            if self.zero_diagonal:
                np.fill_diagonal(self._weights, 0.0)
        elif self.rule == "storkey":
            _rules.storkey_update(self._weights, xi, self.zero_diagonal)
        else:
            all_xi = np.concatenate([self._patterns.astype(np.float64), xi])
            w, info = _rules.projector(all_xi)
            _rules.warn_rank(info)
            if self.zero_diagonal:
                np.fill_diagonal(w, 0.0)
            self._weights = w
        self._patterns = np.concatenate([self._patterns, xi.astype(np.int8)])
        return self

    # ------------------------------------------------------------------ evaluation
    def energy(self, states) -> np.ndarray | float:
        """E(s) = -1/2 s^T W s + theta^T s for one state (N,) or a batch (n, N)."""
        s, single = as_state_matrix(states, "states", self.n_neurons, self.encoding)
        e = -0.5 * np.einsum("ij,ij->i", s @ self._weights.T, s) + s @ self.threshold
        return float(e[0]) if single else e

    def overlaps(self, states) -> np.ndarray:
        """Overlaps (n_states, n_patterns) of ``states`` with the stored patterns."""
        s, single = as_state_matrix(states, "states", self.n_neurons, self.encoding)
        m = s @ self._patterns.T.astype(np.float64) / self.n_neurons
        return m[0] if single else m

    def recall(
        self,
        probes,
        mode: str = "async",
        max_sweeps: int = 100,
        temperature: float | None = None,
        seed=None,
        record_history: bool = False,
    ) -> RecallResult:
        """Run the network from each probe until a fixed point (or 2-cycle, or max_sweeps).

        ``probes`` (n_probes, N) or (N,) in the network's encoding. ``seed`` (int or
        numpy Generator) fixes the random sweep orders and the Glauber noise; ``sync`` is
        deterministic. ``temperature`` (T >= 0) is required by, and only used with,
        ``mode="stochastic"``.
        """
        if mode not in MODES:
            raise ValueError(f"mode: expected one of {MODES}, got {mode!r}")
        max_sweeps = check_positive_int(max_sweeps, "max_sweeps", minimum=1)
        if mode == "stochastic":
            if temperature is None:
                raise ValueError("temperature: required (a number >= 0) for mode='stochastic'")
            temperature = check_real(temperature, "temperature", minimum=0.0)
        elif temperature is not None:
            raise ValueError(
                f"temperature: only used with mode='stochastic' (got {temperature!r} "
                f"with mode={mode!r})"
            )
        s, single = as_state_matrix(probes, "probes", self.n_neurons, self.encoding)
        if mode == "sync":
            result = self._recall_sync(s, max_sweeps, record_history)
        else:
            rng = as_rng(seed)
            result = self._recall_async(s, max_sweeps, float(temperature or 0.0), rng,
                                        record_history, stochastic=(mode == "stochastic"))
        result.states = to_encoding(result.states, self.encoding)
        if result.history is not None:
            result.history = to_encoding(result.history, self.encoding)
        if single:
            result.states = result.states[0]
        return result

    def fields(self, states) -> np.ndarray:
        """Local fields h = W s for one state (N,) or a batch (n, N) (user encoding)."""
        s, single = as_state_matrix(states, "states", self.n_neurons, self.encoding)
        h = self._fields(s)
        return h[0] if single else h

    def _field_cost(self) -> int:
        """Multiply-adds per state of :meth:`_fields` (low rank for Hebbian at P < N/2)."""
        n, p = self.n_neurons, self.n_patterns
        return 2 * n * p if self.rule == "hebbian" and 0 < p < n // 2 else n * n

    def _fields(self, s: np.ndarray) -> np.ndarray:
        """h = s @ W^T for a validated bipolar batch, with BLAS-3.

        Hebbian weights are low rank, W = (1/N) Xi^T Xi - (P/N) I (zero diagonal), so for
        P < N/2 the fields are computed as ((s Xi^T) Xi) / N - (P/N) s: 2 N P instead of N^2
        operations per state, and exact (integer sums, in float32 while P N < 2^24) up to the
        final division.
        """
        n, p = self.n_neurons, self.n_patterns
        if self.rule == "hebbian" and 0 < p < n // 2:
            # every partial sum is an integer of magnitude <= P N, exact in float32 when
            # P N < 2^24, so single precision (twice the BLAS speed) loses nothing there
            dtype = np.float32 if p * n < 2**24 else np.float64
            xi = self._patterns.astype(dtype)
            sd = s.astype(dtype, copy=False)
            hd = (sd @ xi.T) @ xi
            if self.zero_diagonal:
                hd -= sd * dtype(p)  # still exact integers
            h = hd.astype(np.float64, copy=False)
            h /= n
            return np.ascontiguousarray(h)
        return np.ascontiguousarray(s @ self._weights.T)

    def _recall_async(self, s, max_sweeps, temperature, rng, record, stochastic) -> RecallResult:
        n_probes, n = s.shape
        w = np.ascontiguousarray(self._weights)
        fields = self._fields(s)
        seeds = rng.integers(0, 2**63 - 1, size=n_probes, dtype=np.int64)
        energy = np.full((n_probes, max_sweeps + 1), np.nan)
        sweeps = np.zeros(n_probes, dtype=np.int64)
        converged = np.zeros(n_probes, dtype=np.bool_)
        history = (np.zeros((n_probes, max_sweeps + 1, n)) if record else np.zeros((0, 0, 0)))
        async_recall(w, self.threshold, s, fields, max_sweeps, seeds, temperature,
                     self.tie_tolerance, energy,
                     sweeps, converged, history, np.zeros((0, 0), dtype=np.int64))
        last = int(sweeps.max()) + 1
        if stochastic:
            outcome = np.full(n_probes, "sampled", dtype="<U11")
        else:
            outcome = np.where(converged, "fixed_point", "max_sweeps").astype("<U11")
        return RecallResult(
            states=s, converged=converged, sweeps=sweeps, energy=energy[:, :last],
            outcome=outcome, mode="stochastic" if stochastic else "async",
            history=history[:, :last] if record else None, updates=sweeps * n,
        )

    def _recall_sync(self, s, max_sweeps, record) -> RecallResult:
        n_probes, n = s.shape
        w_t = np.ascontiguousarray(self._weights.T)
        theta = self.threshold
        tol = self.tie_tolerance
        energy = np.full((n_probes, max_sweeps + 1), np.nan)
        status = np.zeros(n_probes, dtype=np.int64)  # 0 running, 1 fixed point, 2 two-cycle
        stopped_at = np.full(n_probes, max_sweeps, dtype=np.int64)
        current = s.copy()
        previous = np.zeros_like(s)  # s(t-2) when s(t) is computed
        delta = np.zeros_like(s)
        history = [current.copy()] if record else None
        h = self._fields(current)  # fields of the whole batch: matrix-matrix products
        for sweep in range(1, max_sweeps + 1):
            running_before = status == 0
            changes = sync_step(h, theta, tol, current, previous, delta, status, energy, sweep)
            stopped_at[running_before & (status != 0)] = sweep
            if record:
                history.append(current.copy())
            running = status == 0
            n_running = int(running.sum())
            if n_running == 0:
                break
            # sparse column updates (O(N) per change, compiled) or fresh fields (BLAS-3,
            # ~8x faster per operation): whichever does fewer effective operations
            if changes * n * _SPARSE_COST <= n_running * self._field_cost():
                # few neurons changed: add their columns to the fields (O(N) per change)
                add_changed_rows_where(h, delta, w_t, status)
            else:
                if n_running == n_probes:
                    h = self._fields(current)  # matrix-matrix products (BLAS-3)
                else:
                    h[running] = self._fields(current[running])
        else:  # max_sweeps reached: the energy of the last states of the running probes
            energies_where(h, current, theta, status, energy, max_sweeps)
        outcome = np.select([status == 1, status == 2], ["fixed_point", "two_cycle"],
                            "max_sweeps").astype("<U11")
        last = int(stopped_at.max()) + 1
        hist = np.stack(history, axis=1)[:, :last] if record else None
        return RecallResult(
            states=current, converged=status == 1, sweeps=stopped_at,
            energy=energy[:, :last], outcome=outcome, mode="sync", history=hist,
            updates=stopped_at * n,
        )

    # ------------------------------------------------------------------ graded recall
    def as_continuous(self, gain: str = "tanh", gain_scale: float = 1.0, tau: float = 1.0):
        """The graded-response network (Hopfield 1984) with the same weights.

        Returns ``dynamics.ContinuousHopfield(W, I=-theta, tau, gain, gain_scale)``:
        tau du/dt = -u + W g(u) - theta, whose stable states for a high gain sit near the
        corners of the hypercube that are the binary network's fixed points.
        """
        from dynamics.models import ContinuousHopfield

        return ContinuousHopfield(
            np.array(self._weights), I=-self.threshold.copy(), tau=tau, gain=gain,
            gain_scale=gain_scale,
        )

    def __repr__(self) -> str:
        return (
            f"HopfieldNetwork(n_neurons={self.n_neurons}, rule={self.rule!r}, "
            f"n_patterns={self.n_patterns}, encoding={self.encoding!r})"
        )
