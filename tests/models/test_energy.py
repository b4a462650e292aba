"""The Hopfield (1984) energy: closed forms against quadrature, and its non-increase."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

import dynamics as dyn
from dynamics.activations import get_gain


@pytest.mark.parametrize("name", ["tanh", "logistic", "piecewise_linear"])
@pytest.mark.parametrize("lam", [0.5, 1.0, 3.0])
def test_integral_of_inverse_matches_quadrature(name, lam):
    gain = get_gain(name, lam)
    lo = 0.0 if name == "logistic" else -1.0
    for v in np.linspace(lo + 0.02, 0.98, 9):
        expected, _ = quad(gain.inverse, 0.0, v, limit=200)
        assert gain.integral_inverse(v) == pytest.approx(expected, rel=1e-8, abs=1e-10)
        u = gain.inverse(v)
        assert gain.integral_inverse_of_u(u) == pytest.approx(expected, rel=1e-8, abs=1e-10)


@pytest.mark.parametrize("name", ["tanh", "logistic", "piecewise_linear"])
def test_gain_derivative_and_inverse(name):
    gain = get_gain(name, 2.0)
    u = np.linspace(-0.45, 0.45, 7)
    eps = 1e-6
    np.testing.assert_allclose(
        gain.derivative(u), (gain.g(u + eps) - gain.g(u - eps)) / (2 * eps), rtol=1e-6
    )
    np.testing.assert_allclose(gain.inverse(gain.g(u)), u, atol=1e-12)


def test_saturated_energy_is_finite_and_continuous():
    """Far in saturation V rounds to +-1; the u-form of the integral stays accurate."""
    gain = get_gain("tanh", 1.0)
    u = np.array([10.0, 30.0, 40.0, 800.0])
    g_u = gain.integral_inverse_of_u(u)
    assert np.all(np.isfinite(g_u))
    assert g_u[-1] == pytest.approx(np.log(2.0), rel=1e-12)  # the limit at V = 1


@pytest.mark.parametrize("name", ["tanh", "logistic", "piecewise_linear"])
def test_network_energy_against_quadrature(name):
    rng = np.random.default_rng(4)
    w = rng.normal(size=(5, 5))
    w = (w + w.T) / 2
    bias = rng.normal(size=5)
    res = rng.uniform(0.5, 2.0, size=5)
    model = dyn.ContinuousHopfield.from_circuit(w, I=bias, R=res, gain=name, gain_scale=1.5)
    gain = get_gain(name, 1.5)
    u = rng.normal(scale=0.4, size=5)
    v = gain.g(u)
    integral = [quad(gain.inverse, 0.0, vi)[0] for vi in v]
    expected = -0.5 * v @ w @ v - bias @ v + np.sum(np.array(integral) / res)
    assert model.energy(u) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(2, 40),
    seed=st.integers(0, 2**31 - 1),
    gain=st.sampled_from(["tanh", "logistic", "piecewise_linear"]),
    lam=st.floats(0.3, 8.0),
    input_scale=st.floats(0.0, 1.0),
    method=st.sampled_from(["dopri5", "rk4"]),
)
def test_energy_never_increases_on_symmetric_networks(n, seed, gain, lam, input_scale, method):
    model = dyn.random_hopfield(
        n, seed=seed, gain=gain, gain_scale=lam, scale=2.0, input_scale=input_scale
    )
    y0 = np.random.default_rng(seed + 1).normal(size=n)
    kwargs = {"dt": 0.05} if method == "rk4" else {}
    sol = dyn.solve(model, (0.0, 10.0), y0, method=method, **kwargs)
    assert sol.status == 0
    assert not sol.energy_increases, sol.max_energy_increase
    assert sol.energy[-1] <= sol.energy[0]
    # and the energy kernel's own rate of change along the flow, d/dt E(u(t)) = grad E . f,
    # measured by a central difference of model.energy along f, is the analytic rate
    # dE/dt = -sum_i C_i g'(u_i) (du_i/dt)^2 <= 0 (C_i = tau_i = 1 here)
    checked = 0
    for k in range(0, sol.y.shape[1], max(1, sol.y.shape[1] // 5)):
        u = sol.y[:, k]
        f = model.rhs(u)
        step = 1e-6 / max(1.0, float(np.abs(f).max()))
        if gain == "piecewise_linear" and np.any(
            np.abs(np.abs(lam * u) - 1.0) < 10 * lam * step * (np.abs(f) + 1e-300)
        ):
            continue  # the central difference would straddle a kink of the gain
        measured = (model.energy(u + step * f) - model.energy(u - step * f)) / (2 * step)
        rate = -np.sum(model.gain.derivative(u) * f**2)
        assert rate <= 0.0
        scale = 1.0 + abs(model.energy(u))
        assert measured == pytest.approx(rate, rel=1e-4, abs=1e-7 * scale)
        checked += 1
    assert checked >= 3


def test_asymmetric_network_is_flagged():
    # self-excitation plus unequal cross-coupling: the network oscillates on a limit cycle,
    # along which the (symmetric-theory) energy must rise somewhere
    w = np.array([[1.5, 3.0], [-1.0, 0.5]])
    model = dyn.ContinuousHopfield(w, gain_scale=3.0)
    assert not model.is_symmetric
    sol = dyn.solve(model, (0.0, 20.0), [0.1, 0.0])
    assert sol.status == 0
    assert sol.energy_increases
    assert sol.max_energy_increase > 1e-3


def test_too_large_fixed_step_is_flagged():
    """Euler with a step beyond its stability limit makes a symmetric network's energy rise."""
    model = dyn.hebbian_hopfield(np.array([[1, -1, 1, -1, 1, 1]]), gain_scale=5.0, tau=0.1)
    sol = dyn.solve(model, (0.0, 2.0), np.full(6, 0.05), method="euler", dt=0.5)
    assert sol.energy_increases
