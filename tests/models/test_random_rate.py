"""RandomRateNetwork: kernels against numpy, Jacobian against finite differences, the batch
kernel against the single one, couplings statistics, bad input."""

import numpy as np
import pytest

import dynamics as dyn


def test_rhs_jacobian_batch_match_numpy():
    net = dyn.RandomRateNetwork(30, 1.7, seed=2)
    J = net.J
    assert np.all(np.diag(J) == 0.0)
    x = np.random.default_rng(0).normal(size=30)
    np.testing.assert_allclose(net.rhs(x), -x + 1.7 * J @ np.tanh(x), rtol=1e-13, atol=1e-13)
    exact = -np.eye(30) + 1.7 * J * (1 - np.tanh(x) ** 2)[None, :]
    np.testing.assert_allclose(net.jacobian(x), exact, rtol=1e-13, atol=1e-13)
    h = 1e-6
    fd = np.column_stack(
        [(net.rhs(x + h * e) - net.rhs(x - h * e)) / (2 * h) for e in np.eye(30)]
    )
    np.testing.assert_allclose(net.jacobian(x), fd, atol=1e-8)
    X = np.random.default_rng(1).normal(size=(7, 30))
    out = np.empty_like(X)
    net.rhs_batch_kernel(np.zeros(7), X, net.params, out)  # bare params: row by row
    rows = np.array([net.rhs(r) for r in X])
    np.testing.assert_allclose(out, rows, rtol=1e-12, atol=1e-12)
    work = net.ensemble_params(7)  # the ensemble's work copy: one matrix-matrix product
    assert work.size == net.params.size + net.work_size + 7 * 30
    net.rhs_batch_kernel(np.zeros(7), X, work, out)
    np.testing.assert_allclose(out, rows, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(work[: net.params.size], net.params)


def test_couplings_depend_on_seed_not_gain():
    a = dyn.RandomRateNetwork(400, 0.5, seed=3)
    b = dyn.RandomRateNetwork(400, 2.5, seed=3)
    np.testing.assert_array_equal(a.J, b.J)
    np.testing.assert_array_equal(a.with_gain(2.5).params, b.params)
    off = a.J[~np.eye(400, dtype=bool)]
    assert abs(off.mean()) < 3 * 0.05 / 400  # N(0, 1/N) entries: mean 0
    assert abs(off.var() * 400 - 1.0) < 0.02
    assert not np.array_equal(a.J, dyn.RandomRateNetwork(400, 0.5, seed=4).J)


def test_solves_and_decays_below_one():
    net = dyn.RandomRateNetwork(50, 0.5, seed=0)
    sol = dyn.solve(net, (0.0, 40.0), np.random.default_rng(0).normal(size=50))
    assert sol.success
    assert np.max(np.abs(sol.y[:, -1])) < 1e-6
    ens = dyn.solve_ensemble(net, (0.0, 5.0), np.random.default_rng(1).normal(size=(4, 50)))
    single = dyn.solve(net, (0.0, 5.0), ens.y[0, :, 0], t_eval=ens.t)
    np.testing.assert_allclose(ens.y[0], single.y, atol=1e-5)


def test_fixed_point_bounds_and_origin():
    net = dyn.RandomRateNetwork(10, 0.8, seed=1)
    lo, hi = net.fixed_point_bounds()
    np.testing.assert_allclose(hi, 0.8 * np.abs(net.J).sum(axis=1))
    fps = dyn.find_fixed_points(net, n_starts=16, seed=0)
    assert len(fps) == 1 and np.allclose(fps[0].x, 0.0) and fps[0].stable


def test_bad_input():
    with pytest.raises(ValueError, match="g"):
        dyn.RandomRateNetwork(10, -0.1)
    with pytest.raises(ValueError, match="g"):
        dyn.RandomRateNetwork(10, float("nan"))
    with pytest.raises(TypeError, match="g"):
        dyn.RandomRateNetwork(10, "1")
    with pytest.raises(ValueError, match="N"):
        dyn.RandomRateNetwork(1, 1.0)
    with pytest.raises(TypeError, match="N"):
        dyn.RandomRateNetwork(10.0, 1.0)
    with pytest.raises(TypeError, match="seed"):
        dyn.RandomRateNetwork(10, 1.0, seed="x")
    with pytest.raises(ValueError, match="J"):
        dyn.RandomRateNetwork(3, 1.0, J=np.zeros((2, 2)))
