"""Bad input gets a clear error naming the argument, before any compiled code runs."""

import numpy as np
import pytest

import dynamics as dyn


@pytest.fixture
def net():
    return dyn.HopfieldNetwork(8).store(dyn.random_patterns(2, 8, seed=0))


@pytest.mark.parametrize(
    "patterns,match",
    [
        (np.full((2, 8), 0.5), r"patterns: expected values in \{-1, \+1\}"),
        (np.zeros((2, 8)), r"patterns: .*encoding='binary'"),
        (np.ones((2, 7)), "patterns: expected 8 values per row"),
        (np.ones((0, 8)), "patterns: expected at least one row"),
        (np.array([[1.0, np.nan] * 4]), "patterns: contains NaN"),
        (np.ones((2, 2, 8)), "patterns: expected shape"),
    ],
)
def test_bad_patterns(patterns, match):
    with pytest.raises(ValueError, match=match):
        dyn.HopfieldNetwork(8).store(patterns)


def test_bad_patterns_type_and_binary_encoding():
    with pytest.raises(TypeError, match="patterns: expected an array of numbers"):
        dyn.HopfieldNetwork(3).store([["a", "b", "c"]])
    with pytest.raises(ValueError, match=r"patterns: expected values in \{0, 1\}"):
        dyn.HopfieldNetwork(3, encoding="binary").store([[1, -1, 1]])
    with pytest.raises(ValueError, match="patterns: expected values"):
        dyn.hebbian_weights([[1, 2, 1]])
    with pytest.raises(ValueError, match="patterns: expected a 2-D array"):
        dyn.storkey_weights([1, -1, 1])


def test_bad_probes(net):
    with pytest.raises(ValueError, match="probes: expected 8 values per row"):
        net.recall(np.ones((3, 9)))
    with pytest.raises(ValueError, match="probes: expected shape"):
        net.recall(np.ones((3, 8, 1)))
    with pytest.raises(ValueError, match="probes: contains NaN"):
        net.recall(np.full((1, 8), np.nan))
    with pytest.raises(ValueError, match="probes: expected values"):
        net.recall(np.full((1, 8), 2.0))
    with pytest.raises(ValueError, match="probes: expected at least one row"):
        net.recall(np.ones((0, 8)))


def test_bad_recall_options(net):
    probe = np.ones(8)
    with pytest.raises(ValueError, match="temperature: expected a finite number >= 0"):
        net.recall(probe, mode="stochastic", temperature=-1.0)
    with pytest.raises(ValueError, match="temperature: required"):
        net.recall(probe, mode="stochastic")
    with pytest.raises(ValueError, match="temperature: only used with mode='stochastic'"):
        net.recall(probe, mode="async", temperature=1.0)
    with pytest.raises(ValueError, match="temperature: expected a finite number"):
        net.recall(probe, mode="stochastic", temperature=float("nan"))
    with pytest.raises(ValueError, match="mode: expected one of"):
        net.recall(probe, mode="parallel")
    with pytest.raises(ValueError, match="max_sweeps: expected a positive integer"):
        net.recall(probe, max_sweeps=0)
    with pytest.raises(TypeError, match="max_sweeps: expected a positive integer"):
        net.recall(probe, max_sweeps=2.5)
    with pytest.raises(TypeError, match="seed: expected an int or numpy.random.Generator"):
        net.recall(probe, seed="x")


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="n_neurons: expected a positive integer"):
        dyn.HopfieldNetwork(0)
    with pytest.raises(TypeError, match="n_neurons: expected a positive integer"):
        dyn.HopfieldNetwork(3.0)
    with pytest.raises(ValueError, match="rule: expected one of"):
        dyn.HopfieldNetwork(3, rule="oja")
    with pytest.raises(ValueError, match="encoding: expected one of"):
        dyn.HopfieldNetwork(3, encoding="ternary")
    with pytest.raises(ValueError, match=r"threshold: expected a scalar or shape \(3,\)"):
        dyn.HopfieldNetwork(3, threshold=[0.0, 1.0])
    with pytest.raises(ValueError, match="weights: expected a symmetric matrix"):
        dyn.HopfieldNetwork.from_weights([[0.0, 1.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="energy|states"):
        dyn.HopfieldNetwork(3).energy([1, 1])


def test_bad_input_other_memories():
    with pytest.raises(ValueError, match="b: expected as many rows as a"):
        dyn.BAM(4, 3).store(np.ones((2, 4)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="a: give a probe"):
        dyn.BAM(4, 3).recall()
    with pytest.raises(ValueError, match="interaction: expected one of"):
        dyn.DenseAssociativeMemory(4, interaction="cubic")
    with pytest.raises(ValueError, match="degree: expected an int >= 2"):
        dyn.DenseAssociativeMemory(4, degree=1)
    with pytest.raises(ValueError, match="store: no patterns stored"):
        dyn.DenseAssociativeMemory(4).recall(np.ones(4))
    with pytest.raises(ValueError, match="beta: expected a finite number > 0"):
        dyn.ModernHopfield(beta=0.0)
    with pytest.raises(ValueError, match="patterns: contains NaN"):
        dyn.ModernHopfield().store(np.array([[np.nan, 1.0]]))
    mh = dyn.ModernHopfield().store(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"probes: expected shape \(n, 3\)"):
        mh.retrieve(np.ones((2, 4)))
    with pytest.raises(ValueError, match="M: contains NaN"):
        dyn.ContinuousBAM(np.array([[np.nan]]))
    with pytest.raises(ValueError, match="fraction: expected a number in"):
        dyn.flip_bits(np.ones((2, 4)), 1.5)
    with pytest.raises(ValueError, match="n_patterns: the pseudo-inverse rule needs"):
        dyn.retrieval_trial("pseudoinverse", 10, 11)
    with pytest.raises(ValueError, match="params: missing keys"):
        dyn.capacity_task({"rule": "hebbian"}, 0)


def test_storkey_weights_rejects_asymmetric_or_non_finite_start():
    xi = dyn.random_patterns(2, 6, seed=0)
    w = dyn.storkey_weights(xi[:1])
    asym = w.copy()
    asym[0, 1] += 1e-3
    with pytest.raises(ValueError, match=r"weights: expected a symmetric matrix \(W == W.T\)"):
        dyn.storkey_weights(xi[1:], weights=asym)
    bad = w.copy()
    bad[2, 3] = bad[3, 2] = np.inf
    with pytest.raises(ValueError, match="weights: expected finite values"):
        dyn.storkey_weights(xi[1:], weights=bad)
    bad[2, 3] = bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="weights: expected finite values"):
        dyn.storkey_weights(xi[1:], weights=bad)
    with pytest.raises(TypeError, match="weights: expected an array of numbers"):
        dyn.storkey_weights(xi[1:], weights=[["a"] * 6] * 6)
    # a symmetric start continues learning exactly like learning both patterns at once
    np.testing.assert_allclose(dyn.storkey_weights(xi[1:], weights=w), dyn.storkey_weights(xi))


def test_bad_input_capacity_helpers():
    with pytest.raises(ValueError, match=r"states: expected values in \{-1, \+1\}"):
        dyn.flip_bits(np.full((2, 4), 0.5), 0.1)
    with pytest.raises(ValueError, match="states: .*encoding='binary'"):
        dyn.flip_bits(np.zeros((2, 4)), 0.1)
    with pytest.raises(ValueError, match="states: contains NaN"):
        dyn.flip_bits(np.array([1.0, np.nan]), 0.1)
    with pytest.raises(ValueError, match="states: expected shape"):
        dyn.flip_bits(np.ones((2, 2, 2)), 0.1)
    with pytest.raises(TypeError, match="states: expected an array of numbers"):
        dyn.flip_bits([["a", "b"]], 0.1)
    with pytest.raises(TypeError, match="fraction: expected a real number"):
        dyn.flip_bits(np.ones(4), "0.1")
    with pytest.raises(ValueError, match="fraction: expected a finite number >= 0"):
        dyn.flip_bits(np.ones(4), -0.1)
    with pytest.raises(ValueError, match="n_probes: expected a positive integer"):
        dyn.retrieval_trial("hebbian", 10, 2, n_probes=0)
    with pytest.raises(TypeError, match="n_probes: expected a positive integer"):
        dyn.retrieval_trial("hebbian", 10, 2, n_probes=5.0)
    with pytest.raises(ValueError, match="flip_fraction: expected a number in"):
        dyn.retrieval_trial("hebbian", 10, 2, flip_fraction=2.0)
    with pytest.raises(ValueError, match="loads: expected finite positive"):
        dyn.capacity_curve("hebbian", 10, [0.1, np.nan])
    with pytest.raises(ValueError, match="loads: expected finite positive"):
        dyn.capacity_curve("hebbian", 10, [0.1, -0.2])
    with pytest.raises(ValueError, match="loads: expected a non-empty 1-D array"):
        dyn.capacity_curve("hebbian", 10, [[0.1, 0.2]])
    with pytest.raises(ValueError, match="loads: expected a non-empty 1-D array"):
        dyn.capacity_curve("hebbian", 10, [])
    with pytest.raises(TypeError, match="loads: expected an array of numbers"):
        dyn.capacity_curve("hebbian", 10, ["a"])
    with pytest.raises(ValueError, match="rule: expected one of"):
        dyn.capacity_curve("oja", 10, [0.1])
    with pytest.raises(ValueError, match="fractions: expected one value per load"):
        dyn.estimate_alpha_c([0.1, 0.2], [1.0, 0.5, 0.0])
    with pytest.raises(ValueError, match="loads: expected a 1-D array"):
        dyn.estimate_alpha_c([[0.1, 0.2]], [1.0, 0.0])
    with pytest.raises(TypeError, match="fractions: expected an array of numbers"):
        dyn.estimate_alpha_c([0.1, 0.2], ["x", "y"])
    with pytest.raises(ValueError, match="patterns: expected 4 values per row"):
        dyn.classify_attractors(np.ones((2, 4)), np.ones((3, 5)))
    with pytest.raises(ValueError, match="patterns: expected at least one pattern"):
        dyn.classify_attractors(np.ones((2, 4)), np.ones((0, 4)))


def test_modern_hopfield_tol_must_be_positive():
    mh = dyn.ModernHopfield().store(np.ones((2, 3)))
    with pytest.raises(ValueError, match="tol: expected a finite number > 0"):
        mh.retrieve(np.ones((1, 3)), max_steps=3, tol=0.0)
    with pytest.raises(ValueError, match="tol: expected a finite number > 0"):
        mh.retrieve(np.ones((1, 3)), tol=-1.0)
