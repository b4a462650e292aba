"""The energy checks of a Solution: the compiled one-trajectory path gives the numbers of the
array expression (used for ensembles), NaN and infinities included."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dynamics.integrate.solution import energy_increase, energy_nan_at_finite_state

values = st.one_of(st.floats(-1e6, 1e6), st.sampled_from([np.nan, np.inf, -np.inf, 0.0]))


def rise_by_arrays(e: np.ndarray, tol: float) -> tuple[bool, float]:
    with np.errstate(invalid="ignore", over="ignore"):
        rise = np.diff(e) / (1.0 + np.abs(e[:-1]))
    rise = rise[np.isfinite(rise)]
    if rise.size == 0:
        return False, 0.0
    worst = float(rise.max())
    return bool(worst > tol), max(worst, 0.0)


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, st.integers(0, 12), elements=values), st.floats(0.0, 1.0))
def test_one_trajectory_rise_equals_the_array_expression(e, tol):
    expected = (False, 0.0) if e.size < 2 else rise_by_arrays(e, tol)
    assert energy_increase(e, tol) == expected
    # the ensemble path (2-D) agrees row by row
    if e.size >= 2:
        assert energy_increase(np.stack([e, e]), tol)[0] == expected[0]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 6).flatmap(lambda m: st.tuples(
    arrays(np.float64, m, elements=values), arrays(np.float64, (m, 3), elements=values))))
def test_nan_energy_at_a_finite_state(data):
    energy, states = data
    expected = bool(np.any(np.isnan(energy) & np.all(np.isfinite(states), axis=1)))
    assert energy_nan_at_finite_state(energy, states) == expected


def test_strided_energies_are_read_correctly():
    e = np.array([0.0, 9.0, 1.0, 9.0, 0.5])[::2]  # 0, 1, 0.5: a rise of 1
    assert energy_increase(e, 1e-9) == (True, 1.0)
