"""Small user models shared by the analysis tests (numba kernels in a file so that numba can
cache them)."""

import numba as nb

from tests.integrate.integrate_kernels import linear_rhs  # dx/dt = A x, A = p.reshape(n, n)

__all__ = ["linear_rhs", "linear_jacobian", "lorenz_rhs", "lorenz_jacobian", "hopf_rhs"]


@nb.njit(cache=True)
def linear_jacobian(t, x, p, jac):
    n = x.shape[0]
    for i in range(n):
        for j in range(n):
            jac[i, j] = p[i * n + j]


@nb.njit(cache=True)
def lorenz_rhs(t, x, p, out):
    sigma, rho, beta = p[0], p[1], p[2]
    out[0] = sigma * (x[1] - x[0])
    out[1] = x[0] * (rho - x[2]) - x[1]
    out[2] = x[0] * x[1] - beta * x[2]


@nb.njit(cache=True)
def lorenz_jacobian(t, x, p, jac):
    sigma, rho, beta = p[0], p[1], p[2]
    jac[0, 0] = -sigma
    jac[0, 1] = sigma
    jac[0, 2] = 0.0
    jac[1, 0] = rho - x[2]
    jac[1, 1] = -1.0
    jac[1, 2] = -x[0]
    jac[2, 0] = x[1]
    jac[2, 1] = x[0]
    jac[2, 2] = -beta


@nb.njit(cache=True)
def hopf_rhs(t, x, p, out):
    """Hopf normal form r' = r (mu - r^2), theta' = omega: a limit cycle of radius sqrt(mu)
    and period 2 pi / omega."""
    mu, omega = p[0], p[1]
    r2 = x[0] * x[0] + x[1] * x[1]
    out[0] = (mu - r2) * x[0] - omega * x[1]
    out[1] = (mu - r2) * x[1] + omega * x[0]
