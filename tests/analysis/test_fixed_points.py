"""find_fixed_points: analytic fixed points of two-neuron Hopfield networks, stability labels
of linear systems, finite-difference Jacobians, reproducibility, bad input."""

import numpy as np
import pytest

import dynamics as dyn
from tests.analysis.analysis_kernels import (
    linear_jacobian,
    linear_rhs,
    lorenz_rhs,
)


def _bisect(h, a, b, iters=200):
    fa = h(a)
    for _ in range(iters):
        c = 0.5 * (a + b)
        fc = h(c)
        if np.sign(fc) == np.sign(fa):
            a, fa = c, fc
        else:
            b = c
    return 0.5 * (a + b)


def _two_neuron_fixed_points(w12, lam, bias):
    """u1 = w12 tanh(lam u2) + I1, u2 = w12 tanh(lam u1) + I2: eliminate u2, solve the 1-D
    equation h(u1) = 0 by bisection on every sign change of a fine grid."""
    i1, i2 = bias

    def u2_of(u1):
        return w12 * np.tanh(lam * u1) + i2

    def h(u1):
        return w12 * np.tanh(lam * u2_of(u1)) + i1 - u1

    reach = abs(w12) + abs(i1) + 0.1
    grid = np.linspace(-reach, reach, 20000)  # even: 0 is no grid point
    vals = h(grid)
    roots = [
        _bisect(h, grid[k], grid[k + 1])
        for k in range(grid.size - 1)
        if np.sign(vals[k]) != np.sign(vals[k + 1])
    ]
    return np.array(sorted((r, u2_of(r)) for r in roots))


@pytest.mark.parametrize(
    "w12, lam, bias",
    [(1.0, 2.0, (0.0, 0.0)), (-1.0, 2.0, (0.1, 0.0)), (1.5, 1.5, (0.2, -0.3)), (1.0, 0.5, (0, 0))],
)
def test_two_neuron_hopfield_matches_analytic(w12, lam, bias):
    model = dyn.two_neuron_hopfield(w12=w12, gain_scale=lam, I=list(bias))
    exact = _two_neuron_fixed_points(w12, lam, bias)
    found = dyn.find_fixed_points(model, n_starts=64, seed=1)
    got = np.array(sorted(tuple(fp.x) for fp in found))
    assert got.shape == exact.shape
    np.testing.assert_allclose(got, exact, atol=1e-9)
    for fp in found:
        assert fp.residual <= 1e-10
        # the Jacobian there is -I + W diag(g'(u)): compare the eigenvalues
        gp = lam * (1 - np.tanh(lam * fp.x) ** 2)
        jac = -np.eye(2) + np.array([[0, w12], [w12, 0]]) * gp[None, :]
        exact_lam = np.sort(np.linalg.eigvals(jac).real)
        np.testing.assert_allclose(np.sort(fp.eigenvalues.real), exact_lam, atol=1e-9)
        assert fp.stable == bool(np.all(np.linalg.eigvals(jac).real < 0))
    if bias == (0, 0):
        # bistable exactly when the coupling gain exceeds the leak at the origin
        assert sum(fp.stable for fp in found) == (2 if abs(w12) * lam > 1 else 1)


def test_bistable_pair_labels():
    found = dyn.find_fixed_points(dyn.two_neuron_hopfield(w12=1.0, gain_scale=2.0), seed=0)
    assert [fp.label for fp in found] == ["stable node", "stable node", "saddle (index 1)"]
    assert [fp.index for fp in found] == [0, 0, 1]
    np.testing.assert_allclose(found[2].eigenvalues, [1.0, -3.0], atol=1e-9)


def _linear(a):
    a = np.asarray(a, dtype=float)
    return dyn.UserModel(linear_rhs, a.shape[0], a.ravel(), jacobian=linear_jacobian)


@pytest.mark.parametrize(
    "a, label, stable, index",
    [
        ([[-1.0, 0.0], [0.0, -2.0]], "stable node", True, 0),
        ([[-0.1, 1.0], [-1.0, -0.1]], "stable focus", True, 0),
        ([[1.0, 0.0], [0.0, -2.0]], "saddle (index 1)", False, 1),
        ([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, -1.0]], "saddle (index 2)", False, 2),
        ([[1.0, 0.5], [0.0, 2.0]], "unstable node", False, 2),
        ([[0.2, -1.0], [1.0, 0.2]], "unstable focus", False, 2),
        ([[0.0, 1.0], [-1.0, 0.0]], "non-hyperbolic", False, 0),
    ],
)
def test_linear_system_labels(a, label, stable, index):
    found = dyn.find_fixed_points(_linear(a), n_starts=8, seed=3)
    assert len(found) == 1
    fp = found[0]
    np.testing.assert_allclose(fp.x, 0.0, atol=1e-12)
    assert (fp.label, fp.stable, fp.index) == (label, stable, index)
    exact = np.sort_complex(np.linalg.eigvals(a))
    np.testing.assert_allclose(np.sort_complex(fp.eigenvalues), exact)


def test_finite_difference_jacobian_lorenz():
    """Without a Jacobian kernel: Lorenz's three equilibria, C+- are saddles of index 2."""
    sigma, rho, beta = 10.0, 28.0, 8.0 / 3.0
    model = dyn.UserModel(lorenz_rhs, 3, [sigma, rho, beta])
    assert model.jacobian_kernel is None
    found = dyn.find_fixed_points(model, n_starts=64, seed=0, bounds=(-30.0, 30.0))
    c = np.sqrt(beta * (rho - 1))
    exact = np.array(sorted([(0.0, 0.0, 0.0), (c, c, rho - 1), (-c, -c, rho - 1)]))
    got = np.array(sorted(tuple(fp.x) for fp in found))
    np.testing.assert_allclose(got, exact, atol=1e-8)
    labels = {fp.label for fp in found}
    assert labels == {"saddle (index 1)", "saddle (index 2)"}
    origin = [fp for fp in found if np.allclose(fp.x, 0)][0]
    lam_exact = np.sort(np.linalg.eigvals([[-sigma, sigma, 0], [rho, -1, 0], [0, 0, -beta]]).real)
    np.testing.assert_allclose(np.sort(origin.eigenvalues.real), lam_exact, rtol=1e-7)


def test_seed_reproducible_and_starts():
    model = dyn.random_hopfield(6, seed=4, gain_scale=3.0)
    a = dyn.find_fixed_points(model, n_starts=32, seed=11)
    b = dyn.find_fixed_points(model, n_starts=32, seed=np.random.default_rng(11))
    assert len(a) == len(b) >= 1
    for p, q in zip(a, b, strict=True):
        np.testing.assert_array_equal(p.x, q.x)
        assert p.label == q.label
    only = dyn.find_fixed_points(model, n_starts=0, starts=np.zeros(6))
    assert len(only) == 1 and np.allclose(only[0].x, 0.0)


def test_default_bounds_hopfield_contain_fixed_points():
    model = dyn.two_neuron_hopfield(w12=1.0, gain_scale=2.0, I=[0.5, 0.0])
    lo, hi = dyn.default_bounds(model)
    np.testing.assert_allclose(hi, [1.5, 1.0])
    np.testing.assert_allclose(lo, -hi)
    for fp in dyn.find_fixed_points(model, seed=0):
        assert np.all(fp.x >= lo) and np.all(fp.x <= hi)


def test_classify_eigenvalues_directly():
    assert dyn.classify_eigenvalues([-1.0, -2.0]) == ("stable node", True, 0)
    assert dyn.classify_eigenvalues([1 + 1j, 1 - 1j, -3.0]) == ("saddle (index 2)", False, 2)
    with pytest.raises(ValueError, match="eigenvalues"):
        dyn.classify_eigenvalues([])


def test_bad_input():
    model = dyn.two_neuron_hopfield()
    with pytest.raises(TypeError, match="model"):
        dyn.find_fixed_points("not a model")
    with pytest.raises(TypeError, match="n_starts"):
        dyn.find_fixed_points(model, n_starts=2.5)
    with pytest.raises(ValueError, match="n_starts"):
        dyn.find_fixed_points(model, n_starts=-1)
    with pytest.raises(ValueError, match="n_starts"):
        dyn.find_fixed_points(model, n_starts=0)
    with pytest.raises(ValueError, match="tol"):
        dyn.find_fixed_points(model, tol=0.0)
    with pytest.raises(ValueError, match="max_iter"):
        dyn.find_fixed_points(model, max_iter=0)
    with pytest.raises(ValueError, match="bounds"):
        dyn.find_fixed_points(model, bounds=(1.0, -1.0))
    with pytest.raises(ValueError, match="bounds"):
        dyn.find_fixed_points(model, bounds=([0, 0, 0], 1.0))
    with pytest.raises(TypeError, match="bounds"):
        dyn.find_fixed_points(model, bounds=1.0)
    with pytest.raises(ValueError, match="starts"):
        dyn.find_fixed_points(model, starts=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="starts"):
        dyn.find_fixed_points(model, starts=[[np.nan, 0.0]])
    with pytest.raises(TypeError, match="seed"):
        dyn.find_fixed_points(model, seed="abc")
