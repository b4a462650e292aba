"""The scenario `delay_oscillations` in quick mode: figures, summary, and the critical delay."""

from __future__ import annotations

import json
import math

import dynamics as dyn


def test_quick_run(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNAMICS_QUICK", "1")
    summary = dyn.run_scenario("delay_oscillations", out=tmp_path, seed=0)
    folder = tmp_path / "delay_oscillations"
    for name in summary["figures"]:
        data = (folder / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    on_disk = json.loads((folder / "summary.json").read_text())
    assert on_disk["quick"] is True
    b = -3 * 0.8
    root = math.sqrt(b * b - 1)
    tau_c = (math.pi - math.atan(root)) / root
    assert on_disk["critical_delay_analytic"] == tau_c
    assert abs(on_disk["critical_delay_from_growth_rate"] - tau_c) < 0.01 * tau_c
    assert abs(on_disk["critical_delay_from_amplitude"] - tau_c) < 0.05 * tau_c
    # decays below tau_c, oscillates above it
    assert on_disk["trajectories"]["0.8"]["final_max_abs_u"] < 1e-3
    assert on_disk["trajectories"]["1.2"]["final_max_abs_u"] > 0.1
    for d, a in zip(on_disk["delays"], on_disk["amplitudes"], strict=True):
        assert (a > 0.1) == (d > tau_c)
