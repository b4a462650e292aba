"""Dense associative memory, modern Hopfield network, BAM (discrete and continuous), graded
recall through the ODE core."""

import numpy as np
import pytest

import dynamics as dyn


# ------------------------------------------------------------------ dense associative memory
@pytest.mark.parametrize("interaction,degree", [("poly", 3), ("poly", 4), ("exp", 2)])
def test_dense_memory_stores_more_patterns_than_neurons(interaction, degree):
    n, p = 80, 160  # alpha = 2: far beyond any pairwise (Hopfield) network
    xi = dyn.random_patterns(p, n, seed=1)
    dam = dyn.DenseAssociativeMemory(n, interaction=interaction, degree=degree).store(xi)
    probes = dyn.flip_bits(xi[:40], 0.1, seed=2)
    res = dam.recall(probes, seed=3)
    assert res.converged.all()
    assert np.mean(np.all(res.states == xi[:40], axis=1)) >= 0.95
    for k in range(40):
        e = res.energy[k, : res.sweeps[k] + 1]
        assert np.all(np.diff(e) <= 1e-9 * np.abs(e[:-1]))
    # Hebbian storage of the same patterns fails
    heb = dyn.HopfieldNetwork(n).store(xi).recall(probes, seed=3)
    assert np.mean(np.all(heb.states == xi[:40], axis=1)) < 0.2


def test_dense_energy_formula():
    xi = dyn.random_patterns(5, 10, seed=0)
    s = dyn.random_patterns(3, 10, seed=1)
    poly = dyn.DenseAssociativeMemory(10, degree=3).store(xi)
    np.testing.assert_allclose(poly.energy(s), -((s @ xi.T) ** 3).sum(axis=1))
    ex = dyn.DenseAssociativeMemory(10, interaction="exp").store(xi)
    np.testing.assert_allclose(ex.energy(s), -np.exp(s @ xi.T).sum(axis=1))


# ------------------------------------------------------------------ modern Hopfield
def _gaussian_patterns(p, d, seed):
    return np.random.default_rng(seed).standard_normal((p, d))


def test_modern_hopfield_one_step_retrieval_at_large_beta():
    x = _gaussian_patterns(30, 64, 0)
    net = dyn.ModernHopfield(beta=4.0).store(x)
    rng = np.random.default_rng(1)
    probes = x + 0.5 * rng.standard_normal(x.shape)
    res = net.retrieve(probes, max_steps=1)
    assert res.steps == 1
    np.testing.assert_allclose(res.states, x, atol=1e-6)
    labels, n_eff = net.regime(res.states)
    assert (labels == "single").all()
    # the energy decreases in the step (concave-convex procedure, Ramsauer et al. 2020)
    assert np.all(res.energy[:, 1] <= res.energy[:, 0])


def test_modern_hopfield_global_average_at_small_beta():
    x = _gaussian_patterns(30, 64, 2)
    net = dyn.ModernHopfield(beta=1e-4).store(x)
    probe = np.random.default_rng(3).standard_normal(64)
    out = net.update(probe)
    np.testing.assert_allclose(out, x.mean(axis=0), atol=1e-2)
    res = net.retrieve(probe, max_steps=50, tol=1e-12)
    np.testing.assert_allclose(res.states, x.mean(axis=0), atol=1e-3)
    label, n_eff = net.regime(res.states)
    assert label == "global" and n_eff > 0.99 * 30


def test_modern_hopfield_metastable_state_averages_similar_patterns():
    rng = np.random.default_rng(4)
    centre = rng.standard_normal(64)
    cluster = centre + 0.05 * rng.standard_normal((4, 64))  # four nearly identical patterns
    others = 3 * rng.standard_normal((10, 64))
    net = dyn.ModernHopfield(beta=1.0).store(np.concatenate([cluster, others]))
    res = net.retrieve(centre, max_steps=20)
    label, n_eff = net.regime(res.states)
    assert label == "metastable" and 2.0 < n_eff < 5.0
    np.testing.assert_allclose(res.states, cluster.mean(axis=0), atol=0.05)


def test_modern_hopfield_energy_formula():
    x = _gaussian_patterns(5, 8, 5)
    beta = 2.0
    net = dyn.ModernHopfield(beta).store(x)
    q = np.random.default_rng(6).standard_normal(8)
    lse = np.log(np.exp(beta * x @ q).sum()) / beta
    m2 = max(np.sum(x * x, axis=1))
    assert net.energy(q) == pytest.approx(-lse + 0.5 * q @ q + np.log(5) / beta + 0.5 * m2)


# ------------------------------------------------------------------ BAM
def test_bam_recalls_pairs_in_both_directions_with_decreasing_energy():
    a = dyn.random_patterns(4, 60, seed=1)
    b = dyn.random_patterns(4, 30, seed=2)
    bam = dyn.BAM(60, 30).store(a, b)
    np.testing.assert_allclose(bam.weights, a.T @ b)
    fwd = bam.recall(a=dyn.flip_bits(a, 0.15, seed=3))
    np.testing.assert_array_equal(fwd.b, b)
    np.testing.assert_array_equal(fwd.a, a)
    back = bam.recall(b=dyn.flip_bits(b, 0.1, seed=4))
    np.testing.assert_array_equal(back.a, a)
    for res in (fwd, back):
        assert res.converged.all()
        for k in range(4):
            e = res.energy[k, : res.passes[k] + 1]
            assert np.all(np.diff(e) <= 1e-9)
        np.testing.assert_allclose(res.energy[np.arange(4), res.passes], bam.energy(res.a, res.b))


def test_continuous_bam_energy_decreases_and_settles_on_stored_pair():
    a = dyn.random_patterns(3, 20, seed=1)
    b = dyn.random_patterns(3, 12, seed=2)
    bam = dyn.BAM(20, 12).store(a, b)
    model = bam.as_continuous(gain="tanh", gain_scale=1.0, tau=1.0)
    assert isinstance(model, dyn.ContinuousBAM) and model.n_states == 32
    x0 = np.concatenate([0.1 * dyn.flip_bits(a[0], 0.1, seed=3), np.zeros(12)])
    sol = dyn.solve(model, (0.0, 30.0), x0, rtol=1e-8, atol=1e-10)
    assert sol.success and sol.energy is not None
    assert not sol.energy_increases
    assert np.all(np.diff(sol.energy) <= 1e-8)
    va, vb = model.split(sol.y[:, -1])
    np.testing.assert_array_equal(np.sign(va), a[0])
    np.testing.assert_array_equal(np.sign(vb), b[0])


def test_continuous_bam_kernels_match_block_hopfield():
    rng = np.random.default_rng(0)
    m = rng.standard_normal((5, 3))
    ia, ib = rng.standard_normal(5), rng.standard_normal(3)
    model = dyn.ContinuousBAM(m, I_a=ia, I_b=ib, tau=2.0, gain="tanh", gain_scale=1.5)
    block = np.zeros((8, 8))
    block[:5, 5:] = m
    block[5:, :5] = m.T
    ref = dyn.ContinuousHopfield(block, I=np.concatenate([ia, ib]), tau=2.0, gain="tanh",
                                 gain_scale=1.5)
    x = rng.standard_normal(8)
    np.testing.assert_allclose(model.rhs(x), ref.rhs(x), atol=1e-12)
    assert model.energy(x) == pytest.approx(ref.energy(x), abs=1e-12)
    np.testing.assert_allclose(model.jacobian(x), ref.jacobian(x), atol=1e-12)
    # the batched kernel agrees with the single-state one
    xs = np.ascontiguousarray(rng.standard_normal((4, 8)))
    out = np.empty_like(xs)
    model.rhs_batch_kernel(np.zeros(4), xs, model.kernel_params(), out)  # no batch room: by state
    rows = np.array([model.rhs(r) for r in xs])
    np.testing.assert_allclose(out, rows, atol=1e-12)
    work = model.ensemble_params(4)  # the ensemble's work copy: two matrix-matrix products
    assert work.size == model.params.size + 8 + 4 * 2 * 8
    model.rhs_batch_kernel(np.zeros(4), xs, work, out)
    np.testing.assert_allclose(out, rows, atol=1e-12)
    # Jacobian against central finite differences
    eps = 1e-6
    fd = np.column_stack([(model.rhs(x + eps * e) - model.rhs(x - eps * e)) / (2 * eps)
                          for e in np.eye(8)])
    np.testing.assert_allclose(model.jacobian(x), fd, atol=1e-7)
    ens = dyn.solve_ensemble(model, (0.0, 5.0), xs, n_eval=11)
    assert ens.y.shape == (4, 8, 11)


# ------------------------------------------------------------------ graded recall via the ODE
def test_as_continuous_recalls_pattern_with_energy_tracking():
    xi = dyn.random_patterns(4, 50, seed=7)
    theta = np.full(50, 0.01)
    net = dyn.HopfieldNetwork(50, threshold=theta).store(xi)
    model = net.as_continuous(gain="tanh", gain_scale=4.0, tau=1.0)
    assert isinstance(model, dyn.ContinuousHopfield)
    np.testing.assert_allclose(model.W, net.weights)
    np.testing.assert_allclose(model.I, -theta)
    u0 = 0.05 * dyn.flip_bits(xi[1], 0.1, seed=8)
    sol = dyn.solve(model, (0.0, 40.0), u0, stop_at_equilibrium=True, eq_tol=1e-7)
    assert sol.success and not sol.energy_increases
    v = model.output(sol.y[:, -1])
    np.testing.assert_array_equal(np.sign(v), xi[1])
