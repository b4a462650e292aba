"""Carving a kernel's work area (the floats after the parameters in ``p``) into arrays.

``head, rest = take(work, k)`` gives the first ``k`` floats and the rest; ``take_matrix(work,
rows, cols)`` the first ``rows * cols`` floats as a C-contiguous matrix and the rest. The
pieces are views (nothing is copied or allocated), and no offset is written by hand: a kernel
takes its scratch arrays one after the other. Both are inlined into the calling kernel.
"""

import numba as nb


@nb.njit(cache=True, inline="always")
def take(area, size):
    """The first ``size`` floats of ``area`` and the rest (views)."""
    return area[:size], area[size:]


@nb.njit(cache=True, inline="always")
def take_matrix(area, rows, cols):
    """The first ``rows * cols`` floats of ``area`` as a (rows, cols) matrix, and the rest."""
    return area[: rows * cols].reshape((rows, cols)), area[rows * cols :]
