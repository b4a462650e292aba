"""Figures of the package's results (matplotlib), for ``Solution`` objects, models and the
memory experiments. Each function returns the matplotlib ``Axes`` it drew (or the ``Figure``
where it draws several panels) and takes ``ax=`` to draw into an existing one.

This subpackage is imported on first use (``dynamics.plot`` or ``import dynamics.plot``):
``import dynamics`` never imports matplotlib, and nothing in the core imports this.

* :func:`energy` -- energy against time of a solution, an ensemble or a recall result, with
  flagged energy increases marked.
* :func:`trajectories`, :func:`overlap` -- states, or pattern overlaps m_mu(t), against time.
* :func:`phase_plane` -- vector field, nullclines, fixed points, energy contours and
  trajectories of a two-state model (or a 2-D slice of a larger one).
* :func:`patterns` -- states as images on one grey scale with one colour bar.
* :func:`capacity`, :func:`basins` -- capacity curves and basins of attraction.
* :func:`tour` -- a TSP tour over its cities.
"""

from dynamics.plot.images import patterns
from dynamics.plot.memory import basins, capacity
from dynamics.plot.phase import phase_plane
from dynamics.plot.timeseries import energy, overlap, trajectories
from dynamics.plot.tour import tour

__all__ = [
    "energy",
    "trajectories",
    "overlap",
    "phase_plane",
    "patterns",
    "capacity",
    "basins",
    "tour",
]
