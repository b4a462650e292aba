"""Basins of attraction on a 2-D grid of initial conditions.

:func:`basins` integrates every initial condition of a grid (the plane of two state
coordinates, the others held at a base state) as ONE ensemble
(:func:`dynamics.solve_ensemble`, one batched vector-field call per stage), then labels the
attractors by clustering where the trajectories end:

* a trajectory whose tail is still (spread below ``eq_tol``) ends on a point; points closer
  than ``cluster_tol`` (relative to the size of the region) are one attractor, matched to the
  nearest fixed point of :func:`~dynamics.analysis.fixed_points.find_fixed_points`;
* a trajectory still moving joins a moving attractor (a limit cycle, a chaotic set) when its
  final state lies within ``cluster_tol`` of that attractor's recorded tail, else it starts a
  new one (``moving="recurrence"``, the default). A chaotic attractor of many dimensions is
  not covered densely by one finite tail, so there ``moving="one"`` is the honest choice:
  every trajectory that has not come to rest gets one common "moving" label.

Trajectories that failed (blew up) get label -1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dynamics.analysis.fixed_points import (
    FixedPoint,
    _check_int,
    _check_model,
    _check_positive,
    find_fixed_points,
)
from dynamics.integrate import solve_ensemble
from dynamics.models.base import Model

__all__ = ["basins", "Basins", "Attractor"]


@dataclass(frozen=True, eq=False)
class Attractor:
    """One attractor found by :func:`basins`.

    Attributes
    ----------
    label : its number in ``Basins.labels``.
    kind : "fixed point" (the trajectories come to rest) or "moving" (a limit cycle or a
        chaotic set: classify a trajectory with ``classify_attractor`` to tell which).
    state : (n,) a representative final state.
    tail : (n, n_tail) the recorded tail of a representative trajectory.
    fixed_point : the matching :class:`FixedPoint` (for a "fixed point"), else None.
    count : the number of grid points in its basin.
    """

    label: int
    kind: str
    state: np.ndarray
    tail: np.ndarray
    fixed_point: FixedPoint | None
    count: int


@dataclass(frozen=True, eq=False)
class Basins:
    """The result of :func:`basins`.

    Attributes
    ----------
    labels : (len(y), len(x)) int: the attractor reached from (x[j], y[i]); -1 for failures.
    attractors : the :class:`Attractor` list (index = label).
    x, y : the grid axes (values of state coordinates ``dims[0]`` and ``dims[1]``).
    dims : the two state coordinates spanned by the grid.
    base : (n,) the state of the other coordinates.
    final_states : (len(y), len(x), n) the state at the end of every trajectory.
    """

    labels: np.ndarray
    attractors: list[Attractor]
    x: np.ndarray
    y: np.ndarray
    dims: tuple[int, int]
    base: np.ndarray
    final_states: np.ndarray = field(repr=False)

    def fractions(self) -> np.ndarray:
        """The fraction of the grid in each attractor's basin (index = label)."""
        total = self.labels.size
        return np.array([a.count / total for a in self.attractors])


def _axis(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"grid: expected two 1-D numeric arrays ({name} axis)") from exc
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"grid: the {name} axis must be 1-D with at least 2 values")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"grid: the {name} axis has non-finite values")
    return arr


def basins(
    model: Model,
    grid: tuple[Any, Any],
    *,
    dims: tuple[int, int] = (0, 1),
    base: Any = None,
    t_end: float = 50.0,
    tail: float = 0.25,
    n_tail: int = 400,
    fixed_points: list[FixedPoint] | None = None,
    cluster_tol: float = 0.02,
    eq_tol: float = 1e-6,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    moving: str = "recurrence",
    seed: int | np.random.Generator | None = 0,
    batch_size: int | None = None,
) -> Basins:
    """Which attractor each initial condition of a 2-D grid reaches.

    Parameters
    ----------
    model: a :class:`~dynamics.models.base.Model` with at least two states.
    grid: ``(x, y)``, the 1-D values of state coordinates ``dims[0]`` and ``dims[1]``.
    dims: the two coordinates the grid spans (a 2-D slice of a larger state space).
    base: (n,) the other coordinates' values (default 0).
    t_end: how long each trajectory runs (it stops earlier at an equilibrium).
    tail: the last fraction of [0, t_end] recorded (``n_tail`` evenly spaced times).
    fixed_points: fixed points to match point attractors to; default: computed with
        :func:`~dynamics.analysis.fixed_points.find_fixed_points` (``seed``) when there are
        point attractors.
    cluster_tol: clustering distance, relative to the region's size (the larger of the
        grid's extent and the spread of the final states).
    eq_tol: a trajectory has come to rest when its recorded tail moves less than this, and
        ``solve_ensemble`` stops it when max |dx/dt| < eq_tol.
    moving: "recurrence" (cluster the moving trajectories by returns to a representative's
        tail) or "one" (one label for all of them).
    rtol, atol, batch_size: passed to :func:`dynamics.solve_ensemble`.
    """
    model = _check_model(model)
    n = model.n_states
    if n < 2:
        raise ValueError(f"model: expected at least 2 states for a 2-D grid, got {n}")
    if not isinstance(grid, (tuple, list)) or len(grid) != 2:
        raise TypeError("grid: expected a pair (x values, y values) of 1-D arrays")
    xs, ys = _axis(grid[0], "x"), _axis(grid[1], "y")
    if (
        not isinstance(dims, (tuple, list))
        or len(dims) != 2
        or not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in dims)
    ):
        raise TypeError(f"dims: expected a pair of ints, got {dims!r}")
    d0, d1 = int(dims[0]), int(dims[1])
    if not (0 <= d0 < n and 0 <= d1 < n and d0 != d1):
        raise ValueError(f"dims: expected two different state indices in [0, {n}), got {dims}")
    if base is None:
        base_arr = np.zeros(n)
    else:
        base_arr = np.asarray(base, dtype=np.float64)
        if base_arr.shape != (n,) or not np.all(np.isfinite(base_arr)):
            raise ValueError(f"base: expected a finite state of shape ({n},)")
    t_end = _check_positive(t_end, "t_end")
    tail = _check_positive(tail, "tail")
    if tail > 1.0:
        raise ValueError(f"tail: expected a fraction in (0, 1], got {tail}")
    n_tail = _check_int(n_tail, "n_tail", 2)
    cluster_tol = _check_positive(cluster_tol, "cluster_tol")
    eq_tol = _check_positive(eq_tol, "eq_tol")
    if moving not in ("recurrence", "one"):
        raise ValueError(f"moving: expected 'recurrence' or 'one', got {moving!r}")

    gx, gy = np.meshgrid(xs, ys)  # (ny, nx)
    Y0 = np.tile(base_arr, (gx.size, 1))
    Y0[:, d0] = gx.ravel()
    Y0[:, d1] = gy.ravel()
    t_eval = np.linspace((1.0 - tail) * t_end, t_end, n_tail)
    ens = solve_ensemble(model, (0.0, t_end), Y0, t_eval=t_eval, rtol=rtol, atol=atol,
                         stop_at_equilibrium=True, eq_tol=eq_tol, batch_size=batch_size)
    tails = ens.y  # (m, n, n_tail)
    m = tails.shape[0]
    ok = ens.success & np.all(np.isfinite(tails), axis=(1, 2))
    final = tails[:, :, -1]
    spread = np.where(ok, np.max(tails.max(axis=2) - tails.min(axis=2), axis=1), np.inf)
    at_rest = ok & (spread <= 10 * eq_tol * (1.0 + np.max(np.abs(final), axis=1)))
    ext = max(float(np.ptp(xs)), float(np.ptp(ys)))
    if np.any(ok):
        ext = max(ext, float(np.max(np.ptp(final[ok], axis=0))))
    tol = cluster_tol * ext

    labels = np.full(m, -1, dtype=np.int64)
    reps: list[int] = []
    kinds: list[str] = []
    for k in range(m):
        if not ok[k]:
            continue
        found = -1
        for a, r in enumerate(reps):
            if at_rest[k] != (kinds[a] == "fixed point"):
                continue
            if at_rest[k]:
                close = np.max(np.abs(final[k] - final[r])) <= tol
            elif moving == "one":
                close = True
            else:
                close = np.min(np.sqrt(np.sum((tails[r] - final[k][:, None]) ** 2, axis=0))) <= tol
            if close:
                found = a
                break
        if found < 0:
            reps.append(k)
            kinds.append("fixed point" if at_rest[k] else "moving")
            found = len(reps) - 1
        labels[k] = found

    if fixed_points is None and "fixed point" in kinds:
        fixed_points = find_fixed_points(
            model, seed=seed, starts=np.array([final[r] for r, kd in zip(reps, kinds, strict=True)
                                               if kd == "fixed point"])
        )
    attractors = []
    for a, r in enumerate(reps):
        match = None
        if kinds[a] == "fixed point" and fixed_points:
            dist = [float(np.max(np.abs(fp.x - final[r]))) for fp in fixed_points]
            best = int(np.argmin(dist))
            if dist[best] <= max(tol, math.sqrt(eq_tol)):
                match = fixed_points[best]
        attractors.append(
            Attractor(label=a, kind=kinds[a], state=final[r].copy(), tail=tails[r].copy(),
                      fixed_point=match, count=int(np.sum(labels == a)))
        )
    shape = gx.shape
    return Basins(
        labels=labels.reshape(shape),
        attractors=attractors,
        x=xs,
        y=ys,
        dims=(d0, d1),
        base=base_arr,
        final_states=final.reshape(shape + (n,)),
    )
