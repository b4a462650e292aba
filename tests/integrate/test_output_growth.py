"""The engines make room for their output between steps (saved rows, dense-output steps,
event crossings, the delay engine's stored past): runs that outgrow the first buffers many
times over must give the same numbers as runs whose buffers never grow."""

from __future__ import annotations

import math

import numpy as np
import pytest

import dynamics as dyn
from tests.integrate.dde_kernels import negative_feedback
from tests.integrate.integrate_kernels import oscillator_rhs, position_event

#: x'' = -x from (1, 0): x = cos t; 40 periods, 80 zero crossings of x at (k + 1/2) pi
SPAN = (0.0, 80.0 * math.pi)


@pytest.fixture(scope="module")
def oscillator():
    return dyn.UserModel(oscillator_rhs, n_states=2)


@pytest.mark.parametrize("method", ["dopri5", "dop853", "bs32"])
def test_growing_saved_rows_equal_the_preallocated_t_eval_path(oscillator, method):
    sol = dyn.solve(oscillator, SPAN, [1.0, 0.0], method=method, rtol=1e-9, atol=1e-12)
    assert sol.status == 0 and sol.t.size > 300  # the first buffer holds 64 rows
    # t_eval at the step ends: the t_eval path, sized before the run, saves y_new itself
    ref = dyn.solve(oscillator, SPAN, [1.0, 0.0], method=method, rtol=1e-9, atol=1e-12,
                    t_eval=sol.t)
    assert np.array_equal(ref.t, sol.t) and np.array_equal(ref.y, sol.y)
    assert ref.nfev >= sol.nfev and ref.nsteps == sol.nsteps
    assert np.abs(sol.y[0] - np.cos(sol.t)).max() < 1e-6


def test_many_events_and_dense_steps_across_reallocations(oscillator):
    sol = dyn.solve(oscillator, SPAN, [1.0, 0.0], rtol=1e-10, atol=1e-12,
                    events=[position_event], dense_output=True)
    assert sol.status == 0
    exact = (np.arange(80) + 0.5) * math.pi
    assert sol.t_events[0].size == 80  # ten times the first event buffer
    assert np.abs(sol.t_events[0] - exact).max() < 1e-7
    assert np.abs(sol.y_events[0][:, 0]).max() < 1e-7
    t = np.linspace(*SPAN, 5001)
    assert np.abs(sol.sol(t)[0] - np.cos(t)).max() < 1e-7
    # the dense output interpolates every step: at the saved step ends it is the state itself
    assert np.allclose(sol.sol(sol.t), sol.y, rtol=0, atol=1e-12)


def test_output_budget_still_ends_a_growing_run(oscillator):
    row_bytes = 8 * (2 + 2)
    sol = dyn.solve(oscillator, SPAN, [1.0, 0.0], rtol=1e-9, atol=1e-12,
                    max_output_bytes=200 * row_bytes)
    assert sol.status == -1 and sol.t.size == 200
    full = dyn.solve(oscillator, SPAN, [1.0, 0.0], rtol=1e-9, atol=1e-12)
    assert np.array_equal(sol.y, full.y[:, :200])


def test_delay_engine_past_and_output_grow_without_changing_the_result():
    model = dyn.UserDelayModel(negative_feedback, n_states=1, delays=[1.0])
    sol = dyn.solve_dde(model, (0.0, 200.0), 1.0, rtol=1e-9, atol=1e-12)
    assert sol.status == 0 and sol.t.size > 400  # past and output start at 64 steps
    ref = dyn.solve_dde(model, (0.0, 200.0), 1.0, rtol=1e-9, atol=1e-12, t_eval=sol.t)
    assert np.array_equal(ref.y, sol.y)
