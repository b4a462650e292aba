"""Never a silent wrong answer: kernel exceptions, cache collisions, bounds checking, overflow,
NaN events and energies, the output budget, the step-size floor, events at t0, dense output
after a terminal event, and BLAS-thread / executor / batch independence of ensembles."""

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from integrate_kernels import (
    ball_rhs,
    decay_rhs,
    dividing_rhs,
    height_event,
    late_out_of_bounds_rhs,
    lorenz_rhs,
    nan_energy,
    nan_event,
    oscillator_rhs,
    raising_energy,
    raising_event,
    raising_rhs,
)

import dynamics as dyn
from dynamics.models.base import Event

LN2 = math.log(2.0)


def _no_per_step_output(capfd):
    out, err = capfd.readouterr()
    assert "Exception ignored" not in err + out
    assert len((err + out).splitlines()) <= 2


# --- exceptions inside kernels -----------------------------------------------------------


@pytest.mark.parametrize("method", ["dopri5", "rk4"])
def test_rhs_exception_ends_the_run_with_status_minus_one(method, capfd):
    model = dyn.UserModel(raising_rhs, n_states=1)
    kw = {"dt": 0.01} if method == "rk4" else {}
    sol = dyn.solve(model, (0.0, 2.0), [1.0], method=method, **kw)
    assert sol.status == -1
    assert "rhs kernel raised ValueError: x too small" in sol.message
    # the trajectory up to the failure is kept, and it is the true solution exp(-t)
    assert 0.4 < sol.t[-1] < LN2 + 1e-9
    assert np.all(sol.y[0] >= 0.5)
    np.testing.assert_allclose(sol.y[0], np.exp(-sol.t), rtol=1e-5)
    _no_per_step_output(capfd)


def test_float_division_by_zero_in_rhs_is_reported(capfd):
    sol = dyn.solve(dyn.UserModel(dividing_rhs, n_states=1), (0.0, 2.0), [1.0])
    assert sol.status == -1
    assert "rhs kernel raised ZeroDivisionError" in sol.message
    assert sol.t[-1] < LN2 + 1e-9
    _no_per_step_output(capfd)


def test_rhs_exception_in_an_ensemble_fails_only_that_trajectory(capfd):
    model = dyn.UserModel(raising_rhs, n_states=1)
    t_eval = np.linspace(0.0, 2.0, 9)
    ens = dyn.solve_ensemble(model, (0.0, 2.0), [[1.0], [0.4], [2.0]], t_eval=t_eval)
    assert list(ens.status) == [-1, -1, -1]
    assert all("rhs kernel raised ValueError: x too small" in m for m in ens.messages)
    assert ens.t_final[1] == 0.0
    assert 0.4 < ens.t_final[0] < LN2 + 1e-9
    assert 0.4 + LN2 < ens.t_final[2] < 2 * LN2 + 1e-9
    np.testing.assert_allclose(ens.y[0, 0, :3], np.exp(-t_eval[:3]), rtol=1e-5)
    assert np.all(np.isnan(ens.y[0, 0, 3:]))
    _no_per_step_output(capfd)


def test_energy_exception_is_reported():
    model = dyn.UserModel(decay_rhs, n_states=1, energy=raising_energy)
    sol = dyn.solve(model, (0.0, 2.0), [1.0])
    assert sol.status == -1
    assert "energy kernel raised RuntimeError: energy undefined" in sol.message
    assert np.all(np.isfinite(sol.energy[:-1]))
    assert np.isnan(sol.energy[-1])  # the state where the energy failed keeps no energy
    ens = dyn.solve_ensemble(model, (0.0, 2.0), [[1.0], [0.6]], n_eval=11)
    assert list(ens.status) == [-1, -1]
    assert "energy kernel raised RuntimeError" in ens.messages[0]


def test_event_exception_is_reported_not_a_garbage_event(capfd):
    model = dyn.UserModel(decay_rhs, n_states=1)
    sol = dyn.solve(model, (0.0, 2.0), [1.0], events=raising_event, max_step=0.05)
    assert sol.status == -1
    assert "event kernel raised ValueError: event broke" in sol.message
    assert sol.t_events[0].size == 0
    assert sol.t[-1] <= 0.3 + 1e-12
    _no_per_step_output(capfd)


def test_a_solve_after_a_kernel_error_is_clean():
    dyn.solve(dyn.UserModel(raising_rhs, n_states=1), (0.0, 2.0), [1.0])
    sol = dyn.solve(dyn.UserModel(decay_rhs, n_states=1), (0.0, 2.0), [1.0])
    assert sol.status == 0


# --- compiling plain functions -----------------------------------------------------------


def test_lambdas_on_one_line_do_not_share_machine_code():
    model = dyn.UserModel(decay_rhs, n_states=1)
    sol = dyn.solve(model, (0.0, 1.0), [1.0], events=[lambda t, x: t - .2, lambda t, x: t - .4, lambda t, x: t - .6])  # noqa: E501
    found = [float(te[0]) for te in sol.t_events]
    np.testing.assert_allclose(found, [0.2, 0.4, 0.6], atol=1e-12)


def test_plain_functions_work_from_python_dash_c(tmp_path):
    code = textwrap.dedent(
        """
        import warnings
        warnings.simplefilter("error")
        import dynamics as dyn
        def rhs(t, x, p, out):
            out[0] = -x[0]
        sol = dyn.solve(dyn.UserModel(rhs, 1), (0.0, 1.0), [1.0], events=lambda t, x: t - 0.5)
        print(sol.status, round(float(sol.y[0, -1]), 6), round(float(sol.t_events[0][0]), 6))
        """
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["0", f"{math.exp(-1):.6f}", "0.5"]


# --- bounds checking ---------------------------------------------------------------------


def test_check_true_catches_an_out_of_bounds_read_late_in_the_run():
    model = dyn.UserModel(late_out_of_bounds_rhs, n_states=1, check=True)
    sol = dyn.solve(model, (0.0, 2.0), [1.0])
    assert sol.status == -1
    assert "rhs kernel raised IndexError" in sol.message
    assert sol.y[0, -1] <= 1.5 + 1e-12


def test_check_true_at_the_probe_and_bad_check_value():
    def reads_p3(t, x, p, out):
        out[0] = p[3]

    with pytest.raises(ValueError, match="n_states: rhs indexes out of bounds"):
        dyn.UserModel(reads_p3, n_states=1, params=[1.0, 2.0], check=True)
    with pytest.raises(TypeError, match="check: expected True or False"):
        dyn.UserModel(decay_rhs, n_states=1, check="yes")


# --- overflow in the initial step --------------------------------------------------------


def test_huge_weights_integrate_instead_of_zero_division():
    W = dyn.random_hopfield(5, seed=1).W
    sol = dyn.solve(dyn.ContinuousHopfield(W * 1e300), (0.0, 1.0), np.ones(5))
    assert sol.status == 0 and np.all(np.isfinite(sol.y))


def test_initial_derivative_overflow_is_status_minus_one():
    W = dyn.random_hopfield(5, seed=1).W
    sol = dyn.solve(dyn.ContinuousHopfield(W, I=1e300), (0.0, 1.0), np.zeros(5))
    assert sol.status == -1
    assert "no initial step size could be chosen" in sol.message
    ens = dyn.solve_ensemble(dyn.ContinuousHopfield(W, I=1e300), (0.0, 1.0), np.zeros((2, 5)))
    assert list(ens.status) == [-1, -1]


def test_tiny_tau_is_a_failure_status_not_an_exception():
    W = dyn.random_hopfield(5, seed=1).W
    sol = dyn.solve(dyn.ContinuousHopfield(W, tau=1e-300), (0.0, 1.0), np.ones(5),
                    max_steps=2000)
    assert sol.status == -1 and "max_steps" in sol.message


def test_lorenz_with_atol_1e_300_integrates():
    model = dyn.UserModel(lorenz_rhs, n_states=3, params=[10.0, 28.0, 8.0 / 3.0])
    ref = dyn.solve(model, (0.0, 1.0), [1.0, 0.0, 0.0], rtol=1e-10, atol=1e-12)
    sol = dyn.solve(model, (0.0, 1.0), [1.0, 0.0, 0.0], atol=1e-300, rtol=1e-8)
    assert sol.status == 0
    np.testing.assert_allclose(sol.y[:, -1], ref.y[:, -1], rtol=1e-5)


# --- NaN from events and energies --------------------------------------------------------


def test_nan_event_is_flagged_and_warned():
    model = dyn.UserModel(decay_rhs, n_states=1)
    with pytest.warns(RuntimeWarning, match="returned NaN"):
        sol = dyn.solve(model, (0.0, 1.0), [1.0], events=[height_event, nan_event])
    assert list(sol.event_nan) == [False, True]


def test_nan_energy_is_flagged_and_warned():
    model = dyn.UserModel(decay_rhs, n_states=1, energy=nan_energy)
    with pytest.warns(RuntimeWarning, match="energy kernel .* returned NaN"):
        sol = dyn.solve(model, (0.0, 2.0), [1.0])
    assert sol.energy_nan
    with pytest.warns(RuntimeWarning, match="returned NaN"):
        ens = dyn.solve_ensemble(model, (0.0, 2.0), [[1.0], [0.2e-3]], n_eval=5)
    assert list(ens.energy_nan) == [True, True]
    clean = dyn.solve(model, (0.0, 0.5), [1.0])
    assert not clean.energy_nan


# --- output budget -----------------------------------------------------------------------


def test_t_eval_above_the_budget_is_refused_before_the_run():
    model = dyn.random_hopfield(50, seed=0)
    with pytest.raises(ValueError, match="t_eval: .* above max_output_bytes"):
        dyn.solve(model, (0.0, 1.0), np.zeros(50), t_eval=np.linspace(0, 1, 1000),
                  max_output_bytes=1e5)
    with pytest.raises(ValueError, match="t_eval: .*trajectories"):
        dyn.solve_ensemble(model, (0.0, 1.0), np.zeros((100, 50)), n_eval=1000,
                           max_output_bytes=1e6)


def test_running_out_of_output_returns_what_was_saved():
    model = dyn.UserModel(oscillator_rhs, n_states=2)
    budget = 100 * 8 * 4  # 100 saved points of 2 states
    sol = dyn.solve(model, (0.0, 50.0), [1.0, 0.0], rtol=1e-10, atol=1e-12,
                    max_output_bytes=budget)
    assert sol.status == -1
    assert "save_every" in sol.message and "max_output_bytes" in sol.message
    assert sol.t.size == 100
    np.testing.assert_allclose(sol.y[0], np.cos(sol.t), atol=1e-8)
    ok = dyn.solve(model, (0.0, 50.0), [1.0, 0.0], rtol=1e-10, atol=1e-12,
                   max_output_bytes=budget, save_every=100)
    assert ok.status == 0


# --- step-size floor, events at t0, dense output after a terminal event ----------------


def test_tiny_atol_with_a_zero_component_is_no_step_size_underflow():
    model = dyn.UserModel(oscillator_rhs, n_states=2)
    sol = dyn.solve(model, (0.0, 10.0), [1.0, 0.0], rtol=1e-8, atol=1e-30)
    assert sol.status == 0
    np.testing.assert_allclose(sol.y[:, -1], [math.cos(10), -math.sin(10)], atol=1e-6)
    ens = dyn.solve_ensemble(model, (0.0, 10.0), [[1.0, 0.0]], rtol=1e-8, atol=1e-30)
    assert ens.status[0] == 0 and ens.naccepted[0] == sol.naccepted


@pytest.mark.parametrize("direction", [0.0, 1.0, -1.0])
@pytest.mark.parametrize("terminal", [False, True])
def test_event_zero_at_t0_follows_scipy(direction, terminal):
    from scipy.integrate import solve_ivp

    def g(t, x):
        return x[0]

    g.direction = direction
    g.terminal = terminal
    ref = solve_ivp(lambda t, x: [x[1], -x[0]], (0.0, 7.0), [0.0, 1.0], events=g,
                    rtol=1e-10, atol=1e-12)
    model = dyn.UserModel(oscillator_rhs, n_states=2)
    ev = Event(height_event, terminal=terminal, direction=direction)
    sol = dyn.solve(model, (0.0, 7.0), [0.0, 1.0], events=ev, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sol.t_events[0], ref.t_events[0], atol=1e-8)
    assert (sol.status == 2) == (ref.status == 1)


def test_dense_output_ends_at_the_terminal_event():
    model = dyn.UserModel(ball_rhs, n_states=2)
    ground = Event(height_event, terminal=True, direction=-1.0)
    sol = dyn.solve(model, (0.0, 10.0), [10.0, 0.0], events=ground, dense_output=True)
    t_hit = math.sqrt(2 * 10.0 / 9.81)
    assert sol.status == 2
    assert sol.sol.t_max == pytest.approx(t_hit, rel=1e-9)
    assert abs(sol.sol(t_hit)[0]) < 1e-9
    with pytest.raises(ValueError, match="within the solved interval"):
        sol.sol(9.0)


# --- determinism -------------------------------------------------------------------------


def test_ensemble_result_does_not_depend_on_the_blas_thread_count():
    from dynamics._blas import set_process_blas_threads

    model = dyn.random_hopfield(100, seed=3, gain_scale=2.0, input_scale=0.1)
    Y0 = np.random.default_rng(3).normal(size=(256, 100))
    runs = []
    try:
        for threads in (1, 2):
            set_process_blas_threads(threads)
            runs.append(dyn.solve_ensemble(model, (0.0, 2.0), Y0, n_eval=5).y)
    finally:
        set_process_blas_threads(1)
    np.testing.assert_array_equal(runs[0], runs[1])


def test_ensemble_task_is_bitwise_equal_serially_in_processes_and_on_dask(tmp_path):
    pytest.importorskip("distributed")
    from integrate_kernels import decay_ensemble_task

    from dynamics._blas import set_process_blas_threads

    kw = {"seeds": 2, "base_seed": 5, "progress": False}
    grid = {"t1": [2.0]}
    set_process_blas_threads(2)  # a serial run with a multi-threaded BLAS
    try:
        serial = dyn.sweep(decay_ensemble_task, grid, **kw)
    finally:
        set_process_blas_threads(1)
    procs = dyn.sweep(decay_ensemble_task, grid, executor="processes", n_workers=1, **kw)
    dask = dyn.sweep(decay_ensemble_task, grid, executor="dask", n_workers=1, **kw)
    for other in (procs, dask):
        assert len(other.rows) == len(serial.rows) == 2
        for a, b in zip(serial.rows, other.rows, strict=True):
            np.testing.assert_array_equal(a["y"], b["y"])
            np.testing.assert_array_equal(a["energy"], b["energy"])


def test_batch_composition_changes_results_only_by_rounding():
    hop = dyn.random_hopfield(30, seed=4, gain_scale=2.0)
    Y0 = np.random.default_rng(4).normal(size=(7, 30))
    together = dyn.solve_ensemble(hop, (0.0, 3.0), Y0, n_eval=7)
    alone = dyn.solve_ensemble(hop, (0.0, 3.0), Y0, n_eval=7, batch_size=1)
    np.testing.assert_allclose(together.y, alone.y, rtol=1e-12, atol=1e-13)
    np.testing.assert_array_equal(together.naccepted, alone.naccepted)
    # without a batched kernel every trajectory is computed on its own: bitwise equal
    user = dyn.UserModel(oscillator_rhs, n_states=2)
    Z0 = np.random.default_rng(5).normal(size=(5, 2))
    a = dyn.solve_ensemble(user, (0.0, 3.0), Z0, n_eval=7)
    b = dyn.solve_ensemble(user, (0.0, 3.0), Z0, n_eval=7, batch_size=2)
    np.testing.assert_array_equal(a.y, b.y)
