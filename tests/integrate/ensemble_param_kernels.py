"""A user model with named parameters for the per-trajectory parameter tests (numba kernels
live in a file so that numba can cache them)."""

import numba as nb
import numpy as np


@nb.njit(cache=True)
def gradient_rhs(t, x, p, out):
    """dx/dt = -x + W x + I, with p = [W (n*n, row-major), I (n)] (the layout of
    ``{"W": W, "I": I}``); for symmetric W with eigenvalues below 1 a gradient flow of
    :func:`gradient_energy` with the equilibrium (1 - W)^-1 I."""
    n = x.shape[0]
    w = p[: n * n].reshape((n, n))
    inp = p[n * n : n * n + n]
    for i in range(n):
        acc = -x[i] + inp[i]
        for j in range(n):
            acc += w[i, j] * x[j]
        out[i] = acc


@nb.njit(cache=True)
def gradient_energy(x, p):
    """E(x) = |x|^2 / 2 - x.W x / 2 - I.x (non-increasing along gradient_rhs)."""
    n = x.shape[0]
    w = p[: n * n].reshape((n, n))
    inp = p[n * n : n * n + n]
    e = 0.0
    for i in range(n):
        wx = 0.0
        for j in range(n):
            wx += w[i, j] * x[j]
        e += 0.5 * x[i] * x[i] - 0.5 * x[i] * wx - inp[i] * x[i]
    return e


def gradient_model(n: int = 4, seed: int = 0):
    """The model with a fixed random symmetric W (spectral radius 0.5) and I = 0."""
    import dynamics as dyn

    a = np.random.default_rng(seed).normal(size=(n, n))
    w = a + a.T
    w *= 0.5 / np.max(np.abs(np.linalg.eigvalsh(w)))
    return dyn.UserModel(gradient_rhs, n_states=n, params={"W": w, "I": np.zeros(n)},
                         energy=gradient_energy, name="gradient")
