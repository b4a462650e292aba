"""One entry point per problem type: :func:`solve_ising`, :func:`solve_qubo`, :func:`solve_maxcut`.

``method`` picks the network solver:

=========== =====================================================================
"dsb"       discrete simulated bifurcation (Goto et al. 2021)
"bsb"       ballistic simulated bifurcation (Goto et al. 2021)
"descent"   asynchronous binary Hopfield descent from random starts (Hopfield 1982)
"anneal"    Glauber (stochastic Hopfield) annealing (Kirkpatrick et al. 1983)
"graded"    continuous Hopfield network under mean-field annealing (Hopfield 1984)
=========== =====================================================================

Extra keyword arguments go to the solver (see :func:`simulated_bifurcation`,
:func:`hopfield_descent`, :func:`glauber_annealing`, :func:`graded_network`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from dynamics.optimize._ising_common import IsingResult, check_ising
from dynamics.optimize.bifurcation import simulated_bifurcation
from dynamics.optimize.ising_networks import glauber_annealing, graded_network, hopfield_descent
from dynamics.optimize.maxcut import MaxCutGraph
from dynamics.optimize.qubo import QUBO, Ising

__all__ = [
    "ISING_METHODS",
    "solve_ising",
    "solve_qubo",
    "solve_maxcut",
    "QUBOResult",
    "MaxCutResult",
]

ISING_METHODS = ("dsb", "bsb", "descent", "anneal", "graded")


def solve_ising(
    problem: Ising,
    method: str = "dsb",
    seed: Any = None,
    time_limit: float | None = None,
    **options: Any,
) -> IsingResult:
    """Minimise ``E(s) = -1/2 s^T J s - h^T s + offset`` with the network ``method``."""
    problem = check_ising(problem)
    if not isinstance(method, str):
        raise TypeError(f"method: expected a string, got {type(method).__name__}")
    if method not in ISING_METHODS:
        raise ValueError(f"method: expected one of {', '.join(ISING_METHODS)}, got {method!r}")
    if method in ("dsb", "bsb"):
        variant = "discrete" if method == "dsb" else "ballistic"
        return simulated_bifurcation(problem, variant=variant, seed=seed, time_limit=time_limit,
                                     **options)
    solver = {"descent": hopfield_descent, "anneal": glauber_annealing,
              "graded": graded_network}[method]
    if time_limit is not None and "restarts" not in options:
        options["restarts"] = 10**9  # restart until the time limit
    return solver(problem, seed=seed, time_limit=time_limit, **options)


@dataclass
class QUBOResult:
    """Best binary vector ``x``, its ``objective`` f(x), the objective trace (best so far)
    against ``time_trace``, and the underlying :class:`IsingResult` (``ising``)."""

    x: np.ndarray
    objective: float
    objective_trace: np.ndarray
    time_trace: np.ndarray
    method: str
    seed: int | None
    time_s: float
    time_to_best_s: float
    ising: IsingResult


def solve_qubo(
    problem: QUBO, method: str = "dsb", seed: Any = None, time_limit: float | None = None,
    **options: Any,
) -> QUBOResult:
    """Minimise ``f(x) = x^T Q x + c^T x + offset`` over binary ``x`` (through its exact
    Ising form; the energy of a spin vector equals the objective of ``x = (1 + s)/2``)."""
    if not isinstance(problem, QUBO):
        raise TypeError(f"problem: expected a QUBO, got {type(problem).__name__}")
    res = solve_ising(problem.to_ising(), method, seed, time_limit, **options)
    x = res.binary
    return QUBOResult(x, float(problem.objective(x)), res.energy_trace, res.time_trace,
                      res.method, res.seed, res.time_s, res.time_to_best_s, res)


@dataclass
class MaxCutResult:
    """Best ``partition`` (0/1 per vertex, the file's vertex order), its ``cut``, the best cut
    so far (``cut_trace``) against ``time_trace``, ``best_known`` / ``ratio`` when the graph
    carries a best known cut, and the underlying :class:`IsingResult` (``ising``)."""

    graph: str
    n: int
    partition: np.ndarray
    cut: float
    cut_trace: np.ndarray
    time_trace: np.ndarray
    method: str
    seed: int | None
    time_s: float
    time_to_best_s: float
    best_known: float | None
    ratio: float | None
    ising: IsingResult

    def to_dict(self) -> dict:
        """The strict-JSON fields written by ``dynamics maxcut --json``."""
        out = {
            "name": self.graph,
            "n": self.n,
            "method": self.method,
            "cut": _number(self.cut),
            "partition": [int(v) for v in self.partition],
            "seed": self.seed,
            "time_s": self.time_s,
            "time_to_best_s": self.time_to_best_s,
        }
        if self.best_known is not None:
            out["best_known"] = _number(self.best_known)
            out["ratio"] = self.ratio
        return out


def _number(v: float) -> int | float:
    return int(v) if float(v).is_integer() else float(v)


def solve_maxcut(
    graph: MaxCutGraph,
    method: str = "dsb",
    seed: Any = None,
    time_limit: float | None = None,
    best_known: float | None = None,
    **options: Any,
) -> MaxCutResult:
    """Maximise the cut of ``graph`` with a network solver (energy ``E(s) = -cut(s)``).

    ``best_known`` overrides the graph's own best known cut (G-set graphs carry one); with
    it, ``ratio = cut / best_known`` and ``target`` for simulated bifurcation may be given
    as ``options["target_cut"]`` (stop once that cut is reached).
    """
    if not isinstance(graph, MaxCutGraph):
        raise TypeError(f"graph: expected a MaxCutGraph, got {type(graph).__name__}")
    if best_known is not None:
        if isinstance(best_known, bool) or not isinstance(best_known, (int, float)) or not (
            math.isfinite(best_known) and best_known > 0
        ):
            raise ValueError(f"best_known: expected a finite number > 0, got {best_known!r}")
    known = best_known if best_known is not None else graph.best_known
    target_cut = options.pop("target_cut", None)
    if target_cut is not None:
        if method not in ("dsb", "bsb"):
            raise ValueError("target_cut: only simulated bifurcation (dsb, bsb) takes a target")
        options["target"] = -float(target_cut)
    ising = graph.to_ising()
    res = solve_ising(ising, method, seed, time_limit, **options)
    partition = res.binary
    cut = graph.cut(partition)
    return MaxCutResult(
        graph=graph.name,
        n=graph.n,
        partition=partition,
        cut=cut,
        cut_trace=-res.energy_trace,
        time_trace=res.time_trace,
        method=res.method,
        seed=res.seed,
        time_s=res.time_s,
        time_to_best_s=res.time_to_best_s,
        best_known=known,
        ratio=None if known is None else cut / known,
        ising=res,
    )
