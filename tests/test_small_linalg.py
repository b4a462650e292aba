"""dynamics._small_linalg: the compiled matrix-vector product against numpy."""

import numpy as np
import pytest

from dynamics._small_linalg import GEMV_CROSSOVER, matvec, matvec_rows4


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (4, 4), (7, 3), (16, 16), (100, 100),
                                   (101, 37), (9, 130), (64, 1)])
def test_matvec_matches_numpy(shape):
    rng = np.random.default_rng(sum(shape))
    a = rng.normal(size=shape)
    x = rng.normal(size=shape[1])
    ref = a @ x
    scale = np.abs(a) @ np.abs(x)
    for fn in (matvec, matvec_rows4):
        out = np.full(shape[0], np.nan)
        fn(a, x, out)
        assert np.all(np.abs(out - ref) <= 1e-14 * (scale + 1e-300) + 1e-300)


def test_matvec_random_shapes():
    rng = np.random.default_rng(7)
    for _ in range(40):
        m, n = rng.integers(1, 70, size=2)
        a = rng.normal(size=(m, n))
        x = rng.normal(size=n)
        out = np.empty(m)
        matvec(a, x, out)
        np.testing.assert_allclose(out, a @ x, rtol=1e-12, atol=1e-12 * np.abs(a).sum())


def test_matvec_above_crossover_uses_blas_result():
    rng = np.random.default_rng(3)
    n = GEMV_CROSSOVER + 3
    a = rng.normal(size=(5, n))
    x = rng.normal(size=n)
    out = np.empty(5)
    matvec(a, x, out)
    np.testing.assert_allclose(out, a @ x, rtol=1e-12, atol=1e-12)


def test_matvec_propagates_nan_and_inf():
    a = np.ones((6, 6))
    x = np.ones(6)
    x[2] = np.nan
    out = np.zeros(6)
    matvec(a, x, out)
    assert np.all(np.isnan(out))
    x[2] = np.inf
    matvec(a, x, out)
    assert np.all(out == np.inf)


def test_matvec_empty_columns_give_zero():
    out = np.full(5, np.nan)
    matvec(np.empty((5, 0)), np.empty(0), out)
    assert np.all(out == 0.0)
