"""solve_dde against exact solutions of u' = -u(t - 1), a fine-step reference for Mackey-Glass,
and its input checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.polynomial import Polynomial

import dynamics as dyn
from tests.integrate.dde_kernels import (
    mackey_glass,
    negative_feedback,
    sine_delay,
    writes_too_far,
)


def exact_pieces(history_value: float, u0: float, n_pieces: int) -> list[Polynomial]:
    """u' = -u(t - 1) with u = history_value on [-1, 0) and u(0) = u0, by the method of
    steps done symbolically: piece k (on [k, k+1]) is u(k) - integral_k^t piece_{k-1}(s-1) ds."""
    previous = Polynomial([history_value])
    value = u0
    pieces = []
    for k in range(n_pieces):
        antiderivative = previous(Polynomial([-1.0, 1.0])).integ()
        piece = value - (antiderivative - antiderivative(k))
        pieces.append(piece)
        value = piece(k + 1.0)
        previous = piece
    return pieces


def evaluate(pieces: list[Polynomial], t: np.ndarray) -> np.ndarray:
    k = np.minimum(np.floor(t).astype(int), len(pieces) - 1)
    return np.array([pieces[kk](tt) for kk, tt in zip(k, t, strict=True)])


@pytest.fixture(scope="module")
def feedback():
    return dyn.UserDelayModel(negative_feedback, n_states=1, delays=[1.0])


def test_history_zero_jump_at_zero_matches_exact_piecewise_polynomials(feedback):
    pieces = exact_pieces(0.0, 1.0, 10)
    # the first pieces as quoted in the literature: 1, 2 - t, 4 - 3t + t^2/2
    assert np.allclose(pieces[0].coef, [1.0])
    assert np.allclose(pieces[1].coef, [2.0, -1.0])
    assert np.allclose(pieces[2].coef, [4.0, -3.0, 0.5])
    t = np.linspace(0.0, 10.0, 1001)
    sol = dyn.solve_dde(feedback, (0.0, 10.0), 0.0, y0=[1.0], rtol=1e-10, atol=1e-12, t_eval=t)
    assert sol.status == 0 and sol.energy is None
    err = np.abs(sol.y[0] - evaluate(pieces, t))
    assert err.max() < 1e-9
    # the solver stepped onto the breakpoints t = 1, 2, ..., 5 (jump of u at t0 = 0)
    dense = dyn.solve_dde(feedback, (0.0, 10.0), 0.0, y0=[1.0], dense_output=True)
    assert all(np.any(np.abs(dense.sol.t - k) < 1e-12) for k in range(1, 6))


def test_constant_history_one_known_values(feedback):
    sol = dyn.solve_dde(feedback, (0.0, 5.0), 1.0, rtol=1e-10, atol=1e-12,
                        t_eval=[0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    expected = [1.0, 0.0, -1 / 2, -1 / 6, 5 / 24, 19 / 120]
    assert sol.y[0] == pytest.approx(expected, abs=1e-10)
    pieces = exact_pieces(1.0, 1.0, 5)
    assert [pieces[k](k + 1.0) for k in range(5)] == pytest.approx(expected[1:], abs=1e-12)


def test_error_is_proportional_to_the_tolerance(feedback):
    pieces = exact_pieces(1.0, 1.0, 10)
    t = np.linspace(0.0, 10.0, 501)
    tols = np.array([1e-5, 1e-6, 1e-7, 1e-8, 1e-9])
    errors = []
    for tol in tols:
        sol = dyn.solve_dde(feedback, (0.0, 10.0), 1.0, rtol=tol, atol=tol * 1e-3,
                            dense_output=True)
        errors.append(np.abs(sol.sol(t)[0] - evaluate(pieces, t)).max())
    errors = np.array(errors)
    slope = np.polyfit(np.log10(tols), np.log10(errors), 1)[0]
    assert 0.8 < slope < 1.2
    assert np.all(errors < 100 * tols)


def test_vectorised_scalar_and_constant_histories_agree(feedback):
    t = np.linspace(0.0, 4.0, 41)
    kw = dict(rtol=1e-10, atol=1e-12, t_eval=t)
    a = dyn.solve_dde(feedback, (0.0, 4.0), lambda s: np.cos(s)[None, :], **kw)  # vectorised
    b = dyn.solve_dde(feedback, (0.0, 4.0), lambda s: [math.cos(s)], **kw)  # scalar only
    assert np.abs(a.y - b.y).max() < 1e-12
    # on [0, 1]: u' = -cos(t - 1), u(0) = 1 -> u = 1 - sin(t - 1) - sin(1)
    first = t <= 1.0
    assert a.y[0, first] == pytest.approx(1 - np.sin(t[first] - 1) - np.sin(1), abs=1e-9)
    c = dyn.solve_dde(feedback, (0.0, 4.0), np.array([2.0]), **kw)
    d = dyn.solve_dde(feedback, (0.0, 4.0), 2.0, **kw)
    assert np.array_equal(c.y, d.y)


def test_a_linear_past_is_far_less_accurate_than_the_continuous_extension(feedback):
    """The same steps with the past read from chords instead of the 4th-order extension."""
    t = np.linspace(0.0, 10.0, 101)
    hist = lambda s: np.cos(s)[None, :]  # noqa: E731
    ref = dyn.solve_dde(feedback, (0.0, 10.0), hist, rtol=1e-13, atol=1e-15, t_eval=t)
    errors = {}
    for past in ("dense", "linear"):
        sol = dyn.solve_dde(feedback, (0.0, 10.0), hist, rtol=1e-6, atol=1e-8, t_eval=t,
                            past=past)
        errors[past] = np.abs(sol.y - ref.y).max()
    assert errors["dense"] < 1e-5
    assert errors["linear"] > 1000 * errors["dense"]


def fine_step_mackey_glass(t1: float, tau: float, steps_per_delay: int, x_hist: float):
    """Classical RK4 with h = tau / M: delayed stage values at grid points and (for the half
    stages) from the cubic Hermite interpolant of the stored (x, f) -- a fourth-order method of
    steps written independently of solve_dde."""
    beta, gamma, n = 0.2, 0.1, 10.0
    h = tau / steps_per_delay
    n_steps = int(round(t1 / h))
    xs = np.empty(n_steps + 1)
    fs = np.empty(n_steps + 1)

    def f(x, xd):
        return beta * xd / (1.0 + xd**n) - gamma * x

    def past(k):  # x at grid index k (negative: history)
        return x_hist if k < 0 else xs[k]

    def past_mid(k):  # x at the midpoint of grid interval [k, k+1]
        if k < 0:
            return x_hist
        return 0.5 * (xs[k] + xs[k + 1]) + h * (fs[k] - fs[k + 1]) / 8.0

    xs[0] = x_hist
    fs[0] = f(x_hist, x_hist)
    for i in range(n_steps):
        k = i - steps_per_delay
        x = xs[i]
        d0, dm, d1 = past(k), past_mid(k), past(k + 1)
        k1 = f(x, d0)
        k2 = f(x + 0.5 * h * k1, dm)
        k3 = f(x + 0.5 * h * k2, dm)
        k4 = f(x + h * k3, d1)
        xs[i + 1] = x + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        fs[i + 1] = f(xs[i + 1], past(k + 1))
    return np.arange(n_steps + 1) * h, xs


def test_mackey_glass_matches_a_fine_step_reference():
    model = dyn.UserDelayModel(mackey_glass, 1, delays=[17.0], params=[0.2, 0.1, 10.0])
    t_ref, x_ref = fine_step_mackey_glass(150.0, 17.0, 1700, 0.5)
    sol = dyn.solve_dde(model, (0.0, 150.0), 0.5, rtol=1e-10, atol=1e-12, t_eval=t_ref[::50])
    assert sol.status == 0
    assert np.abs(sol.y[0] - x_ref[::50]).max() < 1e-6
    # and the solution is not trivial: it oscillates between ~0.4 and ~1.3
    assert x_ref.min() < 0.6 and x_ref.max() > 1.1


def test_time_varying_delay_against_the_exact_first_two_pieces():
    """u' = -u(t - tau(t)), tau = 1 + sin(t)/2, history 1: u = 1 - t until t1 - tau(t1) = 0,
    then u' = -(1 - (t - tau(t))) until t2 - tau(t2) = t1."""
    model = dyn.UserDelayModel(negative_feedback, 1, sine_delay, n_delays=1,
                               delay_params=[1.0, 0.5])
    bps = dyn.discontinuity_points(model, (0.0, 4.0), levels=2)
    t1, t2 = bps[0], bps[1]
    assert t1 - 1 - 0.5 * math.sin(t1) == pytest.approx(0.0, abs=1e-12)
    assert t2 - 1 - 0.5 * math.sin(t2) == pytest.approx(t1, abs=1e-12)

    def exact(t):
        anti = lambda s: s * s / 2 - 2 * s + 0.5 * np.cos(s)  # noqa: E731
        return np.where(t <= t1, 1 - t, 1 - t1 + anti(t) - anti(t1))

    t = np.linspace(0.0, t2, 60)
    sol = dyn.solve_dde(model, (0.0, 4.0), 1.0, rtol=1e-10, atol=1e-12, t_eval=t)
    assert np.abs(sol.y[0] - exact(t)).max() < 1e-9


def test_discontinuity_points_of_two_constant_delays():
    model = dyn.UserDelayModel(negative_feedback, 1, delays=[1.0, 1.5])
    assert dyn.discontinuity_points(model, (0.0, 3.2), levels=2) == pytest.approx(
        [1.0, 1.5, 2.0, 2.5, 3.0]
    )


def test_bad_input_names_the_argument(feedback):
    with pytest.raises(ValueError, match="delays"):
        dyn.UserDelayModel(negative_feedback, 1, delays=[-1.0])
    with pytest.raises(ValueError, match="delays"):
        dyn.UserDelayModel(negative_feedback, 1, delays=[np.nan])
    negative_later = dyn.UserDelayModel(negative_feedback, 1, sine_delay, n_delays=1,
                                        delay_params=[0.2, 0.5])
    with pytest.raises(ValueError, match="delays"):
        dyn.solve_dde(negative_later, (0.0, 5.0), 1.0)
    with pytest.raises(ValueError, match="history"):
        dyn.solve_dde(feedback, (0.0, 1.0), np.ones(3))
    with pytest.raises(ValueError, match="history"):
        dyn.solve_dde(feedback, (0.0, 1.0), lambda s: np.ones(2))
    with pytest.raises(TypeError, match="history"):
        dyn.solve_dde(feedback, (0.0, 1.0), "flat")
    with pytest.raises(ValueError, match="y0"):
        dyn.solve_dde(feedback, (0.0, 1.0), 1.0, y0=[1.0, 2.0])
    with pytest.raises(ValueError, match="t_span"):
        dyn.solve_dde(feedback, (1.0, 0.0), 1.0)
    with pytest.raises(TypeError, match="model"):
        dyn.solve_dde(dyn.two_neuron_hopfield(), (0.0, 1.0), 1.0)
    with pytest.raises(ValueError, match="n_states"):
        dyn.UserDelayModel(writes_too_far, 1, delays=[1.0])
    with pytest.raises(ValueError, match="n_delays"):
        dyn.UserDelayModel(negative_feedback, 1, sine_delay)
    with pytest.raises(ValueError, match="past"):
        dyn.solve_dde(feedback, (0.0, 1.0), 1.0, past="cubic")
    with pytest.raises(TypeError, match="rhs"):
        dyn.UserDelayModel(lambda t, x: 0.0, 1, delays=[1.0])
