"""The TSP scenarios in quick mode: figures, tables, summaries and their claims."""

from __future__ import annotations

import json

import dynamics as dyn


def test_tsp_hopfield_tank_quick(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNAMICS_QUICK", "1")
    summary = dyn.run_scenario("tsp_hopfield_tank", out=tmp_path, seed=0)
    folder = tmp_path / "tsp_hopfield_tank"
    on_disk = json.loads((folder / "summary.json").read_text())
    assert on_disk["starts"] == 20 and on_disk["parameters"]["A"] == 500.0
    assert on_disk["n_valid"] == round(20 * on_disk["valid_rate"])
    assert on_disk["energy_increases"] == 0 and on_disk["failed_starts"] == 0
    assert on_disk["valid_rate"] < 0.6  # the published network is unreliable
    if on_disk["best_length"] is not None:
        assert on_disk["best_length"] >= 2.690671 - 1e-6
    for name in summary["figures"]:
        assert (folder / name).read_bytes()[:4] == b"\x89PNG"


def test_tsp_tsplib_quick(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNAMICS_QUICK", "1")
    summary = dyn.run_scenario("tsp_tsplib", out=tmp_path, seed=0)
    folder = tmp_path / "tsp_tsplib"
    assert summary["n_failed"] == 0 and summary["elastic_net_all_valid"]
    rows = json.loads((folder / "table.json").read_text())
    assert {r["method"] for r in rows} == {"elastic_net", "mean_field", "hopfield_tank",
                                           "nearest_neighbor", "two_opt"}
    for r in rows:
        assert r["mean_gap_polished"] >= 0 and r["runs"] == 2
        if r["mean_gap"] is not None:
            assert r["best_gap"] <= r["mean_gap"] and r["best_gap"] >= 0
    two_opt = [r for r in rows if r["method"] == "two_opt"]
    nn = [r for r in rows if r["method"] == "nearest_neighbor"]
    assert all(a["mean_gap"] <= b["mean_gap"] for a, b in zip(two_opt, nn, strict=True))
    assert "| burma14 | 14 | elastic_net |" in (folder / "table.md").read_text()
    assert (folder / "tsplib_tours.png").read_bytes()[:4] == b"\x89PNG"
