"""Results of the associative-memory experiments: capacity curves and basins of attraction.

Reference loads drawn with a Hebbian capacity curve: alpha_c = 0.138 (Amit, Gutfreund &
Sompolinsky 1985) and the error-free load 1 / (2 ln N) (McEliece et al. 1987).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from dynamics.memory.capacity import AGS_ALPHA_C, CapacityCurve, mceliece_load
from dynamics.plot._common import colors, finish, get_ax, legend

__all__ = ["capacity", "basins"]


def _fraction_errors(mean: np.ndarray, err: np.ndarray) -> np.ndarray:
    """Error bars of a fraction, cut at 0 and 1: (2, n) lower and upper lengths."""
    return np.vstack([np.minimum(err, mean), np.minimum(err, 1.0 - mean)])


def capacity(
    curve: CapacityCurve | Sequence[CapacityCurve],
    ax: Axes | None = None,
    *,
    labels: Sequence[str] | None = None,
    color: Any = None,
    references: bool = True,
    xlabel: str = r"load $\alpha = P / N$",
    ylabel: str | None = None,
    title: str | None = None,
) -> Axes:
    """Fraction of patterns retrieved against the load, with error bars over seeds.

    Parameters
    ----------
    curve:
        A :class:`~dynamics.CapacityCurve` (``dyn.capacity_curve``) or a list of them (e.g.
        one per size N), one line each. The error bars are the standard error of the mean
        over seeds, cut at 0 and 1 (a fraction cannot leave [0, 1]).
    labels:
        One legend label per curve (default: rule, N and the measured alpha_c).
    color:
        A colour for a single curve (default: distinct colours).
    references:
        Draw the crossing level 1/2, each curve's McEliece load 1/(2 ln N) (dotted, in the
        curve's colour) and, with a Hebbian curve, alpha_c = 0.138 (dashed).

    Returns
    -------
    The Axes; ``ax.lines[k]`` holds curve k's mean (x: loads, y: ``curve.mean``).
    """
    curves = [curve] if isinstance(curve, CapacityCurve) else list(curve)
    if not curves or not all(isinstance(c, CapacityCurve) for c in curves):
        raise TypeError(
            "curve: expected a CapacityCurve (dyn.capacity_curve) or a list of them"
        )
    if labels is None:
        names = []
        for c in curves:
            ac = c.alpha_c
            tail = rf"$\alpha_c$ = {ac:.3f}" if np.isfinite(ac) else "no 1/2 crossing"
            names.append(f"{c.rule}, N = {c.n_neurons} ({tail})")
    else:
        names = [str(s) for s in labels]
        if len(names) != len(curves):
            raise ValueError(f"labels: expected {len(curves)} labels, got {len(names)}")
    palette = colors(len(curves)) if color is None or len(curves) > 1 else [color]
    ax = get_ax(ax)
    bars = []
    for c, name, col in zip(curves, names, palette, strict=True):
        mean = c.mean
        bars.append(ax.errorbar(c.loads, mean, yerr=_fraction_errors(mean, c.sem), color=col,
                                marker="o", ms=3.5, lw=1.4, capsize=2, label=name))
    if references:
        ax.axhline(0.5, color="0.5", lw=0.7, zorder=0)
        for c, col in zip(curves, palette, strict=True):
            ax.axvline(mceliece_load(c.n_neurons), color=col, ls=":", lw=1.1)
        ax.plot([], [], color="0.3", ls=":", lw=1.1, label="1/(2 ln N) (McEliece 1987)")
        if any(c.rule == "hebbian" for c in curves):
            ax.axvline(AGS_ALPHA_C, color="k", ls="--", lw=1.0,
                       label=rf"$\alpha_c$ = {AGS_ALPHA_C} (AGS 1985)")
    ax.set_ylim(-0.03, 1.03)
    if ylabel is None:
        c0 = curves[0]
        ylabel = (f"fraction retrieved\n(m ≥ {c0.criterion:g}, "
                  f"{100 * c0.flip_fraction:.0f} % flipped)")
    finish(ax, xlabel, ylabel, title)
    legend(ax)
    return ax


def basins(
    initial_overlaps: Any,
    final_overlaps: Any,
    ax: Axes | None = None,
    *,
    label: str | None = None,
    color: Any = None,
    quantiles: tuple[float, float] = (0.25, 0.75),
    diagonal: bool = True,
    xlabel: str = r"initial overlap $m_0$",
    ylabel: str = "final overlap m",
    title: str | None = None,
) -> Axes:
    """Final against initial overlap (``dyn.basin_curve``): the median and a quantile band.

    Parameters
    ----------
    initial_overlaps:
        (k,) initial overlaps m0.
    final_overlaps:
        (k, n_trials) final overlaps of the trials at each m0.
    label, color:
        Legend label and colour of this curve (call once per load into the same ``ax``).
    quantiles:
        The band spans these quantiles of the trials (default the quartiles): unlike a mean
        +- standard deviation it never leaves [-1, 1].
    diagonal:
        Draw m = m0 (no change) for reference.

    Returns
    -------
    The Axes; its last line is this curve's median (x: m0, y: median final overlap).
    """
    m0 = np.asarray(initial_overlaps, dtype=float)
    final = np.asarray(final_overlaps, dtype=float)
    if m0.ndim != 1 or m0.size == 0:
        raise ValueError(f"initial_overlaps: expected a non-empty 1-D array, got {m0.shape}")
    if final.ndim == 1:
        final = final[:, None]
    if final.ndim != 2 or final.shape[0] != m0.size:
        raise ValueError(
            f"final_overlaps: expected shape ({m0.size}, n_trials), got {np.shape(final_overlaps)}"
        )
    q = np.asarray(quantiles, dtype=float)
    if q.shape != (2,) or not (0.0 <= q[0] < q[1] <= 1.0):
        raise ValueError(
            f"quantiles: expected (low, high) with 0 <= low < high <= 1, got {quantiles}"
        )
    ax = get_ax(ax)
    if diagonal and not getattr(ax, "_dynamics_basin_diagonal", False):
        ax.plot([-1, 1], [-1, 1], color="0.6", lw=0.8, ls="--", zorder=0,
                label="no change, m = $m_0$")
        ax._dynamics_basin_diagonal = True
    lo, hi = np.quantile(final, q, axis=1)
    median = np.median(final, axis=1)
    color = color if color is not None else colors(len(ax.collections) + 1)[-1]
    ax.fill_between(m0, lo, hi, color=color, alpha=0.22, lw=0)
    ax.plot(m0, median, color=color, marker="o", ms=3.5, lw=1.4, label=label)
    lo_x = min(0.0, float(m0.min()))
    # the lowest value drawn so far on these axes, over every call
    low = min(getattr(ax, "_dynamics_basin_low", lo_x), float(np.nanmin(lo)),
              float(np.nanmin(median)))
    ax._dynamics_basin_low = low
    ax.set_xlim(lo_x - 0.03, 1.03)
    ax.set_ylim(max(low - 0.05, -1.05), 1.05)
    finish(ax, xlabel, ylabel, title)
    legend(ax)
    return ax
