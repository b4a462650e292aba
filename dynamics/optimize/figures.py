"""Figures for the optimization subpackage (matplotlib is imported only when drawing)."""

from __future__ import annotations

from typing import Any

import numpy as np

from dynamics.optimize.tsplib import TSPInstance, check_tour

__all__ = ["draw_tour"]


def draw_tour(instance: TSPInstance, tour: Any, ax: Any = None, title: str | None = None,
              color: str = "C0", annotate: bool | None = None) -> Any:
    """Draw the closed ``tour`` over the instance's cities on ``ax`` (a new figure if None);
    returns the axes. City numbers (0-based) are written when ``annotate`` (default: n <= 30).
    """
    if not isinstance(instance, TSPInstance):
        raise TypeError(f"instance: expected a TSPInstance, got {type(instance).__name__}")
    if instance.coordinates is None:
        raise ValueError("instance: has no coordinates to draw (a matrix-only instance)")
    t = check_tour(tour, instance.n)
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.0, 4.0), constrained_layout=True)
    xy = instance.coordinates
    closed = np.append(t, t[0])
    ax.plot(xy[closed, 0], xy[closed, 1], "-", color=color, lw=1.2, zorder=1)
    ax.scatter(xy[:, 0], xy[:, 1], s=14, color="k", zorder=2)
    if annotate if annotate is not None else instance.n <= 30:
        for k, (x, y) in enumerate(xy):
            ax.annotate(str(k), (x, y), textcoords="offset points", xytext=(3, 3), fontsize=8)
    ax.set_aspect("equal", adjustable="datalim")
    geo = instance.edge_weight_type == "GEO"
    ax.set_xlabel("latitude (DDD.MM)" if geo else "x")
    ax.set_ylabel("longitude (DDD.MM)" if geo else "y")
    if title is not None:
        ax.set_title(title, fontsize=10)
    return ax
