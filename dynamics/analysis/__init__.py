"""Analysis of continuous-time models: fixed points and their stability.

- ``fixed_points``  damped Newton from many starts, eigenvalues, stability labels
"""

from dynamics.analysis.fixed_points import (
    FixedPoint,
    classify_eigenvalues,
    default_bounds,
    find_fixed_points,
)

__all__ = ["FixedPoint", "find_fixed_points", "classify_eigenvalues", "default_bounds"]
