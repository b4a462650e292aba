"""Kernels of the DOP853 tests (in a file so that numba can cache them)."""

import math

import numba as nb
import numpy as np


@nb.njit(cache=True)
def kepler_rhs(t, x, p, out):
    """The two-body problem q'' = -q / |q|^3 (states q1, q2, p1, p2)."""
    r = math.sqrt(x[0] * x[0] + x[1] * x[1])
    r3 = r * r * r
    out[0] = x[2]
    out[1] = x[3]
    out[2] = -x[0] / r3
    out[3] = -x[1] / r3


@nb.njit(cache=True)
def first_coordinate(t, x):
    return x[0]


def kepler_start(ecc: float) -> np.ndarray:
    """At pericentre of the orbit with semi-major axis 1 and eccentricity ``ecc``."""
    return np.array([1.0 - ecc, 0.0, 0.0, math.sqrt((1.0 + ecc) / (1.0 - ecc))])


def kepler_exact(t: float, ecc: float) -> np.ndarray:
    """The exact orbit: Kepler's equation E - ecc sin E = t solved by Newton's method."""
    big_e = t
    for _ in range(50):
        big_e -= (big_e - ecc * math.sin(big_e) - t) / (1.0 - ecc * math.cos(big_e))
    root = math.sqrt(1.0 - ecc * ecc)
    den = 1.0 - ecc * math.cos(big_e)
    return np.array([math.cos(big_e) - ecc, root * math.sin(big_e),
                     -math.sin(big_e) / den, root * math.cos(big_e) / den])
