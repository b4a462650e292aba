"""lyapunov_spectrum: Lorenz's published exponents, linear systems (exact), the
finite-difference path, running estimates, chaos onset of the random network, bad input."""

import numpy as np
import pytest

import dynamics as dyn
from tests.analysis.analysis_kernels import (
    linear_jacobian,
    linear_rhs,
    lorenz_jacobian,
    lorenz_rhs,
)

SIGMA, RHO, BETA = 10.0, 28.0, 8.0 / 3.0


def _lorenz(jacobian=True):
    return dyn.UserModel(lorenz_rhs, 3, [SIGMA, RHO, BETA],
                         jacobian=lorenz_jacobian if jacobian else None)


def test_lorenz_spectrum():
    """lambda_1 = 0.9056, lambda_2 = 0, sum = -(sigma + 1 + beta) (Sprott 2003, table A.1)."""
    lam = dyn.lyapunov_spectrum(_lorenz(), [1.0, 1.0, 1.0], 20.0, 300.0, k=3)
    assert abs(lam[0] - 0.906) < 0.05
    assert abs(lam[1]) < 0.02
    assert abs(lam.sum() + (SIGMA + 1 + BETA)) < 1e-3
    assert lam[0] > lam[1] > lam[2]


def test_lorenz_finite_differences_match_kernel():
    # fixed steps: the same step sequence for both (adaptive steps would let the chaotic
    # trajectories drift apart)
    a = dyn.lyapunov_spectrum(_lorenz(True), [1.0, 1.0, 1.0], 10.0, 50.0, method="rk4")
    b = dyn.lyapunov_spectrum(_lorenz(False), [1.0, 1.0, 1.0], 10.0, 50.0, method="rk4")
    np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize(
    "a",
    [
        [[-1.0, 2.0, 0.0], [-2.0, -1.0, 0.0], [0.0, 0.0, -0.5]],
        [[0.3, 0.0], [1.0, -2.0]],
    ],
)
def test_linear_system_gives_real_parts_of_eigenvalues(a):
    a = np.asarray(a)
    model = dyn.UserModel(linear_rhs, a.shape[0], a.ravel(), jacobian=linear_jacobian)
    x0 = np.full(a.shape[0], 1e-3)
    lam = dyn.lyapunov_spectrum(model, x0, 0.0, 200.0)
    exact = np.sort(np.linalg.eigvals(a).real)[::-1]
    # a complex pair rotates the tangent plane: its two estimates converge like 1/T
    np.testing.assert_allclose(np.sort(lam)[::-1], exact, atol=0.01)


def test_rk4_and_dopri5_agree_and_q0():
    net = dyn.RandomRateNetwork(40, 2.5, seed=3)
    x0 = np.random.default_rng(0).normal(size=40)
    q0 = np.random.default_rng(1).normal(size=(40, 4))
    a = dyn.lyapunov_spectrum(net, x0, 5.0, 10.0, k=4, q0=q0, rtol=1e-9, atol=1e-12)
    b = dyn.lyapunov_spectrum(net, x0, 5.0, 10.0, k=4, q0=q0, method="rk4", dt=0.01)
    np.testing.assert_allclose(a, b, atol=1e-5)
    with pytest.raises(ValueError, match="q0"):
        dyn.lyapunov_spectrum(net, x0, 0.0, 1.0, k=2, q0=np.ones((40, 2)))
    with pytest.raises(ValueError, match="method"):
        dyn.lyapunov_spectrum(net, x0, 0.0, 1.0, method="rk45")


def test_history_and_seed():
    res = dyn.lyapunov_spectrum(_lorenz(), [1.0, 1.0, 1.0], 5.0, 20.0, k=2,
                                return_history=True, renorm_interval=0.5)
    assert isinstance(res, dyn.LyapunovSpectrum)
    assert res.status == 0 and res.history.shape == (40, 2) and res.t.shape == (40,)
    np.testing.assert_allclose(res.t[-1], 20.0)
    np.testing.assert_allclose(res.history[-1], res.exponents)
    again = dyn.lyapunov_spectrum(_lorenz(), [1.0, 1.0, 1.0], 5.0, 20.0, k=2)
    np.testing.assert_array_equal(again, res.exponents)


def test_chaos_onset_near_g_one():
    """Sompolinsky, Crisanti & Sommers (1988): stable below g = 1, chaotic above."""
    x0 = np.random.default_rng(0).normal(size=200)
    below = dyn.lyapunov_spectrum(dyn.RandomRateNetwork(200, 0.7, seed=1), x0, 30.0, 60.0,
                                  k=1, dt=0.05)
    above = dyn.lyapunov_spectrum(dyn.RandomRateNetwork(200, 2.0, seed=1), x0, 30.0, 60.0,
                                  k=1, dt=0.05)
    assert below[0] < 0.05
    assert above[0] > 0.05
    # below g = 1 the origin is stable: lambda_1 is the Jacobian's leading real part
    lead = np.max(np.linalg.eigvals(dyn.RandomRateNetwork(200, 0.7, seed=1).jacobian(
        np.zeros(200))).real)
    assert abs(below[0] - lead) < 0.02


def test_blow_up_reported():
    model = dyn.UserModel(linear_rhs, 1, [5.0], jacobian=linear_jacobian)
    res = dyn.lyapunov_spectrum(model, [1.0], 0.0, 300.0, return_history=True)
    assert res.status == -1 and "non-finite" in res.message
    with pytest.raises(RuntimeError, match="non-finite"):
        dyn.lyapunov_spectrum(model, [1.0], 0.0, 300.0)


def test_bad_input():
    m = _lorenz()
    with pytest.raises(TypeError, match="model"):
        dyn.lyapunov_spectrum(None, [1, 1, 1], 0, 1)
    with pytest.raises(ValueError, match="x0"):
        dyn.lyapunov_spectrum(m, [1, 1], 0, 1)
    with pytest.raises(ValueError, match="k"):
        dyn.lyapunov_spectrum(m, [1, 1, 1], 0, 1, k=4)
    with pytest.raises(TypeError, match="k"):
        dyn.lyapunov_spectrum(m, [1, 1, 1], 0, 1, k=1.0)
    with pytest.raises(ValueError, match="t_total"):
        dyn.lyapunov_spectrum(m, [1, 1, 1], 0, 0.0)
    with pytest.raises(ValueError, match="t_transient"):
        dyn.lyapunov_spectrum(m, [1, 1, 1], -1.0, 1.0)
    with pytest.raises(ValueError, match="dt"):
        dyn.lyapunov_spectrum(m, [1, 1, 1], 0, 1.0, dt=-0.1)
    with pytest.raises(ValueError, match="t_align"):
        dyn.lyapunov_spectrum(m, [1, 1, 1], 1.0, 1.0, t_align=2.0)
