"""solve_ensemble with per-trajectory parameters (``params=``): each trajectory equals its
own solve, the result is bitwise independent of the thread count, parameter rows follow
their trajectories when finished ones leave the active block, energies use each
trajectory's parameters, and bad input is refused before compiled code runs."""

import numpy as np
import pytest
from ensemble_param_kernels import gradient_model
from integrate_kernels import oscillator_rhs

import dynamics as dyn
from dynamics.integrate.ensemble import CHUNK_ROWS

N = 12


@pytest.fixture(scope="module")
def hopfield_rows():
    """A Hopfield network and, per trajectory, the same network with its own input I."""
    rng = np.random.default_rng(7)
    a = rng.normal(0.0, 1.0 / np.sqrt(N), size=(N, N))
    W = np.triu(a, 1) + np.triu(a, 1).T
    m = CHUNK_ROWS + 9  # two chunks, the second one short
    inputs = rng.normal(0.0, 0.5, size=(m, N))
    models = [dyn.ContinuousHopfield(W, I=inputs[k], gain_scale=2.0) for k in range(m)]
    P = np.stack([mk.params for mk in models])
    Y0 = rng.normal(size=(m, N))
    return models[0], models, P, Y0


def test_hopfield_per_trajectory_input_matches_separate_solves(hopfield_rows):
    model, models, P, Y0 = hopfield_rows
    before = model.params.copy()
    ens = dyn.solve_ensemble(model, (0.0, 4.0), Y0, params=P, n_eval=9, threads=1)
    np.testing.assert_array_equal(model.params, before)
    assert np.all(ens.status == 0)
    # different inputs lead to different states: the rows are not all the model's own
    assert np.ptp(ens.y[:, :, -1], axis=0).max() > 0.1
    for k in (0, 5, CHUNK_ROWS - 1, CHUNK_ROWS, len(models) - 1):
        one = dyn.solve(models[k], (0.0, 4.0), Y0[k], t_eval=ens.t)
        np.testing.assert_allclose(ens.y[k], one.y, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(ens.energy[k], one.energy, rtol=1e-10, atol=1e-12)
        assert ens.nfev[k] == one.nfev
        # the inputs differ per row in the batched kernel: the ensemble of that one
        # trajectory differs by rounding only (as for an ensemble without params)
        alone = dyn.solve_ensemble(model, (0.0, 4.0), Y0[k : k + 1], params=P[k : k + 1],
                                   n_eval=9)
        np.testing.assert_allclose(ens.y[k], alone.y[0], rtol=1e-12, atol=1e-13)


def test_inputs_per_row_keep_the_batched_kernel_bit_for_bit(hopfield_rows):
    # every row given the model's own I: the per-row area of the batched kernel holds the
    # same numbers as I, so the result is bitwise that of the ensemble without params
    model, _, _, Y0 = hopfield_rows
    P = np.tile(model.params, (Y0.shape[0], 1))
    rows = dyn.solve_ensemble(model, (0.0, 3.0), Y0, params=P, n_eval=5, threads=2)
    shared = dyn.solve_ensemble(model, (0.0, 3.0), Y0, n_eval=5, threads=2)
    np.testing.assert_array_equal(rows.y, shared.y)
    np.testing.assert_array_equal(rows.nfev, shared.nfev)
    np.testing.assert_allclose(rows.energy, shared.energy, rtol=1e-12, atol=1e-13)


def test_inputs_per_row_follow_their_trajectories_when_the_block_shrinks():
    # a contracting network (|W| small): one equilibrium per input, reached at very
    # different times, so the active block is compacted many times while the batched kernel
    # reads every row's own input
    rng = np.random.default_rng(11)
    n, m = 8, CHUNK_ROWS + 5
    a = rng.normal(0.0, 0.3 / np.sqrt(n), size=(n, n))
    W = (a + a.T) / 2
    model = dyn.ContinuousHopfield(W, I=np.zeros(n))
    inputs = rng.normal(0.0, 1.0, size=(m, n))
    Y0 = inputs + np.geomspace(1e-4, 3.0, m)[rng.permutation(m)][:, None] * rng.normal(
        size=(m, n))
    kw = {"stop_at_equilibrium": True, "eq_tol": 1e-8, "rtol": 1e-9, "atol": 1e-11}
    ens = dyn.solve_ensemble(model, (0.0, 80.0), Y0, params={"I": inputs}, n_eval=4,
                             threads=2, **kw)
    assert np.all(ens.status == 1)
    assert len(np.unique(ens.t_final)) > m // 2
    for k in range(m):
        own = dyn.ContinuousHopfield(W, I=inputs[k])
        one = dyn.solve(own, (0.0, 80.0), Y0[k], **kw)
        np.testing.assert_allclose(ens.y[k][:, -1], one.y[:, -1], atol=1e-7)
        assert abs(ens.t_final[k] - one.t[-1]) <= 1e-6 * max(1.0, one.t[-1])


def test_bitwise_independent_of_the_thread_count(hopfield_rows):
    model, _, P, Y0 = hopfield_rows
    runs = [dyn.solve_ensemble(model, (0.0, 3.0), Y0, params=P, n_eval=5, threads=k)
            for k in (1, 2, 3)]
    for other in runs[1:]:
        np.testing.assert_array_equal(runs[0].y, other.y)
        np.testing.assert_array_equal(runs[0].energy, other.energy)
        np.testing.assert_array_equal(runs[0].nfev, other.nfev)
        np.testing.assert_array_equal(runs[0].t_final, other.t_final)


def test_same_params_for_all_rows_agree_with_the_batched_path(hopfield_rows):
    model, _, _, Y0 = hopfield_rows
    P = np.tile(model.params, (Y0.shape[0], 1))
    rows = dyn.solve_ensemble(model, (0.0, 3.0), Y0, params=P, n_eval=5)
    shared = dyn.solve_ensemble(model, (0.0, 3.0), Y0, n_eval=5)  # batched kernel (GEMM)
    np.testing.assert_allclose(rows.y, shared.y, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(rows.energy, shared.energy, rtol=1e-10, atol=1e-12)


def test_dict_form_with_a_layout_reaches_each_trajectorys_equilibrium():
    model = gradient_model(n=4, seed=0)
    W = model.param("W")
    m = 2 * CHUNK_ROWS + 3
    rng = np.random.default_rng(2)
    inputs = rng.normal(size=(m, 4))
    gains = np.linspace(0.2, 1.0, m)  # a sweep of the coupling strength, too
    weights = gains[:, None, None] * W
    Y0 = rng.normal(size=(m, 4))
    ens = dyn.solve_ensemble(model, (0.0, 60.0), Y0, params={"I": inputs, "W": weights},
                             n_eval=7, rtol=1e-9, atol=1e-12, threads=2)
    assert np.all(ens.status == 0)
    exact = np.stack([np.linalg.solve(np.eye(4) - weights[k], inputs[k]) for k in range(m)])
    np.testing.assert_allclose(ens.y[:, :, -1], exact, atol=1e-7)
    assert np.all(ens.energy_increases <= 1e-9)
    for k in (0, m // 2, m - 1):
        mk = dyn.UserModel(model.rhs_kernel, n_states=4,
                           params={"W": weights[k], "I": inputs[k]},
                           energy=model.energy_kernel)
        one = dyn.solve(mk, (0.0, 60.0), Y0[k], t_eval=ens.t, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ens.y[k], one.y, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(ens.energy[k], mk.energy(ens.y[k].T), rtol=1e-12)
    # a block not given is the model's own: I alone leaves W as it is
    only_i = dyn.solve_ensemble(model, (0.0, 60.0), Y0[:3], params={"I": inputs[:3]},
                                n_eval=2, rtol=1e-9, atol=1e-12)
    exact_w = np.linalg.solve(np.eye(4) - W, inputs[:3].T).T
    np.testing.assert_allclose(only_i.y[:, :, -1], exact_w, atol=1e-7)


def test_rows_follow_their_trajectories_when_finished_ones_are_swapped_out():
    # trajectories stop at their equilibrium at very different times (and two start there):
    # each row must keep its own parameters while the active block is compacted
    model = gradient_model(n=4, seed=1)
    W = model.param("W")
    m = 20
    rng = np.random.default_rng(5)
    inputs = rng.normal(size=(m, 4))
    exact = np.linalg.solve(np.eye(4) - W, inputs.T).T
    scale = np.geomspace(1e-3, 10.0, m)[rng.permutation(m)]
    Y0 = exact + scale[:, None] * rng.normal(size=(m, 4))
    Y0[[3, 11]] = exact[[3, 11]]  # at rest from the start
    kw = {"n_eval": 6, "stop_at_equilibrium": True, "eq_tol": 1e-6, "rtol": 1e-8,
          "atol": 1e-10}
    ens = dyn.solve_ensemble(model, (0.0, 40.0), Y0, params={"I": inputs}, **kw)
    assert np.all(ens.status == 1)
    assert len(np.unique(ens.t_final)) > m // 2  # they finish at different times
    np.testing.assert_allclose(ens.y[:, :, -1], exact, atol=1e-5)
    for k in range(m):
        alone = dyn.solve_ensemble(model, (0.0, 40.0), Y0[k : k + 1],
                                   params={"I": inputs[k : k + 1]}, **kw)
        np.testing.assert_array_equal(ens.y[k], alone.y[0])
        np.testing.assert_array_equal(ens.energy[k], alone.energy[0])
        assert ens.t_final[k] == alone.t_final[0]


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        (np.zeros((3, 20)), ValueError, r"params: expected shape \(2, 20\)"),
        (np.zeros(20), ValueError, r"params: expected shape \(2, 20\)"),
        (np.full((2, 20), np.nan), ValueError, "params: expected finite"),
        ("abc", TypeError, "params: expected an array of numbers"),
        ({"I": np.zeros((2, 4))}, ValueError, r"unknown block\(s\) \['I'\]"),
        ({"b": np.zeros((3, 4))}, ValueError, r"params\['b'\]: expected shape \(2, 4\)"),
        ({"b": np.zeros(4)}, ValueError, r"params\['b'\]: expected shape \(2, 4\)"),
        ({"b": [[0.0] * 4, [np.inf] * 4]}, ValueError, r"params\['b'\]: expected finite"),
        ({"W": np.zeros((2, 4, 4)), "b": "x"}, TypeError, r"params\['b'\]: expected an"),
        ({}, ValueError, "params: expected at least one block"),
    ],
)
def test_bad_params(params, error, match):
    # a model with the blocks W (4, 4) and b (4,): 20 floats
    model = gradient_model(n=4)
    model = dyn.UserModel(model.rhs_kernel, n_states=4,
                          params={"W": model.param("W"), "b": np.zeros(4)})
    with pytest.raises(error, match=match):
        dyn.solve_ensemble(model, (0.0, 1.0), np.zeros((2, 4)), params=params)


def test_dict_needs_a_model_with_a_layout():
    user = dyn.UserModel(oscillator_rhs, n_states=2, params=[0.0])
    with pytest.raises(TypeError, match="params: the model .* declares no named parameters"):
        dyn.solve_ensemble(user, (0.0, 1.0), np.zeros((2, 2)), params={"a": np.zeros(2)})
    # a full vector per trajectory works for any model
    ens = dyn.solve_ensemble(user, (0.0, 1.0), np.ones((2, 2)), params=np.zeros((2, 1)))
    assert np.all(ens.status == 0)


def test_hopfield_batched_kernel_reads_an_input_per_row():
    rng = np.random.default_rng(3)
    n, rows, m = 6, 8, 5
    W = rng.normal(size=(n, n))
    model = dyn.ContinuousHopfield(W, I=rng.normal(size=n), tau=rng.uniform(0.5, 2.0, n),
                                   gain_scale=1.5)
    p, offset = model.ensemble_params_per_row(rows)
    inputs = rng.normal(size=(m, n))
    p[offset : offset + m * n] = inputs.ravel()
    X = rng.normal(size=(m, n))
    out = np.empty((m, n))
    model.rhs_batch_kernel(np.zeros(m), X, p, out)
    expected = (-X + np.tanh(1.5 * X) @ W.T + inputs) / model.tau
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    # the shared-input layout is unchanged
    q = model.ensemble_params(rows)
    model.rhs_batch_kernel(np.zeros(m), X, q, out)
    np.testing.assert_allclose(out, (-X + np.tanh(1.5 * X) @ W.T + model.I) / model.tau,
                               rtol=1e-12, atol=1e-12)
    with pytest.raises(NotImplementedError, match="per row"):
        dyn.UserModel(oscillator_rhs, n_states=2).ensemble_params_per_row(4)
