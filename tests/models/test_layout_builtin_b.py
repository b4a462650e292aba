"""CellularNetwork, HopfieldTank, the QP networks and ContinuousBAM on their ParamLayout:
the kernels against explicit numpy formulas, the parameters bitwise unchanged by every
kernel (scratch lives in the solvers' work area), and no allocation in the kernels."""

import numba as nb
import numpy as np
import pytest
from numba.core.runtime import _nrt_python as nrt

import dynamics as dyn

RNG = np.random.default_rng(20261203)
PAD_MODE = {"fixed": "constant", "zero_flux": "edge", "periodic": "wrap"}


# ------------------------------------------------------------------ the models, small
def _cnn(boundary):
    rng = np.random.default_rng(1)
    a = rng.normal(size=(5, 5))
    a = a + a[::-1, ::-1]
    u = np.clip(rng.normal(size=(6, 7)), -1.0, 1.0)
    return dyn.CellularNetwork(a, rng.normal(size=(3, 3)), 0.3, input_image=u,
                               boundary=boundary, boundary_value=-0.4)


def _tank():
    d = dyn.random_instance(5, seed=2).distances
    return dyn.HopfieldTank(d, A=3.0, B=2.0, C=1.5, D=4.0, u0=0.3, n_tilde=7.0, tau=0.7)


def _qp_box():
    rng = np.random.default_rng(3)
    q = rng.normal(size=(6, 6))
    lo = np.array([-0.5, -np.inf, -0.2, -1.0, -np.inf, 0.0])
    return dyn.ProjectionNetwork(q @ q.T, rng.normal(size=6), bounds=(lo, 0.7), lam=1.3)


def _qp_pd():
    rng = np.random.default_rng(4)
    q = rng.normal(size=(5, 5))
    return dyn.PrimalDualNetwork(q @ q.T, rng.normal(size=5), A_ub=rng.normal(size=(2, 5)),
                                 b_ub=rng.normal(size=2), A_eq=rng.normal(size=(1, 5)),
                                 b_eq=[0.3], bounds=(-1.0, 1.0), lam=0.8, alpha=0.1)


_BAM = {k: np.random.default_rng(5).normal(size=s) for k, s in
        (("M", (4, 3)), ("I_a", 4), ("I_b", 3))}
_BAM_TAU = np.linspace(0.5, 2.0, 7)


def _bam():
    return dyn.ContinuousBAM(_BAM["M"], I_a=_BAM["I_a"], I_b=_BAM["I_b"], tau=_BAM_TAU,
                             gain="tanh", gain_scale=1.3)


MODELS = {
    "cnn_fixed": lambda: _cnn("fixed"),
    "cnn_zero_flux": lambda: _cnn("zero_flux"),
    "cnn_periodic": lambda: _cnn("periodic"),
    "tank": _tank,
    "qp_box": _qp_box,
    "qp_primal_dual": _qp_pd,
    "bam": _bam,
}


# ------------------------------------------------------------------ explicit formulas
def _cnn_reference(net, x):
    """(rhs, energy) of a CNN from the padded grids in numpy (Chua & Yang 1988)."""
    m, n = net.grid_shape
    r = net.radius

    def pad(img, value):
        mode = PAD_MODE[net.boundary]
        kw = {"constant_values": value} if mode == "constant" else {}
        return np.pad(img, r, mode=mode, **kw)

    def correlate(padded, t):
        return sum(t[i, j] * padded[i : i + m, j : j + n]
                   for i in range(2 * r + 1) for j in range(2 * r + 1))

    y = np.clip(x.reshape(m, n), -1.0, 1.0)
    bv = net.boundary_value
    ay_full = correlate(pad(y, bv), net.A)  # virtual cells y = bv
    ay_inner = correlate(pad(y, 0.0), net.A) if net.boundary == "fixed" else ay_full
    bu = correlate(pad(net.input_image, bv), net.B) + net.bias
    rhs = -x + (ay_full + bu).ravel()
    energy = (-0.5 * np.sum(y * ay_inner) + 0.5 * np.sum(y * y)
              - np.sum(y * (bu + ay_full - ay_inner)))
    return rhs, energy


def _tank_reference(net, u):
    """(rhs, Lyapunov energy, published terms) of the Hopfield-Tank network in numpy
    (Hopfield & Tank 1985, eqs. 5-6, plus the leak integral)."""
    n = net.n_cities
    v = 0.5 * (1.0 + np.tanh(u / net.u0)).reshape(n, n)
    rows, cols, total = v.sum(1)[:, None], v.sum(0)[None, :], v.sum()
    dp = net.distances @ (np.roll(v, -1, axis=1) + np.roll(v, 1, axis=1))
    grad = (net.A * (rows - v) + net.B * (cols - v) + net.C * (total - net.n_tilde)
            + net.D * dp)
    rhs = -u / net.tau - grad.ravel()
    terms = {
        "A": 0.5 * net.A * (np.sum(rows**2) - np.sum(v * v)),
        "B": 0.5 * net.B * (np.sum(cols**2) - np.sum(v * v)),
        "C": 0.5 * net.C * (total - net.n_tilde) ** 2,
        "D": 0.5 * net.D * np.sum(v * dp),
    }
    leak = np.sum(v * np.log(v) + (1 - v) * np.log(1 - v) + np.log(2.0))
    return rhs, sum(terms.values()) + 0.5 * net.u0 * leak / net.tau, terms


def _bam_reference(net, x):
    """(rhs, energy, Jacobian) of the continuous BAM in numpy (Kosko 1987)."""
    n, lam, taus = net.n_a, 1.3, _BAM_TAU
    w, ia, ib = _BAM["M"], _BAM["I_a"], _BAM["I_b"]
    g = np.tanh(lam * x)
    ga, gb = g[:n], g[n:]
    rhs = np.concatenate([-x[:n] + w @ gb + ia, -x[n:] + w.T @ ga + ib]) / taus
    big = np.log(np.cosh(lam * x)) / lam
    energy = -ga @ w @ gb - ia @ ga - ib @ gb + np.sum(g * x - big)
    slope = lam * (1.0 - g**2)
    block = np.zeros((7, 7))
    block[:n, n:] = w * slope[n:]
    block[n:, :n] = w.T * slope[:n]
    jac = (block - np.eye(7)) / taus[:, None]
    return rhs, energy, jac


def _qp_reference(net, w):
    if isinstance(net, dyn.ProjectionNetwork):
        g = net.Q @ w + net.c
        rhs = net.lam * (np.clip(w - net.alpha * g, net.lower, net.upper) - w)
        return rhs, 0.5 * w @ net.Q @ w + net.c @ w
    res = np.clip(w - net.alpha * (net.M @ w + net.q), net.lower, net.upper) - w
    return net.lam * (res + net.alpha * net.M.T @ res), None


# ------------------------------------------------------------------ tests
def _states(net, rows):
    scale = 0.15 if isinstance(net, dyn.HopfieldTank) else 0.8
    return np.ascontiguousarray(RNG.normal(0.0, scale, size=(rows, net.n_states)))


@pytest.mark.parametrize("name", ["cnn_fixed", "cnn_zero_flux", "cnn_periodic"])
def test_cnn_kernels_match_numpy(name):
    net = MODELS[name]()
    assert net.layout.names == ("boundary_code", "A", "constant")
    assert net.layout.dims_of(net.params) == {"m": 6, "n": 7, "k": 5}
    np.testing.assert_allclose(net.constant_input, net.rhs(np.zeros(42)).reshape(6, 7),
                               rtol=1e-13, atol=1e-13)
    for x in _states(net, 3) * 2.0:  # some cells saturated
        rhs, energy = _cnn_reference(net, x)
        np.testing.assert_allclose(net.rhs(x), rhs, rtol=1e-12, atol=1e-12)
        assert net.energy(x) == pytest.approx(energy, rel=1e-12, abs=1e-12)


def test_tank_kernels_match_numpy():
    net = _tank()
    assert net.layout.dims_of(net.params) == {"n": 5}
    np.testing.assert_array_equal(net.param("d"), net.distances)
    U = _states(net, 4)
    out = np.empty_like(U)
    for p in (net.ensemble_params(4), net.kernel_params()):  # one BLAS-3 product / by state
        net.rhs_batch_kernel(np.zeros(4), U, p, out)
        for u, row in zip(U, out, strict=True):
            rhs, energy, terms = _tank_reference(net, u)
            np.testing.assert_allclose(row, rhs, rtol=1e-12, atol=1e-10)
            np.testing.assert_allclose(net.rhs(u), rhs, rtol=1e-12, atol=1e-10)
            assert net.energy(u) == pytest.approx(energy, rel=1e-12)
            published = net.published_energy(u)
            for key, value in terms.items():
                assert published[key] == pytest.approx(value, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", ["qp_box", "qp_primal_dual"])
def test_qp_kernels_match_numpy(name):
    net = MODELS[name]()
    views = net.layout.views(net.params)  # the bounds keep their infinite entries
    np.testing.assert_array_equal(views["lo"], net.lower)
    np.testing.assert_array_equal(views["hi"], net.upper)
    for w in _states(net, 3):
        rhs, energy = _qp_reference(net, w)
        np.testing.assert_allclose(net.rhs(w), rhs, rtol=1e-12, atol=1e-12)
        if energy is not None:
            assert net.energy(w) == pytest.approx(energy, rel=1e-12, abs=1e-12)


def test_bam_kernels_match_numpy():
    net = _bam()
    assert net.layout.dims_of(net.params) == {"n_a": 4, "n_b": 3}
    X = _states(net, 4)
    out = np.empty_like(X)
    for p in (net.ensemble_params(4), net.kernel_params()):  # two products / by state
        net.rhs_batch_kernel(np.zeros(4), X, p, out)
        for x, row in zip(X, out, strict=True):
            rhs, energy, jac = _bam_reference(net, x)
            np.testing.assert_allclose(row, rhs, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(net.rhs(x), rhs, rtol=1e-12, atol=1e-12)
            assert net.energy(x) == pytest.approx(energy, rel=1e-12, abs=1e-12)
            np.testing.assert_allclose(net.jacobian(x), jac, rtol=1e-12, atol=1e-12)


def _kernel_calls(net, p, X):
    """Every kernel of ``net`` with its arguments: parameters ``p``, states ``X`` (rows)."""
    rows, n = X.shape
    calls = {"rhs": (net.rhs_kernel, (0.0, X[0], p, np.empty(n)))}
    if net.rhs_batch_kernel is not None:
        calls["rhs_batch"] = (net.rhs_batch_kernel, (np.zeros(rows), X, p, np.empty_like(X)))
    if net.energy_kernel is not None:
        calls["energy"] = (net.energy_kernel, (X[0], p))
    if net.jacobian_kernel is not None:
        calls["jacobian"] = (net.jacobian_kernel, (0.0, X[0], p, np.empty((n, n))))
    return calls


@pytest.mark.parametrize("name", sorted(MODELS))
def test_kernels_never_write_params_nor_read_stale_work(name):
    net = MODELS[name]()
    before = net.params.copy()
    size = net.params.size
    for rows in (0, 3):
        p = net.ensemble_params(rows) if rows else net.kernel_params()
        assert p.size >= size + net.work_size + rows * net.rhs_batch_work
        reference = {}
        X = _states(net, 3)
        for label, (kernel, args) in _kernel_calls(net, p.copy(), X).items():
            result = kernel(*args)
            reference[label] = np.copy(args[-1]) if result is None else result
        p[size:] = np.nan  # a kernel reading its work area before writing it would see NaN
        for label, (kernel, args) in _kernel_calls(net, p, X).items():
            result = kernel(*args)
            got = np.copy(args[-1]) if result is None else result
            np.testing.assert_array_equal(got, reference[label], err_msg=label)
            assert p[:size].tobytes() == before.tobytes(), label
    assert net.params.tobytes() == before.tobytes()
    sol = dyn.solve(net, (0.0, 0.2), _states(net, 1)[0], rtol=1e-6, atol=1e-9)
    assert sol.success
    assert net.params.tobytes() == before.tobytes()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_kernels_called_with_bare_params_stay_in_bounds(name):
    """Without the work area (bare ``params``) the kernels take new scratch arrays instead of
    writing past ``p``, and give the same values."""
    net = MODELS[name]()
    X = _states(net, 3)
    bare = net.params.copy()
    padded = np.full(bare.size + 64, 7.0)  # a write past the parameters would change this
    padded[: bare.size] = bare
    reference = _kernel_calls(net, net.kernel_params(), X)
    for label, (kernel, args) in _kernel_calls(net, padded[: bare.size], X).items():
        result = kernel(*args)
        got = np.copy(args[-1]) if result is None else result
        ref_kernel, ref_args = reference[label]
        ref_result = ref_kernel(*ref_args)
        expected = np.copy(ref_args[-1]) if ref_result is None else ref_result
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13, err_msg=label)
        assert np.all(padded[bare.size :] == 7.0), label
        assert padded[: bare.size].tobytes() == bare.tobytes(), label


# ------------------------------------------------------------------ no allocation
@nb.njit
def _noop(*args):
    return None


@nb.njit
def _allocating_rhs(t, x, p, out):
    tmp = np.empty(x.shape[0])
    tmp[:] = x
    out[:] = tmp


def _allocations(kernel, args):
    """The NRT allocations of one call of ``kernel``, minus those of passing the arguments."""
    kernel(*args)  # compiled before counting
    _noop(*args)
    enabled = nrt.memsys_stats_enabled()
    nrt.memsys_enable_stats()
    try:
        start = nrt.memsys_get_stats_alloc()
        _noop(*args)
        base = nrt.memsys_get_stats_alloc() - start
        start = nrt.memsys_get_stats_alloc()
        kernel(*args)
        used = nrt.memsys_get_stats_alloc() - start
    finally:
        if not enabled:
            nrt.memsys_disable_stats()
    return used - base


def test_allocation_counter_sees_an_allocation():
    x = np.ones(4)
    assert _allocations(_allocating_rhs, (0.0, x, x, np.empty(4))) >= 1


@pytest.mark.parametrize("name", sorted(MODELS))
def test_kernels_allocate_nothing(name):
    net = MODELS[name]()
    for p in (net.kernel_params(), net.ensemble_params(3)):
        for label, (kernel, args) in _kernel_calls(net, p, _states(net, 3)).items():
            assert _allocations(kernel, args) == 0, label
