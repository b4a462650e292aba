"""Input checks shared by the associative memories (raised before any compiled code runs)."""

from __future__ import annotations

import numpy as np

from dynamics import _validate as _v

ENCODINGS = ("bipolar", "binary")


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum`` or raise a TypeError/ValueError naming it."""
    return _v.integer(value, name, minimum=minimum)


def check_real(value, name: str, minimum: float | None = None, strict: bool = False) -> float:
    """Return ``value`` as a finite float (optionally bounded below) or raise naming it."""
    return _v.real(value, name, minimum=minimum, strict=strict)


def check_encoding(encoding) -> str:
    return _v.choice(encoding, "encoding", ENCODINGS)


def as_float_array(values, name: str) -> np.ndarray:
    """Convert to a float64 array, raising a TypeError naming ``name`` for non-numeric input."""
    return _v.float_array(values, name)


def as_state_matrix(
    values,
    name: str,
    n_neurons: int,
    encoding: str = "bipolar",
    allow_empty: bool = False,
) -> tuple[np.ndarray, bool]:
    """Validate a batch of binary states and return it as bipolar float64 ``(n, n_neurons)``.

    A single state of shape ``(n_neurons,)`` is accepted and reported through the second
    return value (``True`` when the input was one-dimensional). Values must be in {-1, +1}
    for ``encoding="bipolar"`` or in {0, 1} for ``encoding="binary"`` (converted by
    s = 2x - 1).
    """
    arr = as_float_array(values, name)
    single = arr.ndim == 1
    if single:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(
            f"{name}: expected shape (n, {n_neurons}) or ({n_neurons},), got shape {arr.shape}"
        )
    if arr.shape[1] != n_neurons:
        raise ValueError(
            f"{name}: expected {n_neurons} values per row (n_neurons), got {arr.shape[1]}"
        )
    if arr.shape[0] == 0 and not allow_empty:
        raise ValueError(f"{name}: expected at least one row, got an empty array")
    if np.isnan(arr).any():
        raise ValueError(f"{name}: contains NaN")
    if encoding == "binary":
        if not np.isin(arr, (0.0, 1.0)).all():
            raise ValueError(f"{name}: expected values in {{0, 1}} (encoding='binary')")
        arr = 2.0 * arr - 1.0
    else:
        if not np.isin(arr, (-1.0, 1.0)).all():
            hint = (
                " (for {0, 1} patterns pass encoding='binary')"
                if np.isin(arr, (0.0, 1.0)).all()
                else ""
            )
            raise ValueError(f"{name}: expected values in {{-1, +1}}{hint}")
        arr = np.array(arr, dtype=np.float64, copy=True)
    return np.ascontiguousarray(arr), single


def to_encoding(states: np.ndarray, encoding: str) -> np.ndarray:
    """Bipolar states back to the user's encoding (int8 arrays)."""
    if encoding == "binary":
        return ((states + 1.0) / 2.0).astype(np.int8)
    return states.astype(np.int8)


def as_rng(seed) -> np.random.Generator:
    """``seed`` (None, int or Generator) as a numpy Generator."""
    return _v.rng(seed)
