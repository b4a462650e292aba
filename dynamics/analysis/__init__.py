"""Analysis of continuous-time models: fixed points, stability, Lyapunov spectra.

- ``fixed_points``  damped Newton from many starts, eigenvalues, stability labels
- ``lyapunov``      Lyapunov spectra by the QR (Benettin) method
"""

from dynamics.analysis.fixed_points import (
    FixedPoint,
    classify_eigenvalues,
    default_bounds,
    find_fixed_points,
)
from dynamics.analysis.lyapunov import LyapunovSpectrum, lyapunov_spectrum

__all__ = [
    "FixedPoint",
    "find_fixed_points",
    "classify_eigenvalues",
    "default_bounds",
    "lyapunov_spectrum",
    "LyapunovSpectrum",
]
