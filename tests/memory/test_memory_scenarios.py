"""The four memory scenarios in quick mode: they run, write their figures and a sane summary."""

from __future__ import annotations

import json
import math

import pytest

import dynamics as dyn

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _run(name, tmp_path, monkeypatch, figures):
    monkeypatch.setenv("DYNAMICS_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    summary = dyn.run_scenario(name, out=tmp_path, seed=0)
    folder = tmp_path / name
    on_disk = json.loads((folder / "summary.json").read_text())
    for fig in figures:
        data = (folder / fig).read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 5_000, fig
    return summary, on_disk


def test_memory_scenarios_are_listed():
    names = dyn.list_scenarios()
    for name in ("memory_recall", "memory_capacity", "bam_pairs", "modern_hopfield"):
        assert names.get(name), name


def test_memory_recall_quick(tmp_path, monkeypatch):
    _, s = _run("memory_recall", tmp_path, monkeypatch,
                ["recall_snapshots.png", "energy_per_sweep.png", "rules_comparison.png",
                 "graded_snapshots.png", "graded_energy.png"])
    assert s["mean_pairwise_overlap"] > 0.5  # glyphs are correlated
    assert s["async"]["pseudoinverse"]["fraction_retrieved"] == 1.0
    assert all(r["energy_non_increasing"] for r in s["async"].values())
    assert s["graded_fraction_retrieved"] == 1.0
    assert not any(g["energy_increases"] for g in s["graded"])
    assert all(g["energy_end"] < g["energy_start"] for g in s["graded"])


def test_memory_capacity_quick(tmp_path, monkeypatch):
    _, s = _run("memory_capacity", tmp_path, monkeypatch,
                ["capacity_curves.png", "basins.png", "spurious_states.png"])
    assert set(s["alpha_c"]) == {"hebbian", "storkey", "pseudoinverse"}
    heb = s["alpha_c"]["hebbian"]["100"]["alpha_c"]
    sto = s["alpha_c"]["storkey"]["100"]["alpha_c"]
    assert 0.08 < heb < 0.25 and sto > heb
    assert s["pseudoinverse_clean_probes_fraction_at_max_load"]["100"] == 1.0
    assert s["sweep"]["failed"] == 0
    assert s["sweep"]["executor"] == "serial" and s["sweep"]["n_workers"] is None
    # measured quantities: the bootstrap error of the Hebbian alpha_c is finite and small
    # compared with alpha_c, the rules rank hebbian < storkey < pseudoinverse, and the
    # Hebbian basin at a low load pulls large initial overlaps to the pattern but not m0 = 0
    heb_err = s["alpha_c"]["hebbian"]["100"]["bootstrap_std"]
    assert math.isfinite(heb_err) and 0.0 <= heb_err < heb / 2
    assert s["alpha_c"]["pseudoinverse"]["100"]["alpha_c"] > sto
    m0 = s["basins_mean_final_overlap"]["initial_overlaps"]
    low = s["basins_mean_final_overlap"]["hebbian"]["0.05"]
    assert all(m >= 0.95 for m0_k, m in zip(m0, low, strict=True) if m0_k >= 0.8)
    assert abs(low[m0.index(0.0)]) < 0.3
    assert s["mixture_states"][0]["mean_mixture_overlap"] == pytest.approx(0.5, abs=0.1)
    # the sweep store makes the scenario resumable: a second run reuses the finished tasks
    again = dyn.run_scenario("memory_capacity", out=tmp_path, seed=0)
    assert again["alpha_c"] == s["alpha_c"]


def test_bam_pairs_quick(tmp_path, monkeypatch):
    _, s = _run("bam_pairs", tmp_path, monkeypatch,
                ["pairs.png", "energy_per_pass.png", "capacity.png", "continuous_bam.png"])
    assert s["forward_recalled"] == 1.0 and s["backward_recalled"] == 1.0
    assert s["energy_non_increasing"]
    assert s["capacity_fraction_recalled"]["1"] == 1.0
    c = s["continuous"]
    assert c["status"] >= 0 and not c["energy_increases"] and c["energy_end"] < c["energy_start"]
    assert c["final_overlap_a0"] == 1.0 and c["final_overlap_b0"] == 1.0


def test_modern_hopfield_quick(tmp_path, monkeypatch):
    _, s = _run("modern_hopfield", tmp_path, monkeypatch,
                ["retrieval.png", "regimes.png", "dense_capacity.png"])
    reg = s["regime_fractions"]
    assert reg["global"][0] == 1.0 and reg["single"][-1] >= 0.6
    assert s["one_step_error"][-1] < 0.05 < s["one_step_error"][0]
    assert s["energy_non_increasing"]
    cap = s["dense_capacity"]
    assert cap["hebbian (pairwise)"][-1] < 0.2 and cap["poly n=4"][-1] > 0.9
    assert all(math.isfinite(v) for v in s["mean_participation_ratio"])
