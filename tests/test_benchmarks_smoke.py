"""Smoke runs of the integrator benchmarks (``--quick``): they run end to end, check that
every solver ends where the reference does, and write their figures. No timing is asserted.

Both runs skip the optional peers (numbalsoda, diffrax), whose start-up alone takes several
seconds each (numbalsoda compiles its drivers on import, diffrax JIT-compiles); scipy is the
baseline that is always there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _run(script: str, *args: str, cwd: Path) -> str:
    env = {**os.environ, "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(BENCHMARKS / script), "--quick", *args],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout


def test_bench_integrators_quick(tmp_path):
    out = _run("bench_integrators.py", "--skip", "numbalsoda", "--skip", "diffrax", cwd=tmp_path)
    assert "machine: " in out and "BLAS: " in out
    assert "BAD" not in out  # every end state agrees with scipy's
    assert "N=100 single trajectory, dopri5 vs solve_ivp RK45" in out
    assert "| case | ours | baseline | ratio | goal |" in out


def test_bench_work_precision_quick(tmp_path):
    out = _run("bench_work_precision.py", "--skip", "numbalsoda", "--out", str(tmp_path / "wp"),
               cwd=tmp_path)
    import dynamics as dyn

    for name in dyn.TABLEAUS:  # every method of the package is measured
        assert f"dynamics {name}" in out
    assert "scipy DOP853" in out
    for problem in ("lorenz", "arenstorf"):
        assert (tmp_path / "wp" / f"work_precision_{problem}.png").stat().st_size > 10_000
        assert f"| {problem} | 1e-02 |" in out
