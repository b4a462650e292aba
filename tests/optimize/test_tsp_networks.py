"""Hopfield-Tank (matrix-free field = dense weights, energy gradient, non-increase along
trajectories, the published valid rate), Potts critical temperature, the elastic net."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dynamics as dyn
from dynamics.data import data_path


def _ht(n=5, seed=0, **kw):
    inst = dyn.random_instance(n, seed=seed)
    return inst, dyn.HopfieldTank(inst, **kw)


def test_matrix_free_field_equals_dense_weights_and_batch():
    _, model = _ht(6, u0=0.3, A=3.0, B=2.0, C=1.5, D=4.0, n_tilde=7.0, tau=0.7)
    rng = np.random.default_rng(1)
    U = rng.normal(0, 0.4, size=(4, model.n_states))
    T, I = model.dense_weights()
    assert np.allclose(T, T.T)
    for u in U:
        V = model.output(u).ravel()
        assert np.allclose(model.rhs(u), -u / 0.7 + T @ V + I, rtol=1e-12, atol=1e-10)
    out = np.empty_like(U)
    rows = np.array([model.rhs(u) for u in U])
    for p in (model.ensemble_params(4), model.kernel_params()):  # one product / state by state
        model.rhs_batch_kernel(np.zeros(4), U, p, out)
        assert np.allclose(out, rows, rtol=1e-12, atol=1e-10)


def test_energy_is_the_lyapunov_function_of_the_field():
    """dL/du_k = -g'(u_k) du_k/dt (central differences)."""
    _, model = _ht(5, seed=2, u0=0.2)
    u = np.random.default_rng(3).normal(0, 0.2, model.n_states)
    h = 1e-6
    fd = np.array([(model.energy(u + h * e) - model.energy(u - h * e)) / (2 * h)
                   for e in np.eye(model.n_states)])
    gprime = 0.5 * (1 - np.tanh(u / model.u0) ** 2) / model.u0
    assert np.allclose(fd, -gprime * model.rhs(u), rtol=1e-5, atol=1e-5)


def test_published_terms_at_a_tour():
    inst, model = _ht(6, seed=4)
    tour = np.array([3, 1, 0, 5, 2, 4])
    V = np.zeros((6, 6))
    V[tour, np.arange(6)] = 1.0
    u = np.where(V.ravel() > 0.5, 40.0, -40.0) * model.u0  # saturated: V = 0 or 1 to 1e-30
    terms = model.published_energy(u)
    assert terms["A"] == pytest.approx(0, abs=1e-9) and terms["B"] == pytest.approx(0, abs=1e-9)
    assert terms["C"] == pytest.approx(0.5 * 200 * (6 - 9) ** 2)
    assert terms["D"] == pytest.approx(500 * dyn.tour_length(inst, tour))
    assert np.allclose(model.output(np.full(model.n_states, model.u00)), 1 / 6)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(4, 6), seed=st.integers(0, 10_000),
       a=st.floats(0.5, 5.0), c=st.floats(0.0, 3.0), dd=st.floats(0.0, 5.0),
       u0=st.floats(0.05, 1.0), tau=st.floats(0.3, 3.0))
def test_energy_never_increases_along_trajectories(n, seed, a, c, dd, u0, tau):
    """Holds for every symmetric distance matrix and tau > 0 (module docstring)."""
    inst = dyn.random_instance(n, seed=seed)
    model = dyn.HopfieldTank(inst, A=a, B=a, C=c, D=dd, u0=u0, tau=tau)
    u_start = np.random.default_rng(seed).normal(0, u0, model.n_states)
    sol = dyn.solve(model, (0.0, 4.0), u_start, rtol=1e-9, atol=1e-11)
    assert sol.status >= 0
    rise = np.diff(sol.energy)
    assert np.all(rise <= 1e-8 * (1 + np.abs(sol.energy[:-1])))


def test_published_parameters_give_a_faithful_valid_rate():
    """Wilson & Pawley (1988): a minority of random starts reach valid tours (5-25 %)."""
    inst = dyn.load_instance(data_path("tsp10_hopfield_tank.csv"))
    res = dyn.solve_tsp(inst, "hopfield_tank", seed=0, restarts=60)
    assert 0.03 <= res.valid_rate <= 0.35
    assert res.valid and res.length >= 2.690671 - 1e-6
    assert np.isnan(res.lengths).sum() == 60 - res.n_valid


def test_brute_force_ten_city_optimum_and_polish_reaches_it():
    inst = dyn.load_instance(data_path("tsp10_hopfield_tank.csv"))
    d = inst.distances
    perms = np.array(list(itertools.permutations(range(1, 10))), dtype=np.int8)
    tours = np.hstack([np.zeros((len(perms), 1), dtype=np.int8), perms])
    lengths = d[tours, np.roll(tours, -1, axis=1)].sum(axis=1)
    assert lengths.min() == pytest.approx(2.690671, abs=5e-7)
    res = dyn.solve_tsp(inst, "elastic_net", seed=1, polish=True)
    assert res.length == pytest.approx(lengths.min(), abs=1e-9)


def test_potts_critical_temperature_matches_the_full_linearisation():
    inst = dyn.random_instance(7, seed=5)
    d = inst.distances / inst.distances[~np.eye(7, dtype=bool)].mean()
    alpha = 1.3
    n = 7
    eye, ones = np.eye(n), np.ones((n, n))
    shift = np.roll(eye, 1, axis=1) + np.roll(eye, -1, axis=1)
    L = np.kron(d, shift) + alpha * np.kron(ones - eye, eye)
    P = np.kron(eye, eye - ones / n)  # zero row sums (softmax normalisation)
    lam = np.linalg.eigvals(-P @ L @ P).real.max()
    assert dyn.potts_critical_temperature(d, alpha) == pytest.approx(lam / n, rel=1e-9)


@pytest.mark.parametrize("method", ["mean_field", "elastic_net", "hopfield_tank"])
def test_network_results_are_honest_permutations(method):
    inst = dyn.random_instance(8, seed=11)
    res = dyn.solve_tsp(inst, method, seed=3, restarts=3, repair=True)
    again = dyn.solve_tsp(inst, method, seed=3, restarts=3, repair=True)
    assert np.array_equal(res.tour, again.tour) and res.n_valid == again.n_valid
    assert sorted(res.tour) == list(range(8))
    assert res.valid == (res.n_valid > 0) and res.repaired == (res.n_valid == 0)
    assert res.length == pytest.approx(dyn.tour_length(inst, res.tour))
    assert res.energy_trace.size >= 1 and res.energy_trace.size == res.trace_x.size
    for length in res.lengths:
        assert np.isnan(length) or length >= 0
    polished = dyn.solve_tsp(inst, method, seed=3, restarts=3, repair=True, polish=True)
    assert polished.polished and polished.length <= polished.raw_length + 1e-12
    assert polished.raw_length == pytest.approx(res.length)


def test_mean_field_and_elastic_net_are_valid_on_a_tsplib_instance():
    inst = dyn.load_tsplib(data_path("tsplib/ulysses16.tsp"))
    for method in ("mean_field", "elastic_net"):
        res = dyn.solve_tsp(inst, method, seed=0, restarts=2)
        assert res.valid and res.n_valid == 2
        assert res.length <= (1.3 if method == "mean_field" else 1.05) * 6859
