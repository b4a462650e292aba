"""The built-in Hopfield-family models on ParamLayout: one layout per model, scratch in the
work area, kernels that never write the parameters and compute what they computed before."""

import os
import subprocess
import sys
import textwrap

import numba as nb
import numpy as np
import pytest

import dynamics as dyn
from dynamics.models import cohen_grossberg, delayed_hopfield, hopfield, random_rate

N = 7


@nb.njit(cache=True)
def _softsign(x):
    return x / (1.0 + abs(x))


def _symmetric(rng, n=N):
    a = rng.normal(size=(n, n))
    return 0.5 * (a + a.T)


def _hopfields():
    rng = np.random.default_rng(31)
    w = _symmetric(rng)
    out = [
        dyn.ContinuousHopfield(w, I=rng.normal(size=N), tau=rng.uniform(0.5, 2.0, N),
                               gain=gain, gain_scale=1.6)
        for gain in ("tanh", "logistic", "piecewise_linear")
    ]
    out.append(dyn.ContinuousHopfield.from_circuit(w, I=rng.normal(size=N),
                                                   C=rng.uniform(0.5, 2.0, N),
                                                   R=rng.uniform(0.5, 2.0, N), gain_scale=0.8))
    return out


def _models():
    """Every model this layout covers, each with its constructor's name for test ids."""
    rng = np.random.default_rng(32)
    w = _symmetric(rng)
    hops = _hopfields()
    return [
        *hops,
        dyn.RandomRateNetwork(N, 1.4, seed=5),
        dyn.CohenGrossberg(a=("logistic", {"low": 0.5, "high": 1.5}),
                           b=("cubic", {"decay": rng.uniform(0.5, 1.5, N)}), C=w, d="tanh"),
        dyn.CohenGrossberg(a="constant", b="linear", C=w, d=_softsign),
        dyn.CohenGrossberg.from_hopfield(hops[3]),
    ]


MODELS = _models()
IDS = [f"{type(m).__name__}-{k}" for k, m in enumerate(MODELS)]


def _call_every_kernel(model, p, rng):
    """Call every kernel of ``model`` on ``p`` once; return the results."""
    n = model.n_states
    x = rng.normal(size=n)
    X = rng.normal(size=(5, n))
    out = np.empty(n)
    model.rhs_kernel(0.0, x, p, out)
    results = [out]
    if model.rhs_batch_kernel is not None:
        batch = np.empty_like(X)
        model.rhs_batch_kernel(np.zeros(5), X, p, batch)
        results.append(batch)
    if model.energy_kernel is not None:
        results.append(model.energy_kernel(x, p))
    if model.energy_batch_kernel is not None:
        e = np.empty(5)
        model.energy_batch_kernel(X, p, e)
        results.append(e)
    if model.jacobian_kernel is not None:
        jac = np.empty((n, n))
        model.jacobian_kernel(0.0, x, p, jac)
        results.append(jac)
    return results


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_kernels_leave_the_parameters_bitwise_unchanged(model):
    rng = np.random.default_rng(1)
    before = model.params.copy()
    size = model.params.size
    assert model.layout.size_of(model.params) == size  # params hold the blocks only
    for p in (model.kernel_params(), model.kernel_params(5), model.ensemble_params(5),
              model.ensemble_params(32)):
        _call_every_kernel(model, p, rng)
        np.testing.assert_array_equal(p[:size], before)
    # bare params (no work area): the kernels allocate their scratch instead of writing p
    p = model.params.copy()
    _call_every_kernel(model, p, rng)
    np.testing.assert_array_equal(p, before)
    np.testing.assert_array_equal(model.params, before)


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_every_way_of_passing_p_gives_the_same_values(model):
    """kernel_params(), its batch room, the ensemble's copy and bare params agree."""
    ways = [model.kernel_params(), model.kernel_params(5), model.ensemble_params(5),
            model.ensemble_params(32), model.params.copy()]
    results = [_call_every_kernel(model, p, np.random.default_rng(2)) for p in ways]
    for other in results[1:]:
        for a, b in zip(results[0], other, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)


def test_each_model_declares_one_module_layout():
    assert isinstance(hopfield.LAYOUT, dyn.ParamLayout)
    assert hopfield.LAYOUT.names == ("gain", "lam", "leak", "inv_cap", "I", "W")
    assert random_rate.LAYOUT.names == ("g", "W")
    assert cohen_grossberg.LAYOUT.names == ("offset", "table", "C")
    for module in (hopfield, random_rate, cohen_grossberg):
        assert module.LAYOUT.dims == ("n",)
    assert delayed_hopfield.DELAYED_LAYOUT.names[-2:] == ("n_delays", "offsets")
    assert delayed_hopfield.DISTRIBUTED_LAYOUT.names[-2:] == ("order", "rate")
    layouts = {
        dyn.ContinuousHopfield: hopfield.LAYOUT,
        dyn.RandomRateNetwork: random_rate.LAYOUT,
        dyn.CohenGrossberg: cohen_grossberg.LAYOUT,
    }
    for model in MODELS:
        assert model.layout is layouts[type(model)]


def test_hopfield_values_and_properties_match_numpy_formulas():
    rng = np.random.default_rng(3)
    for model in _hopfields():
        w, bias, leak, inv_cap, g = model.W, model.I, model.leak, model.inv_cap, model.gain
        views = model.layout.views(model.params)
        np.testing.assert_array_equal(views["W"], w)
        assert views["gain"] == g.code and views["lam"] == g.lam
        np.testing.assert_allclose(model.tau, 1.0 / (leak * inv_cap), rtol=1e-15)
        assert model.work_size == 2 * N and model.rhs_batch_work == N
        X = rng.normal(size=(6, N))
        V = g.g(X)
        rhs = inv_cap * (-leak * X + V @ w.T + bias)
        energy = (-0.5 * np.einsum("ri,ij,rj->r", V, w, V) - V @ bias
                  + g.integral_inverse_of_u(X) @ leak)
        np.testing.assert_allclose([model.rhs(x) for x in X], rhs, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(model.energy(X), energy, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose([model.energy(x) for x in X], energy, rtol=1e-12,
                                   atol=1e-12)
        for x in X:
            jac = inv_cap[:, None] * w * g.derivative(x)[None, :] - np.diag(inv_cap * leak)
            np.testing.assert_allclose(model.jacobian(x), jac, rtol=1e-12, atol=1e-12)


def test_hopfield_ensemble_params_carry_w_transpose_after_the_work_area():
    model = _hopfields()[0]
    n, size = N, model.params.size
    p = model.ensemble_params(4)
    assert p.size == size + 2 * n + 4 * n + n * n + 1
    np.testing.assert_array_equal(p[:size], model.params)
    np.testing.assert_array_equal(p[size + 6 * n : size + 6 * n + n * n], model.W.T.ravel())
    assert p[-1] == 4.0
    # more rows than the copy has room for: the kernel falls back to row-by-row products
    X = np.random.default_rng(4).normal(size=(9, n))
    out = np.empty_like(X)
    model.rhs_batch_kernel(np.zeros(9), X, p, out)
    np.testing.assert_allclose(out, [model.rhs(x) for x in X], rtol=1e-13, atol=1e-13)


def test_random_rate_values_match_numpy_formulas():
    net = dyn.RandomRateNetwork(N, 1.3, seed=6)
    np.testing.assert_array_equal(net.param("W"), 1.3 * net.J)
    assert net.param("g") == 1.3 and net.work_size == N
    X = np.random.default_rng(5).normal(size=(6, N))
    np.testing.assert_allclose([net.rhs(x) for x in X], -X + 1.3 * np.tanh(X) @ net.J.T,
                               rtol=1e-13, atol=1e-13)
    for x in X:
        jac = -np.eye(N) + 1.3 * net.J * (1.0 - np.tanh(x) ** 2)[None, :]
        np.testing.assert_allclose(net.jacobian(x), jac, rtol=1e-13, atol=1e-13)


def test_cohen_grossberg_values_match_numpy_formulas():
    model = MODELS[5]
    c = model.C
    decay = model.param("table")[:, 4]
    X = np.random.default_rng(6).normal(size=(6, N))
    a = 0.5 + 1.0 / (1.0 + np.exp(-X))
    b = -decay * X - X**3
    np.testing.assert_allclose([model.rhs(x) for x in X], a * (b - np.tanh(X) @ c.T),
                               rtol=1e-12, atol=1e-12)
    assert model.energy_offset == 0.0 and model.work_size == 2 * N


def test_cohen_grossberg_from_hopfield_keeps_the_energy_offset_in_its_block():
    net = _hopfields()[3]
    cg = dyn.CohenGrossberg.from_hopfield(net)
    assert cg.energy_offset == cg.layout.views(cg.params)["offset"] != 0.0
    X = np.random.default_rng(7).normal(size=(5, N))
    np.testing.assert_allclose([cg.energy(x) for x in X], net.energy(X), rtol=1e-11,
                               atol=1e-11)
    np.testing.assert_allclose([cg.rhs(x) for x in X], [net.rhs(x) for x in X], rtol=1e-12,
                               atol=1e-12)


def _delayed_models():
    rng = np.random.default_rng(8)
    w = _symmetric(rng)
    w[0, 1] = w[1, 0] = 0.0
    bias, tau = rng.normal(size=N), rng.uniform(0.5, 2.0, N)
    delays = np.where(rng.random((N, N)) < 0.5, 0.3, 0.7)
    return (w, bias, tau, delays,
            dyn.DelayedHopfield(w, 0.5, I=bias, tau=tau, gain_scale=1.4),
            dyn.DelayedHopfield(w, delays, I=bias, tau=tau, gain="logistic"),
            dyn.DistributedDelayHopfield(w, 0.8, order=3, I=bias, tau=tau))


def test_delayed_hopfield_kernels_match_formulas_and_leave_params_unchanged():
    w, bias, tau, delays, const, per, dist = _delayed_models()
    rng = np.random.default_rng(9)
    u = rng.normal(size=N)
    for model in (const, per):
        before = model.params.copy()
        assert model.layout.size_of(model.params) == model.params.size
        xd = rng.normal(size=(model.n_delays, N))
        g = model.gain.g(xd)
        if model is const:
            drive = w @ g[0]
        else:
            group = np.searchsorted(np.array([0.3, 0.7]), delays)
            drive = np.array([sum(w[i, j] * g[group[i, j], j] for j in range(N))
                              for i in range(N)])
        np.testing.assert_allclose(model.rhs(u, xd), (-u + drive + bias) / tau, rtol=1e-12,
                                   atol=1e-12)
        np.testing.assert_allclose(model.energy(u), model.delay_free().energy(u), rtol=1e-13)
        p = model.kernel_params()
        out = np.empty(N)
        model.rhs_kernel(0.0, u, xd, p, out)
        model.energy_kernel(u, p)
        np.testing.assert_array_equal(p[: before.size], before)
        np.testing.assert_array_equal(model.params, before)
    assert per.n_delays == 2 and per.work_size == 2 * N
    before = dist.params.copy()
    x = rng.normal(size=dist.n_states)
    z = x.reshape(4, N)
    rate = 3 / 0.8
    exact = np.concatenate([(-z[0] + w @ z[3] + bias) / tau,
                            rate * (np.tanh(z[0]) - z[1]), rate * (z[1] - z[2]),
                            rate * (z[2] - z[3])])
    np.testing.assert_allclose(dist.rhs(x), exact, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dist.energy(x), dist.delay_free().energy(z[0]), rtol=1e-13)
    np.testing.assert_array_equal(dist.params, before)


def test_fixed_point_bounds_of_a_circuit_use_the_leak():
    net = _hopfields()[3]  # leak 1/R != 1
    lo, hi = dyn.default_bounds(net)
    reach = (np.abs(net.W).sum(axis=1) + np.abs(net.I)) / net.leak
    np.testing.assert_allclose(hi, reach, rtol=1e-15)
    np.testing.assert_allclose(lo, -reach, rtol=1e-15)
    points = dyn.find_fixed_points(net, n_starts=8, seed=1)
    assert points and all(np.all(np.abs(fp.x) <= reach) for fp in points)


def test_single_state_kernels_allocate_nothing_with_kernel_params():
    """Numba's allocation counter does not grow with the number of kernel calls."""
    script = textwrap.dedent(
        """
        import numba, numpy as np
        from numba.core.runtime import rtsys
        import dynamics as dyn

        @numba.njit
        def calls(rhs, jac, x, p, out, J, k):
            for _ in range(k):
                rhs(0.0, x, p, out)
                jac(0.0, x, p, J)

        @numba.njit
        def energies(energy, x, p, k):
            acc = 0.0
            for _ in range(k):
                acc += energy(x, p)
            return acc

        n = 12
        w = dyn.random_hopfield(n, seed=1).W
        models = [dyn.random_hopfield(n, seed=1), dyn.RandomRateNetwork(n, 1.5, seed=1),
                  dyn.CohenGrossberg(C=w)]
        x = np.random.default_rng(0).normal(size=n)
        out, J = np.empty(n), np.empty((n, n))
        grew = []
        for model in models:
            p = model.kernel_params()
            counts = []
            for k in (1, 1, 50):
                before = rtsys.get_allocation_stats().alloc
                calls(model.rhs_kernel, model.jacobian_kernel, x, p, out, J, k)
                if model.energy_kernel is not None:
                    energies(model.energy_kernel, x, p, k)
                counts.append(rtsys.get_allocation_stats().alloc - before)
            grew.append(counts[2] - counts[1])
        print(grew)
        """
    )
    env = {**os.environ, "NUMBA_NRT_STATS": "1", "OPENBLAS_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, timeout=600, check=True)
    grew = eval(out.stdout.strip().splitlines()[-1])
    assert grew == [0, 0, 0], f"allocations grew with the calls: {grew}"
