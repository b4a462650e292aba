"""Named parameter blocks (ParamLayout), UserModel(params=dict), and read-only params."""

import numba as nb
import numpy as np
import pytest

import dynamics as dyn

LAYOUT = dyn.ParamLayout(W=(2, 2), b=(2,), k=())
UNPACK = LAYOUT.unpacker()


@nb.njit
def scaled_linear_rhs(t, x, p, out):
    W, b, k = UNPACK(p)
    for i in range(2):
        out[i] = b[i]
        for j in range(2):
            out[i] += k * W[i, j] * x[j]


def test_pack_views_round_trip_and_offsets():
    rng = np.random.default_rng(0)
    layout = dyn.ParamLayout([("A", (3, 4)), ("v", 5), ("s", ())])
    values = {"A": rng.normal(size=(3, 4)), "v": rng.normal(size=5), "s": 2.5}
    p = layout.pack(values)
    assert p.shape == (layout.size,) == (18,) and p.flags.c_contiguous
    assert layout.offsets == {"A": 0, "v": 12, "s": 17}
    views = layout.views(p)
    np.testing.assert_array_equal(views["A"], values["A"])
    np.testing.assert_array_equal(views["v"], values["v"])
    assert views["s"] == 2.5
    views["A"][0, 0] = 7.0  # a view: writes through
    assert p[0] == 7.0
    assert dyn.ParamLayout.of(values).shapes == layout.shapes


def test_unpacker_gives_the_blocks_inside_a_kernel():
    W = np.array([[0.0, 1.0], [-1.0, 0.0]])
    b = np.array([0.1, -0.2])
    model = dyn.UserModel(scaled_linear_rhs, 2, params={"W": W, "b": b, "k": 2.0})
    assert model.layout.names == ("W", "b", "k")
    np.testing.assert_array_equal(model.param("W"), W)
    assert model.param("k") == 2.0
    x = np.array([0.3, -0.7])
    np.testing.assert_allclose(model.rhs(x), 2.0 * W @ x + b, rtol=1e-15)
    flat = dyn.UserModel(scaled_linear_rhs, 2, params=LAYOUT.pack(W=W, b=b, k=2.0))
    np.testing.assert_array_equal(flat.params, model.params)
    with pytest.raises(ValueError, match="declares no named parameters"):
        flat.param("W")
    with pytest.raises(ValueError, match="expected one of"):
        model.param("V")


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: dyn.ParamLayout(), ValueError, "at least one named block"),
        (lambda: dyn.ParamLayout([("W", (2, 2)), ("W", (2,))]), ValueError, "given twice"),
        (lambda: dyn.ParamLayout([("not a name", (2,))]), ValueError, "identifier"),
        (lambda: dyn.ParamLayout(W=(2, 0)), ValueError, "dimension"),
        (lambda: dyn.ParamLayout(["W"]), TypeError, "pairs"),
        (lambda: LAYOUT.pack(W=np.eye(2), b=np.zeros(2)), ValueError, "'k' is missing"),
        (lambda: LAYOUT.pack(W=np.eye(3), b=np.zeros(2), k=1.0), ValueError, r"params\['W'\]"),
        (lambda: LAYOUT.pack(W=np.eye(2), b=np.zeros(2), k=1.0, c=1.0), ValueError, "unknown"),
        (lambda: LAYOUT.pack(W=np.eye(2), b=[np.nan, 0.0], k=1.0), ValueError, "finite"),
        (lambda: LAYOUT.views(np.zeros(3)), ValueError, "at least 7"),
        (lambda: LAYOUT.pack(W=np.eye(2), b=[np.inf, 0.0], k=1.0), ValueError, "finite"),
        (lambda: dyn.ParamLayout(W=(2,), infinite=("b",)), ValueError, "not blocks"),
        (lambda: dyn.ParamLayout(W=(2,), infinite="W"), TypeError, "infinite"),
        (lambda: dyn.ParamLayout(lo=(2,), infinite=("lo",)).pack(lo=[np.nan, 1.0]), ValueError,
         "NaN"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_params_unchanged_after_solves():
    """Kernels may use a scratch tail of p; the solvers give them a private copy."""
    model = dyn.random_hopfield(20, seed=3, input_scale=0.2)
    before = model.params.copy()
    y0 = np.random.default_rng(4).normal(size=20)
    dyn.solve(model, (0.0, 2.0), y0)
    dyn.solve(model, (0.0, 2.0), y0, t_eval=[0.5, 1.0, 2.0])
    dyn.solve_ensemble(model, (0.0, 2.0), np.stack([y0, -y0]), n_eval=5)
    np.testing.assert_array_equal(model.params, before)
    delayed = dyn.DelayedHopfield(model.W, delays=0.5)
    before = delayed.params.copy()
    dyn.solve_dde(delayed, (0.0, 2.0), y0)
    np.testing.assert_array_equal(delayed.params, before)


SIZED = dyn.ParamLayout([("k", ()), ("I", ("n",)), ("W", ("n", "n"))], dims=("n",))
UNPACK_SIZED = SIZED.unpacker(work=True)


@nb.njit
def sized_rhs(t, x, p, out):
    """out = k * W tanh(x) + I, with tanh(x) kept in the work area."""
    n, k, I, W, work = UNPACK_SIZED(p)
    v = work[:n]
    for i in range(n):
        v[i] = np.tanh(x[i])
    for i in range(n):
        acc = I[i]
        for j in range(n):
            acc += k * W[i, j] * v[j]
        out[i] = acc


def test_named_dimensions_pack_views_and_unpack_at_run_time():
    rng = np.random.default_rng(5)
    for n in (1, 3, 7):
        W, I = rng.normal(size=(n, n)), rng.normal(size=n)
        p = SIZED.pack(k=0.5, I=I, W=W)
        assert p.size == 1 + 1 + n + n * n == SIZED.size_of(p)
        assert p[0] == n and SIZED.dims_of(p) == {"n": n}
        assert SIZED.offsets_of(p) == {"k": 1, "I": 2, "W": 2 + n}
        views = SIZED.views(p)
        np.testing.assert_array_equal(views["W"], W)
        assert views["k"] == 0.5
        model = dyn.UserModel(sized_rhs, n, params=p, work_size=n)
        x = rng.normal(size=n)
        np.testing.assert_allclose(model.rhs(x), 0.5 * W @ np.tanh(x) + I, rtol=1e-13)
        before = model.params.copy()
        sol = dyn.solve(model, (0.0, 0.5), x)
        assert sol.status == 0
        np.testing.assert_array_equal(model.params, before)  # the work area is not params
        assert model.kernel_params().size == p.size + n


def test_named_dimensions_bad_input():
    with pytest.raises(ValueError, match="not one of dims"):
        dyn.ParamLayout([("W", ("n", "m"))], dims=("n",))
    with pytest.raises(ValueError, match="used by no block"):
        dyn.ParamLayout([("W", (2, 2))], dims=("n",))
    with pytest.raises(ValueError, match="'n' is 3 here but 2"):
        SIZED.pack(k=1.0, I=np.zeros(2), W=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="2 dimension"):
        SIZED.pack(k=1.0, I=np.zeros(2), W=np.zeros(4))
    with pytest.raises(ValueError, match="use size_of"):
        _ = SIZED.size
    with pytest.raises(ValueError, match="not a positive integer"):
        SIZED.views(np.full(6, 1.5))
    with pytest.raises(ValueError, match="at least 8"):
        SIZED.views(np.array([2.0, 1.0, 0.0]))


def test_blocks_declared_infinite_pack_infinities():
    layout = dyn.ParamLayout([("lo", ("n",)), ("hi", ("n",)), ("M", ("n", "n"))], dims=("n",),
                             infinite=("lo", "hi"))
    assert layout.infinite == {"lo", "hi"}
    p = layout.pack(lo=[-np.inf, 0.0], hi=[1.0, np.inf], M=np.eye(2))
    views = layout.views(p)
    assert views["lo"].tolist() == [-np.inf, 0.0] and views["hi"].tolist() == [1.0, np.inf]
    with pytest.raises(ValueError, match="finite"):
        layout.pack(lo=[0.0, 0.0], hi=[1.0, 1.0], M=np.full((2, 2), np.inf))
