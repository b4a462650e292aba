"""Analysis of continuous-time models: fixed points, stability, Lyapunov spectra,
attractors and their basins.

- ``fixed_points``  damped Newton from many starts, eigenvalues, stability labels
- ``lyapunov``      Lyapunov spectra by the QR (Benettin) method
- ``attractors``    equilibrium / limit cycle / chaotic / not settled, from a trajectory
- ``basins``        which attractor each initial condition of a 2-D grid reaches
"""

from dynamics.analysis.attractors import (
    KINDS,
    AttractorClass,
    classify_attractor,
    rosenstein_lyapunov,
)
from dynamics.analysis.basins import Attractor, Basins, basins
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
    "classify_attractor",
    "AttractorClass",
    "KINDS",
    "rosenstein_lyapunov",
    "basins",
    "Basins",
    "Attractor",
]
