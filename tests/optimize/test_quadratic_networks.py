"""Projection networks for quadratic programs: equilibria against scipy.optimize."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import LinearConstraint, lsq_linear, minimize

import dynamics as dyn

Q_CLASSIC = np.array([[2.0, 1.0], [1.0, 2.0]])
C_CLASSIC = np.array([-30.0, -30.0])
G_CLASSIC = np.array([[5 / 12, -1.0], [5 / 2, 1.0]])
D_CLASSIC = np.array([35 / 12, 35 / 2])


def scipy_qp(Q, c, A_ub=None, b_ub=None, A_eq=None, b_eq=None, bounds=None):
    n = Q.shape[0]
    cons = []
    if A_ub is not None:
        cons.append(LinearConstraint(A_ub, -np.inf, b_ub))
    if A_eq is not None:
        cons.append(LinearConstraint(A_eq, b_eq, b_eq))
    res = minimize(lambda x: 0.5 * x @ Q @ x + c @ x, np.zeros(n), jac=lambda x: Q @ x + c,
                   bounds=None if bounds is None else [bounds] * n, constraints=cons,
                   method="SLSQP", options={"ftol": 1e-14, "maxiter": 1000})
    assert res.success
    return res.x, res.fun


def test_classic_problem_primal_dual():
    r = dyn.solve_qp(Q_CLASSIC, C_CLASSIC, A_ub=G_CLASSIC, b_ub=D_CLASSIC, bounds=(-5, 5),
                     x0=[-5.0, 5.0])
    np.testing.assert_allclose(r.x, [5.0, 5.0], atol=1e-6)
    assert r.objective == pytest.approx(-225.0, abs=1e-5)
    assert r.status == 1 and isinstance(r.network, dyn.PrimalDualNetwork)
    assert r.multipliers_ub.shape == (2,) and np.all(r.multipliers_ub >= 0)
    assert r.objective_trace.shape == r.t.shape and r.trajectory.shape == (2, r.t.size)
    # KKT: grad f + G^T y (+ box multipliers) = 0, complementary slackness
    assert r.multipliers_ub[0] == pytest.approx(0.0, abs=1e-6)  # first constraint inactive


def test_box_network_objective_is_lyapunov():
    r = dyn.solve_qp(Q_CLASSIC, C_CLASSIC, bounds=(-5, 5), x0=[-4.0, 3.0])
    np.testing.assert_allclose(r.x, [5.0, 5.0], atol=1e-6)
    assert np.all(np.diff(r.objective_trace) <= 1e-9)
    assert not r.solution.energy_increases
    np.testing.assert_allclose(r.solution.energy, r.objective_trace, atol=1e-9)
    assert isinstance(r.network, dyn.ProjectionNetwork)


@pytest.mark.parametrize("seed", range(4))
def test_random_convex_box_qp_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    n = 6
    B = rng.normal(size=(n, n - 2))
    Q = B @ B.T + 0.1 * np.eye(n)
    c = rng.normal(size=n) * 3
    r = dyn.solve_qp(Q, c, bounds=(-1, 1))
    # f(x) = 1/2 |L^T x + L^-1 c|^2 + const with Q = L L^T: a bounded least-squares problem
    L = np.linalg.cholesky(Q)
    x_ref = lsq_linear(L.T, -np.linalg.solve(L, c), bounds=(-1, 1), method="bvls",
                       tol=1e-14).x
    f_ref = 0.5 * x_ref @ Q @ x_ref + c @ x_ref
    assert r.status == 1
    np.testing.assert_allclose(r.x, x_ref, atol=1e-5)
    assert r.objective == pytest.approx(f_ref, abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_random_convex_qp_with_linear_constraints_matches_scipy(seed):
    rng = np.random.default_rng(10 + seed)
    n, p, m = 5, 3, 1
    B = rng.normal(size=(n, n))
    Q = B @ B.T + 0.05 * np.eye(n)
    c = rng.normal(size=n) * 2
    G = rng.normal(size=(p, n))
    d = rng.random(p)  # x = 0 is feasible for the inequalities
    A = rng.normal(size=(m, n))
    b = np.zeros(m)
    r = dyn.solve_qp(Q, c, A_ub=G, b_ub=d, A_eq=A, b_eq=b, bounds=(-2, 2))
    x_ref, f_ref = scipy_qp(Q, c, G, d, A, b, bounds=(-2, 2))
    np.testing.assert_allclose(r.x, x_ref, atol=1e-5)
    assert r.objective == pytest.approx(f_ref, abs=1e-5)
    assert r.status == 1
    assert np.all(G @ r.x <= d + 1e-6) and np.allclose(A @ r.x, b, atol=1e-6)


def test_networks_work_with_dyn_solve():
    net = dyn.ProjectionNetwork(Q_CLASSIC, C_CLASSIC, bounds=(-5, 5))
    sol = dyn.solve(net, (0.0, 50.0), [0.0, 0.0])
    assert sol.energy[-1] == pytest.approx(-225.0, abs=1e-4)
    assert net.residual(sol.y[:, -1]) < 1e-4
    pd = dyn.PrimalDualNetwork(Q_CLASSIC, C_CLASSIC, A_ub=G_CLASSIC, b_ub=D_CLASSIC,
                               bounds=(-5, 5))
    assert pd.n_states == 4 and not pd.has_energy
    sol = dyn.solve(pd, (0.0, 200.0), pd.initial_state())
    np.testing.assert_allclose(sol.y[:2, -1], [5.0, 5.0], atol=1e-4)


@pytest.mark.parametrize(
    "kwargs, exc",
    [
        (dict(Q=np.array([[1.0, 0.0], [0.0, -1.0]]), c=[0, 0]), ValueError),  # not convex
        (dict(Q=np.array([[1.0, 2.0], [0.0, 1.0]]), c=[0, 0]), ValueError),  # not symmetric
        (dict(Q="Q", c=[0, 0]), TypeError),
        (dict(Q=np.eye(2), c=[0, 0, 0]), ValueError),
        (dict(Q=np.eye(2), c=[0, 0], A_ub=np.ones((1, 2))), ValueError),  # b_ub missing
        (dict(Q=np.eye(2), c=[0, 0], A_ub=np.ones((1, 3)), b_ub=[1]), ValueError),
        (dict(Q=np.eye(2), c=[0, 0], bounds=(1, 0)), ValueError),
        (dict(Q=np.eye(2), c=[0, 0], bounds=5), TypeError),
        (dict(Q=np.eye(2), c=[0, 0], t_end=-1.0), ValueError),
        (dict(Q=np.eye(2), c=[0, 0], lam=0.0), ValueError),
    ],
)
def test_bad_input(kwargs, exc):
    with pytest.raises(exc):
        dyn.solve_qp(**kwargs)
