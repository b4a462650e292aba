"""Cohen-Grossberg networks: energy integrals against scipy, the Hopfield special case, the
Jacobian against finite differences, dV/dt against its formula, and energy non-increase."""

import warnings

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

import dynamics as dyn

# independent numpy definitions of the built-in families (the formulas of the docstring)
D = {
    "tanh": (lambda g, s: np.tanh(g * s), lambda g, s: g / np.cosh(g * s) ** 2),
    "logistic": (
        lambda g, s: 1 / (1 + np.exp(-g * s)),
        lambda g, s: g * np.exp(-g * s) / (1 + np.exp(-g * s)) ** 2,
    ),
    "piecewise_linear": (
        lambda g, s: np.clip(g * s, -1, 1),
        lambda g, s: g * float(abs(g * s) < 1),
    ),
    "relu": (lambda g, s: max(0.0, g * s), lambda g, s: g * float(s > 0)),
}
B = {
    "linear": lambda q, s: -q["decay"] * s + q["input"],
    "cubic": lambda q, s: -q["decay"] * s - q["cubic"] * s**3 + q["input"],
}
BQ = {
    "linear": {"decay": 0.7, "input": 0.3},
    "cubic": {"decay": 0.7, "input": 0.3, "cubic": 0.4},
}


@numba.njit(cache=True)
def softsign(x):
    return x / (1.0 + abs(x))


@numba.njit(cache=True)
def softsign_prime(x):
    return 1.0 / (1.0 + abs(x)) ** 2


@numba.njit(cache=True)
def quartic_b(x):
    return -x - 0.2 * x**3 + 0.1 * x**4 * (x < 0.0) + 0.5


def _quad(f, x, kinks=()):
    pts = [p for p in kinks if min(0.0, x) < p < max(0.0, x)]
    return quad(f, 0.0, x, points=pts or None, epsabs=1e-13, epsrel=1e-13, limit=400)[0]


@pytest.mark.parametrize("dname", sorted(D))
@pytest.mark.parametrize("bname", sorted(B))
@pytest.mark.parametrize("gain", [0.5, 3.0])
def test_signal_integral_matches_scipy_quad(dname, bname, gain):
    model = dyn.CohenGrossberg(b=(bname, BQ[bname]), C=np.zeros((1, 1)), d=(dname, {"gain": gain}))
    dp = D[dname][1]
    for x in (-6.0, -1.3, -0.2, 0.05, 0.31, 2.0, 9.0):
        ref = _quad(lambda s: B[bname](BQ[bname], s) * dp(gain, s), x, (0.0, -1 / gain, 1 / gain))
        assert model.signal_integral(0, x) == pytest.approx(ref, rel=1e-11, abs=1e-11)


def test_user_functions_quadrature_and_derivatives():
    c = np.array([[0.0, 0.6], [0.6, 0.0]])
    with_prime = dyn.CohenGrossberg(b=quartic_b, C=c, d=(softsign, softsign_prime))
    finite_diff = dyn.CohenGrossberg(b=quartic_b, C=c, d=softsign)
    for x in (-3.0, -0.4, 0.7, 5.0):
        ref = _quad(lambda s: quartic_b(s) * softsign_prime(s), x, (0.0,))
        assert with_prime.signal_integral(1, x) == pytest.approx(ref, rel=1e-11, abs=1e-12)
        assert finite_diff.signal_integral(1, x) == pytest.approx(ref, rel=1e-8, abs=1e-9)
    x = np.array([0.3, -1.2])
    np.testing.assert_allclose(with_prime.jacobian(x), finite_diff.jacobian(x), atol=1e-8)
    np.testing.assert_allclose(with_prime.rhs(x), finite_diff.rhs(x), rtol=0, atol=0)


def _fd_jacobian(model, x, h=1e-6):
    n = x.size
    jac = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        jac[:, j] = (model.rhs(x + e) - model.rhs(x - e)) / (2 * h)
    return jac


def _mixed_model(seed, n=6, symmetric=True):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) / np.sqrt(n)
    c = (a + a.T) / 2 if symmetric else a
    a_specs = ["constant", "quadratic", "lorentzian", ("logistic", {"low": 0.2, "high": 2.0})]
    d_specs = ["tanh", ("logistic", {"gain": 2.0}), "piecewise_linear", "relu"]
    return dyn.CohenGrossberg(
        a=[a_specs[i % 4] for i in range(n)],
        b=[
            ("cubic", {"input": rng.normal()}) if i % 2 else ("linear", {"decay": 1.5})
            for i in range(n)
        ],
        C=c,
        d=[d_specs[(i + 1) % 4] for i in range(n)],
    ), rng


def test_jacobian_matches_finite_differences():
    model, rng = _mixed_model(0)
    for _ in range(3):
        x = rng.normal(size=model.n_states) * 0.5 + 0.13  # away from the kinks
        np.testing.assert_allclose(model.jacobian(x), _fd_jacobian(model, x), atol=2e-7)


def test_rhs_batch_matches_rhs():
    model, rng = _mixed_model(1)
    xs = np.ascontiguousarray(rng.normal(size=(4, model.n_states)))
    out = np.empty_like(xs)
    model.rhs_batch_kernel(np.zeros(4), xs, model.params, out)  # bare params: row by row
    rows = np.array([model.rhs(x) for x in xs])
    np.testing.assert_allclose(out, rows, rtol=1e-14, atol=1e-14)
    # with the ensemble's work copy: one matrix-matrix product, the parameters untouched
    work = model.ensemble_params(4)
    assert work.size == model.params.size + model.work_size + 4 * model.n_states
    before = work[: model.params.size].copy()
    out2 = np.empty_like(xs)
    model.rhs_batch_kernel(np.zeros(4), xs, work, out2)
    np.testing.assert_allclose(out2, rows, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(work[: model.params.size], before)
    starts = rng.normal(size=(3, model.n_states))
    ens = dyn.solve_ensemble(model, (0.0, 2.0), starts, n_eval=5)
    for k in range(3):
        sol = dyn.solve(model, (0.0, 2.0), starts[k], t_eval=ens.t)
        np.testing.assert_allclose(ens.y[k], sol.y, rtol=1e-6, atol=1e-8)


def test_energy_rate_is_minus_a_dprime_residual_squared():
    """dV/dt along the flow = grad V . f = -sum_i a_i d_i' [b_i - (C d)_i]^2 (symmetric C)."""
    rng = np.random.default_rng(2)
    m = rng.normal(size=(5, 5))
    c = (m + m.T) / 2
    inputs = rng.normal(size=5)
    model = dyn.CohenGrossberg(
        a="quadratic", b=("cubic", {"input": inputs}), C=c, d=("tanh", {"gain": 2.0})
    )
    for _ in range(3):
        x = rng.normal(size=5) * 0.7
        f = model.rhs(x)
        h = 1e-6
        rate = (model.energy(x + h * f) - model.energy(x - h * f)) / (2 * h)
        np.testing.assert_allclose(model.output(x), np.tanh(2 * x), rtol=1e-15)
        residual = -x - x**3 + inputs - c @ np.tanh(2 * x)
        a_values = 1 + x**2
        expected = -np.sum(a_values * 2 / np.cosh(2 * x) ** 2 * residual**2)
        np.testing.assert_allclose(f, a_values * residual, rtol=1e-13, atol=1e-13)
        assert rate == pytest.approx(expected, rel=1e-7)


@pytest.mark.parametrize("gain", ["tanh", "logistic", "piecewise_linear"])
def test_hopfield_special_case_same_trajectories_and_energies(gain):
    rng = np.random.default_rng(4)
    t = rng.normal(size=(5, 5))
    t = (t + t.T) / 2
    hop = dyn.ContinuousHopfield.from_circuit(
        t,
        I=rng.normal(size=5),
        C=rng.uniform(0.5, 2, 5),
        R=rng.uniform(0.5, 2, 5),
        gain=gain,
        gain_scale=2.5,
    )
    cg = dyn.CohenGrossberg.from_hopfield(hop)
    assert cg.is_symmetric
    x0 = rng.normal(size=5)
    t_eval = np.linspace(0.0, 8.0, 41)
    s_hop = dyn.solve(hop, (0.0, 8.0), x0, t_eval=t_eval, rtol=1e-10, atol=1e-12)
    s_cg = dyn.solve(cg, (0.0, 8.0), x0, t_eval=t_eval, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(s_cg.y, s_hop.y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(s_cg.energy, s_hop.energy, rtol=1e-12, atol=1e-12)
    for x in rng.normal(size=(3, 5)) * 3:
        assert cg.energy(x) == pytest.approx(hop.energy(x), rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(cg.jacobian(x), hop.jacobian(x), rtol=1e-13, atol=1e-13)


A_SPECS = ["constant", "quadratic", "lorentzian", "logistic"]
B_SPECS = ["linear", "cubic"]
D_SPECS = ["tanh", "logistic", "piecewise_linear", "relu"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(1, 6),
    a=st.sampled_from(A_SPECS),
    b=st.sampled_from(B_SPECS),
    d=st.sampled_from(D_SPECS),
    gain=st.floats(0.3, 4.0),
)
def test_energy_never_increases_along_dopri5_trajectories(seed, n, a, b, d, gain):
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(n, n)) * 1.5 / np.sqrt(n)
    model = dyn.CohenGrossberg(
        a=a,
        b=(b, {"input": rng.normal(size=n), "decay": rng.uniform(0.2, 2.0, n)}),
        C=(m + m.T) / 2,
        d=(d, {"gain": gain}),
    )
    sol = dyn.solve(model, (0.0, 10.0), rng.normal(size=n) * 2, rtol=1e-8, atol=1e-10)
    # V is non-increasing but need not be bounded below: with a = 1 + x^2 and a ReLU signal a
    # net self-excitation stronger than the decay blows up in finite time, which the solver
    # reports (status -1); the energy must still fall along everything it computed
    assert sol.status >= 0 or np.max(np.abs(sol.y[:, -1])) > 1e3, sol.message
    assert not sol.energy_increases, sol.max_energy_increase
    assert np.all(np.diff(sol.energy) <= 1e-9 * (1 + np.abs(sol.energy[:-1])))


def test_asymmetric_coupling_warns_and_still_computes():
    model, rng = _mixed_model(5, symmetric=False)
    assert not model.is_symmetric
    x = rng.normal(size=model.n_states)
    with pytest.warns(RuntimeWarning, match="C: .*not symmetric"):
        e = model.energy(x)
    assert np.isfinite(e)
    sym, _ = _mixed_model(5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sym.energy(x)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"C": np.ones((2, 3))}, ValueError, "C: expected a square"),
        ({"C": None}, TypeError, "C: "),
        ({"C": np.eye(2), "a": "cubic"}, ValueError, "a: unknown family 'cubic'"),
        ({"C": np.eye(2), "d": ("tanh", {"slope": 1.0})}, ValueError, "d: family 'tanh' has no"),
        ({"C": np.eye(2), "d": ("tanh", {"gain": -1.0})}, ValueError, r"d\['gain'\]"),
        ({"C": np.eye(2), "a": ("constant", {"value": 0.0})}, ValueError, r"a\['value'\]"),
        (
            {"C": np.eye(2), "b": ("linear", {"input": [1.0, 2.0, 3.0]})},
            ValueError,
            r"b\['input'\]: expected a scalar or shape \(2,\)",
        ),
        ({"C": np.eye(2), "d": ["tanh"]}, ValueError, "d: a list of per-neuron families needs 2"),
        ({"C": np.eye(2), "d": 3.0}, TypeError, "d: expected a family name"),
        ({"C": np.eye(2), "d": lambda x: x}, TypeError, "d: expected a numba.njit"),
    ],
)
def test_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        dyn.CohenGrossberg(**kwargs)


def test_from_hopfield_rejects_other_models():
    with pytest.raises(TypeError, match="model: expected a ContinuousHopfield"):
        dyn.CohenGrossberg.from_hopfield(dyn.CohenGrossberg(C=np.eye(2)))
