"""Binary Hopfield network: recall dynamics, energy, cycles, sweeps."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dynamics as dyn
from dynamics.memory._kernels import async_recall


def _is_fixed_point(net, s):
    u = net.weights @ s - net.threshold
    return bool(np.all((np.abs(u) <= net.tie_tolerance) | (np.sign(u) == s)))


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(min_value=4, max_value=60),
    load=st.floats(min_value=0.02, max_value=0.6),
    rule=st.sampled_from(["hebbian", "storkey", "pseudoinverse"]),
    flip=st.floats(min_value=0.0, max_value=0.5),
    theta_scale=st.sampled_from([0.0, 0.1]),
    seed=st.integers(min_value=0, max_value=2**31 - 1),
)
def test_async_energy_never_increases_and_ends_in_fixed_point(n, load, rule, flip, theta_scale,
                                                               seed):
    rng = np.random.default_rng(seed)
    p = max(1, int(round(load * n)))
    xi = dyn.random_patterns(p, n, seed=rng)
    theta = theta_scale * rng.standard_normal(n)
    net = dyn.HopfieldNetwork(n, rule=rule, threshold=theta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # rank warning of dependent patterns
        net.store(xi)
    probes = np.concatenate([dyn.flip_bits(xi, flip, seed=rng),
                             dyn.random_patterns(3, n, seed=rng)])
    res = net.recall(probes, mode="async", max_sweeps=200, seed=rng)
    for k in range(probes.shape[0]):
        e = res.energy[k, : res.sweeps[k] + 1]
        assert np.all(np.isfinite(e))
        assert np.all(np.diff(e) <= 1e-9 * (1 + np.abs(e[:-1])))
        assert np.all(np.isnan(res.energy[k, res.sweeps[k] + 1:]))
        # the reported energy is the exact energy of the reported state
        assert e[-1] == pytest.approx(net.energy(res.states[k]), abs=1e-9)
    assert res.converged.all()
    assert (res.outcome == "fixed_point").all()
    for s in res.states.astype(float):
        assert _is_fixed_point(net, s)


def test_async_recall_retrieves_patterns_and_is_reproducible():
    xi = dyn.random_patterns(10, 200, seed=1)
    net = dyn.HopfieldNetwork(200).store(xi)
    probes = dyn.flip_bits(xi, 0.1, seed=2)
    a = net.recall(probes, seed=5)
    b = net.recall(probes, seed=5)
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.sweeps, b.sweeps)
    np.testing.assert_allclose(np.diag(net.overlaps(a.states)), 1.0)
    # one probe alone gives the same trajectory as in the batch (own random stream per probe:
    # probe k's stream is seeded by the k-th draw of the generator, so a generator advanced
    # by k draws replays probe k alone, whatever the other probes are)
    batch = net.recall(probes, seed=np.random.default_rng(9), record_history=True)
    assert batch.history.shape == (10, batch.sweeps.max() + 1, 200)
    np.testing.assert_array_equal(batch.history[:, 0], probes.astype(np.int8))
    np.testing.assert_array_equal(batch.history[:, -1], batch.states)
    others = dyn.random_patterns(10, 200, seed=3)
    for k in range(10):
        rng = np.random.default_rng(9)
        rng.integers(0, 2**63 - 1, size=k, dtype=np.int64)
        one = net.recall(probes[k], seed=rng, record_history=True)
        np.testing.assert_array_equal(np.reshape(one.states, (200,)), batch.states[k])
        assert int(np.reshape(one.sweeps, ())) == batch.sweeps[k]
        n_rows = batch.sweeps[k] + 1
        np.testing.assert_array_equal(one.history[0, :n_rows], batch.history[k, :n_rows])
        mixed = others.copy()
        mixed[k] = probes[k]  # the same probe among different neighbours
        alongside = net.recall(mixed, seed=np.random.default_rng(9))
        np.testing.assert_array_equal(alongside.states[k], batch.states[k])


def test_sync_two_neuron_counterexample_reports_two_cycle():
    net = dyn.HopfieldNetwork.from_weights([[0.0, -1.0], [-1.0, 0.0]])
    res = net.recall([[1, 1], [-1, -1], [1, -1]], mode="sync", max_sweeps=10)
    assert list(res.outcome) == ["two_cycle", "two_cycle", "fixed_point"]
    np.testing.assert_array_equal(res.two_cycle, [True, True, False])
    np.testing.assert_array_equal(res.converged, [False, False, True])
    np.testing.assert_array_equal(res.sweeps, [2, 2, 1])
    # the energy alternates on a 2-cycle: E(1,1) = E(-1,-1) = 1 on both states here
    np.testing.assert_allclose(res.energy[0], [1.0, 1.0, 1.0])
    # asynchronous updates of the same network always reach a fixed point
    res_async = net.recall([[1, 1], [-1, -1]], mode="async", seed=0)
    assert res_async.converged.all()
    assert set(map(tuple, res_async.states.tolist())) <= {(1, -1), (-1, 1)}


def test_sync_batch_matches_single_probe_runs_and_ends_in_fixed_point_or_2_cycle():
    rng = np.random.default_rng(3)
    n = 40
    w = rng.standard_normal((n, n))
    w = (w + w.T) / 2
    np.fill_diagonal(w, 0)
    net = dyn.HopfieldNetwork.from_weights(w)
    probes = dyn.random_patterns(30, n, seed=rng)
    batch = net.recall(probes, mode="sync", max_sweeps=500, record_history=True)
    assert set(batch.outcome) <= {"fixed_point", "two_cycle"}  # Bruck (1990)
    for k in range(5):
        single = net.recall(probes[k], mode="sync", max_sweeps=500)
        np.testing.assert_array_equal(single.states, batch.states[k])
        assert single.outcome[0] == batch.outcome[k]
    for k in np.flatnonzero(batch.outcome == "two_cycle"):
        t = batch.sweeps[k]
        np.testing.assert_array_equal(batch.history[k, t], batch.history[k, t - 2])
        assert not np.array_equal(batch.history[k, t], batch.history[k, t - 1])


def test_every_neuron_updated_exactly_once_per_sweep():
    n, n_probes, max_sweeps = 37, 4, 6
    rng = np.random.default_rng(0)
    w = rng.standard_normal((n, n))
    w = (w + w.T) / 2
    np.fill_diagonal(w, 0)
    states = dyn.random_patterns(n_probes, n, seed=1)
    fields = np.ascontiguousarray(states @ w.T)
    visits = np.zeros((n_probes, n), dtype=np.int64)
    sweeps = np.zeros(n_probes, dtype=np.int64)
    energy = np.full((n_probes, max_sweeps + 1), np.nan)
    # T > 0 runs all sweeps, T = 0 stops at the fixed point: both must visit each neuron once
    for temperature in (0.0, 1.0):
        visits[:] = 0
        async_recall(w, np.zeros(n), states.copy(), fields.copy(), max_sweeps,
                     np.arange(n_probes, dtype=np.int64), temperature, 0.0, energy, sweeps,
                     np.zeros(n_probes, dtype=np.bool_), np.zeros((0, 0, 0)), visits)
        np.testing.assert_array_equal(visits, np.repeat(sweeps[:, None], n, axis=1))
    # behaviour through the public API: W = 0, theta = -1 sets every neuron to +1 on its
    # (single) visit, so after exactly one sweep all are +1
    net = dyn.HopfieldNetwork(n, threshold=-1.0)
    res = net.recall(-np.ones((3, n)), max_sweeps=1, seed=0)
    assert (res.states == 1).all()
    assert (res.updates == n).all()


def test_tie_rule_keeps_current_state():
    net = dyn.HopfieldNetwork.from_weights(np.zeros((3, 3)))
    probe = np.array([1, -1, 1])
    for mode in ("async", "sync"):
        res = net.recall(probe, mode=mode, seed=0)
        np.testing.assert_array_equal(res.states, probe)
        assert res.converged.all() and (res.sweeps == 1).all()


def test_stochastic_recall_low_and_high_temperature():
    xi = dyn.random_patterns(5, 200, seed=4)
    net = dyn.HopfieldNetwork(200).store(xi)
    cold = net.recall(dyn.flip_bits(xi, 0.1, seed=1), mode="stochastic", temperature=0.1,
                      max_sweeps=30, seed=2)
    assert np.diag(net.overlaps(cold.states)).min() > 0.95
    assert (cold.sweeps == 30).all() and (cold.outcome == "sampled").all()
    hot = net.recall(xi, mode="stochastic", temperature=50.0, max_sweeps=30, seed=2)
    assert np.abs(np.diag(net.overlaps(hot.states))).max() < 0.35
    # T = 0 is the deterministic asynchronous rule
    zero = net.recall(xi, mode="stochastic", temperature=0.0, max_sweeps=5, seed=2)
    np.testing.assert_array_equal(zero.states, xi)


def test_binary_encoding_roundtrip():
    xi = dyn.random_patterns(4, 64, seed=2)
    binary = ((xi + 1) / 2).astype(int)
    net_b = dyn.HopfieldNetwork(64, encoding="binary").store(binary)
    net_s = dyn.HopfieldNetwork(64).store(xi)
    np.testing.assert_array_equal(net_b.weights, net_s.weights)
    probes = (dyn.flip_bits(xi, 0.1, seed=3) + 1) / 2
    res = net_b.recall(probes, seed=1)
    assert set(np.unique(res.states)) <= {0, 1}
    np.testing.assert_array_equal(res.states, binary)
    assert net_b.energy(binary[0]) == pytest.approx(net_s.energy(xi[0]))
    np.testing.assert_array_equal(net_b.patterns, binary)


def test_energy_formula():
    rng = np.random.default_rng(1)
    xi = dyn.random_patterns(3, 20, seed=rng)
    theta = rng.standard_normal(20)
    net = dyn.HopfieldNetwork(20, threshold=theta).store(xi)
    s = dyn.random_patterns(5, 20, seed=rng)
    w = net.weights
    expected = [-0.5 * x @ w @ x + theta @ x for x in s]
    np.testing.assert_allclose(net.energy(s), expected)
    assert isinstance(net.energy(s[0]), float)


def test_overlaps_function():
    xi = dyn.random_patterns(3, 50, seed=0)
    np.testing.assert_allclose(np.diag(dyn.overlaps(xi, xi)), 1.0)
    assert dyn.overlaps(xi[0], -xi[0]) == -1.0
    assert dyn.overlaps(xi[0], xi).shape == (3,)
