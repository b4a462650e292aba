"""Events, dense output, saving options, equilibrium stop, failures."""

import numpy as np
import pytest
from integrate_kernels import blowup_rhs, oscillator_rhs, position_event

import dynamics as dyn


def oscillator():
    return dyn.UserModel(oscillator_rhs, n_states=2)


def test_events_located_on_the_interpolant():
    sol = dyn.solve(oscillator(), (0.0, 10.0), [1.0, 0.0], rtol=1e-10, atol=1e-12,
                    events=position_event)
    # x = cos t crosses zero at pi/2 + k pi
    expected = np.pi / 2 + np.pi * np.arange(3)
    np.testing.assert_allclose(sol.t_events[0], expected, atol=1e-8)
    np.testing.assert_allclose(sol.y_events[0][:, 0], 0.0, atol=1e-8)
    assert sol.status == 0


def test_event_direction_and_terminal():
    down = dyn.Event(position_event, direction=-1.0)
    stop_up = dyn.Event(position_event, terminal=True, direction=1.0)
    sol = dyn.solve(oscillator(), (0.0, 10.0), [1.0, 0.0], rtol=1e-10, atol=1e-12,
                    events=[down, stop_up])
    np.testing.assert_allclose(sol.t_events[0], [np.pi / 2], atol=1e-8)
    np.testing.assert_allclose(sol.t_events[1], [3 * np.pi / 2], atol=1e-8)
    assert sol.status == 2 and "terminal event" in sol.message
    assert sol.t[-1] == pytest.approx(3 * np.pi / 2, abs=1e-8)
    np.testing.assert_allclose(sol.y[:, -1], [0.0, 1.0], atol=1e-7)


def test_function_attributes_like_scipy():
    def ev(t, x):
        return x[0] - 0.5

    ev.terminal = True
    sol = dyn.solve(oscillator(), (0.0, 10.0), [1.0, 0.0], events=ev, rtol=1e-9, atol=1e-12)
    assert sol.status == 2
    assert sol.t[-1] == pytest.approx(np.arccos(0.5), abs=1e-7)


def test_dense_output_matches_exact_solution():
    sol = dyn.solve(oscillator(), (0.0, 6.0), [1.0, 0.0], rtol=1e-9, atol=1e-12,
                    dense_output=True)
    t = np.linspace(0.0, 6.0, 97)
    np.testing.assert_allclose(sol.sol(t), np.vstack([np.cos(t), -np.sin(t)]), atol=1e-7)
    assert sol.sol(1.0).shape == (2,)
    with pytest.raises(ValueError, match="t: expected times within"):
        sol.sol(7.0)


def test_t_eval_and_save_every():
    model = dyn.random_hopfield(8, seed=1)
    y0 = np.ones(8)
    t_eval = [0.0, 0.3, 1.7, 5.0]
    sol = dyn.solve(model, (0.0, 5.0), y0, t_eval=t_eval)
    np.testing.assert_array_equal(sol.t, t_eval)
    assert sol.y.shape == (8, 4) and sol.energy.shape == (4,)
    every = dyn.solve(model, (0.0, 5.0), y0, save_every=3)
    full = dyn.solve(model, (0.0, 5.0), y0)
    assert full.t.size == full.naccepted + 1
    np.testing.assert_array_equal(every.t[:-1], full.t[::3][: every.t.size - 1])
    assert every.t[-1] == 5.0
    # saved energies are the energy of the saved states
    np.testing.assert_allclose(every.energy, model.energy(every.y.T), rtol=1e-12)


def test_stop_at_equilibrium():
    model = dyn.two_neuron_hopfield(w12=1.0, gain_scale=2.0)
    sol = dyn.solve(model, (0.0, 1000.0), [0.3, 0.1], stop_at_equilibrium=True, eq_tol=1e-7)
    assert sol.status == 1 and "equilibrium" in sol.message
    assert sol.t[-1] < 1000.0
    assert np.max(np.abs(model.rhs(sol.y[:, -1]))) < 1e-7
    assert np.all(sol.y[:, -1] > 0)  # the (+, +) attractor


def test_blow_up_returns_what_was_computed():
    model = dyn.UserModel(blowup_rhs, n_states=1)
    sol = dyn.solve(model, (0.0, 2.0), [1.0])
    assert sol.status == -1 and not sol.success
    assert "t=1" in sol.message
    assert np.all(np.isfinite(sol.y))
    assert sol.t[-1] == pytest.approx(1.0, abs=1e-3)
    # the computed part is accurate: x = 1 / (1 - t)
    early = sol.t < 0.9
    np.testing.assert_allclose(sol.y[0, early], 1.0 / (1.0 - sol.t[early]), rtol=1e-5)


def test_fixed_step_overflow_is_a_failure_with_the_finite_part():
    model = dyn.UserModel(blowup_rhs, n_states=1)
    sol = dyn.solve(model, (0.0, 20.0), [1.0], method="euler", dt=0.5)
    assert sol.status == -1
    assert "non-finite" in sol.message
    assert np.all(np.isfinite(sol.y)) and sol.t.size >= 3


def test_max_steps():
    sol = dyn.solve(oscillator(), (0.0, 100.0), [1.0, 0.0], max_steps=20)
    assert sol.status == -1 and "max_steps=20" in sol.message
    assert sol.nsteps == 20
    assert sol.t[-1] > 0.0


def test_user_model_energy_and_jacobian_kernels():
    import numba as nb

    @nb.njit
    def energy(x, p):
        return 0.5 * (x[0] ** 2 + x[1] ** 2)

    @nb.njit
    def jac(t, x, p, out):
        out[0, 0] = 0.0
        out[0, 1] = 1.0
        out[1, 0] = -1.0
        out[1, 1] = 0.0

    model = dyn.UserModel(oscillator_rhs, n_states=2, energy=energy, jacobian=jac)
    sol = dyn.solve(model, (0.0, 20.0), [1.0, 0.0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sol.energy, 0.5, rtol=1e-7)  # conserved
    np.testing.assert_array_equal(model.jacobian([0.3, 0.2]), [[0.0, 1.0], [-1.0, 0.0]])


def test_plain_python_kernel_is_compiled():
    def rhs(t, x, p, out):
        out[0] = -p[0] * x[0]

    model = dyn.UserModel(rhs, n_states=1, params=[2.0])
    sol = dyn.solve(model, (0.0, 1.0), [1.0], rtol=1e-10, atol=1e-12)
    assert sol.y[0, -1] == pytest.approx(np.exp(-2.0), rel=1e-8)


def test_equilibrium_with_t_eval_keeps_the_final_state():
    model = dyn.random_hopfield(20, seed=1, gain_scale=2.0)
    y0 = np.random.default_rng(0).normal(size=20)
    t_eval = np.linspace(0.0, 1000.0, 11)
    sol = dyn.solve(model, (0.0, 1000.0), y0, t_eval=t_eval, stop_at_equilibrium=True,
                    eq_tol=1e-4)
    assert sol.status == 1
    np.testing.assert_array_equal(sol.t, t_eval)
    assert np.max(np.abs(model.rhs(sol.y[:, -1]))) < 1e-4
    np.testing.assert_array_equal(sol.y[:, -1], sol.y[:, -2])
    ens = dyn.solve_ensemble(model, (0.0, 1000.0), y0[None, :], t_eval=t_eval,
                             stop_at_equilibrium=True, eq_tol=1e-4)
    np.testing.assert_allclose(ens.y[0], sol.y, rtol=1e-9, atol=1e-12)


def test_energies_of_saved_states_use_energy_batch_and_match_energy():
    import numba as nb

    @nb.njit
    def energy(x, p):
        return 0.5 * (x[0] ** 2 + x[1] ** 2)

    @nb.njit
    def energy_batch(X, p, E):
        for k in range(X.shape[0]):
            E[k] = (X[k, 0] ** 2 + X[k, 1] ** 2) * p[0]  # p[0] = 1.5: 3x the energy

    single = dyn.UserModel(oscillator_rhs, n_states=2, params=[1.5], energy=energy)
    batched = dyn.UserModel(oscillator_rhs, n_states=2, params=[1.5], energy=energy,
                            energy_batch=energy_batch)
    t_eval = np.linspace(0.0, 5.0, 11)
    a = dyn.solve(single, (0.0, 5.0), [1.0, 0.5], t_eval=t_eval)
    b = dyn.solve(batched, (0.0, 5.0), [1.0, 0.5], t_eval=t_eval)
    np.testing.assert_array_equal(a.y, b.y)
    # the saved energies come from the batched kernel (which here gives 3x the energy)
    np.testing.assert_allclose(b.energy, 3.0 * a.energy, rtol=1e-15)
    np.testing.assert_allclose(a.energy, 0.5 * np.sum(a.y**2, axis=0), rtol=1e-15)
    np.testing.assert_allclose(batched.energy(a.y.T), 3.0 * a.energy, rtol=1e-15)
    ea = dyn.solve_ensemble(single, (0.0, 5.0), [[1.0, 0.5], [0.2, -1.0]], t_eval=t_eval)
    eb = dyn.solve_ensemble(batched, (0.0, 5.0), [[1.0, 0.5], [0.2, -1.0]], t_eval=t_eval)
    np.testing.assert_array_equal(ea.y, eb.y)
    np.testing.assert_allclose(eb.energy, 3.0 * ea.energy, rtol=1e-15)
    np.testing.assert_allclose(ea.energy, 0.5 * np.sum(ea.y**2, axis=1), rtol=1e-15)
    with pytest.raises(ValueError, match="energy_batch: given without energy"):
        dyn.UserModel(oscillator_rhs, n_states=2, energy_batch=energy_batch)


def test_hopfield_saved_energies_equal_the_energy_kernel_row_by_row():
    model = dyn.random_hopfield(30, seed=4, input_scale=0.3)
    y0 = np.random.default_rng(5).normal(size=30)
    sol = dyn.solve(model, (0.0, 5.0), y0)
    rows = np.array([model.energy_kernel(np.ascontiguousarray(x), model.params)
                     for x in sol.y.T])
    np.testing.assert_allclose(sol.energy, rows, rtol=1e-13, atol=1e-13)
    assert sol.energy.shape == sol.t.shape and not sol.energy_increases
    ens = dyn.solve_ensemble(model, (0.0, 5.0), np.stack([y0, -y0]), n_eval=21)
    for k in range(2):
        rows = np.array([model.energy_kernel(np.ascontiguousarray(x), model.params)
                         for x in ens.y[k].T])
        np.testing.assert_allclose(ens.energy[k], rows, rtol=1e-13, atol=1e-13)


def test_ensemble_with_a_failing_energy_batch_reports_the_energy_kernel_error():
    import numba as nb

    @nb.njit
    def energy(x, p):
        if x[0] > 0.9:
            raise ValueError("energy out of range")
        return 0.5 * (x[0] ** 2 + x[1] ** 2)

    @nb.njit
    def energy_batch(X, p, E):
        for k in range(X.shape[0]):
            E[k] = energy(X[k], p)

    model = dyn.UserModel(oscillator_rhs, n_states=2, energy=energy, energy_batch=energy_batch)
    ens = dyn.solve_ensemble(model, (0.0, 5.0), [[0.5, 0.0], [1.0, 0.0]], n_eval=11)
    # the batched pass raised: the run is repeated state by state, which names the failure
    assert ens.status[0] == 0 and np.all(np.isfinite(ens.energy[0]))
    assert ens.status[1] == -1 and "energy out of range" in ens.messages[1]


def test_events_receive_the_parameters_and_two_argument_events_still_work():
    import numba as nb

    @nb.njit
    def decay(t, x, p, out):
        out[0] = -x[0]

    @nb.njit
    def below_threshold(t, x, p):  # the threshold is a model parameter
        return x[0] - p[0]

    @nb.njit
    def below_half(t, x):
        return x[0] - 0.5

    model = dyn.UserModel(decay, 1, params=[0.25])
    with_p = dyn.solve(model, (0.0, 5.0), [1.0], events=below_threshold, rtol=1e-10,
                       atol=1e-12)
    np.testing.assert_allclose(with_p.t_events[0], [np.log(4.0)], rtol=1e-8)
    without = dyn.solve(model, (0.0, 5.0), [1.0], events=below_half, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(without.t_events[0], [np.log(2.0)], rtol=1e-8)
    with pytest.raises(TypeError, match=r"events: expected a function event\(t, x\) or"):
        dyn.Event(lambda t: t)
