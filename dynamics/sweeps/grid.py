"""Parameter grids: expansion into tasks and the canonical encoding of a parameter set.

A grid is either a dict mapping each parameter name to a list of values (the Cartesian
product is taken, the last name varying fastest, as in ``itertools.product``) or an explicit
list of parameter dicts. Values are plain JSON scalars (``None``, bool, int, float, str) or
lists/tuples of them; numpy scalars are converted to the matching Python type.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["expand_grid", "canonical_params", "plain_value"]


def plain_value(value: Any, name: str = "value") -> Any:
    """Return ``value`` as a plain JSON-encodable Python value, or raise ``TypeError``.

    numpy scalars become Python scalars and tuples/arrays become lists, so the same parameter
    always has the same encoding (and therefore the same task seed and task id).
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    item = getattr(value, "item", None)
    shape = getattr(value, "shape", None)
    if item is not None and shape == ():  # numpy scalar or 0-d array
        return plain_value(item(), name)
    tolist = getattr(value, "tolist", None)
    if tolist is not None and shape is not None:  # numpy array
        return plain_value(tolist(), name)
    if isinstance(value, list | tuple):
        return [plain_value(v, name) for v in value]
    raise TypeError(
        f"{name}: expected a JSON scalar (None, bool, int, float, str) or a list of them, "
        f"got {type(value).__name__} {value!r}"
    )


def canonical_params(params: Mapping[str, Any]) -> str:
    """The canonical text of a parameter set: compact JSON with sorted keys.

    Two parameter dicts that compare equal after :func:`plain_value` conversion have the same
    text; ``1`` (int) and ``1.0`` (float) are different parameters, as they are to Python.
    """
    if not isinstance(params, Mapping):
        raise TypeError(f"params: expected a dict, got {type(params).__name__}")
    plain = {}
    for key, value in params.items():
        if not isinstance(key, str):
            raise TypeError(f"params: parameter names must be str, got {key!r}")
        plain[key] = plain_value(value, f"params[{key!r}]")
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), allow_nan=True)


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(f"grid: parameter names must be non-empty str, got {name!r}")
    return name


def expand_grid(grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]]) -> list[dict]:
    """Expand ``grid`` into the list of parameter dicts, one per grid point, in grid order.

    ``{"a": [1, 2], "b": ["x", "y"]}`` gives ``[{a:1,b:"x"}, {a:1,b:"y"}, {a:2,b:"x"},
    {a:2,b:"y"}]``; a list of dicts is returned (converted to plain values) as is. Raises
    ``ValueError`` for an empty grid, an empty value list or a repeated parameter set, and
    ``TypeError`` for values that are not lists.
    """
    if isinstance(grid, Mapping):
        if not grid:
            raise ValueError("grid: expected at least one parameter, got an empty dict")
        names = [_check_name(n) for n in grid]
        columns = []
        for name in names:
            values = grid[name]
            if isinstance(values, str | bytes | Mapping) or not isinstance(
                values, Sequence | range
            ) and not hasattr(values, "tolist"):
                raise TypeError(
                    f"grid[{name!r}]: expected a list of values, got {type(values).__name__} "
                    f"{values!r}; write [{values!r}] for a single value"
                )
            if not hasattr(values, "tolist"):  # a list, tuple or range
                values = list(values)
            values = plain_value(values, f"grid[{name!r}]")
            if not isinstance(values, list):
                raise TypeError(f"grid[{name!r}]: expected a 1-d list of values, got {values!r}")
            if not values:
                raise ValueError(f"grid[{name!r}]: expected at least one value, got none")
            columns.append(values)
        points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*columns)]
    elif isinstance(grid, Sequence) and not isinstance(grid, str | bytes):
        if len(grid) == 0:
            raise ValueError("grid: expected at least one parameter set, got an empty list")
        points = []
        for i, point in enumerate(grid):
            if not isinstance(point, Mapping):
                raise TypeError(
                    f"grid[{i}]: expected a dict of parameters, got {type(point).__name__}"
                )
            points.append({_check_name(k): plain_value(v, f"grid[{i}][{k!r}]")
                           for k, v in point.items()})
    else:
        raise TypeError(
            "grid: expected a dict of value lists or a list of parameter dicts, "
            f"got {type(grid).__name__}"
        )
    seen: dict[str, int] = {}
    for i, point in enumerate(points):
        text = canonical_params(point)
        if text in seen:
            raise ValueError(
                f"grid: parameter set {text} appears twice (positions {seen[text]} and {i}); "
                "use seeds= for replicates"
            )
        seen[text] = i
    return points

