"""Phase portraits of continuous models: vector field, nullclines, fixed points, energy.

For dx/dt = f(t, x) in two chosen coordinates (x_i, x_j) -- the whole state of a two-state
model, or a 2-D slice of a larger one through a base state -- the portrait shows

* the vector field (f_i, f_j) as a streamplot, evaluated for the whole grid in one call of
  the model's batched kernel (``rhs_batch``; else one compiled loop over ``rhs``);
* the nullclines f_i = 0 and f_j = 0 (zero contours on a finer grid);
* the fixed points from :func:`dynamics.analysis.find_fixed_points`, marked by their linear
  stability (Strogatz 2015, ch. 5-6): filled = stable, open = unstable, a cross = a saddle;
* the energy (Lyapunov function) as filled contours where the model has one;
* trajectories (Solutions) drawn on top.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numba as nb
import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from numba import types

from dynamics.analysis import find_fixed_points
from dynamics.integrate.solution import EnsembleSolution, Solution
from dynamics.models.base import ENERGY_SIGNATURE, RHS_SIGNATURE, Model, kernel_handle
from dynamics.plot._common import SMALL, finish, get_ax, legend

__all__ = ["phase_plane", "vector_field", "energy_field"]

_vec = types.float64[::1]
_mat = types.float64[:, ::1]


@nb.njit(types.void(types.FunctionType(RHS_SIGNATURE), types.float64, _mat, _vec, _mat),
         cache=True)
def _rhs_rows(rhs, t, X, p, out):
    """out[k] = f(t, X[k]) for every row: one compiled pass over the grid."""
    for k in range(X.shape[0]):
        rhs(t, X[k], p, out[k])


@nb.njit(types.void(types.FunctionType(ENERGY_SIGNATURE), _mat, _vec, _vec), cache=True)
def _energy_rows(energy, X, p, out):
    """out[k] = E(X[k]) for every row."""
    for k in range(X.shape[0]):
        out[k] = energy(X[k], p)


def vector_field(model: Model, states: np.ndarray, t: float = 0.0) -> np.ndarray:
    """f(t, x) for every row of ``states`` (m, n): the batched kernel, else a compiled loop."""
    X = np.ascontiguousarray(states, dtype=np.float64)
    out = np.empty_like(X)
    if model.rhs_batch_kernel is not None:
        model.rhs_batch_kernel(np.full(X.shape[0], float(t)), X, model.kernel_params(), out)
    else:
        rhs = kernel_handle(model.rhs_kernel, RHS_SIGNATURE)
        _rhs_rows(rhs, float(t), X, model.kernel_params(), out)
    return out


def energy_field(model: Model, states: np.ndarray) -> np.ndarray:
    """E(x) for every row of ``states`` (m, n), in one compiled loop."""
    X = np.ascontiguousarray(states, dtype=np.float64)
    out = np.empty(X.shape[0])
    energy = kernel_handle(model.energy_kernel, ENERGY_SIGNATURE)
    _energy_rows(energy, X, model.kernel_params(), out)
    return out


def _limits(lim: Any, argument: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in lim)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{argument}: expected a pair (low, high) of numbers, got {lim!r}") from exc
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise ValueError(f"{argument}: expected finite low < high, got ({lo}, {hi})")
    return lo, hi


def _plane(base: np.ndarray, i: int, j: int, xs: np.ndarray, ys: np.ndarray):
    """States (len(ys) * len(xs), n) of the grid in the plane, rows y-major (meshgrid order)."""
    gx, gy = np.meshgrid(xs, ys)
    X = np.repeat(base[None, :], gx.size, axis=0)
    X[:, i] = gx.ravel()
    X[:, j] = gy.ravel()
    return gx, gy, X


def _marker(point) -> dict:
    """Marker style of a fixed point: filled = stable, open = unstable, X = saddle."""
    if point.stable:
        return {"marker": "o", "mfc": "black", "mec": "black", "ms": 9}
    if point.label.startswith("saddle"):
        return {"marker": "X", "mfc": "white", "mec": "black", "ms": 10, "mew": 1.2}
    if point.label == "non-hyperbolic":
        return {"marker": "D", "mfc": "white", "mec": "tab:purple", "ms": 8, "mew": 1.5}
    return {"marker": "o", "mfc": "white", "mec": "black", "ms": 9, "mew": 1.5}


def phase_plane(
    model: Model,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    ax: Axes | None = None,
    *,
    indices: tuple[int, int] = (0, 1),
    base: Any = None,
    t: float = 0.0,
    grid: int = 41,
    nullcline_grid: int = 201,
    nullclines: bool = True,
    fixed_points: bool = True,
    energy: bool | None = None,
    trajectories: Sequence[Solution | EnsembleSolution] | Solution | EnsembleSolution | None
    = None,
    n_starts: int = 64,
    seed: int | np.random.Generator | None = 0,
    density: float = 1.2,
    labels: tuple[str, str] | None = None,
    title: str | None = None,
) -> Axes:
    """Phase portrait of ``model`` in the plane of two state coordinates.

    Parameters
    ----------
    model:
        A continuous model (``dyn.Model``).
    xlim, ylim:
        The ranges of the two coordinates drawn.
    indices:
        The two state indices (i, j) drawn on the x and y axes.
    base:
        For a model of more than two states, the state (n,) whose other coordinates are
        held fixed (default zero): the field drawn is (f_i, f_j) on that plane.
    t:
        Time at which the field is evaluated (for non-autonomous models).
    grid, nullcline_grid:
        Grid points per axis of the streamplot and of the nullcline / energy contours.
    nullclines, fixed_points:
        Whether to draw the zero contours of f_i and f_j, and the fixed points of
        :func:`dynamics.analysis.find_fixed_points` (started from a coarse grid of the plane
        plus ``n_starts`` random states; for a slice, the model's fixed points projected onto
        the plane).
    energy:
        Filled energy contours with a colour bar (default: where ``model.has_energy``).
    trajectories:
        Solutions (or ensembles) drawn on top in the chosen coordinates, start marked.
    labels:
        Axis labels (default ``x_i`` and ``x_j``).

    Returns
    -------
    The Axes. ``ax.fixed_points`` holds the fixed points drawn (the ``FixedPoint`` list).
    """
    if not isinstance(model, Model):
        raise TypeError(f"model: expected a dynamics Model, got {type(model).__name__}")
    x0, x1 = _limits(xlim, "xlim")
    y0, y1 = _limits(ylim, "ylim")
    n = model.n_states
    if n < 2:
        raise ValueError(f"model: expected at least two states for a phase plane, got {n}")
    try:
        i, j = (int(v) for v in indices)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"indices: expected two int state indices, got {indices!r}") from exc
    if not (0 <= i < n and 0 <= j < n and i != j):
        raise ValueError(f"indices: expected two different indices below {n}, got {indices!r}")
    if base is None:
        if n > 2:
            raise ValueError(
                f"base: a model of {n} states needs the base state of the slice (shape ({n},))"
            )
        base_state = np.zeros(n)
    else:
        base_state = np.asarray(base, dtype=np.float64)
        if base_state.shape != (n,) or not np.all(np.isfinite(base_state)):
            raise ValueError(f"base: expected a finite state of shape ({n},), got "
                             f"{np.shape(base)}")
    for value, name, low in ((grid, "grid", 5), (nullcline_grid, "nullcline_grid", 5)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name}: expected an int >= {low}, got {value!r}")
    use_energy = model.has_energy if energy is None else bool(energy)
    if use_energy and not model.has_energy:
        raise ValueError("energy: the model has no energy function")
    runs = _trajectory_list(trajectories)

    ax = get_ax(ax, figsize=(5.2, 4.4))
    fine_x, fine_y = np.linspace(x0, x1, nullcline_grid), np.linspace(y0, y1, nullcline_grid)
    fx, fy, F_states = _plane(base_state, i, j, fine_x, fine_y)
    if use_energy:
        e = energy_field(model, F_states).reshape(fx.shape)
        filled = ax.contourf(fx, fy, e, levels=24, cmap="viridis", zorder=0)
        bar = ax.figure.colorbar(filled, ax=ax, pad=0.02)
        bar.set_label("energy E", fontsize=SMALL)
        bar.ax.tick_params(labelsize=SMALL)
    stream_color = "white" if use_energy else "0.35"
    gx, gy, G_states = _plane(base_state, i, j, np.linspace(x0, x1, grid),
                              np.linspace(y0, y1, grid))
    f = vector_field(model, G_states, t)
    u, v = f[:, i].reshape(gx.shape), f[:, j].reshape(gx.shape)
    speed = np.hypot(u, v)
    top = float(np.nanmax(speed)) if np.any(np.isfinite(speed)) else 1.0
    ax.streamplot(gx, gy, u, v, color=stream_color, density=density, arrowsize=0.9,
                  linewidth=0.5 + 1.3 * speed / (top if top > 0 else 1.0), zorder=1)
    handles: list = []
    if nullclines:
        ff = vector_field(model, F_states, t)
        for k, (comp, col) in enumerate(((i, "tab:orange"), (j, "tab:red"))):
            ax.contour(fx, fy, ff[:, comp].reshape(fx.shape), levels=[0.0], colors=[col],
                       linewidths=2.0, zorder=2)
            handles.append(Line2D([], [], color=col, lw=2, label=_nullcline_label(
                labels[k] if labels else f"x_{{{comp}}}")))
    for run in runs:
        ax.plot(run[i], run[j], color="black", lw=1.2, zorder=3)
        ax.plot(run[i, 0], run[j, 0], "o", ms=4, mfc="white", mec="black", zorder=3)
    if runs:
        handles.append(Line2D([], [], color="black", lw=1.2, marker="o", ms=4, mfc="white",
                              label="trajectories (o: start)"))
    points = []
    if fixed_points:
        points = _fixed_points(model, base_state, i, j, (x0, x1), (y0, y1), t, n_starts, seed)
        seen: dict[str, dict] = {}
        for p in points:
            style = _marker(p)
            ax.plot(p.x[i], p.x[j], ls="none", zorder=6, **style)
            seen.setdefault(p.label, style)
        suffix = " (projected)" if n > 2 else ""
        for label, style in seen.items():
            handles.append(Line2D([], [], ls="none", label=label + suffix, **style))
    ax.fixed_points = points
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    xl, yl = labels if labels else (f"$x_{{{i}}}$", f"$x_{{{j}}}$")
    finish(ax, xl, yl, title)
    ax.grid(False)
    if handles:
        # below the axes: inside, any corner would cover part of the portrait
        legend(ax, handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.13),
               ncol=2 if len(handles) > 3 else len(handles), frameon=False)
    return ax


def _nullcline_label(name: str) -> str:
    """"nullcline dx/dt = 0" in mathtext for a coordinate name such as ``$u_1$``."""
    head, _, tail = name.strip("$").partition("_")
    return rf"nullcline $\dot{{{head}}}{'_' + tail if tail else ''} = 0$"


def _trajectory_list(trajectories: Any) -> list[np.ndarray]:
    if trajectories is None:
        return []
    items = [trajectories] if isinstance(trajectories, (Solution, EnsembleSolution)) else (
        list(trajectories))
    runs = []
    for item in items:
        if isinstance(item, Solution):
            runs.append(np.asarray(item.y))
        elif isinstance(item, EnsembleSolution):
            runs.extend(np.asarray(item.y))
        else:
            raise TypeError(
                "trajectories: expected Solutions or EnsembleSolutions, got "
                f"{type(item).__name__}"
            )
    return runs


def _fixed_points(model, base, i, j, xr, yr, t, n_starts, seed) -> list:
    """Fixed points of the model started from a 9 x 9 grid of the plane and random states."""
    _, _, starts = _plane(base, i, j, np.linspace(*xr, 9), np.linspace(*yr, 9))
    bounds = None
    if model.n_states == 2:
        lo, hi = np.empty(2), np.empty(2)
        lo[i], hi[i] = xr
        lo[j], hi[j] = yr
        bounds = (lo, hi)
    found = find_fixed_points(model, n_starts=n_starts, seed=seed, bounds=bounds,
                              starts=starts, t=t)
    return [p for p in found
            if xr[0] <= p.x[i] <= xr[1] and yr[0] <= p.x[j] <= yr[1]]

