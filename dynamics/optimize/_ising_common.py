"""Shared pieces of the Ising solvers: seeds, argument checks and the result type."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dynamics.memory._checks import as_rng  # the package's one seed -> Generator rule
from dynamics.optimize.qubo import QUBO, Ising

__all__ = ["IsingResult", "as_rng", "seed_label"]


def seed_label(seed: Any) -> int | None:
    """The seed as recorded in a result: the int, or None for a Generator / no seed."""
    return int(seed) if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) else None


def check_ising(problem: Any) -> Ising:
    if isinstance(problem, QUBO):
        return problem.to_ising()
    if not isinstance(problem, Ising):
        raise TypeError(f"problem: expected an Ising or QUBO problem, got {type(problem).__name__}")
    return problem


def positive_int(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name}: expected an int >= {minimum}, got {value}")
    return int(value)


def positive_float(value: Any, name: str, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a positive number, got {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name}: expected a finite number > 0, got {value!r}")
    return float(value)


def spins_or_random(s0: Any, n: int, rng: np.random.Generator) -> np.ndarray:
    """A float64 spin vector: ``s0`` checked, or uniformly random."""
    if s0 is None:
        return rng.choice(np.array([-1.0, 1.0]), size=n)
    try:
        s = np.asarray(s0, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError("s0: expected a vector of -1/+1 spins") from exc
    if s.shape != (n,):
        raise ValueError(f"s0: expected shape ({n},), got {s.shape}")
    if not np.all(np.abs(s) == 1.0):
        raise ValueError("s0: expected entries in {-1, +1}")
    return np.ascontiguousarray(s.copy())


@dataclass
class IsingResult:
    """The best spin configuration a solver found, and how it got there.

    Attributes
    ----------
    spins : (n,) int8 array in {-1, +1}, the best configuration found.
    energy : its Ising energy ``E(s)`` (exact, float64).
    energy_trace : best energy found so far at the checkpoints ``time_trace``.
    time_trace : seconds since the start at those checkpoints.
    method : the solver ("descent", "anneal", "graded", "bsb", "dsb", with "+descent" when
        a one-flip descent polished the result).
    seed : the int seed given (None for a Generator or no seed).
    time_s : total wall time.
    time_to_best_s : wall time at which ``energy`` was first reached.
    iterations : sweeps (descent, annealing), steps (SB) or gain stages (graded), summed
        over restarts / rounds.
    restarts : independent runs (restarts or SB rounds) done.
    agents : simultaneous trajectories per run (SB); 1 otherwise.
    status : 0 finished; 1 stopped by the time limit; -1 failure (non-finite state).
    message : what happened, in words.
    """

    spins: np.ndarray
    energy: float
    energy_trace: np.ndarray
    time_trace: np.ndarray
    method: str
    seed: int | None
    time_s: float
    time_to_best_s: float
    iterations: int
    restarts: int = 1
    agents: int = 1
    status: int = 0
    message: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def binary(self) -> np.ndarray:
        """The best configuration as 0/1 variables ``x = (1 + s) / 2`` (int8)."""
        return ((self.spins.astype(np.int16) + 1) // 2).astype(np.int8)


class Tracker:
    """Keeps the best configuration and the best-so-far trace against wall time."""

    def __init__(self, problem: Ising, start: float) -> None:
        self.problem = problem
        self.start = start
        self.best_s: np.ndarray | None = None
        self.best_e = math.inf
        self.best_t = 0.0
        self.trace_e: list[float] = []
        self.trace_t: list[float] = []

    def offer(self, s: np.ndarray, t_now: float) -> None:
        """Consider configuration ``s`` found at perf-counter time ``t_now``."""
        e = float(self.problem.energy(np.asarray(s, dtype=np.float64)))
        if e < self.best_e:
            self.best_e = e
            self.best_s = np.asarray(s, dtype=np.int8).copy()
            self.best_t = t_now - self.start
        self.record(t_now)

    def record(self, t_now: float, e: float | None = None) -> None:
        """Append the best energy so far; ``e`` is the energy of a state visited at
        ``t_now`` that the search then only lowers (a descent), so it counts as reached."""
        best = self.best_e if e is None else min(self.best_e, e)
        if self.trace_e:
            best = min(best, self.trace_e[-1])
        self.trace_e.append(best)
        self.trace_t.append(t_now - self.start)

    def result(self, method: str, seed: Any, t_end: float, iterations: int, restarts: int,
               agents: int = 1, status: int = 0, message: str = "", **extra) -> IsingResult:
        assert self.best_s is not None
        return IsingResult(
            spins=self.best_s,
            energy=self.best_e,
            energy_trace=np.asarray(self.trace_e),
            time_trace=np.asarray(self.trace_t),
            method=method,
            seed=seed_label(seed),
            time_s=t_end - self.start,
            time_to_best_s=self.best_t,
            iterations=iterations,
            restarts=restarts,
            agents=agents,
            status=status,
            message=message or "finished",
            extra=extra,
        )
