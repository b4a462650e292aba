"""BLAS thread counts: per layer call (recurrent layers) and per worker process (sweeps).

A recurrent layer is a chain of small GEMMs (per step (B, H) x (H, G*H)) plus a few larger
ones (input projection and weight gradients over all T*B rows). A BLAS thread pool that
synchronises several hundred times per sequence gains little, and on a busy machine (e.g. a
test suite running one worker per core, or several jobs sharing cores) its spinning threads
stall badly: we measured 5-10x slowdowns on 2 loaded cores. The layers therefore run their
BLAS calls with ``threads`` (default 1) threads, set thread-locally with OpenBLAS's
``openblas_set_num_threads_local`` on both OpenBLAS builds present in a pip install (numpy's,
used by ``np.matmul``; scipy's, used by numba's ``np.dot`` inside the compiled loops) and
restored afterwards, so other code in the process is not affected. Where these libraries are
not found (e.g. MKL builds) this is a no-op.
"""

from __future__ import annotations

import ctypes
import glob
import os
from contextlib import contextmanager

from dynamics import _validate as _v

_setters: list | None = None
_threads = 1
_process_share: int | None = None  # cores given to this process by a sweep (None: all)


def _find_setters() -> list:
    global _setters
    if _setters is not None:
        return _setters
    found = []
    try:
        import numpy
        import scipy
        import scipy.linalg.cython_blas  # noqa: F401  (loads scipy's BLAS)

        dirs = [os.path.join(os.path.dirname(m.__file__), os.pardir, f"{m.__name__}.libs")
                for m in (numpy, scipy)]
        for d in dirs:
            for path in sorted(glob.glob(os.path.join(d, "libscipy_openblas*.so*"))):
                fn = getattr(ctypes.CDLL(path), "openblas_set_num_threads_local", None)
                if fn is not None:
                    fn.restype = ctypes.c_int
                    fn.argtypes = [ctypes.c_int]
                    found.append(fn)
    except (ImportError, OSError, AttributeError):  # pragma: no cover - installation specific
        found = []
    _setters = found
    return found


def set_process_blas_threads(n: int) -> None:
    """Set the BLAS thread count of the calling thread (numpy's and scipy's OpenBLAS).

    Called in a sweep worker process's main thread, which runs its tasks: with one worker
    per core, each worker's BLAS must not start a thread per core too, or the cores are
    oversubscribed and the spinning BLAS threads stall each other (the same reason Dask's
    nanny sets OPENBLAS_NUM_THREADS=1 in its workers). The count is also taken as this
    process's share of the cores (:func:`cpu_share`), the default thread count of
    ``solve_ensemble``.
    """
    global _process_share
    _process_share = max(1, int(n))
    for fn in _find_setters():
        fn(int(n))


def cpu_share() -> int:
    """The cores this process should keep busy: the share a sweep worker was given
    (:func:`set_process_blas_threads`), else the CPUs it may run on."""
    if _process_share is not None:
        return _process_share
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def set_blas_threads(n: int) -> None:
    """Number of BLAS threads the recurrent layers use (default 1; see module docstring)."""
    global _threads
    _threads = _v.positive_int(n, "n")


def get_blas_threads() -> int:
    return _threads


@contextmanager
def layer_blas_threads():
    """Run the enclosed BLAS calls with ``get_blas_threads()`` threads on this thread."""
    setters = _find_setters()
    prev = [fn(_threads) for fn in setters]
    try:
        yield
    finally:
        for fn, p in zip(setters, prev, strict=True):
            fn(p)


@contextmanager
def blas_threads(n: int):
    """Run the enclosed BLAS calls of this thread with ``n`` threads, then restore.

    The ODE engines run their matrix products under ``blas_threads(1)``: the result of a
    product then does not depend on the thread count of the machine or the executor (OpenBLAS
    splits the sum differently for different thread counts, which changes the last bits).
    """
    setters = _find_setters()
    prev = [fn(int(n)) for fn in setters]
    try:
        yield
    finally:
        for fn, p in zip(setters, prev, strict=True):
            fn(p)
