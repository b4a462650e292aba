"""Convergence order of euler (1), rk4 (4) and dopri5 (5) on dx/dt = A x (exact: expm)."""

import numpy as np
import pytest
from integrate_kernels import linear_model, stable_matrix
from scipy.linalg import expm

import dynamics as dyn


def _final_error(method: str, h: float, t_end: float) -> float:
    a = stable_matrix()
    model = linear_model(a)
    x0 = np.array([1.0, -0.5, 0.25])
    exact = expm(a * t_end) @ x0
    if method == "dopri5":
        # fixed steps: tolerances so loose that every step is accepted, steps capped at h
        sol = dyn.solve(model, (0.0, t_end), x0, method="dopri5", dt=h, max_step=h,
                        rtol=1e6, atol=1e6)
    else:
        sol = dyn.solve(model, (0.0, t_end), x0, method=method, dt=h)
    assert sol.status == 0
    assert sol.t[-1] == t_end
    return float(np.abs(sol.y[:, -1] - exact).max())


@pytest.mark.parametrize(
    ("method", "order", "steps"),
    [
        ("euler", 1, [0.02, 0.01, 0.005, 0.0025]),
        ("rk4", 4, [0.2, 0.1, 0.05, 0.025]),
        ("dopri5", 5, [0.2, 0.1, 0.05, 0.025]),
    ],
)
def test_convergence_order(method, order, steps):
    errors = [_final_error(method, h, 2.0) for h in steps]
    slope = np.polyfit(np.log(steps), np.log(errors), 1)[0]
    assert abs(slope - order) < 0.4, (method, slope, errors)


def test_fixed_step_grid_lands_on_t_end():
    model = linear_model(stable_matrix())
    sol = dyn.solve(model, (0.0, 1.0), [1.0, 0.0, 0.0], method="rk4", dt=0.3)
    np.testing.assert_allclose(sol.t, [0.0, 0.3, 0.6, 0.9, 1.0])
    assert sol.nsteps == 4 and sol.naccepted == 4 and sol.nrejected == 0
    # k1 of each step is f at the previous end point: 4 evaluations per rk4 step + 1 initial
    assert sol.nfev == 1 + 4 * 4


def test_dopri5_tolerance_proportionality():
    """Global error of the adaptive method shrinks with the tolerance."""
    a = stable_matrix()
    model = linear_model(a)
    x0 = np.array([1.0, -0.5, 0.25])
    exact = expm(a * 3.0) @ x0
    errs = []
    for tol in (1e-4, 1e-6, 1e-8, 1e-10):
        sol = dyn.solve(model, (0.0, 3.0), x0, rtol=tol, atol=tol)
        errs.append(np.abs(sol.y[:, -1] - exact).max())
        assert errs[-1] < 50 * tol
    assert errs[0] > errs[1] > errs[2] > errs[3]


@pytest.mark.parametrize(("method", "min_slope"), [("dopri5", 4.6), ("rk4", 3.6)])
def test_dense_output_order(method, min_slope):
    """Interpolation error at mid-step: O(h^5) for dopri5's continuous extension, O(h^4)
    for the cubic Hermite interpolant of rk4."""
    a = stable_matrix()
    model = linear_model(a)
    x0 = np.array([1.0, -0.5, 0.25])
    steps = [0.2, 0.1, 0.05]
    errs = []
    for h in steps:
        kwargs = {"dt": h, "max_step": h}
        if method == "dopri5":
            kwargs.update(rtol=1e6, atol=1e6)
        sol = dyn.solve(model, (0.0, 1.0), x0, method=method, dense_output=True, **kwargs)
        t_mid = 0.5 * h  # the middle of the first step: interpolation error only
        exact = expm(a * t_mid) @ x0
        errs.append(np.abs(sol.sol(t_mid) - exact).max())
        # the interpolant passes through the step end points
        np.testing.assert_allclose(sol.sol(sol.t), sol.y, atol=1e-13)
    slope = np.polyfit(np.log(steps), np.log(errs), 1)[0]
    assert slope > min_slope, (slope, errs)
