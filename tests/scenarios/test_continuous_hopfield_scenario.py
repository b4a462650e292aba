"""The flagship scenario `continuous_hopfield` in quick mode: figures, summary, and the physics."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import dynamics as dyn

FIGURES = ["asymmetric_contrast.png", "recall_energy_overlap.png", "two_neuron_phase_portrait.png"]


def test_quick_run(tmp_path, monkeypatch):
    """One test (so that pytest-xdist runs the scenario on one worker only), two runs."""
    monkeypatch.setenv("DYNAMICS_QUICK", "1")
    summary = dyn.run_scenario("continuous_hopfield", out=tmp_path, seed=3)
    again = dyn.run_scenario("continuous_hopfield", out=tmp_path / "again", seed=3)
    quick_run = (tmp_path / "continuous_hopfield", summary, again)
    check_figures_and_summary(quick_run)
    check_two_neuron_fixed_points_and_energy(quick_run)
    check_recall_converges_to_cued_patterns_with_falling_energy(quick_run)
    check_asymmetric_contrast_is_flagged(quick_run)
    check_same_seed_same_summary(quick_run)


def check_figures_and_summary(quick_run):
    folder, summary, _ = quick_run
    for name in FIGURES:
        data = (folder / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    on_disk = json.loads((folder / "summary.json").read_text())
    assert on_disk["quick"] is True
    assert on_disk["figures"] == FIGURES
    assert set(on_disk["timings_s"]) >= {"two_neuron", "recall", "asymmetric", "total"}
    assert on_disk["recall"]["starts"] == json.loads(json.dumps(summary["recall"]["starts"]))


def check_two_neuron_fixed_points_and_energy(quick_run):
    two = quick_run[1]["two_neuron"]
    kinds = sorted(fp["type"] for fp in two["fixed_points"])
    assert kinds == ["saddle", "stable", "stable"]
    lam, w12 = two["gain_scale"], two["w12"]
    for fp in two["fixed_points"]:
        v1, v2 = fp["V"]
        # a fixed point lies on both nullclines: V1 = tanh(lam w12 V2), V2 = tanh(lam w12 V1)
        assert v1 == pytest.approx(math.tanh(lam * w12 * v2), abs=1e-10)
        assert v2 == pytest.approx(math.tanh(lam * w12 * v1), abs=1e-10)
        if fp["type"] == "saddle":
            assert fp["V"] == pytest.approx([0.0, 0.0], abs=1e-10)
            # Jacobian at 0: -1 +- lam w12
            assert fp["eigenvalues"] == pytest.approx([-1 - lam * w12, -1 + lam * w12])
        else:
            assert v1 == pytest.approx(v2) and abs(v1) > 0.9
    stable = [fp["V"] for fp in two["fixed_points"] if fp["type"] == "stable"]
    # every trajectory that does not start on the saddle's stable line ends at a stable state
    for final in two["final_V"][:-2]:
        assert min(np.hypot(*(np.array(final) - s)) for s in stable) < 1e-3
    assert two["energy_increases"] == [False] * len(two["final_V"])
    assert all(e1 < e0 for e0, e1 in zip(two["energy_start"], two["energy_end"], strict=True))


def check_recall_converges_to_cued_patterns_with_falling_energy(quick_run):
    recall = quick_run[1]["recall"]
    assert recall["symmetric_W"] is True
    assert recall["all_converged"] is True
    assert recall["any_energy_increase"] is False
    for start in recall["starts"]:
        assert start["status"] == 1 and start["energy_decrease"] > 0
        assert abs(start["final_overlap"]) == max(abs(m) for m in start["final_overlaps_all"])
        if start["cue_pattern"] is not None:
            assert start["converged_to"] == f"+xi{start['cue_pattern'] + 1}"
            assert start["final_overlap"] == 1.0
            flipped = start["flipped_fraction"]
            assert start["initial_overlap_with_cue"] == pytest.approx(1 - 2 * flipped)
    assert recall["recalled_cue"] == recall["n_cued_starts"]


def check_asymmetric_contrast_is_flagged(quick_run):
    asym = quick_run[1]["asymmetric"]
    assert asym["symmetric_W"] is False
    assert all(asym["energy_increases"])
    assert min(asym["max_energy_rise"]) > 0


def check_same_seed_same_summary(quick_run):
    _, first, second = quick_run
    first = {k: v for k, v in first.items() if k not in ("timings_s",)}
    second = {k: v for k, v in second.items() if k not in ("timings_s",)}
    for part in ("two_neuron", "recall", "asymmetric"):
        first[part].pop("seconds")
        second[part].pop("seconds")
    assert json.dumps(first, default=str) == json.dumps(second, default=str)
