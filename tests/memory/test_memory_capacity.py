"""Capacity experiments: the Hebbian critical load, basins, mixture states."""

import math

import numpy as np
import pytest

import dynamics as dyn


def test_hebbian_alpha_c_at_n500():
    # 9 loads x 8 seeds x 50 probes = 3600 recalls: the crossing of the mean curve through 1/2
    # has a standard error of ~0.002 here (the curve falls by ~0.15 per 0.01 of load)
    loads = np.round(np.arange(0.10, 0.181, 0.01), 3)
    curve = dyn.capacity_curve("hebbian", 500, loads, flip_fraction=0.05, n_seeds=8, seed=123,
                               n_probes=50)
    assert curve.fractions.shape == (9, 8)
    assert curve.mean[0] > 0.8 and curve.mean[-1] < 0.2
    assert 0.12 <= curve.alpha_c <= 0.17
    assert np.all(curve.sem < 0.1)


def test_retrieval_below_mceliece_bound_is_error_free():
    n = 400
    p = int(n * dyn.mceliece_load(n) / 2)  # comfortably inside the error-free regime
    out = dyn.retrieval_trial("hebbian", n, p, flip_fraction=0.0, seed=0, n_probes=None)
    assert out["fraction_retrieved"] == 1.0 and out["mean_overlap"] == 1.0
    assert dyn.mceliece_load(1000) == pytest.approx(1 / (2 * math.log(1000)))


def test_capacity_task_is_reproducible_and_sweepable():
    params = {"rule": "storkey", "n_neurons": 100, "alpha": 0.2, "n_probes": 10}
    a = dyn.capacity_task(params, 42)
    b = dyn.capacity_task(params, 42)
    assert a == b
    assert a["n_patterns"] == 20 and "n_probes" not in a  # params are not repeated
    res = dyn.sweep(dyn.capacity_task, {"rule": ["hebbian"], "n_neurons": [80],
                                         "alpha": [0.05, 0.3]}, seeds=2, progress=False)
    frac = res["fraction_retrieved"]
    assert frac.shape == (4,) and frac[:2].min() > frac[2:].max()


def test_estimate_alpha_c_interpolates():
    assert dyn.estimate_alpha_c([0.1, 0.2, 0.3], [1.0, 0.6, 0.2]) == pytest.approx(0.225)
    assert math.isnan(dyn.estimate_alpha_c([0.1, 0.2], [1.0, 0.9]))


def test_basins_shrink_with_load_for_pseudoinverse():
    m0 = np.array([1.0, 0.8, 0.6])
    _, low = dyn.basin_curve("pseudoinverse", 200, 0.1, m0, n_trials=10, seed=1)
    _, high = dyn.basin_curve("pseudoinverse", 200, 0.7, m0, n_trials=10, seed=1)
    assert low.shape == (3, 10)
    np.testing.assert_allclose(low[0], 1.0)
    np.testing.assert_allclose(high[0], 1.0)  # stored patterns stay fixed points at alpha=0.7
    assert low[2].mean() > 0.99 > high[2].mean()  # but their basins have shrunk


def test_symmetric_three_mixtures_are_stable_at_low_load():
    out = dyn.mixture_states(500, 10, n_mixtures=30, n_random_starts=60, seed=0)
    assert out["fraction_stable_mixtures"] > 0.8
    assert out["mean_mixture_overlap"] == pytest.approx(0.5, abs=0.06)  # AGS 1985: m = 1/2
    counts = out["random_start_attractors"]
    assert sum(counts.values()) == 60
    assert counts["mixture3"] + counts["other"] > 0  # random starts also find spurious states
    labels = dyn.classify_attractors(np.sign(np.ones(3) @ dyn.random_patterns(3, 1000, seed=2)),
                                     dyn.random_patterns(3, 1000, seed=2))
    assert labels[0] == "mixture3"


def test_symmetric_criterion_separates_distorted_mixtures():
    xi = dyn.random_patterns(3, 1000, seed=2)
    mix = np.sign(np.array([1.0, -1.0, 1.0]) @ xi)
    # a distorted mixture: a fifth of the bits where the three patterns disagree is flipped to
    # the first pattern -- overlaps stay near 1/2 but it is no longer the symmetric mixture
    disagree = np.flatnonzero(np.abs(xi.sum(axis=0)) < 3)[:150]
    distorted = mix.copy()
    distorted[disagree] = xi[0, disagree]
    loose = dyn.classify_attractors(np.vstack([mix, distorted]), xi)
    strict = dyn.classify_attractors(np.vstack([mix, distorted]), xi, symmetric=0.99)
    assert loose.tolist() == ["mixture3", "mixture3"]
    assert strict.tolist() == ["mixture3", "mixture_like"]
    out = dyn.mixture_states(400, 24, n_mixtures=10, n_random_starts=20, seed=3)
    assert sum(out["random_start_attractors"].values()) == 20
    assert set(out["random_start_attractors"]) == {"pattern", "reversed", "mixture3",
                                                   "mixture_like", "other"}
