"""A TSP tour drawn over its cities."""

from __future__ import annotations

from typing import Any

from matplotlib.axes import Axes

from dynamics.plot._common import get_ax

__all__ = ["tour"]


def tour(instance: Any, tour: Any, ax: Axes | None = None, title: str | None = None,
         color: str = "C0", annotate: bool | None = None) -> Axes:
    """Draw the closed ``tour`` (0-based city indices) over the cities of ``instance`` (a
    :class:`dynamics.TSPInstance` with coordinates); city numbers are written when
    ``annotate`` (default: 30 cities or fewer). Returns the axes."""
    from dynamics.optimize.figures import draw_tour

    return draw_tour(instance, tour, ax=get_ax(ax, figsize=(4.0, 4.0)), title=title,
                     color=color, annotate=annotate)
