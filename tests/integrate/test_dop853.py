"""DOP853 (Dormand & Prince 8(5,3), Hairer's code): order 8, 7th-order dense output with
extra stages evaluated only where needed, agreement with scipy's DOP853, events, t_eval,
ensembles, method="auto", and the tableau's self-checks."""

import dataclasses

import numpy as np
import pytest
from dop853_kernels import first_coordinate, kepler_exact, kepler_rhs, kepler_start
from integrate_kernels import lorenz_rhs, oscillator_rhs
from scipy.integrate import solve_ivp

import dynamics as dyn
from dynamics.integrate.tableaus import DOP853, DOPRI5, TABLEAUS

ECC = 0.1  # a mildly eccentric Kepler orbit: nonlinear, with an exact solution
LORENZ_P = [10.0, 28.0, 8.0 / 3.0]


def _lorenz_py(t, x):
    return [10.0 * (x[1] - x[0]), x[0] * (28.0 - x[2]) - x[1], x[0] * x[1] - 8.0 / 3.0 * x[2]]


def _fixed():
    return dataclasses.replace(DOP853, adaptive=False, name="dop853-fixed")


def _slopes(errors):
    e = np.asarray(errors)
    return np.log2(e[:-1] / e[1:])


def test_fixed_step_convergence_order_8_on_the_kepler_problem():
    model = dyn.UserModel(kepler_rhs, n_states=4)
    t1 = 2.0
    errs = []
    for n_steps in (10, 20, 40):
        sol = dyn.solve(model, (0.0, t1), kepler_start(ECC), method=_fixed(), dt=t1 / n_steps)
        assert sol.nfev == 12 * n_steps + 1  # 12 per step (FSAL), no extra stages
        errs.append(np.max(np.abs(sol.y[:, -1] - kepler_exact(t1, ECC))))
    assert np.all(_slopes(errs) > 7.5), (errs, _slopes(errs))


def test_dense_output_has_order_7():
    # one step from the exact state: the interpolant's local error is O(h^8)
    model = dyn.UserModel(kepler_rhs, n_states=4)
    errs = []
    for h in (0.4, 0.2, 0.1):
        sol = dyn.solve(model, (0.0, h), kepler_start(ECC), method=_fixed(), dt=h,
                        dense_output=True)
        assert sol.nfev == 12 + 1 + 3  # the step, f at the end, the 3 extra stages
        errs.append(max(np.max(np.abs(sol.sol(th * h) - kepler_exact(th * h, ECC)))
                        for th in (0.25, 0.5, 0.75)))
    slopes = _slopes(errs)
    assert np.all(slopes > 7.5) and np.all(slopes < 8.7), (errs, slopes)


def test_matches_scipy_dop853_at_rtol_1e_10():
    model = dyn.UserModel(lorenz_rhs, n_states=3, params=LORENZ_P)
    y0 = [1.0, 1.0, 1.0]
    ref = solve_ivp(_lorenz_py, (0.0, 2.0), y0, method="DOP853", rtol=1e-10, atol=1e-12)
    sol = dyn.solve(model, (0.0, 2.0), y0, method="dop853", rtol=1e-10, atol=1e-12)
    assert sol.status == 0 and sol.method == "dop853"
    np.testing.assert_allclose(sol.y[:, -1], ref.y[:, -1], rtol=1e-9)
    assert abs(sol.nfev - ref.nfev) <= 0.03 * ref.nfev, (sol.nfev, ref.nfev)
    # with scipy's step-factor bounds (0.2, 10) instead of Hairer's (0.333, 6): the same
    # controller as scipy's, step for step
    scipy_like = dataclasses.replace(DOP853, factor_min=0.2, factor_max=10.0, name="sp")
    same = dyn.solve(model, (0.0, 2.0), y0, method=scipy_like, rtol=1e-10, atol=1e-12)
    assert same.nfev == ref.nfev
    np.testing.assert_allclose(same.y[:, -1], ref.y[:, -1], rtol=1e-9)


def test_lorenz_at_rtol_1e_10_needs_far_fewer_evaluations_than_dopri5():
    model = dyn.UserModel(lorenz_rhs, n_states=3, params=LORENZ_P)
    kw = dict(rtol=1e-10, atol=1e-12)
    a = dyn.solve(model, (0.0, 10.0), [1.0, 1.0, 1.0], method="dop853", **kw)
    b = dyn.solve(model, (0.0, 10.0), [1.0, 1.0, 1.0], method="dopri5", **kw)
    assert a.status == 0 and b.status == 0
    assert b.nfev >= 2.0 * a.nfev, (a.nfev, b.nfev)


def test_t_eval_events_and_dense_output_with_extra_stages_only_where_needed():
    model = dyn.UserModel(oscillator_rhs, n_states=2)
    kw = dict(method="dop853", rtol=1e-10, atol=1e-12)
    plain = dyn.solve(model, (0.0, 10.0), [1.0, 0.0], **kw)
    t_eval = np.linspace(0.0, 10.0, 7)
    sol = dyn.solve(model, (0.0, 10.0), [1.0, 0.0], t_eval=t_eval, events=first_coordinate,
                    dense_output=True, **kw)
    assert sol.status == 0 and sol.naccepted == plain.naccepted
    np.testing.assert_allclose(sol.y[0], np.cos(t_eval), atol=1e-9)
    np.testing.assert_allclose(sol.t_events[0], np.pi / 2 + np.pi * np.arange(3), atol=1e-10)
    tt = np.linspace(0.0, 10.0, 333)
    np.testing.assert_allclose(sol.sol(tt), np.stack([np.cos(tt), -np.sin(tt)]), atol=1e-9)
    # dense output needs the extra stages on every step
    assert sol.nfev == plain.nfev + 3 * sol.naccepted
    # t_eval and events alone: extra stages only on the steps with an output time inside
    # or a crossing (at most 5 interior output times + 3 crossings here)
    few = dyn.solve(model, (0.0, 10.0), [1.0, 0.0], t_eval=t_eval, events=first_coordinate,
                    **kw)
    np.testing.assert_array_equal(few.y, sol.y)
    np.testing.assert_array_equal(few.t_events[0], sol.t_events[0])
    extra = few.nfev - plain.nfev
    assert extra % 3 == 0 and 3 <= extra <= 3 * 8, extra
    # a terminal event ends the solution at the crossing
    term = dyn.Event(first_coordinate, terminal=True)
    stop = dyn.solve(model, (0.0, 10.0), [1.0, 0.0], events=term, **kw)
    assert stop.status == 2
    np.testing.assert_allclose(stop.t[-1], np.pi / 2, atol=1e-10)


def test_ensemble_with_dop853_equals_single_solves():
    model = dyn.UserModel(lorenz_rhs, n_states=3, params=LORENZ_P)
    Y0 = np.array([[1.0, 1.0, 1.0], [-2.0, 0.5, 20.0], [0.1, -0.1, 5.0]])
    t_eval = np.linspace(0.0, 1.5, 11)
    ens = dyn.solve_ensemble(model, (0.0, 1.5), Y0, method="dop853", rtol=1e-10,
                             atol=1e-12, t_eval=t_eval)
    for k in range(len(Y0)):
        one = dyn.solve(model, (0.0, 1.5), Y0[k], method="dop853", rtol=1e-10, atol=1e-12,
                        t_eval=t_eval)
        np.testing.assert_array_equal(ens.y[k], one.y)
        assert ens.nfev[k] == one.nfev


def test_auto_picks_dop853_at_tight_tolerance():
    model = dyn.UserModel(oscillator_rhs, n_states=2)
    pick = {rtol: dyn.solve(model, (0.0, 1.0), [1.0, 0.0], method="auto", rtol=rtol).method
            for rtol in (1e-3, 1e-4, 1e-6, 1e-9, 1e-12)}
    assert pick == {1e-3: "bs32", 1e-4: "bs32", 1e-6: "dopri5", 1e-9: "dop853",
                    1e-12: "dop853"}
    assert "dop853" in dyn.METHODS


def test_dop853_tableau_data_and_self_checks():
    assert DOP853.n_stages == 13 and DOP853.n_extra_stages == 3
    assert DOP853.n_dense_rows == 8 and DOP853.fsal and DOP853.order == 8
    assert (DOP853.factor_min, DOP853.factor_max, DOP853.beta) == (0.333, 6.0, 0.0)
    assert (DOPRI5.factor_min, DOPRI5.factor_max, DOPRI5.beta) == (0.2, 10.0, 0.04)
    # the interpolant, written as weights over the stages, ends at y_{n+1} = y_n + h b.K
    np.testing.assert_allclose(DOP853.dense_weights(1.0)[:13], DOP853.b, atol=1e-13)
    assert np.all(DOP853.dense_weights(0.0) == 0.0)
    for tab in TABLEAUS.values():
        assert tab.D.shape[1] == tab.A.shape[0]
    bad_c = DOP853.c.copy()
    bad_c[14] = 0.21  # an extra stage whose row does not sum to its node
    with pytest.raises(ValueError, match="rows of A must sum to c"):
        dataclasses.replace(DOP853, c=bad_c)
    rows = DOP853.dense_rows.copy()
    rows[2, 13] *= 1.001
    with pytest.raises(ValueError, match="not of order 7"):
        dataclasses.replace(DOP853, dense_rows=rows)
    with pytest.raises(ValueError, match="e3"):
        dataclasses.replace(DOP853, e3=DOP853.E3 + 0.1)
    with pytest.raises(ValueError, match="factor_min"):
        dataclasses.replace(DOP853, factor_min=1.5)


def test_combined_error_estimate_is_hairers():
    """err = err5^2 / sqrt(err5^2 + 0.01 err3^2), as in DOP853 (and scipy): a single step
    rejected or accepted exactly as the formula says, checked through the step size chosen."""
    from dynamics.integrate.engine import step_error

    rng = np.random.default_rng(0)
    K = rng.normal(size=(16, 5))
    y = rng.normal(size=5)
    y_new = y + 0.1 * rng.normal(size=5)
    atol = np.full(5, 1e-6)
    h = 0.3
    scale = atol + 1e-4 * np.maximum(np.abs(y), np.abs(y_new))
    e5 = h * (DOP853.e @ K[:13]) / scale
    e3 = h * (DOP853.E3 @ K[:13]) / scale
    n5, n3 = np.sum(e5**2), np.sum(e3**2)
    expected = n5 / np.sqrt(5 * (n5 + 0.01 * n3))
    got = step_error(h, DOP853.e, DOP853.E3, True, K, y, y_new, atol, 1e-4, np.empty(5))
    assert got == pytest.approx(expected, rel=1e-13)


def test_delay_equation_with_dop853_uses_its_7th_order_past():
    from tests.integrate.dde_kernels import mackey_glass, negative_feedback
    from tests.integrate.test_dde import evaluate, exact_pieces

    # u' = -u(t - 1), u = 0 before 0, u(0) = 1: polynomial pieces of degree <= 5 on [0, 6],
    # which dop853 and its 7th-order past reproduce to round-off (dopri5's 4th-order one not)
    feedback = dyn.UserDelayModel(negative_feedback, n_states=1, delays=[1.0])
    t = np.linspace(0.0, 6.0, 601)
    exact = evaluate(exact_pieces(0.0, 1.0, 6), t)
    errors = {}
    for method in ("dop853", "dopri5"):
        sol = dyn.solve_dde(feedback, (0.0, 6.0), 0.0, y0=[1.0], rtol=1e-8, atol=1e-10,
                            t_eval=t, method=method, dense_output=True)
        assert sol.status == 0 and sol.method == f"{method}-dde"
        errors[method] = np.abs(sol.y[0] - exact).max()
        np.testing.assert_allclose(sol.sol(t)[0], sol.y[0], atol=1e-14)
    assert errors["dop853"] < 1e-11 and errors["dopri5"] > 1e-9, errors
    # a chaotic one: dop853 at rtol 1e-10 against dopri5 at 1e-12, with fewer evaluations
    mg = dyn.UserDelayModel(mackey_glass, 1, delays=[17.0], params=[0.2, 0.1, 10.0])
    a = dyn.solve_dde(mg, (0.0, 100.0), 0.5, rtol=1e-10, atol=1e-12, method="dop853",
                      t_eval=[50.0, 100.0])
    b = dyn.solve_dde(mg, (0.0, 100.0), 0.5, rtol=1e-12, atol=1e-14, t_eval=[50.0, 100.0])
    np.testing.assert_allclose(a.y, b.y, atol=1e-8)
    assert a.nfev < b.nfev
    with pytest.raises(ValueError, match="method"):
        dyn.solve_dde(feedback, (0.0, 1.0), 0.0, method="rk4")
