"""The `dynamics sweep` command."""

from __future__ import annotations

import json
import math
import textwrap

import pytest

import dynamics as dyn
from dynamics.cli import main
from dynamics.sweeps.command import parse_grid_option


@pytest.mark.parametrize(
    "option, expected",
    [
        ("n=1,2,3", ("n", [1, 2, 3])),
        ("r=0.1:0.4:0.1", ("r", [0.1, 0.2, 0.3])),
        ("k=1:4", ("k", [1, 2, 3])),
        ("k=10:0:-5", ("k", [10, 5])),
        ("rule=hebb,storkey", ("rule", ["hebb", "storkey"])),
        ("flag=true,false,none", ("flag", [True, False, None])),
        ("beta=1e-3,0.5", ("beta", [0.001, 0.5])),
    ],
)
def test_grid_options(option, expected):
    assert parse_grid_option(option) == expected


@pytest.mark.parametrize("option", ["n", "=1", "n=", "r=1:2:0", "r=2:1:1", "r=a:b", "1x=1"])
def test_bad_grid_options(option):
    with pytest.raises(ValueError, match="--grid"):
        parse_grid_option(option)


def test_sweep_demo_scenario_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "lyap"
    argv = ["sweep", "sweep_demo", "--grid", "r=3.2,4.0", "--grid", "n_iter=4000",
            "--seeds", "2", "--out", str(out), "--executor", "processes", "--workers", "2",
            "--no-progress"]
    assert main(argv) == 0
    assert "4 tasks, 4 ok, 0 failed" in capsys.readouterr().out
    res = dyn.load_sweep(out)
    lam = res.aggregate("lyapunov", by="r")
    assert lam["r"].tolist() == [3.2, 4.0]
    assert lam["lyapunov"][0] < -0.1  # period-2 orbit: stable
    assert abs(lam["lyapunov"][1] - math.log(2)) < 0.03  # exact value ln 2 at r = 4
    assert res["tail"].shape == (4, 64)
    assert (out / "results.csv").read_text().startswith("r,n_iter,replicate,seed,lyapunov")
    # the store exists: continuing needs --resume, which reruns nothing
    assert main(argv) == 2
    assert "--resume" in capsys.readouterr().err
    lines = (out / "results.jsonl").read_text()
    assert main([*argv, "--resume"]) == 0
    assert (out / "results.jsonl").read_text() == lines
    assert json.loads((out / "sweep.json").read_text())["fn"] == "scenario:sweep_demo:task"


@pytest.fixture
def scenario_folder(tmp_path, monkeypatch):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "flaky.py").write_text(textwrap.dedent('''
        """A scenario whose task fails for x = 2 while a flag file exists."""
        import os

        def run(out_dir, seed):
            return {}

        def task(params, seed):
            if params["x"] == 2 and os.path.exists(params["flag"]):
                raise ValueError("x = 2 is broken today")
            return {"double": 2 * params["x"]}
    '''))
    (folder / "plain.py").write_text(
        '"""No task here."""\n\ndef run(out_dir, seed):\n    return {}\n'
    )
    monkeypatch.setenv("DYNAMICS_SCENARIOS", str(folder))
    return tmp_path


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_failed_tasks_exit_1_and_retry(scenario_folder, capsys, executor):
    flag = scenario_folder / "flag"
    flag.touch()
    argv = ["sweep", "flaky", "--grid", "x=1:4", "--grid", f"flag={flag}",
            "--out", str(scenario_folder / "out"), "--executor", executor, "--no-progress"]
    with pytest.warns(RuntimeWarning, match="1 of 3 tasks failed"):
        assert main(argv) == 1
    assert "--retry-failed" in capsys.readouterr().err
    flag.unlink()
    assert main([*argv, "--resume", "--retry-failed"]) == 0
    assert dyn.load_sweep(scenario_folder / "out")["double"].tolist() == [2, 4, 6]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["sweep", "nope", "--grid", "x=1", "--out", "o"], "unknown scenario 'nope'"),
        (["sweep", "plain", "--grid", "x=1", "--out", "o"], "defines no task"),
        (["sweep", "flaky", "--out", "o"], "at least one --grid"),
        (["sweep", "flaky", "--grid", "x", "--out", "o"], "--grid: expected name="),
        (["sweep", "flaky", "--grid", "x=1", "--grid", "x=2", "--out", "o"], "given twice"),
        (["sweep", "flaky", "--grid", "x=1", "--out", "o", "--seeds", "0"], "seeds"),
    ],
)
def test_command_errors(scenario_folder, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(scenario_folder)
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_scenario_functions_are_sent_by_scenario_name(scenario_folder):
    from dynamics.scenarios import load_scenario

    task = load_scenario("flaky").task  # its module is not importable by name
    grid = {"x": [1, 3], "flag": ["/nonexistent"]}
    res = dyn.sweep(task, grid, executor="processes", n_workers=2,
                    store=scenario_folder / "st", progress=False)
    assert res["double"].tolist() == [2, 6]
    meta = json.loads((scenario_folder / "st" / "sweep.json").read_text())
    assert meta["fn"] == "scenario:flaky:task"
