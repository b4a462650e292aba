"""Accuracy of the vectorised gate nonlinearities used inside the compiled time loops."""

import numba
import numpy as np
import pytest

from dynamics.cells._kernels import sigmoid_pass, tanh_pass


@numba.njit
def _apply(x, which):
    out = np.empty_like(x)
    kbits = np.empty(x.size, dtype=np.int64)
    if which == 0:
        sigmoid_pass(x, out, kbits)
    else:
        tanh_pass(x, out, kbits)
    return out


def _inputs(dtype):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(2000) * 4, rng.uniform(-800, 800, 200),
                        [0.0, -0.0, 1e-300, -1e-12, 1e-8, 20.0, -20.0, 40.0, -40.0,
                         88.0, -88.0, 700.0, -700.0, 710.0, -710.0, 1e6, -1e6]])
    return x.astype(dtype)


@pytest.mark.parametrize(("dtype", "tol"), [(np.float64, 4e-16), (np.float32, 1.5e-7)])
def test_sigmoid_and_tanh_match_numpy(dtype, tol):
    x = _inputs(dtype)
    xd = x.astype(np.float64)
    with np.errstate(over="ignore"):
        sig_ref = 1.0 / (1.0 + np.exp(-xd))
    sig = _apply(x, 0)
    th = _apply(x, 1)
    assert sig.dtype == dtype and th.dtype == dtype
    assert np.all(np.isfinite(sig)) and np.all(np.isfinite(th))
    np.testing.assert_allclose(sig, sig_ref, rtol=0, atol=tol)
    np.testing.assert_allclose(th, np.tanh(xd), rtol=0, atol=2 * tol)
    assert np.all((sig >= 0) & (sig <= 1)) and np.all(np.abs(th) <= 1)
    # relative accuracy where the value is not tiny
    big = np.abs(xd) < 30
    np.testing.assert_allclose(sig[big], sig_ref[big], rtol=8 * np.finfo(dtype).eps)
    # odd symmetry of tanh and sigma(x) + sigma(-x) = 1
    np.testing.assert_array_equal(_apply(-x, 1), -th)
    np.testing.assert_allclose(_apply(-x, 0) + sig, 1.0, atol=2 * tol)
