"""Carving a kernel's work area (the floats after the parameters in ``p``) into arrays.

``scratch_of(work, k)`` gives the first ``k`` floats; ``head, rest = take(work, k)`` the first
``k`` floats and the rest; ``take_matrix(work, rows, cols)`` the first ``rows * cols`` floats
as a C-contiguous matrix and the rest. The pieces are views (nothing is copied or allocated),
and no offset is written by hand: a kernel takes its scratch arrays one after the other. All
are inlined into the calling kernel.

The solvers always pass the work area (:meth:`~dynamics.models.base.Model.kernel_params`).
A kernel called with a shorter ``p`` (e.g. the bare ``params``) must not write past it, since
compiled code does not check bounds: when the area is too short, these helpers return a new
array instead (the kernel stays in bounds, and allocates).
"""

import numba as nb
import numpy as np


@nb.njit(cache=True, inline="always")
def scratch_of(area, size):
    """The first ``size`` floats of ``area`` (a view), or a new array if it is shorter."""
    if area.shape[0] >= size:
        return area[:size]
    return np.empty(size)


@nb.njit(cache=True, inline="always")
def take(area, size):
    """The first ``size`` floats of ``area`` and the rest (views); a new array and an empty
    rest if ``area`` is shorter."""
    if area.shape[0] >= size:
        return area[:size], area[size:]
    return np.empty(size), area[:0]


@nb.njit(cache=True, inline="always")
def take_matrix(area, rows, cols):
    """The first ``rows * cols`` floats of ``area`` as a (rows, cols) matrix, and the rest."""
    head, rest = take(area, rows * cols)
    return head.reshape((rows, cols)), rest
