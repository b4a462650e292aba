"""solve_ensemble on several threads: fixed chunks, bitwise the same result for any thread
count; the batched Hopfield kernel allocates nothing and agrees with the one-state kernel."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from integrate_kernels import oscillator_rhs

import dynamics as dyn
from dynamics.integrate.ensemble import CHUNK_ROWS, ChunkRunner, chunks_of


def test_chunks_are_fixed_slices():
    assert chunks_of(0, 70) == [slice(0, 32), slice(32, 64), slice(64, 70)]
    assert chunks_of(5, 9, rows=3) == [slice(5, 8), slice(8, 9)]
    assert chunks_of(3, 3) == []


def test_runner_keeps_order_and_gives_each_call_a_private_work_array():
    made = []

    def make():
        made.append(np.zeros(1))
        return made[-1]

    def task(rows, work):
        work[0] += 1  # a call owns its work array while it runs
        return rows.start

    with ChunkRunner(2, make) as runner:
        starts = runner.map(task, chunks_of(0, 300, rows=10))
    assert starts == list(range(0, 300, 10))
    assert 1 <= len(made) <= 2  # one work array per thread, reused
    assert sum(w[0] for w in made) == 30


@pytest.mark.parametrize("batched", [True, False])
def test_result_is_bitwise_independent_of_the_thread_count(batched):
    model = dyn.random_hopfield(30, seed=4, gain_scale=2.0, input_scale=0.2)
    if not batched:  # the same network without its batched kernel
        model.rhs_batch_kernel = None
    m = 2 * CHUNK_ROWS + 5  # three chunks, the last one short
    Y0 = np.random.default_rng(4).normal(size=(m, 30))
    runs = [dyn.solve_ensemble(model, (0.0, 3.0), Y0, n_eval=7, threads=k) for k in (1, 2, 3)]
    for other in runs[1:]:
        np.testing.assert_array_equal(runs[0].y, other.y)
        np.testing.assert_array_equal(runs[0].energy, other.energy)
        np.testing.assert_array_equal(runs[0].nfev, other.nfev)
        np.testing.assert_array_equal(runs[0].t_final, other.t_final)
    assert np.all(runs[0].status == 0)
    # and the trajectories are those of one-by-one solves (to rounding)
    for k in (0, CHUNK_ROWS, m - 1):
        one = dyn.solve(model, (0.0, 3.0), Y0[k], t_eval=runs[0].t)
        np.testing.assert_allclose(runs[0].y[k], one.y, rtol=1e-9, atol=1e-11)


def test_threads_with_a_model_that_has_no_batched_kernel_and_a_failure():
    user = dyn.UserModel(oscillator_rhs, n_states=2)
    Z0 = np.random.default_rng(5).normal(size=(40, 2))
    a = dyn.solve_ensemble(user, (0.0, 3.0), Z0, n_eval=7, threads=1)
    b = dyn.solve_ensemble(user, (0.0, 3.0), Z0, n_eval=7, threads=2, max_steps=3)
    c = dyn.solve_ensemble(user, (0.0, 3.0), Z0, n_eval=7, threads=2)
    np.testing.assert_array_equal(a.y, c.y)
    assert np.all(b.status == -1) and all("max_steps=3" in msg for msg in b.messages)


def test_params_are_unchanged_by_a_threaded_solve():
    model = dyn.random_hopfield(20, seed=2, gain_scale=3.0)
    before = model.params.copy()
    dyn.solve_ensemble(model, (0.0, 2.0), np.ones((50, 20)), n_eval=3, threads=2)
    np.testing.assert_array_equal(model.params, before)


@pytest.mark.parametrize("bad", [0, -1])
def test_threads_must_be_positive(bad):
    model = dyn.random_hopfield(5, seed=1)
    with pytest.raises(ValueError, match="threads"):
        dyn.solve_ensemble(model, (0.0, 1.0), np.zeros((2, 5)), threads=bad)


@pytest.mark.parametrize("bad", [1.5, "2", True])
def test_threads_must_be_an_integer(bad):
    model = dyn.random_hopfield(5, seed=1)
    with pytest.raises(TypeError, match="threads"):
        dyn.solve_ensemble(model, (0.0, 1.0), np.zeros((2, 5)), threads=bad)


@pytest.mark.parametrize("gain", ["tanh", "logistic", "piecewise_linear"])
def test_batched_kernel_agrees_with_the_one_state_kernel(gain):
    rng = np.random.default_rng(7)
    n = 13
    W = rng.normal(size=(n, n))  # asymmetric: W^T must really be the transpose
    model = dyn.ContinuousHopfield(W, I=rng.normal(size=n), tau=rng.uniform(0.5, 2, n),
                                   gain=gain, gain_scale=1.7)
    X = rng.normal(size=(9, n))
    t = np.zeros(9)
    ref = np.array([model.rhs(x) for x in X])
    fast = np.empty_like(X)
    work = model.ensemble_params(CHUNK_ROWS)
    model.rhs_batch_kernel(t, X, work, fast)
    fallback = np.empty_like(X)
    model.rhs_batch_kernel(t, X, model.params, fallback)
    np.testing.assert_allclose(fast, ref, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(fallback, ref, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(work[: model.params.size], model.params)


def test_batched_hopfield_kernel_allocates_nothing():
    """Numba's allocation counter does not grow with the number of kernel calls."""
    script = textwrap.dedent(
        """
        import numba, numpy as np
        from numba.core.runtime import rtsys
        import dynamics as dyn
        from dynamics.integrate.ensemble import CHUNK_ROWS

        @numba.njit
        def calls(kernel, t, X, p, out, k):
            for _ in range(k):
                kernel(t, X, p, out)

        model = dyn.random_hopfield(20, seed=1)
        X = np.random.default_rng(0).normal(size=(CHUNK_ROWS, 20))
        out, t = np.empty_like(X), np.zeros(CHUNK_ROWS)
        p = model.ensemble_params(CHUNK_ROWS)
        counts = []
        for k in (1, 1, 50):
            before = rtsys.get_allocation_stats().alloc
            calls(model.rhs_batch_kernel, t, X, p, out, k)
            counts.append(rtsys.get_allocation_stats().alloc - before)
        print(counts)
        """
    )
    env = {**os.environ, "NUMBA_NRT_STATS": "1", "OPENBLAS_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, timeout=600, check=True)
    counts = eval(out.stdout.strip().splitlines()[-1])
    assert counts[2] == counts[1], f"allocations grew with the calls: {counts}"


def test_a_user_batched_kernel_gets_its_declared_scratch_space():
    from integrate_kernels import cubic_batch_scratch, cubic_rhs

    model = dyn.UserModel(cubic_rhs, n_states=3, params=[0.5], rhs_batch=cubic_batch_scratch)
    assert model.ensemble_params(4).size == 1  # nothing declared: a bare copy
    model.rhs_batch_work = 3
    work = model.ensemble_params(4)
    assert work.size == 1 + 4 * 3 and work[0] == 0.5 and not work[1:].any()
    Y0 = np.random.default_rng(1).uniform(0.5, 2.0, size=(70, 3))
    t = np.linspace(0.0, 2.0, 5)
    ens = dyn.solve_ensemble(model, (0.0, 2.0), Y0, t_eval=t, rtol=1e-10, atol=1e-12,
                             threads=2)
    exact = Y0[:, :, None] / np.sqrt(1.0 + Y0[:, :, None] ** 2 * t)  # x' = -x^3 / 2
    np.testing.assert_allclose(ens.y, exact, rtol=1e-7)
    np.testing.assert_array_equal(model.params, [0.5])


def test_a_kernel_error_on_a_worker_thread_fails_only_its_trajectories():
    from integrate_kernels import raising_rhs

    model = dyn.UserModel(raising_rhs, n_states=1)
    Y0 = np.full((CHUNK_ROWS + 8, 1), 3.0)  # x = 3 e^-t stays above 0.5 until t = ln 6
    Y0[CHUNK_ROWS:] = 1.0  # the second chunk's rows reach 0.5 at t = ln 2: the rhs raises
    ens = dyn.solve_ensemble(model, (0.0, 1.0), Y0, n_eval=3, threads=2)
    assert np.all(ens.status[:CHUNK_ROWS] == 0)
    assert np.all(ens.status[CHUNK_ROWS:] == -1)
    assert all("ValueError: x too small" in msg for msg in ens.messages[CHUNK_ROWS:])
    # kept up to the last accepted step before x fell below 0.5
    assert np.all((ens.t_final[CHUNK_ROWS:] > 0.5) & (ens.t_final[CHUNK_ROWS:] <= np.log(2.0)))
