"""Named parameter blocks packed into the flat array ``p`` every kernel receives.

The kernel protocol passes a model's parameters as one flat float64 array ``p`` (a fixed
signature, so the integrators are compiled once for every model). A :class:`ParamLayout`
describes that array once, as named blocks with shapes, and derives from the one description

* the packing: ``layout.pack(W=W, b=b)`` (or a dict) -> ``p``;
* the Python views: ``layout.views(p)["W"]`` is a view of ``p`` with the block's shape;
* the compiled unpacking: ``unpack = layout.unpacker()`` is a ``numba.njit`` function
  ``unpack(p) -> (W, b)`` returning views in the order of the blocks, to call inside a kernel
  (no offset arithmetic written by hand, nothing copied).

A dimension may be a name instead of a number: ``ParamLayout([("I", ("n",)), ("W", ("n",
"n"))], dims=("n",))`` describes a network of any size. The packed array then starts with
a header holding the dimensions (as floats, in the order of ``dims``), :meth:`pack` infers
them from the arrays given (and checks that they agree), and the compiled unpacker reads them
at run time and returns them first, as integers: ``n, I, W = unpack(p)``. The built-in
models are laid out this way.

The solvers pass the kernels a private copy of ``params`` followed by a *work area* of the
model's :attr:`~dynamics.models.base.Model.work_size` floats that the kernels may overwrite
(they never write the parameters). ``layout.unpacker(work=True)`` appends that area (the
rest of ``p`` after the packed blocks) to the tuple it returns.

``UserModel(rhs, n, params={"W": W, "b": b})`` builds the layout from the dict (in its
order) and packs it; the model's ``layout`` then gives the unpacker for its kernels and
``model.param("W")`` the block as an array.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numba as nb
import numpy as np

from dynamics import _validate as _v

__all__ = ["ParamLayout"]

Dim = int | str


class ParamLayout:
    """Named blocks ``(name, shape)`` stored one after the other in a flat float64 array.

    ``ParamLayout([("W", (3, 3)), ("b", (3,))])`` or ``ParamLayout(W=(3, 3), b=(3,))``; a
    scalar block has shape ``()``. Blocks are row-major (C order). A dimension given as a
    string must be listed in ``dims``: its value is stored in a header at the start of the
    packed array and read back at run time (see the module docstring). Blocks named in
    ``infinite`` may hold +-inf (bounds, where an infinite entry means "no bound"); every other
    block must be finite, and no block may hold NaN.
    """

    def __init__(self, blocks: Any = None, *, dims: Sequence[str] = (),
                 infinite: Sequence[str] = (), **named: Any) -> None:
        items = list(blocks.items() if isinstance(blocks, Mapping) else (blocks or []))
        items += list(named.items())
        if not items:
            raise ValueError("blocks: expected at least one named block (name, shape)")
        if isinstance(dims, str) or not all(isinstance(d, str) and d.isidentifier() for d in dims):
            raise ValueError(f"dims: expected a sequence of identifiers, got {dims!r}")
        if len(set(dims)) != len(dims):
            raise ValueError(f"dims: a dimension name is given twice in {dims!r}")
        self._dims: tuple[str, ...] = tuple(dims)
        self._names: list[str] = []
        self._shapes: list[tuple[Dim, ...]] = []
        used: set[str] = set()
        for item in items:
            if not (isinstance(item, tuple) and len(item) == 2):
                raise TypeError(f"blocks: expected (name, shape) pairs, got {item!r}")
            name, shape = item
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"blocks: a block name must be an identifier, got {name!r}")
            if name in self._names or name in self._dims:
                raise ValueError(f"blocks: the name {name!r} is given twice")
            shape = (shape,) if isinstance(shape, int | np.integer | str) else tuple(shape)
            checked: list[Dim] = []
            for dim in shape:
                if isinstance(dim, str):
                    if dim not in self._dims:
                        raise ValueError(
                            f"blocks: the dimension {dim!r} of {name!r} is not one of dims "
                            f"{self._dims}"
                        )
                    used.add(dim)
                    checked.append(dim)
                else:
                    checked.append(_v.positive_int(dim, f"blocks: a dimension of {name!r}"))
            self._names.append(name)
            self._shapes.append(tuple(checked))
        unused = [d for d in self._dims if d not in used]
        if unused:
            raise ValueError(f"dims: {unused} are used by no block")
        if isinstance(infinite, str) or not all(isinstance(b, str) for b in infinite):
            raise TypeError(f"infinite: expected a sequence of block names, got {infinite!r}")
        unknown = [b for b in infinite if b not in self._names]
        if unknown:
            raise ValueError(f"infinite: {unknown} are not blocks of the layout {self._names}")
        self._infinite: frozenset[str] = frozenset(infinite)
        self._unpackers: dict[bool, Any] = {}

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> ParamLayout:
        """The layout of a dict of arrays (or numbers), in its order."""
        if not isinstance(values, Mapping):
            raise TypeError(f"params: expected a dict of named arrays, got {type(values).__name__}")
        return cls([(k, np.shape(v)) for k, v in values.items()])

    # ------------------------------------------------------------------ description
    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._names)

    @property
    def infinite(self) -> frozenset[str]:
        """The blocks that may hold +-inf."""
        return self._infinite

    @property
    def dims(self) -> tuple[str, ...]:
        """The names of the dimensions stored in the header (empty for a fixed layout)."""
        return self._dims

    @property
    def shapes(self) -> dict[str, tuple[Dim, ...]]:
        """The blocks' shapes as declared (dimension names where they were given)."""
        return dict(zip(self._names, self._shapes, strict=True))

    def _fixed(self, what: str) -> None:
        if self._dims:
            raise ValueError(
                f"{what}: the layout has dimensions {self._dims} known only when packed; "
                f"use {what}_of(p)"
            )

    @property
    def offsets(self) -> dict[str, int]:
        """Where each block starts in ``p`` (a layout without named dimensions)."""
        self._fixed("offsets")
        return self._offsets({})

    @property
    def size(self) -> int:
        """The length of the packed array (a layout without named dimensions)."""
        self._fixed("size")
        return self._size({})

    def _concrete(self, shape: tuple[Dim, ...], dims: Mapping[str, int]) -> tuple[int, ...]:
        return tuple(dims[d] if isinstance(d, str) else d for d in shape)

    def _offsets(self, dims: Mapping[str, int]) -> dict[str, int]:
        out, offset = {}, len(self._dims)
        for name, shape in zip(self._names, self._shapes, strict=True):
            out[name] = offset
            offset += int(np.prod(self._concrete(shape, dims), dtype=np.int64))
        return out

    def _size(self, dims: Mapping[str, int]) -> int:
        last = self._names[-1]
        return self._offsets(dims)[last] + int(
            np.prod(self._concrete(self._shapes[-1], dims), dtype=np.int64)
        )

    def dims_of(self, p: np.ndarray) -> dict[str, int]:
        """The dimensions stored in the header of a packed array."""
        if not isinstance(p, np.ndarray) or p.ndim != 1 or p.size < len(self._dims):
            raise ValueError(f"p: expected a 1-D array of at least {len(self._dims)} values")
        dims = {}
        for k, name in enumerate(self._dims):
            value = float(p[k])
            if not (value >= 1 and value == int(value)):
                raise ValueError(f"p: the header entry {name!r} is {value}, not a positive integer")
            dims[name] = int(value)
        return dims

    def offsets_of(self, p: np.ndarray) -> dict[str, int]:
        """Where each block starts in the packed array ``p``."""
        return self._offsets(self.dims_of(p))

    def size_of(self, p: np.ndarray) -> int:
        """The number of floats the packed parameters take at the start of ``p``."""
        return self._size(self.dims_of(p))

    # ------------------------------------------------------------------ packing
    def check_values(self, name: str, values: np.ndarray, argument: str) -> None:
        """Refuse values block ``name`` may not hold (a ValueError naming ``argument``): NaN
        always, infinities unless the block is one of :attr:`infinite`."""
        if name in self._infinite:
            if np.isnan(values).any():
                raise ValueError(f"{argument}: expected numbers or +-inf, found NaN")
        else:
            _v.check_finite(values, argument)

    def pack(self, values: Mapping[str, Any] | None = None, **named: Any) -> np.ndarray:
        """The flat, C-contiguous float64 array of the blocks (every block required); named
        dimensions are read from the arrays' shapes and must agree between blocks."""
        given = dict(values or {}, **named)
        unknown = sorted(set(given) - set(self._names))
        if unknown:
            raise ValueError(f"params: unknown block(s) {unknown}; the layout has {self._names}")
        arrays, dims = {}, {}
        for name, shape in zip(self._names, self._shapes, strict=True):
            if name not in given:
                raise ValueError(f"params: the block {name!r} is missing")
            arr = _v.float_array(given[name], f"params[{name!r}]")
            if arr.ndim != len(shape):
                raise ValueError(
                    f"params[{name!r}]: expected {len(shape)} dimension(s) {shape}, "
                    f"got shape {arr.shape}"
                )
            for dim, size in zip(shape, arr.shape, strict=True):
                if isinstance(dim, str):
                    if dims.setdefault(dim, size) != size:
                        raise ValueError(
                            f"params[{name!r}]: dimension {dim!r} is {size} here but "
                            f"{dims[dim]} in an earlier block"
                        )
                    if size < 1:
                        raise ValueError(f"params[{name!r}]: dimension {dim!r} must be >= 1")
                elif size != dim:
                    raise ValueError(f"params[{name!r}]: expected shape {shape}, got {arr.shape}")
            self.check_values(name, arr, f"params[{name!r}]")
            arrays[name] = arr
        offsets = self._offsets(dims)
        p = np.empty(self._size(dims))
        for k, name in enumerate(self._dims):
            p[k] = dims[name]
        for name, arr in arrays.items():
            p[offsets[name] : offsets[name] + arr.size] = arr.ravel()
        return p

    def views(self, p: np.ndarray) -> dict[str, np.ndarray]:
        """Views of ``p`` with the blocks' names and shapes (writing to one writes to ``p``);
        scalar blocks as floats."""
        dims = self.dims_of(p)
        size = self._size(dims)
        if p.size < size:
            raise ValueError(f"p: expected a 1-D array of at least {size} values")
        out = {}
        offsets = self._offsets(dims)
        for name, shape in zip(self._names, self._shapes, strict=True):
            concrete = self._concrete(shape, dims)
            count = int(np.prod(concrete, dtype=np.int64))
            block = p[offsets[name] : offsets[name] + count]
            out[name] = float(block[0]) if concrete == () else block.reshape(concrete)
        return out

    # ------------------------------------------------------------------ compiled unpacking
    def unpacker(self, work: bool = False):
        """A ``numba.njit`` function ``unpack(p)`` returning, as a tuple: the named dimensions
        (integers, in the order of ``dims``), then the blocks in order (arrays are views of
        ``p`` with their shapes, scalar blocks floats), then with ``work=True`` the rest of
        ``p`` (the solvers' work area). Call it inside a kernel; it is inlined."""
        if work not in self._unpackers:
            lines = [f"    d{k} = int(p[{k}])" for k in range(len(self._dims))]
            lines.append(f"    o = {len(self._dims)}")
            names = [f"d{k}" for k in range(len(self._dims))]
            for k, shape in enumerate(self._shapes):
                dims = [f"d{self._dims.index(d)}" if isinstance(d, str) else str(d) for d in shape]
                size = "*".join(dims) if dims else "1"
                if not shape:
                    lines.append(f"    b{k} = p[o]")
                elif len(shape) == 1:
                    lines.append(f"    b{k} = p[o:o + {size}]")
                else:
                    lines.append(f"    b{k} = p[o:o + {size}].reshape(({', '.join(dims)},))")
                lines.append(f"    o += {size}")
                names.append(f"b{k}")
            if work:
                lines.append("    rest = p[o:]")
                names.append("rest")
            source = "def unpack(p):\n" + "\n".join(lines) + f"\n    return ({', '.join(names)},)\n"
            namespace: dict[str, Any] = {}
            exec(compile(source, "<ParamLayout.unpacker>", "exec"), namespace)  # noqa: S102
            self._unpackers[work] = nb.njit(inline="always")(namespace["unpack"])
        return self._unpackers[work]

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={s}" for n, s in zip(self._names, self._shapes, strict=True))
        extra = f", dims={self._dims}" if self._dims else ""
        return f"ParamLayout({inner}{extra})"
