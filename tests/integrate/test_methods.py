"""Methods as data: tableau self-checks, convergence and dense-output order of bs32 and tsit5,
agreement with scipy's DOP853 at tight tolerance, method="auto" and method=Tableau."""

import dataclasses

import numpy as np
import pytest
from integrate_kernels import linear_model, lorenz_rhs, stable_matrix
from scipy.integrate import solve_ivp
from scipy.linalg import expm

import dynamics as dyn
from dynamics.integrate.tableaus import BS32, DOPRI5, TABLEAUS, TSIT5, Tableau

A_MAT = stable_matrix(seed=3, n=3)
Y0 = np.array([1.0, -0.5, 0.25])
T1 = 2.0


def exact(t):
    return expm(A_MAT * t) @ Y0


def _fixed(tab: Tableau) -> Tableau:
    return dataclasses.replace(tab, adaptive=False, name=f"{tab.name}-fixed")


@pytest.mark.parametrize("tab", [BS32, TSIT5, DOPRI5], ids=lambda t: t.name)
def test_convergence_order_of_the_solution_and_of_the_dense_output(tab):
    model = linear_model(A_MAT)
    errs, dense_errs = [], []
    steps = [0.1, 0.05, 0.025]
    for dt in steps:
        sol = dyn.solve(model, (0.0, T1), Y0, method=_fixed(tab), dt=dt, dense_output=True)
        errs.append(np.max(np.abs(sol.y[:, -1] - exact(T1))))
        mids = np.arange(0.5 * dt, T1, dt)[:-1]  # step midpoints
        dense_errs.append(max(np.max(np.abs(sol.sol(t) - exact(t))) for t in mids))
    order = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    dense = np.log2(np.array(dense_errs[:-1]) / np.array(dense_errs[1:]))
    assert np.all(order > tab.order - 0.3), order
    # the interpolant's local error is O(h^(dense_order+1)), on top of the global error
    assert np.all(dense > min(tab.order, tab.dense_order) - 0.4), dense


@pytest.mark.parametrize("name", ["bs32", "tsit5", "dopri5"])
def test_adaptive_methods_agree_with_scipy_dop853_at_tight_tolerance(name):
    model = dyn.UserModel(lorenz_rhs, n_states=3, params=[10.0, 28.0, 8.0 / 3.0])
    rtol = 1e-7 if name == "bs32" else 1e-11
    ref = solve_ivp(
        lambda t, x: [10.0 * (x[1] - x[0]), x[0] * (28.0 - x[2]) - x[1],
                      x[0] * x[1] - 8.0 / 3.0 * x[2]],
        (0.0, 2.0), [1.0, 1.0, 1.0], method="DOP853", rtol=1e-13, atol=1e-13,
    )
    sol = dyn.solve(model, (0.0, 2.0), [1.0, 1.0, 1.0], method=name, rtol=rtol,
                    atol=rtol * 1e-2, t_eval=[0.5, 1.0, 2.0], dense_output=True)
    assert sol.status == 0 and sol.method == name
    scale = np.max(np.abs(ref.y[:, -1]))
    np.testing.assert_allclose(sol.y[:, -1], ref.y[:, -1], atol=300 * rtol * scale)


def test_tsit5_needs_fewer_steps_than_bs32_at_tight_tolerance_and_ensemble_agrees():
    model = linear_model(A_MAT)
    a = dyn.solve(model, (0.0, T1), Y0, method="tsit5", rtol=1e-9, atol=1e-12)
    b = dyn.solve(model, (0.0, T1), Y0, method="bs32", rtol=1e-9, atol=1e-12)
    assert a.nfev < b.nfev / 3
    np.testing.assert_allclose(a.y[:, -1], exact(T1), atol=1e-8)
    ens = dyn.solve_ensemble(model, (0.0, T1), np.stack([Y0, -Y0]), method="tsit5",
                             rtol=1e-9, atol=1e-12, t_eval=[0.3, T1])
    one = dyn.solve(model, (0.0, T1), Y0, method="tsit5", rtol=1e-9, atol=1e-12,
                    t_eval=[0.3, T1])
    np.testing.assert_array_equal(ens.y[0], one.y)


def test_auto_chooses_by_tolerance():
    model = linear_model(A_MAT)
    assert dyn.solve(model, (0.0, 1.0), Y0, method="auto", rtol=1e-3).method == "bs32"
    assert dyn.solve(model, (0.0, 1.0), Y0, method="auto", rtol=1e-8).method == "dopri5"
    assert "bs32" in dyn.METHODS and "tsit5" in dyn.METHODS


def test_tableaus_check_themselves():
    for tab in TABLEAUS.values():
        assert tab.Q.shape == (4, tab.n_stages)
    with pytest.raises(ValueError, match="rows of A must sum to c"):
        dataclasses.replace(BS32, c=np.array([0.0, 0.5, 0.7, 1.0]))
    with pytest.raises(ValueError, match="b must sum to 1"):
        dataclasses.replace(BS32, b=np.array([0.3, 1 / 3, 4 / 9, 0.0]))
    with pytest.raises(ValueError, match="error weights"):
        dataclasses.replace(BS32, e=np.array([0.1, 0.0, 0.0, 0.0]))
    with pytest.raises(ValueError, match="fsal"):
        dataclasses.replace(TSIT5, A=np.tril(TSIT5.A, -1) * np.r_[[1.0] * 6, [0.9]][:, None],
                            c=np.tril(TSIT5.A, -1).sum(1) * np.r_[[1.0] * 6, [0.9]])
    with pytest.raises(ValueError, match="interpolant must end"):
        dataclasses.replace(TSIT5, P=TSIT5.P * 1.01)
