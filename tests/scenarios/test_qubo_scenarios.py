"""The maxcut and qp_projection scenarios in quick mode: they run, write figures, and the
summary holds what the networks must achieve whatever the budget."""

from __future__ import annotations

import json

import dynamics as dyn

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _run(name, tmp_path, monkeypatch):
    monkeypatch.setenv("DYNAMICS_QUICK", "1")
    summary = dyn.run_scenario(name, out=tmp_path, seed=0)
    folder = tmp_path / name
    on_disk = json.loads((folder / "summary.json").read_text())
    for fig in summary["figures"]:
        data = (folder / fig).read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 5_000, fig
    return on_disk


def test_scenarios_listed():
    names = dyn.list_scenarios()
    assert names["maxcut"].startswith("Max-cut") and names["qp_projection"]


def test_maxcut_quick(tmp_path, monkeypatch):
    s = _run("maxcut", tmp_path, monkeypatch)
    (row,) = s["table"]
    assert row["n"] == 80 and row["seeds"] == 3
    assert 0.9 <= row["mean_ratio"] <= row["best_ratio"] <= 1.0
    per = s["comparison"][row["graph"]]
    assert set(per) == {"dsb", "bsb", "anneal", "descent", "graded"}
    assert all(0.8 < v["best_ratio"] <= 1.0 for v in per.values())


def test_qp_projection_quick(tmp_path, monkeypatch):
    s = _run("qp_projection", tmp_path, monkeypatch)
    assert s["max_error"] < 1e-5 and s["max_objective_gap"] < 1e-4
    assert all(r["status"] == 1 for r in s["primal_dual"])
    assert not any(r["objective_rises"] for r in s["box_network"])
