"""Bad input: a clear ValueError/TypeError naming the argument, before compiled code runs."""

import numpy as np
import pytest
from integrate_kernels import oscillator_rhs, wrong_signature

import dynamics as dyn


@pytest.fixture(scope="module")
def net():
    return dyn.random_hopfield(3, seed=0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"W": np.ones((2, 3))}, ValueError, "W: expected a square"),
        ({"W": np.array([[0.0, np.nan], [1.0, 0.0]])}, ValueError, "W: expected finite"),
        ({"W": "abc"}, TypeError, "W: expected an array of numbers"),
        ({"W": np.eye(2), "I": [1.0, 2.0, 3.0]}, ValueError, r"I: expected a scalar or shape"),
        ({"W": np.eye(2), "tau": 0.0}, ValueError, "tau: expected finite values > 0"),
        ({"W": np.eye(2), "tau": [1.0, -1.0]}, ValueError, "tau: expected finite values > 0"),
        ({"W": np.eye(2), "gain": "relu"}, ValueError, "gain: unknown gain 'relu'"),
        ({"W": np.eye(2), "gain": 3}, TypeError, "gain: expected a gain name"),
        ({"W": np.eye(2), "gain_scale": -1.0}, ValueError, "gain_scale: expected a finite slope"),
    ],
)
def test_model_construction_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        dyn.ContinuousHopfield(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"t_span": (1.0, 0.0)}, ValueError, "t_span: expected t0 < t1"),
        ({"t_span": (0.0, 0.0)}, ValueError, "t_span: expected t0 < t1"),
        ({"t_span": (0.0, np.inf)}, ValueError, r"t_span\[1\]: expected a finite number"),
        ({"t_span": 5.0}, TypeError, "t_span: expected a pair"),
        ({"y0": [1.0, 2.0]}, ValueError, r"y0: expected shape \(3,\)"),
        ({"y0": [1.0, np.nan, 0.0]}, ValueError, "y0: expected finite"),
        ({"method": "rk45"}, ValueError, "method: expected one of .* got 'rk45'"),
        ({"method": None}, TypeError, "method: expected one of"),
        ({"method": "rk4"}, ValueError, "dt: the fixed-step method 'rk4' needs"),
        ({"method": "euler", "dt": 0.0}, ValueError, "dt: expected a finite number > 0"),
        ({"method": "euler", "dt": -0.1}, ValueError, "dt: expected a finite number > 0"),
        ({"rtol": 0.0}, ValueError, "rtol: expected a finite number > 0"),
        ({"rtol": "tight"}, TypeError, "rtol: expected a finite number > 0"),
        ({"atol": -1e-9}, ValueError, "atol: expected finite values > 0"),
        ({"atol": [1e-9, 1e-9]}, ValueError, r"atol: expected a scalar or shape \(3,\)"),
        ({"t_eval": [0.0, 2.0, 1.0]}, ValueError, "t_eval: expected strictly increasing"),
        ({"t_eval": [0.0, 20.0]}, ValueError, "t_eval: expected times within t_span"),
        ({"t_eval": [0.0], "save_every": 2}, ValueError, "save_every: cannot be combined"),
        ({"save_every": 0}, ValueError, "save_every: expected a positive integer"),
        ({"max_steps": 0}, ValueError, "max_steps: expected a positive integer"),
        ({"eq_tol": 0.0}, ValueError, "eq_tol: expected a finite number > 0"),
        ({"controller": "pid"}, ValueError, "controller: expected one of"),
        ({"max_step": -1.0}, ValueError, "max_step: expected a finite number > 0"),
        ({"events": 3}, TypeError, "events: expected"),
        ({"events": [wrong_signature]}, TypeError, "events: the function does not compile"),
    ],
)
def test_solve_argument_errors(net, kwargs, error, match):
    args = {"t_span": (0.0, 10.0), "y0": [0.1, 0.2, 0.3]}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        dyn.solve(net, **args)


def test_model_argument(net):
    with pytest.raises(TypeError, match="model: expected a dynamics model"):
        dyn.solve(lambda t, y: y, (0.0, 1.0), [1.0])


@pytest.mark.parametrize(
    ("Y0", "error", "match"),
    [
        (np.zeros(3), ValueError, r"Y0: expected shape \(n_trajectories, 3\)"),
        (np.zeros((4, 2)), ValueError, r"Y0: expected shape \(n_trajectories, 3\)"),
        (np.zeros((0, 3)), ValueError, "Y0: expected shape"),
        (np.full((2, 3), np.inf), ValueError, "Y0: expected finite"),
    ],
)
def test_ensemble_argument_errors(net, Y0, error, match):
    with pytest.raises(error, match=match):
        dyn.solve_ensemble(net, (0.0, 1.0), Y0)


def test_user_model_errors():
    with pytest.raises(TypeError, match="rhs: the function does not compile"):
        dyn.UserModel(wrong_signature, n_states=2)
    with pytest.raises(TypeError, match="rhs: expected a function"):
        dyn.UserModel(42, n_states=2)
    with pytest.raises(ValueError, match="n_states: expected a positive integer"):
        dyn.UserModel(oscillator_rhs, n_states=0)
    with pytest.raises(TypeError, match="n_states: expected a positive integer"):
        dyn.UserModel(oscillator_rhs, n_states=2.0)
    with pytest.raises(ValueError, match="params: expected finite"):
        dyn.UserModel(oscillator_rhs, n_states=2, params=[np.nan])
    model = dyn.UserModel(oscillator_rhs, n_states=2)
    with pytest.raises(ValueError, match="has no energy function"):
        model.energy([0.0, 1.0])
    with pytest.raises(ValueError, match=r"x: expected shape \(2,\)"):
        model.rhs([0.0, 1.0, 2.0])


def test_user_model_size_mismatches_are_caught_before_solving():
    from integrate_kernels import lorenz_rhs

    with pytest.raises(ValueError, match="n_states: rhs writes beyond out"):
        dyn.UserModel(lorenz_rhs, n_states=2, params=[10.0, 28.0, 8.0 / 3.0])
    with pytest.raises(ValueError, match="n_states: rhs never writes out"):
        dyn.UserModel(lorenz_rhs, n_states=4, params=[10.0, 28.0, 8.0 / 3.0])
    with pytest.raises(ValueError, match=r"params: rhs reads beyond p\[1\]"):
        dyn.UserModel(lorenz_rhs, n_states=3, params=[10.0, 28.0])
    dyn.UserModel(lorenz_rhs, n_states=3, params=[10.0, 28.0, 8.0 / 3.0])  # fine


@pytest.mark.parametrize(
    "y0",
    [np.array([1.0, np.nan, 0.0]), np.array([np.inf, 0.0, 0.0]),
     np.array([np.inf, -np.inf, 0.0]), np.array([1e308, 1e308, -np.inf])],
)
def test_non_finite_float64_y0_is_refused(net, y0):
    # a float64 array of the right shape takes the fast path of the checks
    with pytest.raises(ValueError, match="y0: expected finite"):
        dyn.solve(net, (0.0, 1.0), y0)


def test_float64_y0_edge_cases_of_the_fast_path(net):
    # finite values whose sum overflows are accepted; a strided view is read correctly
    big = dyn.solve(net, (0.0, 1e-3), np.array([1e308, 1e308, 0.0]))
    assert big.y[:, 0].tolist() == [1e308, 1e308, 0.0]
    strided = np.array([0.1, 9.0, 0.2, 9.0, 0.3, 9.0])[::2]
    sol = dyn.solve(net, (0.0, 1.0), strided)
    ref = dyn.solve(net, (0.0, 1.0), [0.1, 0.2, 0.3])
    assert np.array_equal(sol.y, ref.y)
    assert strided.tolist() == [0.1, 0.2, 0.3]  # the caller's array is not written
