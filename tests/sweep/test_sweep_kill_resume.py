"""SIGKILL a sweep running in a subprocess midway, resume it: every task exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from sweep_tasks import logged

import dynamics as dyn

N_TASKS = 16


def _grid(tmp_path: Path) -> dict:
    return {"a": list(range(N_TASKS // 2)), "log": [str(tmp_path / "calls.log")],
            "sleep": [0.1]}


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_sigkill_midway_then_resume(tmp_path, executor):
    store = tmp_path / "store"
    script = tmp_path / "run_sweep.py"
    # two workers whatever the machine, so that the sweep is still running when it is killed
    workers = ", n_workers=2" if executor == "processes" else ""
    script.write_text(textwrap.dedent(f"""
        import dynamics as dyn
        from sweep_tasks import logged

        if __name__ == "__main__":
            dyn.sweep(logged, {_grid(tmp_path)!r}, seeds=2, store={str(store)!r},
                      executor={executor!r}, progress=False{workers})
    """))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent),
                                                        os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, str(script)], env=env, start_new_session=True)
    results = store / "results.jsonl"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if results.exists() and results.read_bytes().count(b"\n") >= 5:
                break
            assert proc.poll() is None, "the sweep ended before it could be killed"
            time.sleep(0.02)
        else:
            pytest.fail("the sweep made no progress within 60 s")
        os.kill(proc.pid, signal.SIGKILL)  # the sweeping process, as a batch system would
        proc.wait(timeout=10)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # any worker left over
        except ProcessLookupError:
            pass
    done_before = {json.loads(line)["task_id"] for line in
                   results.read_bytes().split(b"\n") if line.endswith(b"}")}
    assert 5 <= len(done_before) < N_TASKS
    calls_before = len((tmp_path / "calls.log").read_text().split())

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dyn.StoreWarning)  # a kill mid-write is allowed
        resumed = dyn.sweep(logged, _grid(tmp_path), seeds=2, store=store,
                            executor="processes", n_workers=2, progress=False)
    ids = [json.loads(line)["task_id"] for line in results.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == N_TASKS  # every task exactly once
    calls_after = len((tmp_path / "calls.log").read_text().split()) - calls_before
    assert calls_after == N_TASKS - len(done_before)  # finished tasks were not rerun

    reference = dyn.sweep(logged, _grid(tmp_path), seeds=2, executor="processes", n_workers=2,
                          progress=False)  # uninterrupted
    assert resumed.complete and len(resumed) == len(reference) == N_TASKS
    for key in ("a", "replicate", "seed", "y", "trace"):
        np.testing.assert_array_equal(resumed[key], reference[key])
