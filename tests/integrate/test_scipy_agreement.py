"""Agreement with scipy's DOP853 at tight tolerances on random Hopfield networks."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import dynamics as dyn


@pytest.mark.parametrize("n", [2, 10, 200])
@pytest.mark.parametrize("rtol", [1e-6, 1e-9])
def test_matches_dop853(n, rtol):
    model = dyn.random_hopfield(n, seed=n, gain_scale=2.0, input_scale=0.3)
    rng = np.random.default_rng(7)
    y0 = rng.normal(size=n)
    t_eval = np.linspace(0.0, 5.0, 11)
    ours = dyn.solve(model, (0.0, 5.0), y0, rtol=rtol, atol=rtol * 1e-3, t_eval=t_eval)
    ref = solve_ivp(
        lambda t, y: model.rhs(y, t), (0.0, 5.0), y0, method="DOP853",
        rtol=1e-12, atol=1e-12, t_eval=t_eval,
    )
    assert ours.status == 0 and ref.status == 0
    np.testing.assert_array_equal(ours.t, t_eval)
    scale = 1.0 + np.abs(ref.y)
    # the global error stays within a small multiple of the requested tolerance
    assert np.max(np.abs(ours.y - ref.y) / scale) < 100 * rtol


def test_rhs_matches_formula():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(5, 5))
    bias = rng.normal(size=5)
    tau = rng.uniform(0.5, 2.0, size=5)
    model = dyn.ContinuousHopfield(w, I=bias, tau=tau, gain="logistic", gain_scale=3.0)
    u = rng.normal(size=5)
    v = 1.0 / (1.0 + np.exp(-3.0 * u))
    np.testing.assert_allclose(model.rhs(u), (-u + w @ v + bias) / tau, rtol=1e-13)


def test_circuit_form_equals_tau_form():
    rng = np.random.default_rng(1)
    t = rng.normal(size=(4, 4))
    t = t + t.T
    cap = rng.uniform(0.5, 2.0, size=4)
    res = rng.uniform(0.5, 2.0, size=4)
    bias = rng.normal(size=4)
    circuit = dyn.ContinuousHopfield.from_circuit(t, I=bias, C=cap, R=res)
    u = rng.normal(size=4)
    expected = (-u / res + t @ np.tanh(u) + bias) / cap
    np.testing.assert_allclose(circuit.rhs(u), expected, rtol=1e-13)
    np.testing.assert_allclose(circuit.tau, res * cap)
    # with R = 1 and C = tau the two forms coincide
    same = dyn.ContinuousHopfield.from_circuit(t, I=bias, C=cap, R=1.0)
    tau_form = dyn.ContinuousHopfield(t, I=bias, tau=cap)
    np.testing.assert_allclose(same.rhs(u), tau_form.rhs(u), rtol=1e-14)
    np.testing.assert_allclose(same.energy(u), tau_form.energy(u), rtol=1e-14)


def test_jacobian_matches_finite_differences():
    model = dyn.random_hopfield(6, seed=2, gain_scale=1.7, input_scale=0.2, tau=0.5)
    u = np.random.default_rng(3).normal(size=6)
    jac = model.jacobian(u)
    eps = 1e-6
    fd = np.empty((6, 6))
    for j in range(6):
        du = np.zeros(6)
        du[j] = eps
        fd[:, j] = (model.rhs(u + du) - model.rhs(u - du)) / (2 * eps)
    np.testing.assert_allclose(jac, fd, atol=1e-8)
