"""The `dynamics` command: help, scenario listing, running a scenario, unknown names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DYNAMICS_SCRIPT = Path(sys.executable).parent / "dynamics"


def _run(args, tmp_path, quick=False):
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    if quick:
        env["DYNAMICS_QUICK"] = "1"
    return subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=300)


def test_help_lists_the_commands(tmp_path):
    command = [str(DYNAMICS_SCRIPT)] if DYNAMICS_SCRIPT.exists() else [sys.executable, "-m",
                                                                        "dynamics"]
    proc = _run([*command, "--help"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "usage: dynamics" in proc.stdout
    for word in ("scenarios", "run"):
        assert word in proc.stdout


def test_scenarios_lists_continuous_hopfield_with_description(tmp_path):
    proc = _run([sys.executable, "-m", "dynamics", "scenarios"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = {line.split()[0]: line for line in proc.stdout.splitlines() if line.strip()}
    assert "continuous_hopfield" in lines
    assert "Continuous Hopfield network" in lines["continuous_hopfield"]


def test_run_writes_figures_and_summary(tmp_path):
    proc = _run([sys.executable, "-m", "dynamics", "run", "continuous_hopfield",
                 "--out", "out", "--seed", "1"], tmp_path, quick=True)
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "out" / "continuous_hopfield"
    assert "results written to" in proc.stdout and "continuous_hopfield" in proc.stdout
    pngs = sorted(p.name for p in folder.glob("*.png"))
    assert pngs == ["asymmetric_contrast.png", "recall_energy_overlap.png",
                    "two_neuron_phase_portrait.png"]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["seed"] == 1 and summary["quick"] is True
    assert not summary["recall"]["any_energy_increase"]


def test_unknown_scenario_fails_with_a_clear_message(tmp_path):
    proc = _run([sys.executable, "-m", "dynamics", "run", "no_such_scenario"], tmp_path)
    assert proc.returncode != 0
    assert "unknown scenario 'no_such_scenario'" in proc.stderr
    assert "dynamics scenarios" in proc.stderr
    assert not (tmp_path / "results").exists()
