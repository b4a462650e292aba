"""A built wheel (not an editable install) lists and runs the scenarios it ships."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "src"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc", "*.egg-info")
    for name in ("dynamics", "scenarios"):
        shutil.copytree(REPO / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(REPO / name, source / name)
    wheels = tmp_path / "wheels"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(wheels), str(source)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = wheels.glob("dynamics-*.whl")
    return wheel


def _fresh_venv(tmp_path: Path, wheel: Path) -> Path:
    """A new venv holding only the wheel; the dependencies (numpy, numba, ...) are read from
    this test's environment through a path entry, which does not activate its editable
    install of the package."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    Path(purelib, "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--quiet", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return venv


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout")
def test_wheel_ships_and_runs_the_scenarios(tmp_path):
    wheel = _build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).stem for n in names
               if n.startswith("dynamics/scenario_scripts/") and n.endswith(".py")}
    in_tree = {p.stem for p in (REPO / "scenarios").glob("*.py")}
    assert shipped == in_tree
    assert any(n.startswith("dynamics/scenario_scripts/data/") for n in names)
    assert "dynamics/data/tsplib/eil51.tsp" in names

    venv = _fresh_venv(tmp_path, wheel)
    work = tmp_path / "work"  # run away from the source tree
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DYNAMICS_SCENARIOS")}
    env.update(MPLBACKEND="Agg", DYNAMICS_QUICK="1")
    command = str(venv / "bin" / "dynamics")
    listed = subprocess.run([command, "scenarios"], capture_output=True, text=True, cwd=work,
                            env=env, timeout=300)
    assert listed.returncode == 0, listed.stderr
    listed_names = {line.split()[0] for line in listed.stdout.splitlines() if line.strip()}
    assert listed_names == {n for n in in_tree if not n.startswith("_")}
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import dynamics.scenarios as s; print(s.scenario_dir())"],
        capture_output=True, text=True, cwd=work, env=env, timeout=300,
    )
    assert str(venv) in where.stdout, where.stdout + where.stderr
    ran = subprocess.run([command, "run", "sweep_demo", "--out", "out", "--seed", "2"],
                         capture_output=True, text=True, cwd=work, env=env, timeout=600)
    assert ran.returncode == 0, ran.stderr
    assert (work / "out" / "sweep_demo" / "summary.json").is_file()
    assert list((work / "out" / "sweep_demo").glob("*.png"))
