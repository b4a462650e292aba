"""Argument checks shared by the cells subpackage.

Every check raises ``TypeError`` / ``ValueError`` naming the argument and what was expected,
before any compiled code runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dynamics import _validate as _v

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_dtype(dtype: Any) -> np.dtype:
    """Return ``np.dtype(dtype)`` if it is float32 or float64, else raise TypeError."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"dtype: expected numpy.float32 or numpy.float64, got {dtype!r}") from exc
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"dtype: expected numpy.float32 or numpy.float64, got {dt}")
    return dt


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int >= 1: TypeError if it is not an integer (bools and floats
    such as 1.5 or 2.0 are refused), ValueError if it is an integer < 1."""
    return _v.positive_int(value, name)


def as_float_array(value: Any, name: str, dtype: np.dtype) -> np.ndarray:
    """Convert ``value`` to an array of ``dtype``.

    A numpy array of another dtype is refused (TypeError naming ``name``) rather than silently
    converted, so a float64 array fed to a float32 module is noticed. Lists and scalars are
    converted; values beyond the range of ``dtype`` are a ValueError. The result is always a
    new array: a layer keeps what it was given for the backward pass, so changing the
    caller's array in place after ``forward`` cannot change the gradients.
    """
    return np.array(_v.float_array(value, name, dtype, exact_dtype=True), copy=True)


check_finite = _v.check_finite
check_shape = _v.check_shape


def load_into(
    params: dict[str, np.ndarray], state: Mapping[str, Any], owner: str, strict: bool = True
) -> None:
    """Copy ``state`` into the live parameter arrays ``params`` after checking every entry.

    Missing, unexpected or misshaped keys raise ``ValueError`` naming the key and both shapes;
    nothing is modified unless every entry is valid.
    """
    if not isinstance(state, Mapping):
        raise TypeError(f"state_dict: expected a mapping of name -> array, got {type(state)}")
    _v.flag(strict, "strict")
    missing = [k for k in params if k not in state]
    extra = [k for k in state if k not in params]
    problems = []
    if strict and missing:
        problems += [
            f"missing key '{k}' (expected shape {params[k].shape})" for k in missing
        ]
    if strict and extra:
        problems += [
            f"unexpected key '{k}' (shape {np.shape(state[k])}; {owner} has no such parameter)"
            for k in extra
        ]
    converted = {}
    for k, p in params.items():
        if k not in state:
            continue
        try:
            v = _v.float_array(state[k], f"key '{k}'", p.dtype)
        except (TypeError, ValueError) as exc:
            problems.append(str(exc))
            continue
        if v.shape != p.shape:
            problems.append(
                f"key '{k}': expected shape {p.shape}, got shape {v.shape}"
            )
            continue
        if not np.all(np.isfinite(v)):
            problems.append(f"key '{k}': contains NaN or infinite values")
            continue
        converted[k] = v
    if problems:
        raise ValueError(f"load_state_dict ({owner}): " + "; ".join(problems))
    for k, v in converted.items():
        np.copyto(params[k], v, casting="unsafe")
