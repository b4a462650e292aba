"""Shared pieces of the plotting functions: axes handling, colours, argument checks."""

from __future__ import annotations

from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

#: Font size (points) of tick labels and legends; 8 pt is the smallest that reads in print.
SMALL = 8.5


def get_ax(ax: Axes | None, figsize: tuple[float, float] = (5.0, 3.4)) -> Axes:
    """``ax`` itself, or the axes of a new figure of ``figsize`` inches."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
        return ax
    if not isinstance(ax, Axes):
        raise TypeError(f"ax: expected a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def colors(n: int, cmap: str = "viridis") -> list:
    """``n`` distinct colours: tab10 up to 10, tab20 (dark shades first) up to 20, else
    samples of ``cmap``."""
    if n <= 10:
        return list(plt.cm.tab10(np.arange(n)))
    if n <= 20:
        order = np.concatenate([np.arange(0, 20, 2), np.arange(1, 20, 2)])
        return list(plt.cm.tab20(order[:n]))
    return list(plt.get_cmap(cmap)(np.linspace(0.0, 0.92, n)))


def line_colors(color: Any, n: int, argument: str = "color") -> list:
    """One colour per line: ``colors(n)`` for None, ``color`` repeated for one colour (a name
    or an RGB(A) tuple), else a sequence of ``n`` colours."""
    if color is None:
        return colors(n)
    if matplotlib.colors.is_color_like(color):
        return [color] * n
    out = list(color)
    if len(out) != n or not all(matplotlib.colors.is_color_like(c) for c in out):
        raise ValueError(f"{argument}: expected one colour or a sequence of {n} colours")
    return out


def labels_for(labels: Any, n: int, argument: str = "labels") -> list[str | None]:
    """``labels`` as a list of ``n`` strings or Nones (``n`` Nones when ``labels`` is None);
    a None entry draws a line without a legend entry."""
    if labels is None:
        return [None] * n
    if isinstance(labels, str):
        raise TypeError(f"{argument}: expected a sequence of {n} strings, got one string")
    out = [None if s is None else str(s) for s in labels]
    if len(out) != n:
        raise ValueError(f"{argument}: expected {n} labels, got {len(out)}")
    return out


def integer_ticks(axis) -> None:
    """Only integer tick positions on ``axis`` (``ax.xaxis`` or ``ax.yaxis``)."""
    axis.set_major_locator(MaxNLocator(integer=True))


def finish(ax: Axes, xlabel: str | None, ylabel: str | None, title: str | None) -> Axes:
    """Set the labels and title (None keeps what is there) and a light grid."""
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=SMALL)
    return ax


def legend(ax: Axes, **kw) -> None:
    """A legend in the best free corner, readable at paper size; nothing if no labels."""
    if not kw.get("handles") and not ax.get_legend_handles_labels()[0]:
        return
    kw.setdefault("fontsize", SMALL)
    kw.setdefault("loc", "best")
    kw.setdefault("framealpha", 0.85)
    ax.legend(**kw)
