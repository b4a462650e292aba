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


@nb.njit(cache=True)
def raising_rhs(t, x, p, out):
    """dx/dt = -x, raising once x[0] < 0.5 (at t = ln 2 from x(0) = 1)."""
    if x[0] < 0.5:
        raise ValueError("x too small")
    out[0] = -x[0]


@nb.njit(cache=True)
def decay_rhs(t, x, p, out):
    out[0] = -x[0]


@nb.njit(cache=True)
def dividing_rhs(t, x, p, out):
    """Divides by zero (ZeroDivisionError under numba's default error model) once x < 0.5."""
    d = 0.0 if x[0] < 0.5 else 1.0
    out[0] = -x[0] / d


@nb.njit(cache=True)
def raising_energy(x, p):
    if x[0] < 0.5:
        raise RuntimeError("energy undefined")
    return 0.5 * x[0] * x[0]


@nb.njit(cache=True)
def nan_energy(x, p):
    return np.nan if x[0] < 0.5 else 0.5 * x[0] * x[0]


@nb.njit(cache=True)
def raising_event(t, x):
    if t > 0.3:
        raise ValueError("event broke")
    return t - 0.5


@nb.njit(cache=True)
def nan_event(t, x):
    return np.nan


@nb.njit(cache=True)
def late_out_of_bounds_rhs(t, x, p, out):
    """Reads p[5] (p has one entry) only once x[0] > 1.5."""
    out[0] = 1.0
    if x[0] > 1.5:
        out[0] = p[5]


@nb.njit(cache=True)
def ball_rhs(t, x, p, out):
    """A falling ball: height x[0], velocity x[1], g = 9.81."""
    out[0] = x[1]
    out[1] = -9.81


@nb.njit(cache=True)
def height_event(t, x):
    return x[0]


def decay_ensemble_task(params: dict, seed) -> dict:
    """A sweep task: an ensemble of 256 trajectories of a random N = 100 Hopfield network
    (big enough that OpenBLAS splits its products over threads when it may)."""
    import dynamics as dyn

    model = dyn.random_hopfield(100, seed=3, gain_scale=2.0, input_scale=0.1)
    Y0 = np.random.default_rng(seed).normal(size=(256, 100))
    ens = dyn.solve_ensemble(model, (0.0, params["t1"]), Y0, n_eval=5)
    return {"y": ens.y, "energy": ens.energy}


@nb.njit(cache=True)
def cubic_rhs(t, x, p, out):
    """dx/dt = -p[0] x^3."""
    for i in range(x.shape[0]):
        out[i] = -p[0] * x[i] ** 3


@nb.njit(cache=True)
def cubic_batch_scratch(t, X, p, OUT):
    """The batched cubic field, keeping x^2 in the spare floats after the one parameter
    (rhs_batch_work = n), or in a new array when called with the bare parameters."""
    m, n = X.shape
    if p.shape[0] >= 1 + m * n:
        sq = p[1 : 1 + m * n].reshape((m, n))
    else:
        sq = np.empty((m, n))
    for r in range(m):
        for i in range(n):
            sq[r, i] = X[r, i] * X[r, i]
            OUT[r, i] = -p[0] * sq[r, i] * X[r, i]
