"""``solve_tsp``: TSP by network dynamics (and baselines), with honest decoding.

Methods (``method=``):

* ``"hopfield_tank"`` -- :class:`~dynamics.optimize.HopfieldTank` (Hopfield & Tank 1985)
  integrated with :func:`dynamics.solve_ensemble` (all restarts as one ensemble, the field of
  all of them as one BLAS-3 product per stage); the final ``V`` is decoded.
* ``"mean_field"`` -- Potts mean-field annealing (Peterson & Soderberg 1989), from the
  critical temperature found by linear stability; see :mod:`dynamics.optimize.mean_field`.
* ``"elastic_net"`` -- the elastic net (Durbin & Willshaw 1987); needs coordinates; see
  :mod:`dynamics.optimize.elastic_net`.
* ``"nearest_neighbor"`` -- baseline: the nearest-neighbour tour from every start, the best.
* ``"two_opt"`` -- baseline: that nearest-neighbour tour improved by 2-opt (Croes 1958).

Decoding is strict: a network state is a tour only if it thresholds (at 1/2) to a
permutation matrix (:func:`decode_tour`); otherwise the restart is *invalid*. Two optional,
separate post-processing steps are always reported in the result: ``repair=True`` turns an
invalid state into a tour greedily (:func:`~dynamics.optimize.repair_tour`), and
``polish=True`` improves the tour by 2-opt and Or-opt (:func:`~dynamics.optimize.polish`).
``length`` is the final tour's length by the instance's own metric, ``raw_length`` the
length before polish.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dynamics.optimize.elastic_net import elastic_net_anneal, normalised_coordinates
from dynamics.optimize.hopfield_tank import HopfieldTank
from dynamics.optimize.local_search import _nn_all, _polish, _repair, _two_opt
from dynamics.optimize.mean_field import potts_anneal, potts_critical_temperature
from dynamics.optimize.tsplib import TSPInstance, tour_length

__all__ = ["solve_tsp", "TSPResult", "decode_tour", "TSP_METHODS", "KNOWN_OPTIMA", "known_optimum"]

TSP_METHODS = ("hopfield_tank", "mean_field", "elastic_net", "nearest_neighbor", "two_opt")
NETWORK_METHODS = ("hopfield_tank", "mean_field", "elastic_net")

#: Optimal tour lengths of classic TSPLIB instances (TSPLIB95 documentation, Table 1) and of
#: the 10-city Hopfield-Tank set (exhaustive search, unrounded Euclidean).
KNOWN_OPTIMA: dict[str, float] = {
    "tsp10_hopfield_tank": 2.690671,
    "burma14": 3323, "ulysses16": 6859, "gr17": 2085, "gr21": 2707, "ulysses22": 7013,
    "gr24": 1272, "fri26": 937, "bayg29": 1610, "bays29": 2020, "dantzig42": 699,
    "att48": 10628, "gr48": 5046, "eil51": 426, "berlin52": 7542, "st70": 675, "eil76": 538,
    "pr76": 108159, "kroA100": 21282, "kroB100": 22141, "kroC100": 20749, "kroD100": 21294,
    "kroE100": 22068, "rd100": 7910, "eil101": 629, "lin105": 14379, "ch130": 6110,
    "ch150": 6528, "a280": 2579, "pcb442": 50778,
}


def known_optimum(name: str) -> float | None:
    """The known optimal length of the instance ``name`` (see :data:`KNOWN_OPTIMA`), or None."""
    return KNOWN_OPTIMA.get(name)


@dataclass
class TSPResult:
    """What :func:`solve_tsp` found.

    Attributes
    ----------
    tour: the best tour (0-based city indices, ``tour[i]`` = city at position i), or ``None``
        when no restart decoded to a tour and ``repair`` was off.
    length: its length by the instance's metric (``None`` without a tour).
    valid: whether the tour came from a network state that thresholds to a permutation
        matrix (always True for the baselines); False for a repaired tour.
    method, time_s, seed, restarts: as requested; time_s is the wall time of the whole call.
    n_valid: restarts whose state decoded to a tour.
    repaired: the tour was produced by greedy repair of an invalid state.
    polished: 2-opt + Or-opt was applied; raw_length is the length before it.
    lengths: per-restart lengths of the decoded tours (NaN for invalid restarts), before
        repair and polish.
    energy_trace: the network energy of the best restart along the run (per saved time for
        hopfield_tank, per sweep for mean_field, per K level for elastic_net; empty for the
        baselines); trace_x holds the matching times / sweep numbers / K values.
    state: the best restart's final state (V matrix (n, n) for hopfield_tank and mean_field,
        the ring (M, 2) in the instance's coordinates for elastic_net), or None.
    info: method-specific figures (critical temperature, sweeps, ...).
    """

    tour: np.ndarray | None
    length: float | int | None
    valid: bool
    method: str
    time_s: float
    seed: Any = None
    restarts: int = 1
    n_valid: int = 0
    repaired: bool = False
    polished: bool = False
    raw_length: float | int | None = None
    lengths: np.ndarray = field(default_factory=lambda: np.empty(0))
    energy_trace: np.ndarray = field(default_factory=lambda: np.empty(0))
    trace_x: np.ndarray = field(default_factory=lambda: np.empty(0))
    state: np.ndarray | None = None
    info: dict = field(default_factory=dict)

    @property
    def valid_rate(self) -> float:
        """The fraction of restarts whose state decoded to a tour."""
        return self.n_valid / self.restarts

    def gap(self, optimum: float) -> float | None:
        """(length - optimum) / optimum, or None without a tour."""
        return None if self.length is None else (self.length - optimum) / optimum


def decode_tour(V: Any, threshold: float = 0.5) -> np.ndarray | None:
    """The tour of an (n, n) state ``V[city, position]`` if ``V > threshold`` is a permutation
    matrix (exactly one entry per row and per column), else ``None``."""
    v = np.asarray(V, dtype=np.float64)
    if v.ndim != 2 or v.shape[0] != v.shape[1]:
        raise ValueError(f"V: expected a square (n, n) matrix, got shape {v.shape}")
    on = v > threshold
    if not (np.all(on.sum(axis=0) == 1) and np.all(on.sum(axis=1) == 1)):
        return None
    return np.argmax(on, axis=0).astype(np.int64)


def _rng_seed(seed: Any) -> int:
    """A 31-bit integer seed for the compiled kernels, from an int, a Generator or None."""
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**31 - 1))
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(
            f"seed: expected an int, a numpy Generator or None, got {type(seed).__name__}"
        )
    return int(np.random.default_rng(seed).integers(0, 2**31 - 1))


_OPTIONS = {
    "hopfield_tank": {"A": 500.0, "B": 500.0, "C": 200.0, "D": 500.0, "u0": 0.02,
                      "n_tilde": None, "tau": 1.0, "t_end": 3.0, "noise": 0.1, "rtol": 1e-6,
                      "n_eval": 61},
    "mean_field": {"alpha": 1.5, "cooling": 0.998, "max_sweeps": 5000, "saturation": 0.99,
                   "noise": 0.01, "t_start_factor": 1.0, "alpha_growth": 1.5,
                   "alpha_max": 20.0},
    "elastic_net": {"alpha": 0.2, "beta": 2.0, "ratio": 2.5, "k0": 0.2, "decay": 0.99,
                    "iters_per_k": 25, "k_end": 0.003, "noise": 0.1},
    "nearest_neighbor": {},
    "two_opt": {},
}


def _options(method: str, given: dict) -> dict:
    allowed = _OPTIONS[method]
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise TypeError(
            f"solve_tsp: unknown option(s) {unknown} for method {method!r}; "
            f"allowed: {sorted(allowed) or 'none'}"
        )
    opts = dict(allowed)
    for key, value in given.items():
        if value is None and allowed[key] is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{key}: expected a number, got {type(value).__name__}")
        if not math.isfinite(float(value)) or float(value) < 0:
            raise ValueError(f"{key}: expected a finite number >= 0, got {value!r}")
        opts[key] = value
    return opts


def _run_hopfield_tank(inst: TSPInstance, restarts: int, seed: Any, o: dict):
    from dynamics.integrate import solve_ensemble

    d = inst.distances.astype(np.float64)
    dmax = float(d.max())
    scale = 1.0 / dmax if dmax > 1.0 else 1.0  # published constants assume the unit square
    model = HopfieldTank(inst, A=o["A"], B=o["B"], C=o["C"], D=o["D"], u0=o["u0"],
                         n_tilde=o["n_tilde"], tau=o["tau"], distance_scale=scale)
    u_start = model.initial_states(restarts, seed=seed, noise=float(o["noise"]))
    t_end = float(o["t_end"])
    if t_end <= 0:
        raise ValueError(f"t_end: expected > 0, got {t_end}")
    # output times spaced geometrically: the descent takes a few hundredths of tau
    times = np.concatenate([[0.0], np.geomspace(min(1e-4, t_end / 10), t_end,
                                                max(int(o["n_eval"]), 2) - 1)])
    sol = solve_ensemble(model, (0.0, t_end), u_start, rtol=float(o["rtol"]), atol=1e-6,
                         t_eval=times)
    finals = model.output(sol.y[:, :, -1])
    states = list(finals)
    energies = sol.energy if sol.energy is not None else None
    traces = [energies[r] if energies is not None else np.empty(0) for r in range(restarts)]
    info = {"distance_scale": scale, "t_end": float(o["t_end"]),
            "status": [int(s) for s in np.atleast_1d(sol.status)]}
    return states, [decode_tour(v) for v in finals], traces, np.asarray(sol.t), info


def _run_mean_field(inst: TSPInstance, restarts: int, seed: Any, o: dict):
    d = inst.distances.astype(np.float64)
    n = d.shape[0]
    dn = np.ascontiguousarray(d / d[~np.eye(n, dtype=bool)].mean())
    alpha = float(o["alpha"])
    t_c = potts_critical_temperature(dn, alpha)
    max_sweeps = int(o["max_sweeps"])
    if max_sweeps < 1:
        raise ValueError(f"max_sweeps: expected >= 1, got {max_sweeps}")
    cooling = float(o["cooling"])
    if not 0.0 < cooling < 1.0:
        raise ValueError(f"cooling: expected 0 < cooling < 1, got {cooling}")
    states = np.empty((restarts, n, n))
    energies = np.full((restarts, max_sweeps), np.nan)
    temps = np.full(max_sweeps, np.nan)
    final_alpha = np.empty(restarts)
    sweeps = potts_anneal(dn, alpha, float(o["t_start_factor"]) * t_c, cooling, max_sweeps,
                          float(o["saturation"]), float(o["noise"]), _rng_seed(seed),
                          float(o["alpha_growth"]), float(o["alpha_max"]), states, energies,
                          temps, final_alpha)
    traces = [energies[r, : sweeps[r]] for r in range(restarts)]
    info = {"critical_temperature": t_c, "sweeps": [int(s) for s in sweeps],
            "final_alpha": [float(a) for a in final_alpha],
            "distance_normalisation": "mean off-diagonal distance"}
    sweep_numbers = np.arange(1, max_sweeps + 1)
    return list(states), [decode_tour(v) for v in states], traces, sweep_numbers, info


def _run_elastic_net(inst: TSPInstance, restarts: int, seed: Any, o: dict):
    if inst.coordinates is None:
        raise ValueError("method: 'elastic_net' needs city coordinates; this instance has "
                         "only a distance matrix (use 'mean_field' or 'hopfield_tank')")
    coords = inst.coordinates
    x = normalised_coordinates(coords)
    n = x.shape[0]
    m_points = max(int(round(float(o["ratio"]) * n)), n)
    decay = float(o["decay"])
    k0 = float(o["k0"])
    k_end = float(o["k_end"])
    if not 0.0 < decay < 1.0 or k0 <= 0 or not 0 < k_end <= k0:
        raise ValueError("decay, k0, k_end: expected 0 < decay < 1 and 0 < k_end <= k0")
    levels = int(math.ceil(math.log(k_end / k0) / math.log(decay))) + 1
    rings = np.empty((restarts, m_points, 2))
    energies = np.full((restarts, levels), np.nan)
    assignment = np.empty((restarts, n), dtype=np.int64)
    top = np.empty((restarts, n))
    done = elastic_net_anneal(x, rings, float(o["alpha"]), float(o["beta"]), k0, decay,
                              max(int(o["iters_per_k"]), 1), k_end, float(o["noise"]),
                              _rng_seed(seed), energies, assignment, top)
    tours = []
    for r in range(restarts):
        a = assignment[r]
        tours.append(np.argsort(a, kind="stable").astype(np.int64)
                     if np.unique(a).size == n else None)
    lo = coords.min(axis=0)
    span = float((coords.max(axis=0) - lo).max()) or 1.0
    states = [rings[r] * span + lo for r in range(restarts)]
    traces = [energies[r, : done[r]] for r in range(restarts)]
    # assignment matrix (city, ring point) for repair: the weights are not kept, so use a
    # one-hot of the argmax ordered along the ring
    info = {"ring_points": m_points, "levels": int(done.max()),
            "min_top_weight": float(top.min()), "assignment": assignment}
    k_values = k0 * decay ** np.arange(levels)
    return states, tours, traces, np.maximum(k_values, k_end), info


def _elastic_repair_order(assignment: np.ndarray) -> np.ndarray:
    """A tour from an assignment with shared ring points: ring order, ties in city order."""
    return np.lexsort((np.arange(assignment.size), assignment)).astype(np.int64)


def solve_tsp(
    instance: TSPInstance | Any,
    method: str = "elastic_net",
    seed: int | np.random.Generator | None = None,
    restarts: int = 1,
    polish: bool = False,
    repair: bool = False,
    **options: Any,
) -> TSPResult:
    """Solve the TSP ``instance`` with ``method`` (see :data:`TSP_METHODS` and the module
    docstring); the ``restarts`` run together and the shortest decoded tour is kept.

    Parameters
    ----------
    instance: a :class:`~dynamics.optimize.TSPInstance` or a symmetric distance matrix.
    method: ``"elastic_net"`` (default), ``"mean_field"``, ``"hopfield_tank"``,
        ``"nearest_neighbor"`` or ``"two_opt"``.
    seed: int, numpy Generator or None -- all random starts derive from it.
    restarts: number of random starts (network methods), run as one batch.
    polish: improve the chosen tour by 2-opt + Or-opt (reported as ``polished``).
    repair: when no restart decodes to a tour, repair greedily (reported as ``repaired``,
        ``valid`` stays False).
    options: method parameters, e.g. ``A``, ``B``, ``C``, ``D``, ``u0``, ``n_tilde``,
        ``t_end`` (hopfield_tank); ``alpha``, ``cooling``, ``max_sweeps`` (mean_field);
        ``alpha``, ``beta``, ``ratio``, ``k_end`` (elastic_net).
    """
    start = time.perf_counter()
    if not isinstance(instance, TSPInstance):
        instance = TSPInstance.from_matrix(instance)
    if not isinstance(method, str):
        raise TypeError(f"method: expected one of {list(TSP_METHODS)}, got {type(method).__name__}")
    if method not in TSP_METHODS:
        raise ValueError(f"method: unknown method {method!r}; expected one of {list(TSP_METHODS)}")
    if isinstance(restarts, bool) or not isinstance(restarts, (int, np.integer)):
        raise TypeError(f"restarts: expected an int, got {type(restarts).__name__}")
    if restarts < 1:
        raise ValueError(f"restarts: expected >= 1, got {restarts}")
    for flag, name in ((polish, "polish"), (repair, "repair")):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name}: expected a bool, got {type(flag).__name__}")
    o = _options(method, options)
    if method not in NETWORK_METHODS:
        restarts = 1
    _rng_seed(seed)  # checks the seed's type before any work
    d = np.ascontiguousarray(instance.distances, dtype=np.float64)
    info: dict = {}
    trace = np.empty(0)
    trace_x = np.empty(0)
    state = None
    if method in ("nearest_neighbor", "two_opt"):
        tour, _ = _nn_all(d)
        if method == "two_opt":
            _two_opt(d, tour)
        candidates = [tour]
        lengths = np.array([tour_length(instance, tour)], dtype=np.float64)
        n_valid = 1
        best = 0
        repaired = False
        states = [None]
    else:
        runner = {"hopfield_tank": _run_hopfield_tank, "mean_field": _run_mean_field,
                  "elastic_net": _run_elastic_net}[method]
        states, tours, traces, trace_x, info = runner(instance, int(restarts), seed, o)
        lengths = np.array([np.nan if t is None else tour_length(instance, t) for t in tours],
                           dtype=np.float64)
        n_valid = int(np.sum(~np.isnan(lengths)))
        repaired = False
        if n_valid:
            candidates = tours
            best = int(np.nanargmin(lengths))
        elif repair:
            repaired = True
            if method == "elastic_net":
                candidates = [_elastic_repair_order(a) for a in info["assignment"]]
            else:
                candidates = [_repair(np.ascontiguousarray(v)) for v in states]
            rl = [tour_length(instance, t) for t in candidates]
            best = int(np.argmin(rl))
        else:
            candidates = [None] * len(tours)
            best = int(np.argmin([tr[-1] if tr.size else np.inf for tr in traces]))
        trace = np.asarray(traces[best], dtype=np.float64)
        trace_x = np.asarray(trace_x[: trace.size], dtype=np.float64)
        state = states[best]
        info.pop("assignment", None)
    tour = candidates[best]
    raw = None if tour is None else tour_length(instance, tour)
    length = raw
    if polish and tour is not None:
        tour = tour.copy()
        _polish(d, tour)
        length = tour_length(instance, tour)
    valid = tour is not None and not repaired
    return TSPResult(
        tour=tour, length=length, valid=bool(valid), method=method,
        time_s=time.perf_counter() - start, seed=seed if not isinstance(
            seed, np.random.Generator) else None,
        restarts=int(restarts), n_valid=n_valid, repaired=repaired,
        polished=bool(polish and tour is not None), raw_length=raw, lengths=lengths,
        energy_trace=trace, trace_x=trace_x, state=state, info=info,
    )
