"""Named parameter blocks packed into the flat array ``p`` every kernel receives.

The kernel protocol passes a model's parameters as one flat float64 array ``p`` (a fixed
signature, so the integrators are compiled once for every model). A :class:`ParamLayout`
describes that array once, as named blocks with shapes, and derives from the one description

* the packing: ``layout.pack(W=W, b=b)`` (or a dict) -> ``p``;
* the Python views: ``layout.views(p)["W"]`` is a view of ``p`` with the block's shape;
* the compiled unpacking: ``unpack = layout.unpacker()`` is a ``numba.njit`` function
  ``unpack(p) -> (W, b)`` returning views in the order of the blocks, to call inside a kernel
  (the offsets are compile-time constants: no arithmetic written by hand, nothing copied).

``UserModel(rhs, n, params={"W": W, "b": b})`` builds the layout from the dict (in its
order) and packs it; the model's ``layout`` then gives the unpacker for its kernels and
``model.param("W")`` the block as an array.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numba as nb
import numpy as np

from dynamics import _validate as _v

__all__ = ["ParamLayout"]


class ParamLayout:
    """Named blocks ``(name, shape)`` stored one after the other in a flat float64 array.

    ``ParamLayout([("W", (3, 3)), ("b", (3,))])`` or ``ParamLayout(W=(3, 3), b=(3,))``; a
    scalar block has shape ``()``. Blocks are row-major (C order).
    """

    def __init__(self, blocks: Any = None, **named: Any) -> None:
        items = list(blocks.items() if isinstance(blocks, Mapping) else (blocks or []))
        items += list(named.items())
        if not items:
            raise ValueError("blocks: expected at least one named block (name, shape)")
        self._names: list[str] = []
        self._shapes: list[tuple[int, ...]] = []
        self._offsets: list[int] = []
        offset = 0
        for item in items:
            if not (isinstance(item, tuple) and len(item) == 2):
                raise TypeError(f"blocks: expected (name, shape) pairs, got {item!r}")
            name, shape = item
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"blocks: a block name must be an identifier, got {name!r}")
            if name in self._names:
                raise ValueError(f"blocks: the name {name!r} is given twice")
            shape = (shape,) if isinstance(shape, int | np.integer) else tuple(shape)
            for dim in shape:
                _v.positive_int(dim, f"blocks: a dimension of {name!r}")
            self._names.append(name)
            self._shapes.append(tuple(int(d) for d in shape))
            self._offsets.append(offset)
            offset += int(np.prod(shape, dtype=np.int64))
        self._size = offset
        self._unpacker = None

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> ParamLayout:
        """The layout of a dict of arrays (or numbers), in its order."""
        if not isinstance(values, Mapping):
            raise TypeError(f"params: expected a dict of named arrays, got {type(values).__name__}")
        return cls([(k, np.shape(v)) for k, v in values.items()])

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._names)

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        return dict(zip(self._names, self._shapes, strict=True))

    @property
    def offsets(self) -> dict[str, int]:
        """Where each block starts in ``p``."""
        return dict(zip(self._names, self._offsets, strict=True))

    @property
    def size(self) -> int:
        """The length of the packed array."""
        return self._size

    def pack(self, values: Mapping[str, Any] | None = None, **named: Any) -> np.ndarray:
        """The flat, C-contiguous float64 array of the blocks (every block required)."""
        given = dict(values or {}, **named)
        unknown = sorted(set(given) - set(self._names))
        if unknown:
            raise ValueError(f"params: unknown block(s) {unknown}; the layout has {self._names}")
        p = np.empty(self._size)
        for name, shape, offset in zip(self._names, self._shapes, self._offsets, strict=True):
            if name not in given:
                raise ValueError(f"params: the block {name!r} is missing")
            arr = _v.float_array(given[name], f"params[{name!r}]")
            if arr.shape != shape:
                raise ValueError(f"params[{name!r}]: expected shape {shape}, got {arr.shape}")
            _v.check_finite(arr, f"params[{name!r}]")
            p[offset : offset + arr.size] = arr.ravel()
        return p

    def views(self, p: np.ndarray) -> dict[str, np.ndarray]:
        """Views of ``p`` with the blocks' names and shapes (writing to one writes to ``p``)."""
        if not isinstance(p, np.ndarray) or p.ndim != 1 or p.size < self._size:
            raise ValueError(f"p: expected a 1-D array of at least {self._size} values")
        out = {}
        for name, shape, offset in zip(self._names, self._shapes, self._offsets, strict=True):
            size = int(np.prod(shape, dtype=np.int64))
            block = p[offset : offset + size]
            out[name] = block[0] if shape == () else block.reshape(shape)
        return out

    def unpacker(self):
        """A ``numba.njit`` function ``unpack(p)`` returning the blocks as a tuple, in order:
        arrays are views of ``p`` with their shapes, scalar blocks floats. Call it inside a
        kernel; the offsets and shapes are compiled in as constants."""
        if self._unpacker is None:
            lines, names = [], []
            for k, (shape, offset) in enumerate(zip(self._shapes, self._offsets, strict=True)):
                size = int(np.prod(shape, dtype=np.int64))
                if shape == ():
                    lines.append(f"    b{k} = p[{offset}]")
                elif len(shape) == 1:
                    lines.append(f"    b{k} = p[{offset}:{offset + size}]")
                else:
                    lines.append(f"    b{k} = p[{offset}:{offset + size}].reshape({shape})")
                names.append(f"b{k}")
            source = "def unpack(p):\n" + "\n".join(lines) + f"\n    return ({', '.join(names)},)\n"
            namespace: dict[str, Any] = {}
            exec(compile(source, "<ParamLayout.unpacker>", "exec"), namespace)  # noqa: S102
            self._unpacker = nb.njit(inline="always")(namespace["unpack"])
        return self._unpacker

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={s}" for n, s in zip(self._names, self._shapes, strict=True))
        return f"ParamLayout({inner})"
