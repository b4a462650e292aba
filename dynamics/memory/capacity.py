"""Capacity, basins of attraction and spurious states of binary Hopfield networks.

Published reference values:

* Hebbian storage breaks down at the load alpha_c = P/N ~= 0.138 for N -> infinity (Amit,
  Gutfreund & Sompolinsky 1985, 1987); finite-size simulations give 0.145 +- 0.009.
* Error-free recall of all patterns (with high probability) needs P <= N / (2 ln N)
  (McEliece, Posner, Rodemich & Venkatesh 1987).
* The pseudo-inverse rule stores any linearly independent set, up to alpha -> 1, with basins
  that shrink as alpha grows (Kanter & Sompolinsky 1987).
* Symmetric mixtures of three patterns, sgn(xi^1 + xi^2 + xi^3), are stable spurious states
  under Hebbian storage at low loads, with overlaps 1/2 with each of their three patterns
  (Amit, Gutfreund & Sompolinsky 1985).

A *trial* stores P random unbiased patterns, flips an exact fraction of the bits of some of
them, recalls asynchronously and counts a pattern as retrieved when the final overlap
m = (1/N) xi . s reaches ``criterion`` (0.99 by default).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dynamics.memory import rules as _rules
from dynamics.memory._checks import (
    as_float_array,
    as_rng,
    as_state_matrix,
    check_positive_int,
    check_real,
)
from dynamics.memory.hopfield import HopfieldNetwork

__all__ = [
    "AGS_ALPHA_C",
    "FINITE_SIZE_ALPHA_C",
    "mceliece_load",
    "random_patterns",
    "flip_bits",
    "retrieval_trial",
    "capacity_task",
    "CapacityCurve",
    "capacity_curve",
    "estimate_alpha_c",
    "basin_curve",
    "mixture_states",
    "classify_attractors",
]

AGS_ALPHA_C = 0.138
"""Hebbian critical load for N -> infinity (Amit, Gutfreund & Sompolinsky 1985)."""

FINITE_SIZE_ALPHA_C = (0.145, 0.009)
"""Finite-size simulation estimate of the Hebbian critical load (mean, error)."""


def mceliece_load(n_neurons: int) -> float:
    """alpha = 1 / (2 ln N): the load P/N for error-free recall, P = N/(2 ln N)
    (McEliece et al. 1987)."""
    n = check_positive_int(n_neurons, "n_neurons", minimum=2)
    return 1.0 / (2.0 * math.log(n))


def random_patterns(n_patterns: int, n_neurons: int, seed=None) -> np.ndarray:
    """Unbiased random bipolar patterns, (n_patterns, n_neurons) float64 in {-1, +1}."""
    check_positive_int(n_patterns, "n_patterns", minimum=0)
    check_positive_int(n_neurons, "n_neurons")
    rng = as_rng(seed)
    return rng.integers(0, 2, size=(n_patterns, n_neurons)).astype(np.float64) * 2.0 - 1.0


def _check_fraction(value, name: str) -> float:
    value = check_real(value, name, minimum=0.0)
    if value > 1.0:
        raise ValueError(f"{name}: expected a number in [0, 1], got {value}")
    return value


def flip_bits(states: np.ndarray, fraction: float, seed=None) -> np.ndarray:
    """Copy of bipolar ``states`` with exactly round(fraction * N) bits flipped per row.

    ``states``: one state (N,) or a batch (n, N) with values in {-1, +1}; ``fraction`` in
    [0, 1]. Returns float64 of the same shape.
    """
    arr = as_float_array(states, "states")
    if arr.ndim not in (1, 2):
        raise ValueError(f"states: expected shape (N,) or (n, N), got shape {arr.shape}")
    fraction = _check_fraction(fraction, "fraction")
    out, single = as_state_matrix(arr, "states", arr.shape[-1], allow_empty=True)
    rng = as_rng(seed)
    n = out.shape[1]
    k = int(round(fraction * n))
    if k:
        idx = np.argsort(rng.random(out.shape), axis=1)[:, :k]
        rows = np.arange(out.shape[0])[:, None]
        out[rows, idx] *= -1.0
    return out[0] if single else out


def retrieval_trial(
    rule: str,
    n_neurons: int,
    n_patterns: int,
    flip_fraction: float = 0.05,
    seed=None,
    n_probes: int | None = 50,
    criterion: float = 0.99,
    max_sweeps: int = 100,
) -> dict:
    """Store ``n_patterns`` random patterns and try to retrieve some of them from noisy probes.

    Up to ``n_probes`` of the stored patterns (all if None) are probed, each with exactly
    round(flip_fraction * N) flipped bits, and recalled asynchronously. Returns a dict with
    ``fraction_retrieved`` (overlap >= criterion), ``mean_overlap``, ``n_probes``,
    ``fraction_fixed_points`` and the load ``alpha``.
    """
    if rule not in _rules.RULES:
        raise ValueError(f"rule: expected one of {_rules.RULES}, got {rule!r}")
    n_neurons = check_positive_int(n_neurons, "n_neurons")
    n_patterns = check_positive_int(n_patterns, "n_patterns")
    flip_fraction = _check_fraction(flip_fraction, "flip_fraction")
    if n_probes is not None:
        n_probes = check_positive_int(n_probes, "n_probes")
    criterion = check_real(criterion, "criterion")
    if rule == "pseudoinverse" and n_patterns > n_neurons:
        raise ValueError(
            f"n_patterns: the pseudo-inverse rule needs n_patterns <= n_neurons, got "
            f"{n_patterns} > {n_neurons}"
        )
    rng = as_rng(seed)
    xi = random_patterns(n_patterns, n_neurons, rng)
    net = HopfieldNetwork(n_neurons, rule=rule)
    net.store(xi)
    if n_probes is None or n_probes >= n_patterns:
        chosen = np.arange(n_patterns)
    else:
        chosen = np.sort(rng.choice(n_patterns, size=n_probes, replace=False))
    targets = xi[chosen]
    probes = flip_bits(targets, flip_fraction, rng)
    result = net.recall(probes, mode="async", max_sweeps=max_sweeps, seed=rng)
    m = np.einsum("ij,ij->i", result.states.astype(np.float64), targets) / n_neurons
    return {
        "rule": rule,
        "n_neurons": n_neurons,
        "n_patterns": n_patterns,
        "alpha": n_patterns / n_neurons,
        "flip_fraction": float(flip_fraction),
        "n_probes": int(chosen.size),
        "fraction_retrieved": float(np.mean(m >= criterion)),
        "mean_overlap": float(np.mean(m)),
        "fraction_fixed_points": float(np.mean(result.converged)),
    }


def capacity_task(params: dict, seed) -> dict:
    """One point of a capacity sweep, in the form ``dynamics.sweep`` expects.

    ``params``: ``rule``, ``n_neurons``, ``alpha`` (load P/N; P = max(1, round(alpha N))) and
    optionally ``flip_fraction`` (0.05), ``n_probes`` (50), ``criterion`` (0.99),
    ``max_sweeps`` (100). Returns the dict of :func:`retrieval_trial`.
    """
    if not isinstance(params, dict):
        raise TypeError(f"params: expected a dict, got {type(params).__name__}")
    missing = {"rule", "n_neurons", "alpha"} - set(params)
    if missing:
        raise ValueError(f"params: missing keys {sorted(missing)}")
    n = check_positive_int(params["n_neurons"], "n_neurons")
    alpha = check_real(params["alpha"], "alpha", minimum=0.0, strict=True)
    out = retrieval_trial(
        params["rule"],
        n,
        max(1, int(round(alpha * n))),
        flip_fraction=params.get("flip_fraction", 0.05),
        seed=seed,
        n_probes=params.get("n_probes", 50),
        criterion=params.get("criterion", 0.99),
        max_sweeps=params.get("max_sweeps", 100),
    )
    return {k: v for k, v in out.items() if k not in params}


def estimate_alpha_c(loads, fractions, level: float = 0.5) -> float:
    """The load where the retrieved fraction first falls below ``level``.

    Linear interpolation between the two grid loads around the first downward crossing of the
    mean curve. Returns ``nan`` when the curve never crosses on the grid (capacity above the
    largest load, or below the smallest).
    """
    a = as_float_array(loads, "loads")
    f = as_float_array(fractions, "fractions")
    level = check_real(level, "level")
    if a.ndim != 1:
        raise ValueError(f"loads: expected a 1-D array, got shape {a.shape}")
    if f.ndim != 1:
        raise ValueError(f"fractions: expected a 1-D array, got shape {f.shape}")
    if a.size != f.size:
        raise ValueError(
            f"fractions: expected one value per load ({a.size}), got {f.size}"
        )
    order = np.argsort(a)
    a, f = a[order], f[order]
    for k in range(1, a.size):
        if f[k - 1] >= level > f[k]:
            return float(a[k - 1] + (f[k - 1] - level) * (a[k] - a[k - 1]) / (f[k - 1] - f[k]))
    return float("nan")


@dataclass
class CapacityCurve:
    """Fraction of retrieved patterns against load for one rule and size.

    ``fractions`` has shape (n_loads, n_seeds); ``mean`` and ``sem`` (standard error of the
    mean over seeds) have shape (n_loads,). ``alpha_c`` is :func:`estimate_alpha_c` of
    ``mean``.
    """

    rule: str
    n_neurons: int
    loads: np.ndarray
    fractions: np.ndarray
    overlaps: np.ndarray
    flip_fraction: float
    criterion: float

    @property
    def mean(self) -> np.ndarray:
        return self.fractions.mean(axis=1)

    @property
    def sem(self) -> np.ndarray:
        n = self.fractions.shape[1]
        if n < 2:
            return np.zeros(self.fractions.shape[0])
        return self.fractions.std(axis=1, ddof=1) / math.sqrt(n)

    @property
    def alpha_c(self) -> float:
        return estimate_alpha_c(self.loads, self.mean)


def capacity_curve(
    rule: str,
    n_neurons: int,
    loads,
    flip_fraction: float = 0.05,
    n_seeds: int = 10,
    seed=0,
    n_probes: int | None = 50,
    criterion: float = 0.99,
    max_sweeps: int = 100,
) -> CapacityCurve:
    """Run :func:`retrieval_trial` for every load in ``loads`` and ``n_seeds`` seeds (serially).

    For large grids run :func:`retrieval_trial` through :func:`dynamics.sweep` instead (see
    the ``memory_capacity`` scenario). The number of patterns is max(1, round(alpha N)).
    """
    if rule not in _rules.RULES:
        raise ValueError(f"rule: expected one of {_rules.RULES}, got {rule!r}")
    n_neurons = check_positive_int(n_neurons, "n_neurons")
    n_seeds = check_positive_int(n_seeds, "n_seeds")
    loads = as_float_array(loads, "loads")
    if loads.ndim != 1 or loads.size == 0:
        raise ValueError(
            f"loads: expected a non-empty 1-D array of loads P/N, got shape {loads.shape}"
        )
    if not np.all(np.isfinite(loads)) or not np.all(loads > 0):
        raise ValueError("loads: expected finite positive loads P/N")
    flip_fraction = _check_fraction(flip_fraction, "flip_fraction")
    if n_probes is not None:
        n_probes = check_positive_int(n_probes, "n_probes")
    criterion = check_real(criterion, "criterion")
    base = as_rng(seed)
    seeds = base.integers(0, 2**63 - 1, size=(loads.size, n_seeds))
    fractions = np.empty((loads.size, n_seeds))
    mean_overlaps = np.empty((loads.size, n_seeds))
    for i, alpha in enumerate(loads):
        p = max(1, int(round(alpha * n_neurons)))
        for j in range(n_seeds):
            out = retrieval_trial(rule, n_neurons, p, flip_fraction, int(seeds[i, j]),
                                  n_probes, criterion, max_sweeps)
            fractions[i, j] = out["fraction_retrieved"]
            mean_overlaps[i, j] = out["mean_overlap"]
    return CapacityCurve(rule, n_neurons, loads, fractions, mean_overlaps,
                         float(flip_fraction), float(criterion))


def basin_curve(
    rule: str,
    n_neurons: int,
    load: float,
    initial_overlaps,
    n_trials: int = 20,
    seed=0,
    max_sweeps: int = 100,
) -> tuple[np.ndarray, np.ndarray]:
    """Final overlap against initial overlap: the size of the basins of attraction.

    A probe with initial overlap m0 has (1 - m0) N / 2 flipped bits. For each m0,
    ``n_trials`` (pattern, probe) pairs are recalled asynchronously. One network storing
    max(1, round(load N)) random patterns is built once and shared by every m0 (the curve
    is measured on the same stored set; each m0 draws fresh target patterns and bit flips).
    Returns ``(initial, final)`` with ``final`` of shape (len(initial), n_trials).
    """
    n_neurons = check_positive_int(n_neurons, "n_neurons")
    n_trials = check_positive_int(n_trials, "n_trials")
    load = check_real(load, "load", minimum=0.0, strict=True)
    m0 = np.asarray(initial_overlaps, dtype=float)
    if m0.ndim != 1 or m0.size == 0 or np.any(np.abs(m0) > 1):
        raise ValueError("initial_overlaps: expected a non-empty 1-D array in [-1, 1]")
    rng = as_rng(seed)
    p = max(1, int(round(load * n_neurons)))
    xi = random_patterns(p, n_neurons, rng)
    net = HopfieldNetwork(n_neurons, rule=rule).store(xi)
    final = np.empty((m0.size, n_trials))
    for k, m in enumerate(m0):
        which = rng.integers(0, p, size=n_trials)
        targets = xi[which]
        probes = flip_bits(targets, (1.0 - m) / 2.0, rng)
        res = net.recall(probes, mode="async", max_sweeps=max_sweeps, seed=rng)
        final[k] = np.einsum("ij,ij->i", res.states.astype(float), targets) / n_neurons
    return m0, final


def classify_attractors(
    states,
    patterns,
    retrieval: float = 0.9,
    mixture_tol: float = 0.2,
    *,
    symmetric: float | None = None,
):
    """Label final states as ``"pattern"``, ``"reversed"``, ``"mixture3"`` or ``"other"``.

    * pattern / reversed: overlap >= ``retrieval`` with some xi^mu (or -xi^mu);
    * mixture3: exactly three overlaps with |m| within ``mixture_tol`` of 1/2 and all others
      below 1/4 in magnitude (the symmetric 3-mixture of Amit et al. 1985 has m = 1/2 with
      each of its three patterns);
    * other: spin-glass-like states with no macroscopic overlap pattern.

    With ``symmetric`` (e.g. 0.99) a mixture3 must moreover have overlap >= ``symmetric``
    with the symmetric mixture sgn(s_1 xi^1 + s_2 xi^2 + s_3 xi^3) of its three patterns
    (s_k the signs of its overlaps); a state that passes only the overlap test above is then
    labelled ``"mixture_like"`` (a distorted mixture: overlaps such as 0.43, 0.33, 0.32).
    """
    s = as_float_array(states, "states")
    x = as_float_array(patterns, "patterns")
    if s.ndim not in (1, 2):
        raise ValueError(f"states: expected shape (N,) or (n, N), got shape {s.shape}")
    if x.ndim not in (1, 2):
        raise ValueError(f"patterns: expected shape (N,) or (P, N), got shape {x.shape}")
    s = np.atleast_2d(s)
    x = np.atleast_2d(x)
    if s.shape[1] != x.shape[1]:
        raise ValueError(
            f"patterns: expected {s.shape[1]} values per row (the width of states), "
            f"got {x.shape[1]}"
        )
    if s.shape[1] == 0:
        raise ValueError("states: expected at least one neuron per row")
    if x.shape[0] == 0:
        raise ValueError("patterns: expected at least one pattern")
    retrieval = check_real(retrieval, "retrieval")
    mixture_tol = check_real(mixture_tol, "mixture_tol", minimum=0.0)
    if symmetric is not None:
        symmetric = check_real(symmetric, "symmetric")
    m = s @ x.T / s.shape[1]
    labels = []
    for state, row in zip(s, m, strict=True):
        a = np.abs(row)
        if row.max() >= retrieval:
            labels.append("pattern")
        elif (-row).max() >= retrieval:
            labels.append("reversed")
        else:
            near_half = np.abs(a - 0.5) <= mixture_tol
            if near_half.sum() == 3 and np.all(a[~near_half] < 0.25):
                if symmetric is None:
                    labels.append("mixture3")
                else:
                    mix = np.sign(np.sign(row[near_half]) @ x[near_half])
                    close = float(state @ mix) / s.shape[1] >= symmetric
                    labels.append("mixture3" if close else "mixture_like")
            else:
                labels.append("other")
    return np.array(labels)


def mixture_states(
    n_neurons: int,
    n_patterns: int,
    n_mixtures: int = 50,
    n_random_starts: int = 200,
    seed=0,
    max_sweeps: int = 100,
) -> dict:
    """Spurious states under Hebbian storage: symmetric 3-mixtures and random-start attractors.

    1. For ``n_mixtures`` random triples (mu, nu, rho) and random signs, the symmetric mixture
       s = sgn(+-xi^mu +- xi^nu +- xi^rho) is relaxed asynchronously; it counts as a stable
       mixture if it stays within ``0.99`` overlap of where it started and keeps overlaps near
       1/2 with its three patterns.
    2. ``n_random_starts`` random states are relaxed and their attractors classified with
       :func:`classify_attractors` with the same criterion (``symmetric=0.99``): a random
       start reaches a "mixture3" only when it ends within 0.99 overlap of a symmetric
       3-mixture. Attractors with three overlaps near 1/2 that are not that close (distorted
       mixtures, which appear above the load where the symmetric ones lose stability) are
       counted apart as "mixture_like".

    Returns a dict with the stable-mixture fraction, the fraction of relaxed mixtures that
    end mixture-like instead, the mean overlap of the stable mixtures with their three
    patterns (theory: 1/2), and the counts per attractor class.
    """
    n_neurons = check_positive_int(n_neurons, "n_neurons")
    n_patterns = check_positive_int(n_patterns, "n_patterns", minimum=3)
    n_mixtures = check_positive_int(n_mixtures, "n_mixtures")
    n_random_starts = check_positive_int(n_random_starts, "n_random_starts")
    rng = as_rng(seed)
    xi = random_patterns(n_patterns, n_neurons, rng)
    net = HopfieldNetwork(n_neurons, rule="hebbian").store(xi)
    triples = np.array([rng.choice(n_patterns, size=3, replace=False) for _ in range(n_mixtures)])
    signs = rng.choice([-1.0, 1.0], size=(n_mixtures, 3))
    mixtures = np.sign(np.einsum("kt,ktn->kn", signs, xi[triples]))
    res = net.recall(mixtures, mode="async", max_sweeps=max_sweeps, seed=rng)
    final = res.states.astype(float)
    stay = np.einsum("ij,ij->i", final, mixtures) / n_neurons
    m3 = np.abs(np.einsum("kn,ktn->kt", final, xi[triples]) / n_neurons)
    labels_mix = classify_attractors(final, xi, symmetric=0.99)
    stable = (stay >= 0.99) & (labels_mix == "mixture3")
    starts = rng.integers(0, 2, size=(n_random_starts, n_neurons)) * 2.0 - 1.0
    res2 = net.recall(starts, mode="async", max_sweeps=max_sweeps, seed=rng)
    labels = classify_attractors(res2.states, xi, symmetric=0.99)
    kinds = ("pattern", "reversed", "mixture3", "mixture_like", "other")
    counts = {k: int(np.sum(labels == k)) for k in kinds}
    return {
        "n_neurons": n_neurons,
        "n_patterns": n_patterns,
        "alpha": n_patterns / n_neurons,
        "fraction_stable_mixtures": float(stable.mean()),
        "fraction_mixtures_ending_mixture_like": float(np.mean(labels_mix == "mixture_like")),
        "mean_mixture_overlap": float(m3[stable].mean()) if stable.any() else float("nan"),
        "mixture_overlaps": m3,
        "random_start_attractors": counts,
    }
