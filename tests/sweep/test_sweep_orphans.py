"""Worker processes do not outlive a killed sweep, even inside a long compiled loop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).parent


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"  # a zombie has exited (its new parent has not reaped it yet)


def test_workers_exit_within_seconds_of_a_parent_sigkill_during_a_long_solve(tmp_path):
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    script = tmp_path / "run_sweep.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(HERE)!r})
        import dynamics as dyn
        from sweep_tasks import long_solve
        dyn.sweep(long_solve, {{"a": [1, 2], "pid_dir": [{str(pid_dir)!r}]}},
                  executor="processes", n_workers=2, store={str(tmp_path / "store")!r},
                  progress=False)
    """))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    parent = subprocess.Popen([sys.executable, str(script)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 240  # compiling on a loaded machine can be slow
        while len(workers) < 2 and time.monotonic() < deadline:
            assert parent.poll() is None, parent.stderr.read().decode()
            workers = [int(p.name) for p in pid_dir.iterdir()]
            time.sleep(0.2)
        assert len(workers) == 2, "the tasks did not start"
        time.sleep(1.0)  # both tasks are now inside the compiled loop
        assert all(_alive(pid) for pid in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        killed = time.monotonic()
        while any(_alive(pid) for pid in workers) and time.monotonic() - killed < 10:
            time.sleep(0.1)
        survivors = [pid for pid in workers if _alive(pid)]
        assert not survivors, f"workers {survivors} outlived their parent by > 10 s"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pid in workers:  # never leave a runaway worker behind, pass or fail
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        parent.stderr.close()
