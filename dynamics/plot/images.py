"""Recall snapshots as images: one panel per state, a shared grey scale and one colour bar."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dynamics.plot._common import SMALL, labels_for

__all__ = ["patterns"]


def _shape(shape: Any, n: int) -> tuple[int, int]:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (int(shape), int(shape))
    if (not isinstance(shape, (tuple, list)) or len(shape) != 2
            or not all(isinstance(s, (int, np.integer)) and s > 0 for s in shape)):
        raise TypeError(f"shape: expected (height, width) as two positive ints, got {shape!r}")
    if shape[0] * shape[1] != n:
        raise ValueError(
            f"shape: expected height * width = {n} (the length of each state), got "
            f"{shape[0]} x {shape[1]} = {shape[0] * shape[1]}"
        )
    return int(shape[0]), int(shape[1])


def patterns(
    states: Any,
    shape: int | tuple[int, int],
    *,
    titles: Sequence[str | None] | None = None,
    row_titles: Sequence[str | None] | None = None,
    ncols: int | None = None,
    axes: Any = None,
    cmap: str = "gray_r",
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar: bool = True,
    colorbar_label: str = "state",
    suptitle: str | None = None,
    panel_size: float = 1.25,
) -> Figure:
    """Draw states as images on one shared grey scale with one colour bar.

    Parameters
    ----------
    states:
        One state (N,), a list (k, N) drawn on a grid of ``ncols`` columns, or a grid
        (rows, cols, N) drawn as is (e.g. probes by sweeps).
    shape:
        (height, width) of each image, height * width = N (an int for a square).
    titles:
        One title per panel (row by row), None for none.
    row_titles:
        One label per row, written left of the row.
    ncols:
        Columns of the grid for a (k, N) list (default min(k, 8)).
    axes:
        Axes to draw into (any array of at least as many Axes as panels, row by row);
        default a new figure.
    cmap, vmin, vmax:
        The colour map and its range, shared by every panel; the range defaults to [-1, 1]
        for states within it (bipolar patterns, tanh outputs) and to the data range otherwise.
    colorbar, colorbar_label:
        One colour bar for all the panels.

    Returns
    -------
    The Figure. ``fig.axes`` holds the panels row by row (then the colour bar); each
    panel's image data (``ax.images[0].get_array()``) is its state reshaped to ``shape``.
    """
    arr = np.asarray(states, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, None, :]
    elif arr.ndim == 2:
        k = arr.shape[0]
        if ncols is None:
            ncols = min(k, 8)
        if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
            raise ValueError(f"ncols: expected a positive int, got {ncols!r}")
        rows = math.ceil(k / ncols)
        pad = np.full((rows * ncols - k, arr.shape[1]), np.nan)
        arr = np.vstack([arr, pad]).reshape(rows, ncols, -1)
    elif arr.ndim != 3:
        raise ValueError(
            f"states: expected shape (N,), (k, N) or (rows, cols, N), got {np.shape(states)}"
        )
    if arr.shape[-1] == 0 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"states: expected at least one non-empty state, got {arr.shape}")
    rows, cols, n = arr.shape
    h, w = _shape(shape, n)
    present = ~np.all(np.isnan(arr), axis=-1)  # padding panels of a (k, N) list are empty
    n_panels = int(np.sum(present))
    panel_titles = labels_for(titles, n_panels, "titles")
    names = labels_for(row_titles, rows, "row_titles")
    finite = arr[np.isfinite(arr)]
    if finite.size == 0:
        raise ValueError("states: expected finite values")
    bipolar = finite.min() >= -1.0 and finite.max() <= 1.0
    lo = vmin if vmin is not None else (-1.0 if bipolar else float(finite.min()))
    hi = vmax if vmax is not None else (1.0 if bipolar else float(finite.max()))
    if not hi > lo:
        hi = lo + 1.0
    if axes is None:
        fig, grid = plt.subplots(rows, cols, squeeze=False, layout="constrained",
                                 figsize=(panel_size * cols * w / max(h, w) + 0.9,
                                          panel_size * rows * h / max(h, w) + 0.5))
        flat = list(grid.ravel())
    else:
        flat = list(np.asarray(axes, dtype=object).ravel())
        if not all(isinstance(a, Axes) for a in flat):
            raise TypeError("axes: expected an array of matplotlib Axes")
        if len(flat) < rows * cols:
            raise ValueError(f"axes: expected at least {rows * cols} Axes, got {len(flat)}")
        flat = flat[: rows * cols]
        fig = flat[0].figure
    image = None
    k = 0
    for r in range(rows):
        for c in range(cols):
            ax = flat[r * cols + c]
            ax.set_xticks([])
            ax.set_yticks([])
            if not present[r, c]:
                ax.set_axis_off()
                continue
            image = ax.imshow(arr[r, c].reshape(h, w), cmap=cmap, vmin=lo, vmax=hi,
                              interpolation="nearest")
            if panel_titles[k]:
                ax.set_title(panel_titles[k], fontsize=SMALL)
            k += 1
            if c == 0 and names[r]:
                ax.set_ylabel(names[r], fontsize=SMALL)
    if colorbar and image is not None:
        bar = fig.colorbar(image, ax=flat, shrink=min(1.0, 0.35 + 0.25 * rows), pad=0.02)
        bar.set_label(colorbar_label, fontsize=SMALL)
        bar.ax.tick_params(labelsize=SMALL)
    if suptitle:
        fig.suptitle(suptitle)
    return fig
