"""QUBO / Ising problems and their network solvers, checked against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import dynamics as dyn


def all_spins(n):
    return np.array(list(itertools.product([-1.0, 1.0], repeat=n)))


def brute_force(ising):
    S = all_spins(ising.n)
    E = ising.energy(S)
    k = int(np.argmin(E))
    return S[k], float(E[k])


def random_ising(n, seed, sparse=False, fields=True):
    rng = np.random.default_rng(seed)
    J = rng.normal(size=(n, n))
    J = J + J.T
    if sparse:
        J[rng.random((n, n)) < 0.6] = 0.0
        J = np.triu(J, 1)
        J = J + J.T
    h = rng.normal(size=n) if fields else None
    return dyn.Ising(sp.csr_matrix(J) if sparse else J, h, offset=rng.normal())


# ---------------------------------------------------------------- problems and conversion


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 7), seed=st.integers(0, 10_000))
def test_qubo_ising_conversion_is_exact(n, seed):
    rng = np.random.default_rng(seed)
    Q = rng.normal(size=(n, n))  # not symmetric, with a diagonal
    c = rng.normal(size=n)
    qubo = dyn.QUBO(Q, c, offset=0.7)
    ising = qubo.to_ising()
    X = all_spins(n) * 0.5 + 0.5
    S = 2 * X - 1
    direct = np.einsum("ki,ij,kj->k", X, Q, X) + X @ c + 0.7
    np.testing.assert_allclose(qubo.objective(X), direct, atol=1e-10)
    np.testing.assert_allclose(ising.energy(S), direct, atol=1e-10)
    np.testing.assert_allclose(qubo.network_energy(X), direct, atol=1e-10)
    back = ising.to_qubo()
    np.testing.assert_allclose(back.objective(X), direct, atol=1e-10)


def test_ising_diagonal_goes_to_offset_and_sparse_matches_dense():
    rng = np.random.default_rng(3)
    J = rng.normal(size=(6, 6))
    J = J + J.T
    dense = dyn.Ising(J, np.ones(6))
    sparse = dyn.Ising(sp.csr_matrix(J), np.ones(6))
    S = all_spins(6)
    ref = -0.5 * np.einsum("ki,ij,kj->k", S, J, S) - S.sum(1)
    np.testing.assert_allclose(dense.energy(S), ref, atol=1e-10)
    np.testing.assert_allclose(sparse.energy(S), ref, atol=1e-10)
    assert np.all(dense.J.diagonal() == 0) and sparse.sparse
    # flipping spin i changes E by 2 s_i F_i
    s = S[17]
    F = dense.local_fields(s)
    for i in range(6):
        t = s.copy()
        t[i] = -t[i]
        assert dense.energy(t) - dense.energy(s) == pytest.approx(2 * s[i] * F[i])


def test_number_partitioning_energy_is_squared_difference():
    a = np.array([3.0, 1.0, 1.0, 2.0, 2.0, 1.0])
    ising = dyn.number_partitioning(a)
    S = all_spins(a.size)
    np.testing.assert_allclose(ising.energy(S), (S @ a) ** 2, atol=1e-9)
    res = dyn.solve_ising(ising, "dsb", seed=0, agents=16, steps=300)
    assert res.energy == pytest.approx(0.0)  # 3+2 = 1+1+2+1
    assert float(res.spins @ a) == 0.0


# ---------------------------------------------------------------- solvers vs brute force


@pytest.mark.parametrize("method", ["dsb", "bsb", "anneal", "descent", "graded"])
@pytest.mark.parametrize("seed", [0, 1])
def test_solvers_find_brute_force_optimum(method, seed):
    n = 12 if method != "graded" else 10
    ising = random_ising(n, seed=100 + seed, sparse=seed == 1)
    _, e_opt = brute_force(ising)
    options = {
        "dsb": dict(agents=32, steps=500),
        "bsb": dict(agents=32, steps=500),
        "anneal": dict(sweeps=300, restarts=5),
        "descent": dict(restarts=200),
        "graded": dict(restarts=8),
    }[method]
    res = dyn.solve_ising(ising, method, seed=seed, **options)
    assert res.energy == pytest.approx(e_opt, abs=1e-9)
    assert res.energy == pytest.approx(ising.energy(res.spins))
    assert set(np.unique(res.spins)) <= {-1, 1} and res.spins.dtype == np.int8
    assert np.all(np.diff(res.energy_trace) <= 1e-12)  # best so far never rises
    assert res.time_trace.shape == res.energy_trace.shape
    assert res.seed == seed and res.time_s >= res.time_to_best_s >= 0


def spins_from_codes(codes, n):
    return ((codes[:, None] >> np.arange(n)) & 1) * 2.0 - 1.0


def test_maxcut_brute_force_20_nodes():
    graph = dyn.random_maxcut(20, 0.4, "pm1", seed=5)
    ising = graph.to_ising()
    best = -np.inf
    for start in range(0, 2**20, 2**16):
        S = spins_from_codes(np.arange(start, start + 2**16), 20)
        best = max(best, float(np.max(-ising.energy(S))))
    # E(s) = -cut(s) for every partition (checked on a sample against the edge sum)
    S = spins_from_codes(np.arange(0, 2**20, 4099), 20)
    direct = np.array([graph.w[(r > 0)[graph.i] != (r > 0)[graph.j]].sum() for r in S])
    np.testing.assert_allclose(-ising.energy(S), direct)
    for method, kw in [("dsb", dict(agents=32, steps=1000)), ("bsb", dict(agents=32, steps=1000)),
                       ("anneal", dict(sweeps=500, restarts=4))]:
        res = dyn.solve_maxcut(graph, method, seed=2, **kw)
        assert res.cut == best, method
        assert res.cut == dyn.cut_value(graph, res.partition)
        assert res.cut_trace[-1] == best


def test_qubo_solver_brute_force():
    rng = np.random.default_rng(9)
    Q = rng.integers(-5, 6, size=(14, 14)).astype(float)
    c = rng.integers(-3, 4, size=14).astype(float)
    qubo = dyn.QUBO(Q, c)
    X = all_spins(14) * 0.5 + 0.5
    f_opt = float(qubo.objective(X).min())
    res = dyn.solve_qubo(qubo, "dsb", seed=1, agents=32, steps=800)
    assert res.objective == pytest.approx(f_opt)
    assert set(np.unique(res.x)) <= {0, 1}
    assert res.objective == pytest.approx(qubo.objective(res.x))


def test_descent_reaches_a_local_minimum_and_never_rises():
    ising = random_ising(40, seed=4, sparse=True)
    res = dyn.hopfield_descent(ising, seed=3)
    s = res.spins.astype(float)
    F = ising.local_fields(s)
    assert np.all(s * F >= -1e-12)  # no single flip lowers E
    assert "local minimum" in res.message


@settings(max_examples=20, deadline=None)
@given(n=st.integers(2, 30), seed=st.integers(0, 10_000))
def test_descent_energy_never_increases(n, seed):
    ising = random_ising(n, seed=seed, sparse=seed % 2 == 0)
    res = dyn.hopfield_descent(ising, seed=seed)
    sweeps = res.extra["sweep_energy"]
    assert np.all(np.diff(sweeps) <= 1e-9)
    assert sweeps[-1] == pytest.approx(res.energy)


def test_anneal_sweep_energies_are_reported():
    ising = random_ising(20, seed=2)
    res = dyn.glauber_annealing(ising, sweeps=50, seed=0)
    assert res.extra["sweep_energy"].size >= 50
    assert res.extra["sweep_energy"][-1] == pytest.approx(res.energy)


def test_graded_network_energy_descends_along_dyn_solve():
    ising = random_ising(8, seed=11, fields=False)
    res = dyn.graded_network(ising, seed=0)
    assert len(res.extra["network_energy"]) == 12 and res.iterations == 12
    assert res.extra["betas"][0] < res.extra["betas"][-1]


def test_sb_options_and_reproducibility():
    graph = dyn.random_maxcut(60, 0.2, "one", seed=1)
    a = dyn.solve_maxcut(graph, "dsb", seed=7, agents=8, steps=200)
    b = dyn.solve_maxcut(graph, "dsb", seed=7, agents=8, steps=200)
    np.testing.assert_array_equal(a.partition, b.partition)
    assert a.cut == b.cut
    c = dyn.solve_maxcut(graph, "bsb", seed=7, agents=8, steps=200, dtype="float64",
                         polish=True)
    assert c.method == "bsb+descent" and "polished" in c.ising.message
    d = dyn.solve_maxcut(graph, "dsb", seed=7, agents=8, steps=200, target_cut=1.0)
    assert "target" in d.ising.message and d.ising.iterations < 200
    e = dyn.solve_maxcut(graph, "dsb", seed=7, agents=4, steps=100, time_limit=0.3)
    assert e.ising.restarts >= 1 and e.time_s < 5
    # the step is reduced for positive-weight graphs (large negative mode of J = -w/2)
    assert dyn.stable_dt(graph.to_ising()) < 1.25
    same_rng = dyn.random_maxcut(10, seed=np.random.default_rng(0))
    assert same_rng.n == 10


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda: dyn.Ising("J"), TypeError),
        (lambda: dyn.Ising(np.ones((2, 3))), ValueError),
        (lambda: dyn.Ising(np.array([[0, np.nan], [np.nan, 0]])), ValueError),
        (lambda: dyn.QUBO(np.eye(3), c=[1, 2]), ValueError),
        (lambda: dyn.Ising(np.eye(2)).energy([1, 0]), ValueError),
        (lambda: dyn.QUBO(np.eye(2)).objective([1, -1]), ValueError),
        (lambda: dyn.solve_ising(np.eye(2)), TypeError),
        (lambda: dyn.solve_ising(dyn.Ising(np.eye(2)), "magic"), ValueError),
        (lambda: dyn.simulated_bifurcation(dyn.Ising(np.eye(2)), variant="x"), ValueError),
        (lambda: dyn.simulated_bifurcation(dyn.Ising(np.eye(2)), agents=0), ValueError),
        (lambda: dyn.simulated_bifurcation(dyn.Ising(np.eye(2)), steps=1.5), TypeError),
        (lambda: dyn.simulated_bifurcation(dyn.Ising(np.eye(2)), dtype="int"), ValueError),
        (lambda: dyn.hopfield_descent(dyn.Ising(np.eye(2)), seed=-1), ValueError),
        (lambda: dyn.hopfield_descent(dyn.Ising(np.eye(2)), seed="a"), TypeError),
        (lambda: dyn.hopfield_descent(dyn.Ising(np.eye(2)), s0=[1, 2]), ValueError),
        (lambda: dyn.glauber_annealing(dyn.Ising(np.eye(2)), T0=1.0, T1=2.0), ValueError),
        (lambda: dyn.graded_network(dyn.Ising(np.eye(2)), beta_end=0.1), ValueError),
        (lambda: dyn.number_partitioning([1.0]), ValueError),
        (lambda: dyn.solve_maxcut(dyn.random_maxcut(5, seed=0), "descent", target_cut=3),
         ValueError),
    ],
)
def test_bad_input(call, exc):
    with pytest.raises(exc):
        call()
