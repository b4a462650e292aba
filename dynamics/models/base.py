"""The model protocol: a continuous-time model is data plus compiled kernels.

A model of ``n`` states carries

* ``params`` -- one flat, C-contiguous ``float64`` array holding every parameter the kernels
  need (weights, inputs, time constants, integer codes stored as floats), described by a
  :class:`~dynamics.models.layout.ParamLayout` where the model declares one (``layout``).
* ``work_size`` -- the floats of scratch space the single-state kernels need. Every solver
  hands the kernels ``p`` = a private copy of ``params`` followed by a work area of that
  many floats (:meth:`Model.kernel_params`); kernels read the parameters, never write them,
  and may overwrite the work area, so they allocate nothing and no two threads share it.
* ``rhs(t, x, p, out)`` -- the vector field ``dx/dt = f(t, x)`` written into ``out``.
* ``rhs_batch(t, X, p, OUT)`` -- optional: the vector field for many states at once
  (``X`` and ``OUT`` of shape ``(m, n)``, ``t`` of shape ``(m,)``); for dense weights this is
  one matrix-matrix product (BLAS-3). Without it the ensemble solver loops over ``rhs``.
  The ensemble engine passes every kernel a private ``p`` per thread, made by
  :meth:`Model.ensemble_params`: by default ``kernel_params()`` followed by
  ``rows * rhs_batch_work`` more floats, room a batched kernel can use instead of
  allocating (a model may append more, e.g. a transposed weight matrix). Called with
  ``kernel_params()`` alone, a batched kernel must manage without them.
* ``energy(x, p) -> float`` -- optional: the Lyapunov (energy) function.
* ``energy_batch(X, p, E)`` -- optional, with ``energy``: the energies of the ``m`` states in
  the rows of ``X`` (shape ``(m, n)``) written into ``E`` (shape ``(m,)``); for dense weights
  one matrix-matrix product. :func:`dynamics.solve` evaluates the energies of the saved states
  in one pass after the run, with this kernel when the model has it, else row by row.
* ``jacobian(t, x, p, J)`` -- optional: ``J[i, j] = d f_i / d x_j`` written into ``J``.

Kernels are numba functions with fixed signatures (:data:`RHS_SIGNATURE` and friends).
The integrators are compiled once for these signatures and receive the kernels as
first-class function values, so a new model never recompiles the solver, and the solver's
machine code is cached on disk (``cache=True``) across processes.

A user model is a :class:`UserModel`::

    import numba, numpy as np, dynamics as dyn

    @numba.njit(cache=True)
    def lorenz(t, x, p, out):
        sigma, rho, beta = p[0], p[1], p[2]
        out[0] = sigma * (x[1] - x[0])
        out[1] = x[0] * (rho - x[2]) - x[1]
        out[2] = x[0] * x[1] - beta * x[2]

    model = dyn.UserModel(lorenz, n_states=3, params=[10.0, 28.0, 8.0 / 3.0])
    sol = dyn.solve(model, (0.0, 20.0), [1.0, 1.0, 1.0], rtol=1e-8, atol=1e-10)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numba as nb
import numpy as np
from numba import types
from numba.core.registry import CPUDispatcher

from dynamics import _validate as _v

__all__ = [
    "Model",
    "UserModel",
    "Event",
    "RHS_SIGNATURE",
    "RHS_BATCH_SIGNATURE",
    "ENERGY_SIGNATURE",
    "ENERGY_BATCH_SIGNATURE",
    "JACOBIAN_SIGNATURE",
    "EVENT_SIGNATURE",
    "EVENT_SIGNATURE_NO_PARAMS",
    "compile_kernel",
]

_f8 = types.float64
_vec = types.float64[::1]
_mat = types.float64[:, ::1]

#: ``rhs(t: float, x: float[n], p: float[:], out: float[n]) -> None``
RHS_SIGNATURE = types.void(_f8, _vec, _vec, _vec)
#: ``rhs_batch(t: float[m], X: float[m, n], p: float[:], OUT: float[m, n]) -> None``
RHS_BATCH_SIGNATURE = types.void(_vec, _mat, _vec, _mat)
#: ``energy(x: float[n], p: float[:]) -> float``
ENERGY_SIGNATURE = _f8(_vec, _vec)
#: ``energy_batch(X: float[m, n], p: float[:], E: float[m]) -> None``
ENERGY_BATCH_SIGNATURE = types.void(_mat, _vec, _vec)
#: ``jacobian(t: float, x: float[n], p: float[:], J: float[n, n]) -> None``
JACOBIAN_SIGNATURE = types.void(_f8, _vec, _vec, _mat)
#: ``event(t: float, x: float[n], p: float[:]) -> float`` (an event happens where it crosses
#: zero); :class:`Event` also takes ``event(t, x)`` of :data:`EVENT_SIGNATURE_NO_PARAMS`
EVENT_SIGNATURE = _f8(_f8, _vec, _vec)
EVENT_SIGNATURE_NO_PARAMS = _f8(_f8, _vec)

_SIGNATURE_TEXT = {
    RHS_SIGNATURE: "rhs(t, x, p, out) -> None with float t, 1-D float64 arrays x, p, out",
    RHS_BATCH_SIGNATURE: "rhs_batch(t, X, p, OUT) -> None with 1-D t, 2-D X and OUT, 1-D p",
    ENERGY_SIGNATURE: "energy(x, p) -> float with 1-D float64 arrays x, p",
    ENERGY_BATCH_SIGNATURE: "energy_batch(X, p, E) -> None with 2-D X, 1-D p and E",
    JACOBIAN_SIGNATURE: "jacobian(t, x, p, J) -> None with 2-D J",
    EVENT_SIGNATURE: "event(t, x, p) -> float with float t and 1-D float64 arrays x, p",
    EVENT_SIGNATURE_NO_PARAMS: "event(t, x) -> float with float t and 1-D float64 array x",
}


class KernelHandle(types.WrapperAddressProtocol):
    """A compiled kernel as a numba first-class function value with a fixed address.

    Handing a dispatcher to a compiled solver makes numba look up the kernel's machine-code
    address on every call (tens of microseconds for a handful of kernels); a handle looks it
    up once. It keeps the dispatcher alive, and with it the code the address points to.
    """

    def __init__(self, dispatcher: CPUDispatcher, signature) -> None:
        from numba.experimental.function_type import _get_wrapper_address

        self.dispatcher = dispatcher
        self._signature = signature
        self._address = int(_get_wrapper_address(dispatcher, signature))
        # numba's typeof reads this attribute instead of rebuilding the type on every call
        self._numba_type_ = types.FunctionType(signature)

    def __wrapper_address__(self) -> int:
        return self._address

    def signature(self):
        return self._signature


_HANDLES: dict[tuple[int, int], KernelHandle] = {}


def kernel_handle(dispatcher: CPUDispatcher, signature) -> KernelHandle:
    """The (cached) :class:`KernelHandle` of ``dispatcher`` for ``signature``."""
    # keyed by identity (the signatures are module constants); the handle keeps both alive
    key = (id(dispatcher), id(signature))
    handle = _HANDLES.get(key)
    if handle is None or handle.dispatcher is not dispatcher or handle._signature is not signature:
        handle = KernelHandle(dispatcher, signature)
        _HANDLES[key] = handle
    return handle


def compile_kernel(
    fn: Callable, signature, argument: str, *, check: bool = False
) -> CPUDispatcher:
    """Return ``fn`` as a numba dispatcher compiled for ``signature``.

    ``fn`` may be a ``numba.njit`` function (preferably with ``cache=True``) or a plain Python
    function (or lambda), which is compiled without an on-disk cache: numba keys its cache by
    a function's qualified name and line, so several lambdas on one line would share (and
    load) one another's machine code; uncached, a plain function also works where numba has
    no cache locator (``python -c``, the interactive prompt). ``check=True`` recompiles the
    kernel with numba's bounds checking (``boundscheck=True``): an out-of-range index then
    raises ``IndexError``, which ends a solve with status -1 naming the kernel. Raises
    ``TypeError`` naming ``argument`` when the
    function does not compile for the required signature.
    """
    if not callable(fn):
        raise TypeError(f"{argument}: expected a function, got {type(fn).__name__}")
    if isinstance(fn, CPUDispatcher):
        dispatcher = fn
        if check:
            options = {**fn.targetoptions, "cache": False, "boundscheck": True}
            options.pop("nopython", None)  # implied by njit
            dispatcher = nb.njit(**options)(fn.py_func)
    else:
        dispatcher = nb.njit(cache=False, boundscheck=bool(check) or None)(fn)
    try:
        dispatcher.compile(signature)
    except Exception as exc:  # numba raises TypingError and friends
        raise TypeError(
            f"{argument}: the function does not compile as "
            f"{_SIGNATURE_TEXT.get(signature, str(signature))}: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from exc
    return dispatcher


_PAD = 8
_SENTINEL = 1.2345678901234567e300


def _probe_rhs(kernel: CPUDispatcher, n: int, params: np.ndarray) -> None:
    """Call ``rhs`` once on guarded buffers to catch a wrong ``n_states`` or too short
    ``params`` -- compiled code does not check bounds, so such a mistake would otherwise read
    and write past the arrays silently.

    The arrays handed to the kernel are views of longer buffers: a write past ``out`` changes
    a sentinel, an entry of ``out`` left unwritten keeps its sentinel, and a read past ``x``
    or ``p`` turns the result into NaN when the padding is NaN but not when it is zero.
    """

    def call(x_pad: float, p_pad: float) -> np.ndarray:
        x_buf = np.full(n + _PAD, x_pad)
        x_buf[:n] = 0.5 + 0.01 * np.arange(n)
        p_buf = np.full(params.size + _PAD, p_pad)
        p_buf[: params.size] = params
        out_buf = np.full(n + _PAD, _SENTINEL)
        try:
            kernel(0.0, x_buf[:n], p_buf[: params.size], out_buf[:n])
        except IndexError as exc:  # only with bounds checking (UserModel(check=True))
            raise ValueError(
                f"n_states: rhs indexes out of bounds at the probe state (n_states={n}, "
                f"{params.size} params): IndexError: {exc}"
            ) from exc
        if np.any(out_buf[n:] != _SENTINEL):
            raise ValueError(
                f"n_states: rhs writes beyond out[{n - 1}]; the model has more than "
                f"n_states={n} states"
            )
        unwritten = np.flatnonzero(out_buf[:n] == _SENTINEL)
        if unwritten.size:
            raise ValueError(
                f"n_states: rhs never writes out[{unwritten[0]}]; the model has fewer than "
                f"n_states={n} states"
            )
        return out_buf[:n]

    clean = call(0.0, 0.0)
    if not np.all(np.isfinite(clean)):
        return  # the test state is singular for this model: the read checks cannot judge
    if not np.all(np.isfinite(call(np.nan, 0.0))):
        raise ValueError(
            f"n_states: rhs reads beyond x[{n - 1}]; the model has more than n_states={n} states"
        )
    if not np.all(np.isfinite(call(0.0, np.nan))):
        raise ValueError(
            f"params: rhs reads beyond p[{params.size - 1}]; it needs more than the "
            f"{params.size} parameter(s) given"
        )


class Model:
    """Base class of continuous-time models (see the module docstring for the protocol).

    Subclasses set ``n_states``, ``params`` and the kernels ``rhs_kernel`` (required),
    ``rhs_batch_kernel``, ``energy_kernel``, ``energy_batch_kernel``, ``jacobian_kernel``
    (``None`` when absent).
    """

    name: str = "model"
    n_states: int
    params: np.ndarray
    rhs_kernel: CPUDispatcher
    rhs_batch_kernel: CPUDispatcher | None = None
    energy_kernel: CPUDispatcher | None = None
    energy_batch_kernel: CPUDispatcher | None = None
    jacobian_kernel: CPUDispatcher | None = None
    #: floats of work area the single-state kernels may use after the parameters in ``p``
    #: (see :meth:`kernel_params`)
    work_size: int = 0
    #: spare floats per state row the batched kernel may use after the work area in the
    #: ``p`` of an ensemble engine call (see :meth:`ensemble_params`)
    rhs_batch_work: int = 0
    #: the named blocks of ``params`` where the model declares them (``None`` otherwise)
    layout: Any = None
    #: blocks of :attr:`layout` that the batched kernel can take with a value of its own for
    #: every row (state) of the block it evaluates, from the ``p`` of
    #: :meth:`ensemble_params_per_row`: an ensemble whose per-trajectory parameters differ
    #: only in these blocks keeps the batched kernel (e.g. ``("I",)`` for ContinuousHopfield)
    batch_row_blocks: tuple[str, ...] = ()

    def param(self, name: str) -> np.ndarray:
        """The parameter block ``name`` of a model with a declared :attr:`layout` (a copy)."""
        if self.layout is None:
            raise ValueError(f"name: the model {self.name!r} declares no named parameters")
        views = self.layout.views(self.params)
        if name not in views:
            raise ValueError(f"name: expected one of {list(views)}, got {name!r}")
        block = views[name]
        return float(block) if np.ndim(block) == 0 else np.array(block)

    def kernel_params(self, rows: int = 0) -> np.ndarray:
        """The ``p`` the solvers pass to the kernels: a private copy of ``params`` followed by
        a zeroed work area of ``work_size + rows * rhs_batch_work`` floats. Call the kernels
        with this, never with ``params`` itself (a kernel may write its work area)."""
        size = self.params.size
        p = np.zeros(size + int(self.work_size) + rows * int(self.rhs_batch_work))
        p[:size] = self.params
        return p

    def ensemble_params(self, rows: int) -> np.ndarray:
        """The ``p`` an ensemble engine call of at most ``rows`` states passes to the kernels:
        by default :meth:`kernel_params` with room for ``rows`` rows of batch work."""
        return self.kernel_params(rows)

    def ensemble_params_per_row(self, rows: int) -> tuple[np.ndarray, int]:
        """For a model with :attr:`batch_row_blocks`: the ``p`` of an ensemble engine call of
        at most ``rows`` states whose batched kernel reads those blocks per row, and the
        offset in it of a ``(rows, k)`` area (row-major; ``k`` the total size of the blocks,
        in the order of :attr:`batch_row_blocks`) that the engine fills with the values of
        each row's trajectory before every call of the batched kernel."""
        raise NotImplementedError(
            f"the model {self.name!r} has no batched kernel that takes parameters per row"
        )

    @property
    def has_energy(self) -> bool:
        """Whether the model has an energy (Lyapunov) function."""
        return self.energy_kernel is not None

    def _state(self, x: Any, argument: str = "x") -> np.ndarray:
        arr = np.ascontiguousarray(_v.float_array(x, argument))
        if arr.ndim != 1 or arr.shape[0] != self.n_states:
            raise ValueError(
                f"{argument}: expected shape ({self.n_states},), got {np.shape(x)}"
            )
        return arr

    def rhs(self, x: Any, t: float = 0.0) -> np.ndarray:
        """The vector field f(t, x) at one state (a convenience; solvers call the kernel)."""
        xs = self._state(x)
        out = np.empty(self.n_states)
        self.rhs_kernel(float(t), xs, self.kernel_params(), out)
        return out

    def energy(self, x: Any) -> float | np.ndarray:
        """The energy at one state (shape ``(n,)``) or at each row of ``(m, n)`` states."""
        if self.energy_kernel is None:
            raise ValueError(f"{self.name}: this model has no energy function")
        arr = _v.float_array(x, "x")
        if arr.ndim == 2 and self.energy_batch_kernel is not None and arr.shape[0] > 0:
            if arr.shape[1] != self.n_states:
                raise ValueError(
                    f"x: expected shape (m, {self.n_states}), got {arr.shape}"
                )
            out = np.empty(arr.shape[0])
            self.energy_batch_kernel(np.ascontiguousarray(arr), self.kernel_params(), out)
            return out
        if arr.ndim == 2:
            return np.array([self.energy(row) for row in arr])
        return float(self.energy_kernel(self._state(arr), self.kernel_params()))

    def jacobian(self, x: Any, t: float = 0.0) -> np.ndarray:
        """The Jacobian df/dx at one state."""
        if self.jacobian_kernel is None:
            raise ValueError(f"{self.name}: this model has no Jacobian kernel")
        xs = self._state(x)
        jac = np.empty((self.n_states, self.n_states))
        self.jacobian_kernel(float(t), xs, self.kernel_params(), jac)
        return jac

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_states={self.n_states})"


class UserModel(Model):
    """A model written by the user as numba kernels (see the module docstring).

    Parameters
    ----------
    rhs:
        ``rhs(t, x, p, out)``, the vector field written into ``out``.
    n_states:
        Number of state variables.
    params:
        Parameters passed to every kernel as a flat float64 array ``p``: a sequence of
        numbers, or a dict of named arrays (``{"W": W, "b": b}``), packed in its order by a
        :class:`~dynamics.models.layout.ParamLayout` kept as ``model.layout``, whose
        ``unpacker()`` gives the blocks back inside a kernel and ``model.param(name)`` in
        Python.
    energy, jacobian, rhs_batch, energy_batch:
        Optional kernels with the signatures of the model protocol (``energy_batch`` only
        together with ``energy``, of which it must be the row-by-row equivalent).
    name:
        A label used in messages.
    work_size:
        Floats of scratch space the kernels may overwrite: the solvers pass ``p`` as a
        private copy of ``params`` followed by that many floats (``p[params.size:]``), so a
        kernel needs no allocation and never writes its parameters.
    check:
        Compile every kernel with numba's bounds checking (``boundscheck=True``): an index
        out of range raises ``IndexError`` instead of reading or writing past an array, and a
        solve ends with status -1 and a message naming the kernel. Slower; the first thing
        to try when a model misbehaves (wrong values, a crash, a run that never ends).

    At construction ``rhs`` is called once at a test state (t = 0) on guarded buffers: a
    write past ``out``, an entry of ``out`` never written, and (when the result is finite) a
    read past ``x`` or ``params`` are reported as ``ValueError``. The probe sees only that
    one state: an index that goes out of range only for other states or times, or only in
    ``energy`` / ``jacobian`` / ``rhs_batch``, is caught only with ``check=True``.
    """

    def __init__(
        self,
        rhs: Callable,
        n_states: int,
        params: Sequence[float] | np.ndarray | None = None,
        *,
        energy: Callable | None = None,
        jacobian: Callable | None = None,
        rhs_batch: Callable | None = None,
        energy_batch: Callable | None = None,
        name: str | None = None,
        check: bool = False,
        work_size: int = 0,
    ) -> None:
        check = _v.flag(check, "check")
        self.work_size = _v.integer(work_size, "work_size", minimum=0)
        self.n_states = _v.positive_int(n_states, "n_states")
        if isinstance(params, Mapping):
            from dynamics.models.layout import ParamLayout

            self.layout = ParamLayout.of(params)
            p = self.layout.pack(params)
        else:
            p = np.zeros(1) if params is None else _v.float_array(params, "params").ravel()
            if p.size == 0:
                p = np.zeros(1)
            _v.check_finite(p, "params")
        self.params = np.ascontiguousarray(p)
        self.name = name or getattr(rhs, "__name__", "user model")
        self.check = check
        self.rhs_kernel = compile_kernel(rhs, RHS_SIGNATURE, "rhs", check=check)
        _probe_rhs(self.rhs_kernel, self.n_states, self.kernel_params())
        self.energy_kernel = (
            None
            if energy is None
            else compile_kernel(energy, ENERGY_SIGNATURE, "energy", check=check)
        )
        self.jacobian_kernel = (
            None
            if jacobian is None
            else compile_kernel(jacobian, JACOBIAN_SIGNATURE, "jacobian", check=check)
        )
        self.rhs_batch_kernel = (
            None
            if rhs_batch is None
            else compile_kernel(rhs_batch, RHS_BATCH_SIGNATURE, "rhs_batch", check=check)
        )
        if energy_batch is not None and energy is None:
            raise ValueError("energy_batch: given without energy; give the energy kernel too")
        self.energy_batch_kernel = (
            None
            if energy_batch is None
            else compile_kernel(energy_batch, ENERGY_BATCH_SIGNATURE, "energy_batch",
                                check=check)
        )


def _n_positional(fn: Callable) -> int | None:
    """How many positional parameters ``fn`` (or a dispatcher's Python function) takes."""
    import inspect

    try:
        sig = inspect.signature(getattr(fn, "py_func", fn))
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for q in sig.parameters.values() if q.kind in kinds)


def _with_params(kernel: CPUDispatcher) -> Callable:
    """``event(t, x)`` as ``event(t, x, p)``, ignoring ``p``."""

    def event(t, x, p):
        return kernel(t, x)

    return event


class Event:
    """An event function ``event(t, x, p)`` (or ``event(t, x)``) whose zero crossings are
    located during a solve; ``p`` is the model's parameter array.

    Like scipy's ``solve_ivp`` events: ``terminal=True`` stops the integration at the first
    crossing; ``direction`` > 0 only counts crossings from negative to positive, < 0 from
    positive to negative, 0 both. A plain function with ``terminal`` / ``direction``
    attributes is accepted by :func:`dynamics.solve` too.
    """

    def __init__(self, fn: Callable, terminal: bool = False, direction: float = 0.0) -> None:
        self.terminal = _v.flag(terminal, "terminal")
        direction = _v.real(direction, "direction")
        self.direction = float(np.sign(direction))
        arity = _n_positional(fn) if callable(fn) else None
        if arity == 2:
            inner = compile_kernel(fn, EVENT_SIGNATURE_NO_PARAMS, "events")
            self.kernel = compile_kernel(_with_params(inner), EVENT_SIGNATURE, "events")
        elif arity in (3, None):
            self.kernel = compile_kernel(fn, EVENT_SIGNATURE, "events")
        else:
            raise TypeError(
                f"events: expected a function event(t, x) or event(t, x, p), got one with "
                f"{arity} positional parameters"
            )

    @classmethod
    def coerce(cls, ev: Any) -> Event:
        """An :class:`Event` from an Event or a function with optional attributes."""
        if isinstance(ev, Event):
            return ev
        return cls(
            ev,
            terminal=getattr(ev, "terminal", False),
            direction=getattr(ev, "direction", 0.0),
        )
