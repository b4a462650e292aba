"""DelayedHopfield and DistributedDelayHopfield: the delay-induced Hopf bifurcation of a
symmetric network (Marcus & Westervelt 1989), the reductions, and input checks."""

from __future__ import annotations

import cmath
import math

import numpy as np
import pytest

import dynamics as dyn
from tests.integrate.dde_kernels import constant_delay_08, two_neuron_cross_delays

N = 4
BETA = 0.8
# all-to-all inhibition: eigenvalues -(N-1) (the uniform mode) and +1 (N-1 times)
W = -(np.ones((N, N)) - np.eye(N))
U0 = np.array([0.5, 0.25, -0.1, 0.15])


def test_critical_delay_solves_the_characteristic_equation():
    tau_c = dyn.critical_delay(W, gain_scale=BETA)
    b = BETA * -(N - 1)
    root = math.sqrt(b * b - 1.0)
    assert tau_c == pytest.approx((math.pi - math.atan(root)) / root, rel=1e-14)
    # lambda = i omega solves tau lambda + 1 = b exp(-lambda tau_c)
    lam = 1j * root
    assert abs(lam + 1 - b * cmath.exp(-lam * tau_c)) < 1e-12
    # no delay destabilises a network whose |beta mu| <= 1; beta mu > 1 is unstable at once
    assert dyn.critical_delay(W, gain_scale=0.3) == math.inf
    assert dyn.critical_delay(-W, gain_scale=BETA) == 0.0


def oscillation_amplitude(delay: float) -> float:
    model = dyn.DelayedHopfield(W, delay, gain_scale=BETA)
    sol = dyn.solve_dde(model, (0.0, 150.0), U0, rtol=1e-8, atol=1e-10)
    assert sol.status == 0
    tail = sol.y[:, sol.t > 120.0]
    return float(np.max(tail.max(axis=1) - tail.min(axis=1)) / 2)


def test_stable_without_delay_and_below_the_critical_delay_oscillating_above():
    tau_c = dyn.critical_delay(W, gain_scale=BETA)
    free = dyn.solve(dyn.DelayedHopfield(W, 0.5, gain_scale=BETA).delay_free(), (0.0, 120.0), U0)
    assert np.abs(free.y[:, -1]).max() < 1e-6 and not free.energy_increases
    assert oscillation_amplitude(0.85 * tau_c) < 1e-4
    assert oscillation_amplitude(1.2 * tau_c) > 0.2


def test_zero_delay_reduces_to_the_ode():
    model = dyn.DelayedHopfield(W, 0.0, I=[0.3, 0.0, -0.2, 0.1], tau=[1.0, 2.0, 1.0, 0.5],
                                gain_scale=BETA)
    t = np.linspace(0.0, 10.0, 21)
    dde = dyn.solve_dde(model, (0.0, 10.0), U0, rtol=1e-10, atol=1e-12, t_eval=t)
    ode = dyn.solve(model.delay_free(), (0.0, 10.0), U0, rtol=1e-10, atol=1e-12, t_eval=t)
    assert np.abs(dde.y - ode.y).max() < 1e-9
    assert np.abs(dde.energy - ode.energy).max() < 1e-9


def test_per_connection_delays_group_and_match_a_hand_written_kernel():
    w = np.array([[0.0, 1.5], [-2.0, 0.0]])
    delays = np.array([[3.0, 0.7], [1.3, 5.0]])  # the diagonal has no connection: ignored
    model = dyn.DelayedHopfield(w, delays, gain_scale=1.2)
    assert model.n_delays == 2 and list(model.delay_params) == [0.7, 1.3]
    user = dyn.UserDelayModel(two_neuron_cross_delays, 2, delays=[0.7, 1.3],
                              params=[1.5, -2.0, 1.2])
    t = np.linspace(0.0, 20.0, 81)
    hist = lambda s: np.array([np.cos(s), np.sin(s)])  # noqa: E731
    a = dyn.solve_dde(model, (0.0, 20.0), hist, rtol=1e-9, atol=1e-11, t_eval=t)
    b = dyn.solve_dde(user, (0.0, 20.0), hist, rtol=1e-9, atol=1e-11, t_eval=t)
    assert np.abs(a.y - b.y).max() < 1e-12
    # equal per-connection delays are one group: the same as the scalar delay
    same = dyn.DelayedHopfield(W, np.full((N, N), 0.8), gain_scale=BETA)
    scalar = dyn.DelayedHopfield(W, 0.8, gain_scale=BETA)
    assert same.n_delays == 1
    c = dyn.solve_dde(same, (0.0, 20.0), U0, t_eval=t)
    d = dyn.solve_dde(scalar, (0.0, 20.0), U0, t_eval=t)
    assert np.array_equal(c.y, d.y)


def test_time_varying_delay_that_is_constant_matches_the_constant_delay():
    t = np.linspace(0.0, 20.0, 81)
    varying = dyn.DelayedHopfield(W, constant_delay_08, gain_scale=BETA)
    assert not varying.constant_delays
    a = dyn.solve_dde(varying, (0.0, 20.0), U0, rtol=1e-9, atol=1e-11, t_eval=t)
    b = dyn.solve_dde(dyn.DelayedHopfield(W, 0.8, gain_scale=BETA), (0.0, 20.0), U0,
                      rtol=1e-9, atol=1e-11, t_eval=t)
    assert np.abs(a.y - b.y).max() < 1e-7


def test_linear_chain_tends_to_the_discrete_delay_as_the_order_grows():
    """Erlang kernel of mean T and order m: variance T^2 / m, error ~ 1/m."""
    t = np.linspace(0.0, 10.0, 101)
    dde = dyn.solve_dde(dyn.DelayedHopfield(W, 0.5, gain_scale=BETA), (0.0, 10.0), U0,
                        rtol=1e-10, atol=1e-12, t_eval=t)
    errors = []
    for order in (16, 64, 256):
        chain = dyn.DistributedDelayHopfield(W, 0.5, order, gain_scale=BETA)
        assert chain.n_states == N * (order + 1)
        sol = dyn.solve(chain, (0.0, 10.0), chain.initial_state(U0), rtol=1e-10, atol=1e-12,
                        t_eval=t)
        errors.append(np.abs(sol.y[:N] - dde.y).max())
    assert errors[0] / errors[1] > 3.0 and errors[1] / errors[2] > 3.5
    assert errors[2] < 1.5e-3


def test_exponential_kernel_chain_of_order_one_is_a_linear_filter():
    """order 1: z' = (g(u) - z) / T, so with W = 0 the u dynamics is a plain leak."""
    chain = dyn.DistributedDelayHopfield(np.zeros((1, 1)), 2.0, 1, gain_scale=1.0)
    sol = dyn.solve(chain, (0.0, 3.0), [1.0, 0.0], rtol=1e-10, atol=1e-12, t_eval=[3.0])
    assert sol.y[0, 0] == pytest.approx(math.exp(-3.0), rel=1e-8)
    # z(t) = integral_0^t e^{-(t-s)/2}/2 tanh(e^{-s}) ds: compare with quadrature
    from scipy.integrate import quad

    z = quad(lambda s: 0.5 * math.exp(-(3.0 - s) / 2) * math.tanh(math.exp(-s)), 0, 3)[0]
    assert sol.y[1, 0] == pytest.approx(z, rel=1e-7)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="delays"):
        dyn.DelayedHopfield(W, -0.5)
    with pytest.raises(ValueError, match="delays"):
        dyn.DelayedHopfield(W, np.ones((2, 2)))
    with pytest.raises(ValueError, match="delays"):
        dyn.DelayedHopfield(W, -np.ones((N, N)))
    with pytest.raises(TypeError, match="delays"):
        dyn.DelayedHopfield(W, "long")
    with pytest.raises(ValueError, match="W"):
        dyn.DelayedHopfield(np.ones((2, 3)), 1.0)
    with pytest.raises(ValueError, match="order"):
        dyn.DistributedDelayHopfield(W, 1.0, 0)
    with pytest.raises(ValueError, match="mean_delay"):
        dyn.DistributedDelayHopfield(W, 0.0, 3)
    with pytest.raises(ValueError, match="gain_scale"):
        dyn.critical_delay(W, gain_scale=-1.0)
