"""Small user models shared by the integrator tests (numba kernels live in a file so that
numba can cache them)."""

import numba as nb
import numpy as np


@nb.njit(cache=True)
def linear_rhs(t, x, p, out):
    """dx/dt = A x with A = p.reshape(n, n)."""
    n = x.shape[0]
    a = p[: n * n].reshape((n, n))
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += a[i, j] * x[j]
        out[i] = acc


@nb.njit(cache=True)
def oscillator_rhs(t, x, p, out):
    """x'' = -x as a first-order system."""
    out[0] = x[1]
    out[1] = -x[0]


@nb.njit(cache=True)
def blowup_rhs(t, x, p, out):
    """dx/dt = x^2: from x(0) = 1 the solution 1/(1 - t) blows up at t = 1."""
    out[0] = x[0] * x[0]


@nb.njit(cache=True)
def position_event(t, x):
    return x[0]


@nb.njit(cache=True)
def wrong_signature(a, b):
    return a + b


@nb.njit(cache=True)
def lorenz_rhs(t, x, p, out):
    out[0] = p[0] * (x[1] - x[0])
    out[1] = x[0] * (p[1] - x[2]) - x[1]
    out[2] = x[0] * x[1] - p[2] * x[2]


def linear_model(a: np.ndarray):
    import dynamics as dyn

    return dyn.UserModel(linear_rhs, n_states=a.shape[0], params=a.ravel(), name="linear")


def stable_matrix(seed: int = 3, n: int = 3) -> np.ndarray:
    """A fixed stable matrix with complex eigenvalues."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n))
    return a - 1.5 * np.eye(n)
