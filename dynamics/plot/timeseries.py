"""Quantities against time: energy, states and pattern overlaps of solutions.

Energy: the Lyapunov function of the model along the trajectory (for the graded Hopfield
network E(V) = -1/2 V^T W V - I^T V + sum_i integral_0^{V_i} g^-1, Hopfield 1984, eq. 7),
which never increases for symmetric weights; a rise larger than ``tol * (1 + |E|)`` between
two saved times is the solver's ``energy_increases`` test and is marked on the curve.

Overlap: m_mu(t) = (1/N) xi^mu . h(x(t)) with h the model's output (``V = g(u)`` for a
Hopfield network), optionally followed by the sign, as in Amit, Gutfreund & Sompolinsky (1985).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from dynamics.integrate.solution import EnsembleSolution, Solution
from dynamics.plot._common import (
    colors,
    finish,
    get_ax,
    integer_ticks,
    labels_for,
    legend,
    line_colors,
)

__all__ = ["energy", "trajectories", "overlap"]

#: The solver's default ``energy_tol`` (``dynamics.solve``).
DEFAULT_ENERGY_TOL = 1e-9
#: Above this many flagged rises only the first of each line is marked.
MAX_MARKS = 40

# Discrete-time results (binary Hopfield, dense memories, BAM, modern Hopfield) carry an
# energy per sweep / pass / step: (class name, x-axis label).
_DISCRETE = {
    "RecallResult": "sweep",
    "DenseRecallResult": "sweep",
    "BAMResult": "pass",
    "ModernRecallResult": "update step",
}


def _energy_series(result: Any) -> tuple[list[np.ndarray], list[np.ndarray], str | None]:
    """Per trajectory / probe: the times and the energies to draw, and the x label of a
    discrete-time result (None for a continuous one)."""
    if isinstance(result, (Solution, EnsembleSolution)):
        if result.energy is None:
            raise ValueError(
                "sol_or_ensemble: the solution carries no energy (its model has none)"
            )
        e = np.atleast_2d(np.asarray(result.energy, dtype=float))
        return [result.t] * e.shape[0], list(e), None
    kind = type(result).__name__
    if kind in _DISCRETE and getattr(result, "energy", None) is not None:
        e = np.atleast_2d(np.asarray(result.energy, dtype=float))
        times, values = [], []
        for row in e:
            keep = np.flatnonzero(np.isfinite(row))
            stop = keep[-1] + 1 if keep.size else 0
            times.append(np.arange(stop, dtype=float))
            values.append(row[:stop])
        return times, values, _DISCRETE[kind]
    raise TypeError(
        "sol_or_ensemble: expected a dynamics Solution or EnsembleSolution (or a memory "
        f"recall result with an energy per sweep), got {type(result).__name__}"
    )


def energy(
    sol_or_ensemble: Any,
    ax: Axes | None = None,
    *,
    labels: Sequence[str] | None = None,
    color: Any = None,
    tol: float = DEFAULT_ENERGY_TOL,
    mark_increases: bool = True,
    xlabel: str | None = None,
    ylabel: str = "energy E",
    title: str | None = None,
    **line_kw: Any,
) -> Axes:
    """Energy against time, one line per trajectory; flagged energy increases marked.

    Parameters
    ----------
    sol_or_ensemble:
        A :class:`~dynamics.Solution`, an :class:`~dynamics.EnsembleSolution` (one line per
        trajectory) or a discrete recall result (``HopfieldNetwork.recall``, ``BAM.recall``,
        dense and modern memories: one line per probe against the sweep, with integer ticks).
    ax:
        Axes to draw into (a new figure when None).
    labels:
        One legend label per line (no legend when None).
    color:
        One colour for every line, or a sequence of one colour per line (default: distinct
        colours).
    tol:
        A rise ``E[k+1] - E[k] > tol * (1 + |E[k]|)`` is marked with a red triangle at k + 1
        (the solver's ``energy_tol`` test, default 1e-9). When more than 40 points rise, only
        the first rise of each line is marked.
    mark_increases:
        Whether to mark the rises.
    xlabel, ylabel, title:
        Axis labels (the x label defaults to "time t" or to "sweep" / "pass").
    line_kw:
        Passed to ``Axes.plot`` for every line.

    Returns
    -------
    The Axes drawn into. Its first lines are the energies, in the order of the trajectories.
    """
    tol = float(tol)
    if not np.isfinite(tol) or tol < 0:
        raise ValueError(f"tol: expected a finite number >= 0, got {tol}")
    times, values, discrete = _energy_series(sol_or_ensemble)
    names = labels_for(labels, len(values))
    ax = get_ax(ax)
    palette = line_colors(color, len(values))
    style = {"lw": 1.4, **({"marker": "o", "ms": 3} if discrete else {}), **line_kw}
    rise_t, rise_e = [], []
    for t, e, name, c in zip(times, values, names, palette, strict=True):
        ax.plot(t, e, color=c, label=name, **style)
        if mark_increases and e.size > 1:
            with np.errstate(invalid="ignore"):
                up = np.diff(e) > tol * (1.0 + np.abs(e[:-1]))
            rise_t.append(t[1:][up])
            rise_e.append(e[1:][up])
    n_rises = int(sum(r.size for r in rise_t))
    if n_rises > MAX_MARKS:  # too many to read: the first rise of each line only
        n_lines = sum(r.size > 0 for r in rise_t)
        rise_t, rise_e = [r[:1] for r in rise_t], [r[:1] for r in rise_e]
        text = f"first energy rise > {tol:g}(1 + |E|) ({n_lines} of {len(values)} lines)"
    else:
        text = f"energy rise > {tol:g}(1 + |E|) ({n_rises} points)"
    if n_rises:
        ax.plot(np.concatenate(rise_t), np.concatenate(rise_e), "^", color="red", ms=6,
                mec="darkred", ls="none", zorder=5, label=text)
    if discrete:
        integer_ticks(ax.xaxis)
    finish(ax, xlabel or (discrete or "time t"), ylabel, title)
    legend(ax)
    return ax


def _solution_states(sol: Any, trajectory: int | None) -> np.ndarray:
    """The (n_states, n_times) states of a Solution, or of one trajectory of an ensemble."""
    if isinstance(sol, Solution):
        if trajectory is not None:
            raise ValueError("trajectory: only for an EnsembleSolution; got a Solution")
        return np.asarray(sol.y, dtype=float)
    if isinstance(sol, EnsembleSolution):
        if trajectory is None:
            raise ValueError("trajectory: an EnsembleSolution needs the index of one trajectory")
        if isinstance(trajectory, bool) or not isinstance(trajectory, (int, np.integer)):
            raise TypeError(f"trajectory: expected an int, got {type(trajectory).__name__}")
        if not -len(sol) <= trajectory < len(sol):
            raise ValueError(f"trajectory: expected an index below {len(sol)}, got {trajectory}")
        return np.asarray(sol.y[trajectory], dtype=float)
    raise TypeError(
        f"sol: expected a dynamics Solution or EnsembleSolution, got {type(sol).__name__}"
    )


def _apply(transform: Callable | None, y: np.ndarray, argument: str) -> np.ndarray:
    if transform is None:
        return y
    if not callable(transform):
        raise TypeError(f"{argument}: expected a function of the states, got "
                        f"{type(transform).__name__}")
    out = np.asarray(transform(y), dtype=float)
    if out.shape != y.shape:
        raise ValueError(f"{argument}: expected it to keep the shape {y.shape}, got {out.shape}")
    return out


def trajectories(
    sol: Any,
    states: Sequence[int] | None = None,
    ax: Axes | None = None,
    *,
    trajectory: int | None = None,
    transform: Callable | None = None,
    labels: Sequence[str] | None = None,
    xlabel: str = "time t",
    ylabel: str = "state",
    title: str | None = None,
    **line_kw: Any,
) -> Axes:
    """States x_i(t) against time, one line per state index.

    Parameters
    ----------
    sol:
        A :class:`~dynamics.Solution` (or an :class:`~dynamics.EnsembleSolution` with
        ``trajectory`` the index of the one to draw).
    states:
        Indices of the states to draw (default: all).
    transform:
        A function applied to the (n_states, n_times) states first, e.g. ``model.output``
        to draw V = g(u).
    labels:
        One legend label per drawn state (default ``x_i``; a legend when 10 or fewer).

    Returns
    -------
    The Axes; its lines are the drawn states in the order of ``states``.
    """
    y = _apply(transform, _solution_states(sol, trajectory), "transform")
    n = y.shape[0]
    if states is None:
        idx = np.arange(n)
    else:
        idx = np.asarray(states)
        if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
            raise TypeError("states: expected a non-empty sequence of int state indices")
        if np.any(idx < -n) or np.any(idx >= n):
            raise ValueError(f"states: expected indices below n_states = {n}, got {idx.tolist()}")
    names = labels_for(labels, idx.size) if labels is not None else [
        f"$x_{{{int(i)}}}$" for i in idx]
    ax = get_ax(ax)
    for i, name, c in zip(idx, names, colors(idx.size), strict=True):
        ax.plot(sol.t, y[i], color=c, label=name if idx.size <= 10 else None,
                **{"lw": 1.3, **line_kw})
    finish(ax, xlabel, ylabel, title)
    legend(ax)
    return ax


def overlap_values(y: np.ndarray, patterns: np.ndarray, sign: bool) -> np.ndarray:
    """m[mu, t] = (1/N) xi^mu . h(t) for states h (..., N, n_times): shape (..., P, n_times)."""
    h = np.sign(y) if sign else y
    return np.einsum("pn,...nt->...pt", patterns, h) / patterns.shape[1]


def overlap(
    sol: Any,
    patterns: Any,
    ax: Axes | None = None,
    *,
    output: Callable | None = None,
    sign: bool = False,
    neurons: Any = None,
    labels: Sequence[str] | None = None,
    color: Any = None,
    color_by: str = "pattern",
    xlabel: str = "time t",
    ylabel: str | None = None,
    title: str | None = None,
    **line_kw: Any,
) -> Axes:
    """Pattern overlaps m_mu(t) = (1/N) xi^mu . h(x(t)) against time.

    Parameters
    ----------
    sol:
        A :class:`~dynamics.Solution`: one line per pattern. An
        :class:`~dynamics.EnsembleSolution`: one line per trajectory, its overlap with the
        pattern it ends closest to (largest final |m|), coloured by that pattern.
    patterns:
        (P, N) stored patterns (or one pattern (N,)), N the number of neurons drawn.
    output:
        h = output(x) applied to the (..., n_states, n_times) states first, e.g.
        ``model.output`` (V = g(u)); default the state itself.
    sign:
        Take the sign of h before the overlap (m = xi . sign(V) / N, the binary read-out).
    neurons:
        Index or slice of the states the patterns span (e.g. ``slice(0, n_a)`` for the first
        layer of a BAM); default all.
    labels:
        Legend labels of the patterns (default ``xi^1 ... xi^P``).
    color:
        One colour, or one colour per pattern (per trajectory with ``color_by="trajectory"``);
        default distinct colours.
    color_by:
        For an ensemble: ``"pattern"`` colours each line by the pattern reached (one legend
        entry per pattern), ``"trajectory"`` gives each trajectory its own colour and
        ``labels`` then names the trajectories.

    Returns
    -------
    The Axes; its first lines are the overlaps (pattern order, or trajectory order).
    ``ax.reached`` holds, for an ensemble, the index of the pattern each trajectory reached.
    """
    xi = np.asarray(patterns, dtype=float)
    if xi.ndim == 1:
        xi = xi[None, :]
    if xi.ndim != 2 or xi.size == 0:
        raise ValueError(f"patterns: expected shape (P, N), got {np.shape(patterns)}")
    if isinstance(sol, Solution):
        y = np.asarray(sol.y, dtype=float)
    elif isinstance(sol, EnsembleSolution):
        y = np.asarray(sol.y, dtype=float)
    else:
        raise TypeError(
            f"sol: expected a dynamics Solution or EnsembleSolution, got {type(sol).__name__}"
        )
    y = _apply(output, y, "output")
    if neurons is not None:
        y = y[..., neurons, :] if y.ndim == 3 else y[neurons]
    if y.shape[-2] != xi.shape[1]:
        raise ValueError(
            f"patterns: expected {y.shape[-2]} values per pattern (the neurons drawn), "
            f"got {xi.shape[1]}"
        )
    m = overlap_values(y, xi, sign)
    if color_by not in ("pattern", "trajectory"):
        raise ValueError(f"color_by: expected 'pattern' or 'trajectory', got {color_by!r}")
    per_run = m.ndim == 3 and color_by == "trajectory"
    n_lines = m.shape[0] if per_run else xi.shape[0]
    names = labels_for(labels, n_lines) if labels is not None or per_run else [
        rf"$\xi^{{{k + 1}}}$" for k in range(n_lines)]
    palette = line_colors(color, n_lines)
    ax = get_ax(ax)
    style = {"lw": 1.4, **line_kw}
    if m.ndim == 2:
        for k in range(xi.shape[0]):
            ax.plot(sol.t, m[k], color=palette[k], label=names[k], **style)
    elif per_run:
        reached = np.argmax(np.abs(m[:, :, -1]), axis=1)
        for j, mu in enumerate(reached):
            ax.plot(sol.t, m[j, mu], color=palette[j], label=names[j], **style)
    else:
        reached = np.argmax(np.abs(m[:, :, -1]), axis=1)
        shown: set[int] = set()
        for j, mu in enumerate(reached):
            first = int(mu) not in shown
            shown.add(int(mu))
            ax.plot(sol.t, m[j, mu], color=palette[mu],
                    label=f"ends at {names[mu]}" if first else None, **style)
    ax.reached = reached if m.ndim == 3 else None
    ax.set_ylim(-1.05, 1.05)
    if ylabel is None:
        h = "x" if output is None else "h(x)"
        h = rf"\mathrm{{sign}}({h})" if sign else h
        ylabel = rf"overlap $m_\mu = \xi^\mu \cdot {h} / N$"
    finish(ax, xlabel, ylabel, title)
    legend(ax)
    return ax
