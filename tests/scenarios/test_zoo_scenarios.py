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
