"""Tour construction and local search (compiled): nearest neighbour, 2-opt, Or-opt, repair.

* Nearest neighbour (Rosenkrantz, Stearns & Lewis 1977): from a start city, always go to the
  closest unvisited city; :func:`nearest_neighbor_tour` tries every start and keeps the best.
* 2-opt (Croes 1958): replace edges (a, b), (c, e) by (a, c), (b, e) -- reversing the path
  b..c -- whenever ``d(a,c) + d(b,e) < d(a,b) + d(c,e)``, until no such move exists.
* Or-opt (Or 1976): move a segment of 1, 2 or 3 consecutive cities (either orientation)
  between two other adjacent cities when that shortens the tour.
* :func:`polish` alternates 2-opt and Or-opt until neither improves (a local optimum of both).
* :func:`repair_tour` turns any (n, n) assignment matrix ``V[city, position]`` into a tour
  greedily: take the largest remaining entry whose city and position are both free.

All take the distance matrix as float64 and tours as 0-based int64 arrays.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np

from dynamics.optimize.tsplib import TSPInstance, check_tour

__all__ = ["nearest_neighbor_tour", "two_opt", "or_opt", "polish", "repair_tour"]

_EPS = 1e-9


@nb.njit(cache=True)
def _nn_from(d, start):
    n = d.shape[0]
    tour = np.empty(n, dtype=np.int64)
    used = np.zeros(n, dtype=np.bool_)
    tour[0] = start
    used[start] = True
    length = 0.0
    cur = start
    for k in range(1, n):
        best = -1
        best_d = np.inf
        for j in range(n):
            if not used[j] and d[cur, j] < best_d:
                best_d = d[cur, j]
                best = j
        tour[k] = best
        used[best] = True
        length += best_d
        cur = best
    return tour, length + d[cur, start]


@nb.njit(cache=True)
def _nn_all(d):
    n = d.shape[0]
    lengths = np.empty(n)
    best_tour = np.empty(n, dtype=np.int64)
    best = np.inf
    for s in range(n):
        tour, length = _nn_from(d, s)
        lengths[s] = length
        if length < best - _EPS:
            best = length
            best_tour[:] = tour
    return best_tour, lengths


@nb.njit(cache=True)
def _two_opt(d, tour):
    n = tour.size
    improved = True
    any_move = False
    while improved:
        improved = False
        for i in range(n - 1):
            a = tour[i]
            b = tour[i + 1]
            for j in range(i + 2, n if i > 0 else n - 1):
                c = tour[j]
                e = tour[(j + 1) % n]
                delta = d[a, c] + d[b, e] - d[a, b] - d[c, e]
                if delta < -_EPS:
                    lo = i + 1
                    hi = j
                    while lo < hi:
                        tmp = tour[lo]
                        tour[lo] = tour[hi]
                        tour[hi] = tmp
                        lo += 1
                        hi -= 1
                    a = tour[i]
                    b = tour[i + 1]
                    improved = True
                    any_move = True
    return any_move


@nb.njit(cache=True)
def _or_opt(d, tour):
    n = tour.size
    any_move = False
    improved = True
    buf = np.empty(n, dtype=np.int64)
    while improved:
        improved = False
        for seg in range(1, 4):
            if seg > n - 3:
                break
            for i in range(n):
                s0 = tour[i]
                s1 = tour[(i + seg - 1) % n]
                p = tour[(i - 1) % n]
                nx = tour[(i + seg) % n]
                gain = d[p, s0] + d[s1, nx] - d[p, nx]
                best = -_EPS
                best_k = -1
                best_rev = False
                # the edges (c, e) outside the segment: positions i+seg .. i-2 (mod n)
                for off in range(seg, n - 1):
                    c = tour[(i + off) % n]
                    e = tour[(i + off + 1) % n]
                    fwd = d[c, s0] + d[s1, e] - d[c, e] - gain
                    rev = d[c, s1] + d[s0, e] - d[c, e] - gain
                    if fwd < best:
                        best = fwd
                        best_k = off
                        best_rev = False
                    if rev < best:
                        best = rev
                        best_k = off
                        best_rev = True
                if best_k >= 0:
                    # rebuild: the rest of the tour from nx up to c, then the segment, then on
                    k = 0
                    for off in range(seg, best_k + 1):
                        buf[k] = tour[(i + off) % n]
                        k += 1
                    for q in range(seg):
                        idx = (i + seg - 1 - q) % n if best_rev else (i + q) % n
                        buf[k] = tour[idx]
                        k += 1
                    for off in range(best_k + 1, n):
                        buf[k] = tour[(i + off) % n]
                        k += 1
                    tour[:] = buf
                    improved = True
                    any_move = True
    return any_move


@nb.njit(cache=True)
def _polish(d, tour):
    _two_opt(d, tour)
    while _or_opt(d, tour):
        if not _two_opt(d, tour):
            break


@nb.njit(cache=True)
def _repair(v):
    n = v.shape[0]
    order = np.argsort(-v.ravel())
    city_used = np.zeros(n, dtype=np.bool_)
    pos_used = np.zeros(n, dtype=np.bool_)
    tour = np.empty(n, dtype=np.int64)
    placed = 0
    for k in order:
        x = k // n
        i = k % n
        if not city_used[x] and not pos_used[i]:
            city_used[x] = True
            pos_used[i] = True
            tour[i] = x
            placed += 1
            if placed == n:
                break
    return tour


def _distances(problem: Any) -> np.ndarray:
    if isinstance(problem, TSPInstance):
        return np.ascontiguousarray(problem.distances, dtype=np.float64)
    return np.ascontiguousarray(TSPInstance.from_matrix(problem).distances, dtype=np.float64)


def nearest_neighbor_tour(problem: Any, start: int | None = None) -> np.ndarray:
    """The nearest-neighbour tour from city ``start``, or the best over every start (default)."""
    d = _distances(problem)
    if start is None:
        return _nn_all(d)[0]
    if isinstance(start, bool) or not isinstance(start, (int, np.integer)):
        raise TypeError(f"start: expected an int city index, got {type(start).__name__}")
    if not 0 <= start < d.shape[0]:
        raise ValueError(f"start: expected 0 <= start < {d.shape[0]}, got {start}")
    return _nn_from(d, int(start))[0]


def _local(fn, problem: Any, tour: Any) -> np.ndarray:
    d = _distances(problem)
    t = check_tour(tour, d.shape[0]).copy()
    fn(d, t)
    return t


def two_opt(problem: Any, tour: Any) -> np.ndarray:
    """``tour`` improved by 2-opt moves until none shortens it (a new array)."""
    return _local(_two_opt, problem, tour)


def or_opt(problem: Any, tour: Any) -> np.ndarray:
    """``tour`` improved by Or-opt segment moves (lengths 1-3) until none shortens it."""
    return _local(_or_opt, problem, tour)


def polish(problem: Any, tour: Any) -> np.ndarray:
    """``tour`` improved by 2-opt and Or-opt in turn until both are at a local optimum."""
    return _local(_polish, problem, tour)


def repair_tour(V: Any) -> np.ndarray:
    """A tour from any (n, n) assignment matrix ``V[city, position]``: the greedy assignment
    of the largest entries with free city and free position; ``tour[i]`` is the city at
    position i. A permutation matrix gives back exactly its own tour."""
    try:
        v = np.ascontiguousarray(np.asarray(V, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise TypeError("V: expected a numeric (n, n) matrix") from exc
    if v.ndim != 2 or v.shape[0] != v.shape[1] or v.shape[0] < 3:
        raise ValueError(f"V: expected a square (n, n) matrix with n >= 3, got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("V: expected finite values")
    return _repair(v)
