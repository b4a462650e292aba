"""The compiled gains: the branch-free tanh against numpy's to the last few ulp, and the
array helper against the scalar one for every gain."""

import numba
import numpy as np
import pytest
from scipy.special import expit

from dynamics.activations import (
    GAINS,
    TANH,
    fast_log_cosh,
    fast_tanh,
    gain_value,
    gain_values,
    get_gain,
)


@numba.njit(cache=True)
def _fast_tanh_array(x, out):
    for i in range(x.shape[0]):
        out[i] = fast_tanh(x[i])


@numba.njit(cache=True)
def _gain_value_array(kind, lam, x, out):
    for i in range(x.shape[0]):
        out[i] = gain_value(kind, lam, x[i])


def _ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Number of representable doubles between a and b (same-sign ordering of the bits)."""
    ia = a.view(np.int64)
    ib = b.view(np.int64)
    ia = np.where(ia < 0, np.int64(-(2**63)) - ia, ia)
    ib = np.where(ib < 0, np.int64(-(2**63)) - ib, ib)
    return np.abs(ia - ib)


def _wide_sample() -> np.ndarray:
    rng = np.random.default_rng(0)
    m = 200_000
    return np.concatenate([
        rng.uniform(-1.0, 1.0, m),
        rng.uniform(-25.0, 25.0, m),
        np.exp(rng.uniform(-740.0, 7.0, m)) * rng.choice([-1.0, 1.0], m),
        np.linspace(-1e-3, 1e-3, 20_001),
        np.linspace(18.0, 21.0, 20_001),
        [5e-324, -5e-324, 2.2250738585072014e-308, 1e-300, 0.3465735902799726, 1e308, -1e308],
    ])


def test_fast_tanh_within_3_ulp_of_numpy():
    x = _wide_sample()
    out = np.empty_like(x)
    _fast_tanh_array(x, out)
    ref = np.tanh(x)
    dist = _ulp_distance(out, ref)
    assert dist.max() <= 3
    assert dist.mean() < 0.5


def test_fast_tanh_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 19.5, -1e3])
    out = np.empty_like(x)
    _fast_tanh_array(x, out)
    assert out[0] == 0.0 and not np.signbit(out[0])
    assert out[1] == 0.0 and np.signbit(out[1])
    assert out[2] == 1.0 and out[3] == -1.0
    assert np.isnan(out[4]) and np.isnan(out[5])
    assert out[6] == np.tanh(19.5) and out[7] == -1.0


@pytest.mark.parametrize("name", sorted(GAINS))
def test_gain_values_equals_scalar_gain_and_numpy(name):
    gain = get_gain(name, 1.7)
    x = np.concatenate([np.linspace(-30.0, 30.0, 2001), [np.nan, np.inf, -np.inf]])
    out = np.empty_like(x)
    gain_values(gain.code, gain.lam, x, out)
    scalar = np.empty_like(x)
    _gain_value_array(gain.code, gain.lam, x, scalar)
    np.testing.assert_array_equal(out, scalar)  # NaN positions match too
    finite = np.isfinite(x)
    z = gain.lam * x[finite]
    reference = {"tanh": np.tanh, "logistic": expit,
                 "piecewise_linear": lambda v: np.clip(v, -1.0, 1.0)}[name](z)
    np.testing.assert_allclose(out[finite], reference, rtol=1e-15, atol=0.0)
    # in place (u and out the same array)
    y = x.copy()
    gain_values(gain.code, gain.lam, y, y)
    np.testing.assert_array_equal(y, out)


def test_fast_tanh_is_the_tanh_gain():
    x = np.linspace(-5.0, 5.0, 101)
    out = np.empty_like(x)
    gain_values(TANH, 1.0, x, out)
    ref = np.empty_like(x)
    _fast_tanh_array(x, ref)
    np.testing.assert_array_equal(out, ref)


@numba.njit(cache=True)
def _fast_log_cosh_array(x, out):
    for i in range(x.shape[0]):
        out[i] = fast_log_cosh(x[i])


def test_fast_log_cosh_against_the_closed_form():
    x = _wide_sample()
    x = x[np.abs(x) < 700.0]
    out = np.empty_like(x)
    _fast_log_cosh_array(x, out)
    a = np.abs(x)
    ref = a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0)  # the scalar formula it replaces
    np.testing.assert_allclose(out, ref, rtol=4e-16, atol=4e-16)
    moderate = a < 5.0
    np.testing.assert_allclose(out[moderate], np.log(np.cosh(x[moderate])), rtol=1e-15,
                               atol=1e-15)
    special = np.array([np.nan, np.inf, -np.inf, 0.0])
    res = np.empty(4)
    _fast_log_cosh_array(special, res)
    assert np.isnan(res[0]) and res[1] == np.inf and res[2] == np.inf and abs(res[3]) <= 2.3e-16
