"""Argument checks shared by the whole package: one rule, one place.

The rule (every public function follows it, before any compiled code runs):

- ``TypeError`` when an argument is the wrong *kind* of value: a string where a number is
  expected, a float where an int is expected, ``"no"`` or ``2`` where ``True``/``False`` is
  expected, a complex or text array where a real array is expected;
- ``ValueError`` when it is the right kind but a bad *value*: out of range, NaN or infinite,
  the wrong shape, not one of the allowed choices;
- the message starts with the argument's name and says what was expected and what was got:
  ``"rtol: expected a finite number > 0, got -1.0"``.

Nothing is converted silently: a string is never read as a number, a truthy object is never
read as ``True``, and an imaginary part is never dropped.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "integer",
    "positive_int",
    "real",
    "positive",
    "flag",
    "choice",
    "float_array",
    "check_finite",
    "check_shape",
    "per_unit",
    "rng",
]


def _got(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _is_int(value: Any) -> bool:
    return not isinstance(value, bool | np.bool_) and isinstance(value, numbers.Integral)


def _is_real(value: Any) -> bool:
    return not isinstance(value, bool | np.bool_) and isinstance(value, numbers.Real)


def integer(value: Any, name: str, minimum: int | None = None) -> int:
    """``value`` as an int (>= ``minimum`` if given). Bools and floats such as 2.0 are refused
    (TypeError); an int below ``minimum`` is a ValueError."""
    if minimum == 1:
        what = "a positive integer"
    else:
        what = "an int" if minimum is None else f"an int >= {minimum}"
    if not _is_int(value):
        raise TypeError(f"{name}: expected {what}, got {_got(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: expected {what}, got {value}")
    return int(value)


def positive_int(value: Any, name: str) -> int:
    """``value`` as an int >= 1."""
    return integer(value, name, minimum=1)


def real(
    value: Any,
    name: str,
    *,
    minimum: float | None = None,
    strict: bool = False,
    allow_none: bool = False,
    finite: bool = True,
    what: str | None = None,
) -> float | None:
    """``value`` as a float: a real number (int, float or numpy scalar; not a bool or a str).

    ``finite`` (default) refuses NaN and infinities; ``minimum`` bounds it below (``strict``:
    > minimum, otherwise >= minimum); ``allow_none`` lets ``None`` through. ``what`` replaces
    the description of what was expected in the messages (default e.g. "a finite number > 0").
    """
    if value is None and allow_none:
        return None
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value.item()
    # exact float / int first: the common case, without the abstract-base-class checks
    if not (type(value) is float or type(value) is int or _is_real(value)):
        none = " or None" if allow_none else ""
        raise TypeError(f"{name}: expected {_what_real(what, finite, minimum, strict)}{none}, "
                        f"got {_got(value)}")
    v = float(value)
    if (finite and not math.isfinite(v)) or (
        minimum is not None and not (v > minimum if strict else v >= minimum)
    ):
        raise ValueError(f"{name}: expected {_what_real(what, finite, minimum, strict)}, "
                         f"got {value!r}")
    return v


def _what_real(what: str | None, finite: bool, minimum: float | None, strict: bool) -> str:
    """What :func:`real` expected, for its messages."""
    if what is None:
        what = "a finite number" if finite else "a number"
        if minimum is not None:
            what += f" {'>' if strict else '>='} {minimum:g}"
    return what


def positive(value: Any, name: str, allow_none: bool = False) -> float | None:
    """``value`` as a finite float > 0 (or ``None`` with ``allow_none``)."""
    return real(value, name, minimum=0.0, strict=True, allow_none=allow_none)


def flag(value: Any, name: str, allow_none: bool = False) -> bool | None:
    """``value`` as a bool: only ``True``/``False`` (or numpy bools) are accepted, so that
    ``"no"``, ``"false"`` or ``2`` are never read as ``True``."""
    if value is None and allow_none:
        return None
    if not isinstance(value, bool | np.bool_):
        none = " or None" if allow_none else ""
        raise TypeError(f"{name}: expected True or False{none}, got {_got(value)}")
    return bool(value)


def choice(value: Any, name: str, options: Sequence[str]) -> str:
    """``value`` if it is one of the strings ``options``: TypeError for a non-string,
    ValueError for an unknown string."""
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected one of {list(options)}, got {_got(value)}")
    if value not in options:
        raise ValueError(f"{name}: expected one of {list(options)}, got {value!r}")
    return value


def float_array(
    value: Any,
    name: str,
    dtype: Any = np.float64,
    *,
    exact_dtype: bool = False,
    finite: bool = False,
) -> np.ndarray:
    """``value`` as a real array of ``dtype`` (float64 unless said otherwise).

    Numbers, bools and arrays of them are accepted; strings, text arrays, objects and complex
    values are a TypeError (an imaginary part is never dropped). With ``exact_dtype`` a numpy
    array of another float dtype is refused rather than converted (so a float64 array fed to a
    float32 layer is noticed). Values that do not fit ``dtype`` (float64 numbers beyond the
    float32 range) are a ValueError; so are NaN and infinities when ``finite`` is set.
    """
    dt = np.dtype(dtype)
    if isinstance(value, str | bytes):
        raise TypeError(f"{name}: expected an array of numbers, got {_got(value)}")
    if exact_dtype and isinstance(value, np.ndarray) and value.dtype != dt:
        raise TypeError(f"{name}: expected dtype {dt} (the module's dtype), got {value.dtype}")
    try:
        arr = np.asarray(value)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"{name}: expected a rectangular array of numbers ({exc})") from None
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(
            f"{name}: expected real numbers, got complex dtype {arr.dtype} (pass .real "
            "explicitly if the imaginary part is meant to be dropped)"
        )
    if kind == "O":
        try:
            arr = np.array(value, dtype=dt)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name}: expected an array of numbers, got {type(value).__name__} of "
                "non-numeric objects"
            ) from None
        kind = "f"
    if kind not in "biuf":
        raise TypeError(f"{name}: expected an array of numbers, got dtype {arr.dtype}")
    with np.errstate(over="ignore", invalid="ignore"):
        out = arr.astype(dt, copy=False)
    if out.dtype.itemsize < arr.dtype.itemsize or kind in "iu":
        overflow = np.isinf(out) & np.isfinite(arr.astype(np.float64, copy=False))
        if np.any(overflow):
            limit = np.finfo(dt).max
            raise ValueError(
                f"{name}: {int(overflow.sum())} value(s) exceed the range of {dt} "
                f"(|x| <= {limit:.4g})"
            )
    if finite:
        check_finite(out, name)
    return out


def check_finite(arr: np.ndarray, name: str) -> None:
    """ValueError naming ``name`` if ``arr`` holds NaN or infinite values."""
    ok = np.isfinite(arr)
    if not np.all(ok):
        bad = int(np.size(arr) - np.count_nonzero(ok))
        raise ValueError(f"{name}: expected finite values, found {bad} NaN or infinite value(s)")


def check_shape(arr: np.ndarray, expected: tuple[int, ...], name: str) -> None:
    """ValueError naming ``name`` if ``arr`` does not have shape ``expected``."""
    if arr.shape != tuple(expected):
        raise ValueError(f"{name}: expected shape {tuple(expected)}, got {arr.shape}")


def per_unit(value: Any, n: int, name: str, positive: bool = False) -> np.ndarray:
    """A scalar or an array of shape ``(n,)`` (one value per neuron or state) as a finite
    float64 array of shape ``(n,)``; ``positive`` requires every value > 0."""
    if type(value) is float or type(value) is int:  # the common case, without array checks
        v = float(value)
        if math.isfinite(v) and (v > 0 or not positive):
            return np.full(n, v)
        # a bad scalar: the general path below raises its messages
    arr = float_array(value, name)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name}: expected a scalar or shape ({n},), got shape {arr.shape}")
    check_finite(arr, name)
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name}: expected finite values > 0, got min {arr.min()}")
    return np.array(arr, dtype=np.float64)


def rng(seed: Any, name: str = "seed") -> np.random.Generator:
    """``seed`` (None, a non-negative int or a numpy Generator) as a numpy Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if not _is_int(seed):
        raise TypeError(
            f"{name}: expected an int or numpy.random.Generator, got {_got(seed)}"
        )
    if seed < 0:
        raise ValueError(f"{name}: expected a non-negative int, got {seed}")
    return np.random.default_rng(int(seed))
