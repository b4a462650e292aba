"""Atomic writes and the scenario runner's checks."""

import os

import pytest

import dynamics as dyn
from dynamics._io import atomic_write_text


def test_atomic_write_replaces_whole_file(tmp_path):
    path = tmp_path / "sub" / "out.json"
    atomic_write_text(path, "first")
    atomic_write_text(path, "second")
    assert path.read_text() == "second"
    assert [p.name for p in path.parent.iterdir()] == ["out.json"]  # no temporary left


def test_atomic_write_leaves_old_file_on_error(tmp_path):
    path = tmp_path / "out.txt"
    atomic_write_text(path, "kept")

    class Boom(str):
        def encode(self, *args, **kwargs):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        atomic_write_text(path, Boom("x"))
    assert path.read_text() == "kept"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_list_scenarios_has_descriptions():
    scenarios = dyn.list_scenarios()
    assert "continuous_hopfield" in scenarios
    assert all(isinstance(d, str) and d for d in scenarios.values())


def test_run_scenario_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="name: unknown scenario 'nope'"):
        dyn.run_scenario("nope", out=tmp_path)
    with pytest.raises(TypeError, match="seed: expected an int"):
        dyn.run_scenario("continuous_hopfield", out=tmp_path, seed=1.5)
