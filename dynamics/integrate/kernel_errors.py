"""Catching the exceptions that model kernels raise inside the compiled time loops.

The engines call the kernels through first-class function pointers. The machine code behind
such a pointer is numba's C wrapper of the kernel, which cannot pass an exception on to its
caller: it hands it to ``sys.unraisablehook`` (by default printing ``Exception ignored ...``)
and returns as if nothing happened, leaving ``out`` unwritten. The loop would carry on with
garbage.

:class:`KernelErrorTrap` closes that hole at no cost on the fast path: while a solve runs, a
hook installed on ``sys.unraisablehook`` takes the exceptions that come from numba's wrappers
on the solving thread, keeps the first one, and sets ``flag[0] = 1`` in a small array that the
engine reads after each group of kernel calls (one load per step). The engine then stops with
status -1 and the reason naming the kernel; :attr:`KernelErrorTrap.error` holds the text
(``"ValueError: x too small"``). Nothing is printed. Unraisable exceptions from elsewhere go
to the previous hook unchanged.
"""

from __future__ import annotations

import sys
import threading

import numpy as np

__all__ = ["KernelErrorTrap"]

_lock = threading.Lock()
_active: dict[int, list[KernelErrorTrap]] = {}
_previous_hook = None


def _from_numba(unraisable) -> bool:
    # numba's C wrapper reports with its target context as the "object"
    return unraisable.err_msg is None and "numba" in repr(unraisable.object)


def _hook(unraisable) -> None:
    traps = _active.get(threading.get_ident())
    if traps is None and _active and _from_numba(unraisable):
        # a thread we did not start (e.g. a parallel worker of a compiled loop): every
        # running solve may be its caller
        traps = [t for ts in list(_active.values()) for t in ts]
    if traps and _from_numba(unraisable):
        traps[-1].record(unraisable.exc_type, unraisable.exc_value)
        return
    (_previous_hook or sys.__unraisablehook__)(unraisable)


class KernelErrorTrap:
    """Context manager: collect kernel exceptions of the compiled solve run inside it.

    ``flag`` (int64, shape (2,)) is passed to the engine; ``flag[0]`` becomes 1 when a kernel
    raised. The trap is reentrant and thread-aware (one trap per solving thread).
    """

    def __init__(self) -> None:
        self.flag = np.zeros(2, dtype=np.int64)
        self.error: str | None = None
        self._thread = 0

    def record(self, exc_type, exc_value) -> None:
        if self.error is None:
            name = getattr(exc_type, "__name__", "Exception")
            text = str(exc_value) if exc_value is not None else ""
            self.error = f"{name}: {text}" if text else name
        self.flag[0] = 1

    def __enter__(self) -> KernelErrorTrap:
        global _previous_hook
        self._thread = threading.get_ident()
        with _lock:
            if not _active:
                _previous_hook = sys.unraisablehook
                sys.unraisablehook = _hook
            _active.setdefault(self._thread, []).append(self)
        return self

    def __exit__(self, *exc) -> None:
        global _previous_hook
        with _lock:
            traps = _active.get(self._thread, [])
            if self in traps:
                traps.remove(self)
            if not traps:
                _active.pop(self._thread, None)
            if not _active and sys.unraisablehook is _hook:
                sys.unraisablehook = _previous_hook or sys.__unraisablehook__
                _previous_hook = None
