"""Small delayed models shared by the DDE tests (numba kernels live in a file so that numba
can cache them)."""

import math

import numba as nb


@nb.njit(cache=True)
def negative_feedback(t, x, xd, p, out):
    """u'(t) = -u(t - tau)."""
    out[0] = -xd[0, 0]


@nb.njit(cache=True)
def mackey_glass(t, x, xd, p, out):
    """Mackey & Glass (1977): x' = beta x_tau / (1 + x_tau^n) - gamma x."""
    beta, gamma, n = p[0], p[1], p[2]
    out[0] = beta * xd[0, 0] / (1.0 + xd[0, 0] ** n) - gamma * x[0]


@nb.njit(cache=True)
def sine_delay(t, q, out):
    """tau(t) = q0 + q1 sin(t)."""
    out[0] = q[0] + q[1] * math.sin(t)


@nb.njit(cache=True)
def two_neuron_cross_delays(t, x, xd, p, out):
    """u1' = -u1 + w12 tanh(b u2(t - a)), u2' = -u2 + w21 tanh(b u1(t - c)), delays [a, c]."""
    w12, w21, b = p[0], p[1], p[2]
    out[0] = -x[0] + w12 * math.tanh(b * xd[0, 1])
    out[1] = -x[1] + w21 * math.tanh(b * xd[1, 0])


@nb.njit(cache=True)
def writes_too_far(t, x, xd, p, out):
    out[0] = xd[0, 0]
    out[1] = 0.0


@nb.njit(cache=True)
def constant_delay_08(t):
    """A 'time-varying' delay that is constant (0.8): must match the constant-delay model."""
    return 0.8 + 0.0 * t
