"""The `cohen_grossberg_energy` and `cellular_edges` scenarios in quick mode."""

import json

import dynamics as dyn


def _png(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_cohen_grossberg_energy_quick(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNAMICS_QUICK", "1")
    summary = dyn.run_scenario("cohen_grossberg_energy", out=tmp_path, seed=2)
    folder = tmp_path / "cohen_grossberg_energy"
    on_disk = json.loads((folder / "summary.json").read_text())
    assert on_disk["quick"] is True
    for name in summary["figures"]:
        _png(folder / name)
    assert len(summary["networks"]) == 5
    for net in summary["networks"]:
        assert net["symmetric"] and not any(net["energy_increases"])
        assert net["largest_energy_step"] <= 1e-8
        assert min(net["energy_drop"]) > 0
    assert summary["all_symmetric_monotone"]
    assert not summary["asymmetric"]["symmetric"]
    assert any(summary["asymmetric"]["energy_increases"])
    assert summary["asymmetric"]["largest_energy_rise"] > 1e-3


def test_cellular_edges_quick(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNAMICS_QUICK", "1")
    summary = dyn.run_scenario("cellular_edges", out=tmp_path, seed=1)
    folder = tmp_path / "cellular_edges"
    on_disk = json.loads((folder / "summary.json").read_text(), parse_constant=lambda c: 1 / 0)
    assert on_disk["quick"] is True and on_disk["image"]["pixels"] == 48 * 48
    assert on_disk["figures"] == ["processing.png", "energy.png", "mismatch.png"]
    for name in summary["figures"]:
        _png(folder / name)
    templates = summary["templates"]
    assert set(templates) == {"edge_detection", "hole_filling", "noise_removal"}
    for t in templates.values():
        assert t["status"] == 0 and t["symmetric_template"]
        assert t["energy_monotone"] and not t["energy_increases"]
        assert t["energy_end"] < t["energy_start"]
        assert t["saturated_fraction"] == 1.0 and 0.0 <= t["settle_time"] <= t["t_end"]
    assert summary["all_energy_monotone"]
    edges = templates["edge_detection"]
    assert edges["agreement"] == 1.0 and edges["settle_time"] <= 1.1
    holes = templates["hole_filling"]
    # every mismatch with binary_fill_holes is an isolated black pixel (marginal equilibrium)
    assert holes["mismatched_pixels"] == holes["mismatched_isolated_black"]
    assert holes["hole_pixels_filled"] > 0
    noise = templates["noise_removal"]
    # the flipped pixels are repaired (at this small size thin strokes are eroded as well)
    assert noise["flips_repaired_fraction"] > 0.5 and noise["isolated_after"] == 0
    assert "cellular_edges" in dyn.list_scenarios()
