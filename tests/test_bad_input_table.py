"""One table of bad inputs over the public API: each row is (callable, expected exception
type, a substring of the message naming the argument).

The rule (see ``dynamics/_validate.py`` and docs/guarantees.md): ``TypeError`` for the wrong
kind of value, ``ValueError`` for a bad value, the message names the argument and what was
expected, and the error is raised before any compiled code runs. To extend the table, add a
``Case(id, lambda: call(...), ErrorType, "argument: ...")`` to ``CASES``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest

import dynamics as dyn


class Case(NamedTuple):
    id: str
    call: Callable[[], object]
    error: type[Exception]
    names: str  # a substring of the message: the argument's name and what was expected


def _net():
    return dyn.ContinuousHopfield(np.array([[0.0, 1.0], [1.0, 0.0]]))


def _solve(**kwargs):
    args = {"model": _net(), "t_span": (0.0, 1.0), "y0": [0.1, 0.2], **kwargs}
    return dyn.solve(**args)


def _ensemble(**kwargs):
    args = {"model": _net(), "t_span": (0.0, 1.0), "Y0": [[0.1, 0.2]], **kwargs}
    return dyn.solve_ensemble(**args)


def _event(t, x):
    return x[0]


def _rhs(t, x, p, out):
    out[0] = -x[0]


def _task(params, seed):
    return {"y": 1.0}


def _load_float32(value):
    layer = dyn.Linear(2, 2, dtype=np.float32, seed=0)
    state = layer.state_dict()
    state["weight"] = np.full((2, 2), value)
    layer.load_state_dict(state)


CASES = [
    # complex values: the imaginary part is never dropped
    Case("y0-complex", lambda: _solve(y0=[0.1 + 1j, 0.2]), TypeError, "y0: expected real"),
    Case("Y0-complex", lambda: _ensemble(Y0=[[0.1j, 0.2]]), TypeError, "Y0: expected real"),
    Case("W-complex", lambda: dyn.ContinuousHopfield(np.eye(2) * 1j), TypeError,
         "W: expected real"),
    Case("BAM-M-complex", lambda: dyn.ContinuousBAM(np.ones((2, 2)) * 1j), TypeError,
         "M: expected real"),
    # strings are never read as numbers
    Case("t_span-strings", lambda: _solve(t_span=("0", "1")), TypeError,
         "t_span[0]: expected a real number"),
    Case("y0-strings", lambda: _solve(y0=["0.1", "0.2"]), TypeError,
         "y0: expected an array of numbers"),
    Case("Y0-strings", lambda: _ensemble(Y0=np.array([["1", "2"]])), TypeError,
         "Y0: expected an array of numbers"),
    Case("W-strings", lambda: dyn.ContinuousHopfield([["0", "1"], ["1", "0"]]), TypeError,
         "W: expected an array of numbers"),
    Case("tau-string", lambda: dyn.ContinuousHopfield(np.eye(2), tau="1"), TypeError,
         "tau: expected an array of numbers"),
    # truthy objects are never read as True
    Case("stop_at_equilibrium-no", lambda: _solve(stop_at_equilibrium="no"), TypeError,
         "stop_at_equilibrium: expected True or False"),
    Case("ensemble-stop_at_equilibrium-no", lambda: _ensemble(stop_at_equilibrium="no"),
         TypeError, "stop_at_equilibrium: expected True or False"),
    Case("dense_output-no", lambda: _solve(dense_output="no"), TypeError,
         "dense_output: expected True or False"),
    Case("progress-x", lambda: _ensemble(progress="x"), TypeError,
         "progress: expected True or False or None"),
    Case("LSTM-batch_first-yes", lambda: dyn.LSTM(2, 3, batch_first="yes"), TypeError,
         "batch_first: expected True or False"),
    Case("RNN-bidirectional-2", lambda: dyn.RNN(2, 3, bidirectional=2), TypeError,
         "bidirectional: expected True or False"),
    Case("GRU-bias-1", lambda: dyn.GRU(2, 3, bias=1), TypeError, "bias: expected True or"),
    Case("LSTMCell-peephole-str", lambda: dyn.LSTMCell(2, 3, peephole="false"), TypeError,
         "peephole: expected True or False"),
    Case("Event-terminal-str", lambda: dyn.Event(_event, terminal="yes"), TypeError,
         "terminal: expected True or False"),
    Case("load_state_dict-strict-str",
         lambda: dyn.Linear(2, 2).load_state_dict({}, strict="no"), TypeError,
         "strict: expected True or False"),
    Case("sweep-progress-str", lambda: dyn.sweep(_task, {"a": [1]}, progress="x"), TypeError,
         "progress: expected True or False"),
    # messages that name the argument
    Case("t_eval-strings", lambda: _solve(t_eval=["a"]), TypeError,
         "t_eval: expected an array of numbers"),
    Case("ensemble-t_eval-strings", lambda: _ensemble(t_eval=["a"]), TypeError,
         "t_eval: expected an array of numbers"),
    Case("atol-string", lambda: _solve(atol="x"), TypeError, "atol: expected an array of num"),
    Case("rtol-string", lambda: _solve(rtol="x"), TypeError, "rtol: expected a positive num"),
    Case("Event-direction-up", lambda: dyn.Event(_event, direction="up"), TypeError,
         "direction: expected a real number"),
    Case("Event-direction-nan", lambda: dyn.Event(_event, direction=float("nan")),
         ValueError, "direction: expected a finite number"),
    Case("UserModel-params-strings", lambda: dyn.UserModel(_rhs, 1, params=["a"]), TypeError,
         "params: expected an array of numbers"),
    Case("UserModel-params-complex", lambda: dyn.UserModel(_rhs, 1, params=[1j]), TypeError,
         "params: expected real"),
    Case("controller-list", lambda: _solve(controller=["pi"]), TypeError,
         "controller: expected one of"),
    Case("controller-unknown", lambda: _solve(controller="pid"), ValueError,
         "controller: expected one of"),
    Case("method-list", lambda: _solve(method=["rk4"]), TypeError, "method: expected one of"),
    Case("random_hopfield-scale-nan", lambda: dyn.random_hopfield(5, scale=float("nan")),
         ValueError, "scale: expected a finite number"),
    Case("random_hopfield-scale-str", lambda: dyn.random_hopfield(5, scale="1"), TypeError,
         "scale: expected a real number"),
    Case("random_hopfield-n-float", lambda: dyn.random_hopfield(5.0), TypeError,
         "n: expected a positive integer"),
    Case("random_hopfield-n-zero", lambda: dyn.random_hopfield(0), ValueError,
         "n: expected a positive integer"),
    Case("random_hopfield-seed-str", lambda: dyn.random_hopfield(3, seed="1"), TypeError,
         "seed: expected an int or numpy.random.Generator"),
    Case("dask-address-port-out-of-range",
         lambda: dyn.sweep(_task, {"a": [1]}, executor="dask", address="tcp://127.0.0.1:99999",
                           progress=False), ValueError, "address: expected 'scheme://host:port'"),
    Case("dask-address-port-not-a-number",
         lambda: dyn.sweep(_task, {"a": [1]}, executor="dask", address="tcp://localhost:80a",
                           progress=False), ValueError, "address: expected 'scheme://host:port'"),
    Case("dask-address-no-host",
         lambda: dyn.sweep(_task, {"a": [1]}, executor="dask", address="tcp://:8786",
                           progress=False), ValueError, "address: expected 'scheme://host:port'"),
    Case("dask-address-int",
         lambda: dyn.sweep(_task, {"a": [1]}, executor="dask", address=8786, progress=False),
         TypeError, "address: expected a scheduler address str"),
    # bad values
    Case("n_eval-1", lambda: _ensemble(n_eval=1), ValueError, "n_eval: expected an int >= 2"),
    Case("n_eval-float", lambda: _ensemble(n_eval=5.0), TypeError, "n_eval: expected an int"),
    Case("BAM-tau-wrong-length", lambda: dyn.ContinuousBAM(np.ones((1, 1)), tau=[1, 2, 3]),
         ValueError, "tau: expected a scalar or shape (2,)"),
    Case("BAM-tau-negative", lambda: dyn.ContinuousBAM(np.ones((1, 1)), tau=[1, -2]),
         ValueError, "tau: expected finite values > 0"),
    Case("float32-layer-overflow-load", lambda: _load_float32(1e300), ValueError,
         "key 'weight': 4 value(s) exceed the range of float32"),
    Case("float32-layer-overflow-forward",
         lambda: dyn.Linear(2, 2, dtype=np.float32).forward([[1e300, 0.0]]), ValueError,
         "x: 1 value(s) exceed the range of float32"),
    Case("float32-layer-float64-array",
         lambda: dyn.Linear(2, 2, dtype=np.float32).forward(np.zeros((1, 2))), TypeError,
         "x: expected dtype float32"),
    # the sweep's own column names cannot be parameters
    *[Case(f"sweep-reserved-{name}", lambda name=name: dyn.sweep(_task, {name: [7, 8]}),
           ValueError, f"grid: parameter name '{name}' is reserved")
      for name in ("seed", "replicate", "wall_time", "task_id", "status", "worker")],
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_with_a_message_naming_the_argument(case):
    with pytest.raises(case.error) as info:
        case.call()
    assert type(info.value) is case.error, f"{type(info.value).__name__}: {info.value}"
    assert case.names in str(info.value)


def test_table_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_good_values_next_to_the_bad_ones_are_accepted():
    """The checks refuse what they should and nothing more (real arrays, numpy scalars and
    bools, per-neuron tau for both continuous networks)."""
    sol = _solve(y0=np.array([0.1, 0.2], dtype=np.float32), t_span=(np.float64(0), 1),
                 stop_at_equilibrium=np.bool_(False), dense_output=True, controller="classic")
    assert sol.status == 0 and sol.sol is not None
    assert _ensemble(n_eval=2, progress=None).y.shape == (1, 2, 2)
    bam = dyn.ContinuousBAM(np.ones((1, 1)), tau=[1, 2])
    hop = dyn.ContinuousHopfield(np.array([[0.0, 1.0], [1.0, 0.0]]), tau=[1, 2])
    assert bam.n_states == hop.n_states == 2
    assert dyn.Event(_event, terminal=np.bool_(True), direction=-2).direction == -1.0
