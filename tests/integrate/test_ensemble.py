"""solve_ensemble: equal to one-by-one solves; own step size and own stop per trajectory."""

import numpy as np
import pytest
from integrate_kernels import linear_model, stable_matrix

import dynamics as dyn


@pytest.mark.parametrize("method", ["dopri5", "rk4", "euler"])
def test_ensemble_equals_one_by_one(method):
    model = dyn.random_hopfield(20, seed=5, gain_scale=2.5, input_scale=0.2)
    Y0 = np.random.default_rng(6).normal(size=(9, 20))
    t_eval = np.linspace(0.0, 4.0, 9)
    kwargs = {"dt": 0.01} if method != "dopri5" else {"rtol": 1e-8, "atol": 1e-10}
    ens = dyn.solve_ensemble(model, (0.0, 4.0), Y0, method=method, t_eval=t_eval, **kwargs)
    assert ens.y.shape == (9, 20, 9)
    assert ens.energy.shape == (9, 9)
    for k in range(9):
        one = dyn.solve(model, (0.0, 4.0), Y0[k], method=method, t_eval=t_eval, **kwargs)
        # BLAS-3 (ensemble) and BLAS-2 (single) round differently; agreement is to rounding
        np.testing.assert_allclose(ens.y[k], one.y, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(ens.energy[k], one.energy, rtol=1e-9, atol=1e-11)
        assert ens.naccepted[k] == one.naccepted
        assert ens.nfev[k] == one.nfev
    assert np.all(ens.status == 0)
    assert not ens.energy_increases.any()


def test_model_without_batch_kernel_is_exactly_one_by_one():
    model = linear_model(stable_matrix())
    Y0 = np.random.default_rng(0).normal(size=(5, 3))
    t_eval = np.linspace(0.0, 2.0, 5)
    ens = dyn.solve_ensemble(model, (0.0, 2.0), Y0, t_eval=t_eval)
    assert ens.energy is None
    for k in range(5):
        one = dyn.solve(model, (0.0, 2.0), Y0[k], t_eval=t_eval)
        np.testing.assert_array_equal(ens.y[k], one.y)


def test_each_trajectory_keeps_its_own_step_size():
    """A fast trajectory (large state, fast decay) must not slow down a slow one."""
    # the linear model's states decouple: diag(-50, -0.1) -- but each trajectory is the full
    # system, so instead scale the initial state: the error control is relative+absolute
    a = np.diag([-1.0, -1.0, -1.0])
    model = linear_model(a)
    Y0 = np.array([[1e-9, 1e-9, 1e-9], [1.0, 1.0, 1.0]])
    ens = dyn.solve_ensemble(model, (0.0, 10.0), Y0, rtol=1e-8, atol=1e-12)
    # the tiny state needs few steps (atol dominates), the other many more
    assert ens.naccepted[0] < ens.naccepted[1] / 2
    one = [dyn.solve(model, (0.0, 10.0), y, rtol=1e-8, atol=1e-12) for y in Y0]
    assert [s.naccepted for s in one] == list(ens.naccepted)


def test_equilibrium_stop_per_trajectory():
    patterns = np.random.default_rng(1).choice([-1.0, 1.0], size=(3, 50))
    model = dyn.hebbian_hopfield(patterns, gain_scale=5.0)
    rng = np.random.default_rng(2)
    Y0 = 0.1 * patterns[[0, 1, 2, 0]] + 0.05 * rng.normal(size=(4, 50))
    Y0[3] = 0.0  # the origin is an (unstable) equilibrium: stops at once
    ens = dyn.solve_ensemble(model, (0.0, 200.0), Y0, stop_at_equilibrium=True, eq_tol=1e-7)
    assert ens.converged.all()
    assert ens.t_final[3] == 0.0
    assert np.all(ens.t_final[:3] < 200.0)
    # after stopping, the state is held: the last output equals the equilibrium reached
    for k in range(3):
        v = np.sign(model.output(ens.y[k, :, -1]))
        overlap = abs(v @ patterns[k]) / 50
        assert overlap == 1.0
        assert np.max(np.abs(model.rhs(ens.y[k, :, -1]))) < 1e-7


def test_batches_and_progress_give_the_same_result(capsys):
    model = dyn.random_hopfield(10, seed=9, gain_scale=2.0)
    Y0 = np.random.default_rng(3).normal(size=(7, 10))
    a = dyn.solve_ensemble(model, (0.0, 2.0), Y0)
    capsys.readouterr()
    b = dyn.solve_ensemble(model, (0.0, 2.0), Y0, batch_size=3, progress=False)
    assert capsys.readouterr().err == ""
    c = dyn.solve_ensemble(model, (0.0, 2.0), Y0, batch_size=3, progress=True)
    err = capsys.readouterr().err
    assert "ensemble" in err and "3/3" in err  # the bar counted the three blocks
    np.testing.assert_allclose(a.y, b.y, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(b.y, c.y)


def test_failed_trajectory_keeps_the_others():
    from integrate_kernels import blowup_rhs

    model = dyn.UserModel(blowup_rhs, n_states=1)
    Y0 = np.array([[1.0], [-1.0]])  # the first blows up at t = 1, the second decays
    ens = dyn.solve_ensemble(model, (0.0, 2.0), Y0, t_eval=np.linspace(0.0, 2.0, 5))
    assert ens.status[0] == -1 and ens.status[1] == 0
    assert 0.99 < ens.t_final[0] < 1.001
    assert np.all(np.isfinite(ens.y[0, 0, :2]))  # t = 0 and 0.5 were reached
    np.testing.assert_allclose(ens.y[0, 0, :2], [1.0, 2.0], rtol=1e-6)
    assert np.all(np.isnan(ens.y[0, 0, 3:]))  # t = 1.5 and 2 never were
    np.testing.assert_allclose(ens.y[1, 0], -1.0 / (1.0 + ens.t), rtol=1e-6)
    assert "step size underflow" in ens.messages[0] or "non-finite" in ens.messages[0]
