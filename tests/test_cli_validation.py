"""The command line refuses a user's mistakes before anything runs: one line, exit status 2."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

import dynamics as dyn
from dynamics.cli import main
from dynamics.scenarios import summary_json
from dynamics.sweeps.command import check_grid_names, parse_grid_option


def _one_line_error(capsys, argv) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize("argv", [["run", "sweep_demo", "--seed", "-5"],
                                  ["run", "sweep_demo", "--seed", "x"],
                                  ["sweep", "sweep_demo", "--grid", "r=3.5", "--seed", "-1",
                                   "--out", "s"],
                                  ["sweep", "sweep_demo", "--grid", "r=3.5", "--seeds", "0",
                                   "--out", "s"]])
def test_bad_seeds_are_one_line_errors(capsys, argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = _one_line_error(capsys, argv)
    assert "--seed" in line
    assert not (tmp_path / "s").exists() and not (tmp_path / "results").exists()


def test_unknown_scenario_is_one_line(capsys):
    line = _one_line_error(capsys, ["run", "no_such_scenario"])
    assert "unknown scenario 'no_such_scenario'" in line


def test_a_float_range_needs_a_step():
    with pytest.raises(ValueError, match="--grid r: a range of non-integers needs a step"):
        parse_grid_option("r=3.4:4.0")
    assert parse_grid_option("r=3.4:4.0:0.2") == ("r", [3.4, 3.6, 3.8])
    assert parse_grid_option("k=1:3") == ("k", [1, 2])


def test_grid_names_are_checked_against_the_task(capsys, tmp_path):
    with pytest.raises(ValueError, match="--grid bogus: 'sweep_demo' takes no parameter"):
        check_grid_names("sweep_demo", {"r": [3.5], "bogus": [1, 2]})
    with pytest.raises(ValueError, match="--grid r: 'sweep_demo' needs a value for 'r'"):
        check_grid_names("sweep_demo", {"n_iter": [100]})
    check_grid_names("sweep_demo", {"r": [3.5], "n_iter": [100]})
    store = tmp_path / "store"
    code = main(["sweep", "sweep_demo", "--grid", "bogus=1,2", "--out", str(store),
                 "--executor", "serial"])
    assert code == 2
    err = capsys.readouterr().err
    assert "takes no parameter 'bogus'" in err and len(err.strip().splitlines()) == 1
    assert not store.exists()


def test_task_parameters_are_read_off_the_task_when_not_declared(tmp_path, monkeypatch):
    from dynamics.sweeps.command import task_parameters

    (tmp_path / "guess.py").write_text(
        '"""Parameters read from the source."""\n'
        "def task(p, seed):\n    return {'y': p['a'] + p.get('b', 0) + p['a']}\n\n\n"
        "def run(out_dir, seed):\n    return {}\n"
    )
    (tmp_path / "opaque.py").write_text(
        '"""No names to read."""\n'
        "def task(p, seed):\n    return dict(p)\n\n\ndef run(out_dir, seed):\n    return {}\n"
    )
    monkeypatch.setenv("DYNAMICS_SCENARIOS", str(tmp_path))
    assert task_parameters("guess") == (["a"], ["b"])
    assert task_parameters("opaque") is None
    with pytest.raises(ValueError, match="declare TASK_PARAMS"):
        check_grid_names("opaque", {"a": [1]})


def test_every_sweepable_scenario_declares_its_parameters():
    from dynamics.sweeps.command import sweepable_scenarios, task_parameters

    for name in sweepable_scenarios():
        declared = task_parameters(name)
        assert declared is not None and declared[0], name


def test_no_scenarios_found_says_where_it_looked(tmp_path):
    env = dict(os.environ, DYNAMICS_SCENARIOS=str(tmp_path / "empty"))
    done = subprocess.run([sys.executable, "-m", "dynamics", "scenarios"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "no scenarios found; looked in:" in done.stderr
    assert str(tmp_path / "empty") in done.stderr


def test_summaries_are_strict_json():
    text = summary_json({"a": math.nan, "b": [1.0, math.inf], "c": {"d": -math.inf},
                         "e": __import__("numpy").float64("nan")})
    assert json.loads(text, parse_constant=lambda c: pytest.fail(f"bare {c}")) == {
        "a": None, "b": [1.0, None], "c": {"d": None}, "e": None}
    with pytest.raises(TypeError, match="summary: a set is not JSON serialisable"):
        summary_json({"x": {1, 2}})


def test_scenario_summary_with_nan_is_written_as_null(tmp_path, monkeypatch):
    folder = tmp_path / "scen"
    folder.mkdir()
    (folder / "nan_summary.py").write_text(
        '"""A scenario whose summary holds a missing value."""\n'
        "def run(out_dir, seed):\n    return {'alpha_c': float('nan'), 'seed': seed}\n"
    )
    monkeypatch.setenv("DYNAMICS_SCENARIOS", str(folder))
    dyn.run_scenario("nan_summary", out=tmp_path / "out", seed=1)
    text = (tmp_path / "out" / "nan_summary" / "summary.json").read_text()
    assert json.loads(text, parse_constant=lambda c: pytest.fail(f"bare {c}")) == {
        "alpha_c": None, "seed": 1}


def _square(params, seed):
    return {"y": params["a"] ** 2}


def test_sweep_progress_bar_only_on_a_terminal(capsys):
    dyn.sweep(_square, {"a": [1, 2]}, executor="serial")  # stderr is captured: no terminal
    assert "task" not in capsys.readouterr().err
    dyn.sweep(_square, {"a": [1, 2]}, executor="serial", progress=True)
    assert "task" in capsys.readouterr().err
    with pytest.raises(TypeError, match="progress: expected True or False"):
        dyn.sweep(_square, {"a": [1]}, executor="serial", progress="x")
