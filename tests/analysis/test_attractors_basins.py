"""classify_attractor on each kind of attractor, Rosenstein's estimate, and basins of a
bistable two-neuron Hopfield network (symmetry) and of a limit cycle."""

import numpy as np
import pytest

import dynamics as dyn
from tests.analysis.analysis_kernels import hopf_rhs, lorenz_jacobian, lorenz_rhs


@pytest.fixture(scope="module")
def lorenz():
    model = dyn.UserModel(lorenz_rhs, 3, [10.0, 28.0, 8.0 / 3.0], jacobian=lorenz_jacobian)
    sol = dyn.solve(model, (0.0, 100.0), [1.0, 1.0, 1.0], t_eval=np.linspace(0, 100, 10001),
                    rtol=1e-9, atol=1e-9)
    return model, sol


def test_equilibrium():
    model = dyn.two_neuron_hopfield(w12=1.0, gain_scale=2.0)
    sol = dyn.solve(model, (0.0, 60.0), [0.1, 0.3], rtol=1e-8, atol=1e-10)
    res = dyn.classify_attractor(sol)
    assert res.kind == "equilibrium" and res.period is None
    fp = dyn.find_fixed_points(model, seed=0)[1]
    np.testing.assert_allclose(res.point, fp.x, atol=1e-6)


@pytest.mark.parametrize("omega", [2.0, 0.7])
def test_limit_cycle_period(omega):
    model = dyn.UserModel(hopf_rhs, 2, [1.0, omega])
    sol = dyn.solve(model, (0.0, 150.0), [0.1, 0.0], rtol=1e-9, atol=1e-12)
    res = dyn.classify_attractor(sol)
    assert res.kind == "limit cycle"
    assert abs(res.period - 2 * np.pi / omega) < 1e-4 * 2 * np.pi / omega
    np.testing.assert_allclose(res.amplitude, 2.0, atol=1e-3)  # radius sqrt(mu) = 1


def test_chaotic_with_model_and_from_tail(lorenz):
    model, sol = lorenz
    with_model = dyn.classify_attractor(sol, model)
    assert with_model.kind == "chaotic" and with_model.lyapunov_source == "model"
    assert abs(with_model.lyapunov - 0.906) < 0.15
    from_tail = dyn.classify_attractor(sol)
    assert from_tail.kind == "chaotic" and from_tail.lyapunov_source == "tail"
    assert 0.5 < from_tail.lyapunov < 1.5  # Rosenstein et al. report 1.5 % error at 5000 pts
    given = dyn.classify_attractor(sol, lyapunov=0.0)
    assert given.kind == "not settled" and given.lyapunov_source == "given"


@pytest.mark.parametrize("second", [2.0, np.sqrt(2.0)])
def test_rosenstein_zero_for_periodic_and_quasi_periodic(second):
    t = np.linspace(0, 400, 8001)
    y = np.vstack([np.sin(t), np.cos(t), np.sin(second * t)])
    assert abs(dyn.rosenstein_lyapunov(t, y)) < 0.02


def test_not_settled():
    # growing oscillation: the spread of the two half-tails differs
    model = dyn.UserModel(hopf_rhs, 2, [1.0, 2.0])
    sol = dyn.solve(model, (0.0, 4.0), [1e-3, 0.0], rtol=1e-9, atol=1e-12)
    res = dyn.classify_attractor(sol)
    assert res.kind == "not settled" and "spread" in res.reason
    failed = dyn.classify_attractor(type("S", (), {"t": sol.t, "y": sol.y, "status": -1})())
    assert failed.kind == "not settled" and "failed" in failed.reason


def test_classify_bad_input(lorenz):
    model, sol = lorenz
    with pytest.raises(TypeError, match="solution"):
        dyn.classify_attractor([1, 2, 3])
    with pytest.raises(ValueError, match="tail"):
        dyn.classify_attractor(sol, tail=1.5)
    with pytest.raises(ValueError, match="model"):
        dyn.classify_attractor(sol, dyn.two_neuron_hopfield())
    with pytest.raises(ValueError, match="cycle_tol"):
        dyn.classify_attractor(sol, cycle_tol=-1.0)


def test_basins_bistable_hopfield_symmetry():
    model = dyn.two_neuron_hopfield(w12=1.0, gain_scale=2.0)
    axis = (np.arange(24) - 11.5) * 0.1  # symmetric about 0, exactly: -axis == axis[::-1]
    res = dyn.basins(model, (axis, axis))
    assert res.labels.shape == (24, 24)
    assert sorted(a.fixed_point.label for a in res.attractors) == [
        "saddle (index 1)", "stable node", "stable node"]
    plus = next(a.label for a in res.attractors if a.fixed_point.x[0] > 0.5)
    minus = next(a.label for a in res.attractors if a.fixed_point.x[0] < -0.5)
    saddle = next(a.label for a in res.attractors if not a.fixed_point.stable)
    gx, gy = np.meshgrid(axis, axis)
    s = gx + gy
    # the anti-diagonal is the saddle's stable manifold; either side goes to one node
    assert np.all(res.labels[s > 0] == plus)
    assert np.all(res.labels[s < 0] == minus)
    assert np.all(res.labels[s == 0] == saddle)
    # point symmetry u -> -u swaps the two basins; the swap u1 <-> u2 keeps them
    swapped = np.where(res.labels == plus, minus, np.where(res.labels == minus, plus, saddle))
    np.testing.assert_array_equal(res.labels[::-1, ::-1], swapped)
    np.testing.assert_array_equal(res.labels, res.labels.T)
    np.testing.assert_allclose(res.fractions()[[plus, minus]], 0.5 * (1 - 24 / 576))


def test_basins_limit_cycle_and_slice():
    model = dyn.UserModel(hopf_rhs, 2, [1.0, 2.0])
    axis = np.linspace(-2, 2, 9) + 0.013  # avoid the unstable origin
    res = dyn.basins(model, (axis, axis), t_end=30.0)
    assert len(res.attractors) == 1 and res.attractors[0].kind == "moving"
    radius = np.hypot(*res.attractors[0].tail)
    np.testing.assert_allclose(radius, 1.0, atol=1e-4)
    # a 2-D slice of a 4-neuron network: two uncoupled bistable pairs
    w = np.zeros((4, 4))
    w[0, 1] = w[1, 0] = w[2, 3] = w[3, 2] = 1.0
    net = dyn.ContinuousHopfield(w, gain_scale=2.0)
    sl = dyn.basins(net, (axis, axis), dims=(2, 3), base=[0.5, 0.5, 0.0, 0.0])
    assert len(sl.attractors) == 2
    assert np.all(sl.final_states[..., :2] > 0.9)


def test_basins_bad_input():
    model = dyn.two_neuron_hopfield()
    axis = np.linspace(-1, 1, 5)
    with pytest.raises(TypeError, match="grid"):
        dyn.basins(model, axis)
    with pytest.raises(ValueError, match="grid"):
        dyn.basins(model, (axis, [0.0]))
    with pytest.raises(ValueError, match="dims"):
        dyn.basins(model, (axis, axis), dims=(0, 0))
    with pytest.raises(ValueError, match="base"):
        dyn.basins(model, (axis, axis), base=[0.0])
    with pytest.raises(ValueError, match="t_end"):
        dyn.basins(model, (axis, axis), t_end=-1.0)


def test_slow_equilibrium_decided_by_negative_lyapunov():
    """A tail that jitters above eq_tol but has lambda_1 < 0 rests on a stable point."""
    net = dyn.RandomRateNetwork(20, 3.0, seed=0)
    x0 = np.random.default_rng(0).normal(size=20)
    sol = dyn.solve(net, (0.0, 300.0), x0, t_eval=np.linspace(0, 300, 6001))
    res = dyn.classify_attractor(sol, net, eq_tol=1e-8)
    assert res.kind == "equilibrium" and res.lyapunov < -0.5 and "lambda_1" in res.reason
    fp = dyn.find_fixed_points(net, n_starts=0, starts=res.point)
    assert fp[0].stable


def test_basins_moving_one_label():
    net = dyn.RandomRateNetwork(60, 2.5, seed=0)
    axis = np.linspace(-1.0, 1.0, 3) + 0.05
    base = np.random.default_rng(1).normal(size=60)
    res = dyn.basins(net, (axis, axis), base=base, t_end=30.0, moving="one")
    assert [a.kind for a in res.attractors] == ["moving"] and np.all(res.labels == 0)
    with pytest.raises(ValueError, match="moving"):
        dyn.basins(net, (axis, axis), moving="two")
