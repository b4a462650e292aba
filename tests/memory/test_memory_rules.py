"""Learning rules: Storkey vs a literal reference, pseudo-inverse fixed points, Hebbian."""

import numpy as np
import pytest

import dynamics as dyn


def _storkey_reference(xi, zero_diagonal):
    """Storkey (1997), literally: h_ij = sum_{k != i, j} w_ik xi_k, all pairs, one pattern
    at a time, with a full copy of W per pattern."""
    n = xi.shape[1]
    w = np.zeros((n, n))
    for x in xi:
        h = np.empty((n, n))
        for i in range(n):
            for j in range(n):
                h[i, j] = sum(w[i, k] * x[k] for k in range(n) if k != i and k != j)
        dw = np.empty((n, n))
        for i in range(n):
            for j in range(n):
                dw[i, j] = (x[i] * x[j] - x[i] * h[j, i] - h[i, j] * x[j]) / n
        w = w + dw
        if zero_diagonal:
            np.fill_diagonal(w, 0.0)
    return w


@pytest.mark.parametrize("zero_diagonal", [True, False])
def test_storkey_matches_slow_reference(zero_diagonal):
    xi = dyn.random_patterns(7, 13, seed=11)
    ref = _storkey_reference(xi, zero_diagonal)
    np.testing.assert_allclose(dyn.storkey_weights(xi, zero_diagonal=zero_diagonal), ref,
                               atol=1e-13)
    # incremental learning through the network equals learning all at once
    net = dyn.HopfieldNetwork(13, rule="storkey", zero_diagonal=zero_diagonal)
    net.store(xi[:3]).store(xi[3:5]).store(xi[5]).store(xi[6:])
    np.testing.assert_allclose(net.weights, ref, atol=1e-13)
    # continuing from given weights
    w3 = dyn.storkey_weights(xi[:3], zero_diagonal=zero_diagonal)
    np.testing.assert_allclose(
        dyn.storkey_weights(xi[3:], zero_diagonal=zero_diagonal, weights=w3), ref, atol=1e-13
    )


def test_hebbian_weights_and_incremental_store():
    xi = dyn.random_patterns(5, 30, seed=1)
    expected = sum(np.outer(x, x) for x in xi) / 30
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(dyn.hebbian_weights(xi), expected)
    net = dyn.HopfieldNetwork(30).store(xi[:2]).store(xi[2:])
    np.testing.assert_allclose(net.weights, expected)
    assert net.n_patterns == 5 and net.load == pytest.approx(5 / 30)
    full = dyn.hebbian_weights(xi, zero_diagonal=False)
    np.testing.assert_allclose(np.diag(full), 5 / 30)


@pytest.mark.parametrize("zero_diagonal", [True, False])
def test_pseudoinverse_stores_fixed_points_at_alpha_09(zero_diagonal):
    n = 100
    xi = dyn.random_patterns(90, n, seed=3)
    assert np.linalg.matrix_rank(xi) == 90
    net = dyn.HopfieldNetwork(n, rule="pseudoinverse", zero_diagonal=zero_diagonal)
    net.store(xi[:40]).store(xi[40:])  # incremental: the projector is recomputed
    w_full = dyn.pseudoinverse_weights(xi, zero_diagonal=False)
    np.testing.assert_allclose(w_full @ xi.T, xi.T, atol=1e-9)  # W xi = xi
    np.testing.assert_allclose(w_full, w_full @ w_full, atol=1e-9)  # a projector
    for mode in ("async", "sync"):
        res = net.recall(xi, mode=mode, seed=0)
        np.testing.assert_array_equal(res.states, xi)
        assert res.converged.all() and (res.sweeps == 1).all()


def test_pseudoinverse_formula_matches_explicit_inverse():
    xi = dyn.random_patterns(8, 20, seed=5)
    big_xi = xi.T  # patterns as columns, as in Personnaz et al. (1985)
    expected = big_xi @ np.linalg.inv(big_xi.T @ big_xi) @ big_xi.T
    np.testing.assert_allclose(dyn.pseudoinverse_weights(xi, zero_diagonal=False), expected,
                               atol=1e-12)


def test_pseudoinverse_dependent_patterns_warn_with_rank():
    xi = dyn.random_patterns(3, 16, seed=2)
    dependent = np.concatenate([xi, -xi[:1]])
    with pytest.warns(UserWarning, match=r"linearly dependent \(rank 3\)"):
        w = dyn.pseudoinverse_weights(dependent, zero_diagonal=False)
    np.testing.assert_allclose(w @ dependent.T, dependent.T, atol=1e-9)
    net = dyn.HopfieldNetwork(16, rule="pseudoinverse").store(xi)
    with pytest.warns(UserWarning, match="rank 3"):
        net.store(xi[1])


def test_storkey_above_hebbian():
    # at alpha = 0.2 Hebbian storage has broken down, Storkey still retrieves
    n = 300
    heb = dyn.retrieval_trial("hebbian", n, 60, flip_fraction=0.05, seed=1)
    sto = dyn.retrieval_trial("storkey", n, 60, flip_fraction=0.05, seed=1)
    assert sto["fraction_retrieved"] > 0.9 > 0.5 > heb["fraction_retrieved"]
