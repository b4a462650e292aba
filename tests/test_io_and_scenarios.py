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


def test_written_files_get_the_usual_permissions(tmp_path):
    path = tmp_path / "summary.json"
    atomic_write_text(path, "{}")
    mask = os.umask(0o022)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_scenario_with_a_cached_numba_kernel_runs_twice(tmp_path):
    """Scenarios are imported under a registered module name, so numba's disk cache of a
    kernel defined in a scenario file works in the next process too."""
    import subprocess
    import sys

    folder = tmp_path / "scen"
    folder.mkdir()
    (folder / "cached_kernel.py").write_text(
        '"""A scenario with a numba kernel cached on disk."""\n'
        "import numba\n\n\n"
        "@numba.njit(cache=True)\n"
        "def double(x):\n    return 2.0 * x\n\n\n"
        "def run(out_dir, seed):\n    return {'value': double(float(seed))}\n"
    )
    env = dict(os.environ, DYNAMICS_SCENARIOS=str(folder))
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "dynamics", "run", "cached_kernel", "--out",
             str(tmp_path / "out"), "--seed", "3"],
            env=env, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr
    assert '"value": 6.0' in (tmp_path / "out" / "cached_kernel" / "summary.json").read_text()
