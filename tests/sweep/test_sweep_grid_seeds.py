"""Grid expansion, canonical parameter encoding and per-task seeds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dynamics as dyn
from dynamics.sweeps.grid import canonical_params
from dynamics.sweeps.seeds import task_id


def test_cartesian_order_last_name_fastest():
    points = dyn.expand_grid({"a": [1, 2], "b": ["x", "y", "z"]})
    assert points == [{"a": a, "b": b} for a in (1, 2) for b in "xyz"]


def test_list_of_dicts_kept_in_order_and_numpy_values_made_plain():
    points = dyn.expand_grid([{"n": np.int64(3), "w": np.float32(0.5)}, {"n": 4, "w": (1, 2)}])
    assert points == [{"n": 3, "w": 0.5}, {"n": 4, "w": [1, 2]}]
    assert type(points[0]["n"]) is int and type(points[0]["w"]) is float
    assert dyn.expand_grid({"r": np.linspace(0, 1, 3)}) == [{"r": 0.0}, {"r": 0.5}, {"r": 1.0}]
    assert dyn.expand_grid({"k": range(2), "t": (True,)}) == [{"k": 0, "t": True},
                                                              {"k": 1, "t": True}]


@pytest.mark.parametrize(
    "grid, error, match",
    [
        ({}, ValueError, "empty dict"),
        ([], ValueError, "empty list"),
        ({"a": []}, ValueError, r"grid\['a'\]: expected at least one value"),
        ({"a": 3}, TypeError, r"grid\['a'\]: expected a list of values"),
        ({"a": "abc"}, TypeError, r"grid\['a'\]: expected a list"),
        ({"a": {1, 2}}, TypeError, r"grid\['a'\]: expected a list"),
        ({"a": [object()]}, TypeError, r"grid\['a'\]"),
        ({1: [1]}, TypeError, "parameter names must be non-empty str"),
        ([{"a": 1}, 5], TypeError, r"grid\[1\]: expected a dict"),
        ([{"a": 1}, {"a": 1}], ValueError, "appears twice"),
        ({"a": [1, 1]}, ValueError, "appears twice"),
        ("a=1", TypeError, "grid: expected a dict"),
    ],
)
def test_bad_grids_are_rejected(grid, error, match):
    with pytest.raises(error, match=match):
        dyn.expand_grid(grid)


def test_seed_depends_on_params_replicate_and_base_only():
    p = {"a": 1, "b": "x"}
    s = dyn.task_seed(p, 0, 0)
    assert s == dyn.task_seed({"b": "x", "a": 1}, 0, 0)  # key order irrelevant
    assert s == dyn.task_seed({"a": np.int32(1), "b": "x"}, 0, 0)
    others = {
        dyn.task_seed(p, 1, 0),
        dyn.task_seed(p, 0, 1),
        dyn.task_seed({"a": 2, "b": "x"}, 0, 0),
        dyn.task_seed({"a": 1.0, "b": "x"}, 0, 0),  # int 1 and float 1.0 are distinct
    }
    assert s not in others and len(others) == 4
    assert 0 <= s < 2**63


def test_seed_is_derived_with_seedsequence_of_the_canonical_params():
    import hashlib

    p = {"n": 10, "beta": 0.5}
    text = canonical_params(p)
    assert text == '{"beta":0.5,"n":10}'
    words = np.frombuffer(hashlib.sha256(text.encode()).digest(), "<u4").tolist()
    state = np.random.SeedSequence(7, spawn_key=(*words, 2)).generate_state(1, np.uint64)
    assert dyn.task_seed(p, 2, 7) == int(state[0] >> np.uint64(1))


def test_fn_receives_task_seed():
    from sweep_tasks import echo_seed

    res = dyn.sweep(echo_seed, {"a": [1, 2]}, seeds=2, base_seed=5, progress=False)
    for row in res:
        assert row["got_seed"] == row["seed"] == dyn.task_seed({"a": row["a"]}, row["replicate"], 5)


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_bad_base_seed_and_replicate(bad, error):
    with pytest.raises(error):
        dyn.task_seed({"a": 1}, 0, bad)
    with pytest.raises(error):
        dyn.task_seed({"a": 1}, bad, 0)


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False), st.text(max_size=8),
)


@given(st.dictionaries(st.text(min_size=1, max_size=6), scalars, min_size=1, max_size=5),
       st.integers(0, 1000))
def test_identity_and_seed_ignore_key_order(params, replicate):
    reordered = dict(reversed(list(params.items())))
    assert canonical_params(params) == canonical_params(reordered)
    assert task_id(params, replicate) == task_id(reordered, replicate)
    assert dyn.task_seed(params, replicate) == dyn.task_seed(reordered, replicate)
