"""Brain-state-in-a-box: recall of stored patterns, batched == single probes, the energy's
non-increase (Golden 1986 condition) as a property test, and bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dynamics as dyn


def _patterns(rng, p, n):
    return rng.choice([-1.0, 1.0], size=(p, n))


@pytest.mark.parametrize("rule", ["hebbian", "pseudoinverse"])
def test_recall_from_noisy_probes(rule):
    rng = np.random.default_rng(0)
    xi = _patterns(rng, 5, 100)
    net = dyn.BrainStateInABox.from_patterns(xi, beta=0.2, rule=rule)
    assert net.lyapunov
    flips = rng.random((5, 100)) < 0.15
    probes = np.where(flips, -xi, xi) * 0.3  # a weak, noisy cue inside the box
    res = net.recall(probes)
    assert res.converged.all() and res.corners.all()
    np.testing.assert_array_equal(res.states, xi)
    assert not res.energy_increases.any()
    assert np.all(res.energy[:, -1] < res.energy[:, 0])


def test_batched_recall_equals_one_probe_at_a_time():
    rng = np.random.default_rng(1)
    net = dyn.BrainStateInABox.from_patterns(_patterns(rng, 4, 40), beta=0.3)
    probes = rng.uniform(-1, 1, (6, 40))
    batch = net.recall(probes, record_history=True)
    for i in range(6):
        one = net.recall(probes[i])
        np.testing.assert_allclose(one.states[0], batch.states[i], rtol=0, atol=0)
        assert one.steps[0] == batch.steps[i]
        k = one.steps[0] + 1
        np.testing.assert_allclose(batch.energy[i, :k], one.energy[0, :k], rtol=1e-12)
    np.testing.assert_allclose(batch.history[:, 1], net.step(probes))
    np.testing.assert_allclose(batch.energy[:, 0], net.energy(probes))


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(2, 12),
    beta=st.floats(0.01, 3.0),
    psd=st.booleans(),
)
def test_energy_never_increases_under_the_condition(seed, n, beta, psd):
    """Symmetric PSD W: any beta; symmetric indefinite W: beta * lambda_min >= -2."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n))
    w = a @ a.T / n if psd else (a + a.T) / 2
    lam_min = np.linalg.eigvalsh(w)[0]
    if not psd and lam_min < 0:
        beta = min(beta, 2.0 / -lam_min)
    net = dyn.BrainStateInABox(w, beta=beta)
    assert net.lyapunov
    res = net.recall(rng.uniform(-1, 1, (5, n)), max_steps=300)
    e = res.energy
    assert np.all(np.diff(e, axis=1) <= 1e-10 * (1 + np.abs(e[:, :-1])))


def test_energy_can_rise_when_the_condition_fails():
    w = np.array([[-3.0, 0.0], [0.0, 1.0]])
    net = dyn.BrainStateInABox(w, beta=1.0)  # beta * lambda_min = -3 < -2
    assert not net.lyapunov
    res = net.recall(np.array([0.5, 0.1]), max_steps=20)
    assert res.energy_increases[0]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: dyn.BrainStateInABox(np.ones((2, 3))), ValueError, "W: expected a square"),
        (lambda: dyn.BrainStateInABox(np.eye(2), beta=0.0), ValueError, "beta: expected"),
        (lambda: dyn.BrainStateInABox(np.eye(2), beta="x"), TypeError, "beta: expected"),
        (
            lambda: dyn.BrainStateInABox(np.eye(2)).recall([2.0, 0.0]),
            ValueError,
            r"probes: .*\[-1, 1\]",
        ),
        (
            lambda: dyn.BrainStateInABox(np.eye(2)).recall([0.0, 0.0, 0.0]),
            ValueError,
            "probes: expected shape",
        ),
        (
            lambda: dyn.BrainStateInABox(np.eye(2)).recall([0.1, 0.0], max_steps=0),
            ValueError,
            "max_steps",
        ),
        (
            lambda: dyn.BrainStateInABox.from_patterns([[1, -1]], rule="oja"),
            ValueError,
            "rule: expected",
        ),
        (
            lambda: dyn.BrainStateInABox.from_patterns([[1, 0.5]]),
            ValueError,
            "patterns: expected values",
        ),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
