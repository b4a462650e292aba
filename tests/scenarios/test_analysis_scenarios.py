"""The analysis scenarios `chaos_transition` and `attractor_zoo` in quick mode: figures,
strict-JSON summaries and the physics they report."""

from __future__ import annotations

import json

import dynamics as dyn


def _png_ok(path):
    data = path.read_bytes()
    return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_chaos_transition_quick(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNAMICS_QUICK", "1")
    summary = dyn.run_scenario("chaos_transition", out=tmp_path, seed=0)
    folder = tmp_path / "chaos_transition"
    on_disk = json.loads((folder / "summary.json").read_text(), parse_constant=lambda c: 1 / 0)
    assert on_disk["figures"] == ["example_trajectories.png", "lyapunov_vs_g.png"]
    assert all(_png_ok(folder / name) for name in on_disk["figures"])
    assert summary["n_failed"] == 0
    curve = summary["per_N"]["200"]
    g, lam = curve["g"], curve["lyapunov_mean"]
    # stable below the transition (lambda_1 ~ g - 1 at g = 0.5), chaotic well above it
    assert abs(lam[g.index(0.5)] - (0.5 - 1.0)) < 0.1
    assert lam[g.index(3.0)] > 0.05
    onset = summary["chaos_onset_g"]
    assert onset is not None and 0.9 < onset < 2.0
    assert summary["examples"]["0.7"]["kind"] == "equilibrium"
    assert summary["examples"]["2.0"]["kind"] == "chaotic"


def test_attractor_zoo_quick(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNAMICS_QUICK", "1")
    summary = dyn.run_scenario("attractor_zoo", out=tmp_path, seed=1)
    folder = tmp_path / "attractor_zoo"
    json.loads((folder / "summary.json").read_text(), parse_constant=lambda c: 1 / 0)
    assert _png_ok(folder / "attractor_zoo.png")
    assert summary["kinds"] == {"fixed point": "equilibrium", "limit cycle": "limit cycle",
                                "chaos": "chaotic"}
    nets = summary["networks"]
    fp = nets["fixed point"]
    assert sorted(p["label"] for p in fp["fixed_points"]) == [
        "saddle (index 1)", "stable node", "stable node"]
    # the grid is offset from the saddle's stable line: two basins of nearly equal size
    assert len(fp["basins"]["attractors"]) == 2
    assert abs(fp["basins"]["fractions"][0] - 0.5) < 0.1
    cyc = nets["limit cycle"]
    assert 6.0 < cyc["classification"]["period"] < 7.5
    assert [p["label"] for p in cyc["fixed_points"]] == ["unstable focus"]
    assert cyc["basins"]["fractions"] == [1.0]
    assert nets["chaos"]["classification"]["lyapunov"] > 0.05
