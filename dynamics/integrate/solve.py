"""``solve`` and ``solve_ensemble``: argument checking, then one call into compiled code."""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numba import types as nb_types

from dynamics import _validate as _v
from dynamics._blas import blas_threads, cpu_share
from dynamics.integrate.engine import (
    energy_rows,
    never_event,
    no_energy,
    single_engine,
    single_engine_entry,
)
from dynamics.integrate.ensemble import (
    CHUNK_ROWS,
    ChunkRunner,
    chunks_of,
    ensemble_engine,
    no_batch,
)
from dynamics.integrate.kernel_errors import KernelErrorTrap
from dynamics.integrate.solution import (
    DenseOutput,
    EnsembleSolution,
    Solution,
    energy_increase,
    energy_nan_at_finite_state,
)
from dynamics.integrate.status import Reason, Status, status_message
from dynamics.integrate.tableaus import TABLEAUS, Tableau
from dynamics.models.base import (
    ENERGY_SIGNATURE,
    EVENT_SIGNATURE,
    RHS_BATCH_SIGNATURE,
    RHS_SIGNATURE,
    Event,
    Model,
    kernel_handle,
)

__all__ = ["solve", "solve_ensemble", "METHODS", "MAX_OUTPUT_BYTES"]

#: Default output budget of one solve (bytes of saved times, states, energies and dense
#: output): 1 GiB. A run whose output would exceed it stops with status -1 and returns what it
#: saved; a ``t_eval`` (or an ensemble) that needs more is refused before the run.
MAX_OUTPUT_BYTES = 2**30

METHODS = tuple(TABLEAUS)
#: the controllers: "pi" uses the tableau's own PI coefficient beta (0.04 for dopri5 as in
#: Hairer's DOPRI5, 0 for dop853 as in DOP853), "classic" none
_CONTROLLERS = ("pi", "classic")


def _check_model(model: Any) -> Model:
    if not isinstance(model, Model):
        raise TypeError(
            "model: expected a dynamics model (e.g. ContinuousHopfield or UserModel), "
            f"got {type(model).__name__}"
        )
    return model


def _positive(value: Any, name: str, allow_none: bool = False) -> float | None:
    return _v.positive(value, name, allow_none=allow_none)


def _positive_int(value: Any, name: str) -> int:
    return _v.positive_int(value, name)


def _t_span(t_span: Any) -> tuple[float, float]:
    if isinstance(t_span, str | bytes) or not isinstance(t_span, Sequence | np.ndarray):
        raise TypeError(f"t_span: expected a pair (t0, t1) of numbers, got {t_span!r}")
    if len(t_span) != 2:
        raise ValueError(f"t_span: expected a pair (t0, t1), got {len(t_span)} values")
    t0 = _v.real(t_span[0], "t_span[0]")
    t1 = _v.real(t_span[1], "t_span[1]")
    if t1 <= t0:
        raise ValueError(
            f"t_span: expected t0 < t1 (forward integration over a non-empty span), "
            f"got ({t0}, {t1})"
        )
    return t0, t1


#: ``method="auto"``: the cheapest method for the tolerance (fewest evaluations per unit
#: accuracy): Bogacki-Shampine 3(2) for rtol >= 1e-4, Dormand-Prince 8(5,3) for
#: rtol <= 1e-9, Dormand-Prince 5(4) in between.
AUTO_BS32_RTOL = 1e-4
AUTO_DOP853_RTOL = 1e-9


def _tableau(method: Any, rtol: float) -> Tableau:
    if isinstance(method, Tableau):
        return method
    name = _v.choice(method, "method", (*METHODS, "auto"))
    if name == "auto":
        if rtol >= AUTO_BS32_RTOL:
            return TABLEAUS["bs32"]
        return TABLEAUS["dop853"] if rtol <= AUTO_DOP853_RTOL else TABLEAUS["dopri5"]
    return TABLEAUS[name]


def _atol(atol: Any, n: int) -> np.ndarray:
    return np.ascontiguousarray(_v.per_unit(atol, n, "atol", positive=True))


def _t_eval(t_eval: Any, t0: float, t1: float) -> np.ndarray:
    arr = _v.float_array(t_eval, "t_eval")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"t_eval: expected a non-empty 1-D array of times, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("t_eval: expected finite times")
    if np.any(np.diff(arr) <= 0):
        raise ValueError("t_eval: expected strictly increasing times")
    if arr[0] < t0 or arr[-1] > t1:
        raise ValueError(f"t_eval: expected times within t_span [{t0}, {t1}]")
    return np.ascontiguousarray(arr)


def _common(model, t_span, method, dt, rtol, atol, max_step, max_steps, eq_tol, controller):
    model = _check_model(model)
    t0, t1 = _t_span(t_span)
    rtol = _positive(rtol, "rtol")
    tab = _tableau(method, rtol)
    dt = _positive(dt, "dt", allow_none=True)
    if not tab.adaptive and dt is None:
        raise ValueError(f"dt: the fixed-step method {tab.name!r} needs a step size dt > 0")
    atol_arr = _atol(atol, model.n_states)
    h_max = math.inf if max_step is None else _positive(max_step, "max_step")
    max_steps = _positive_int(max_steps, "max_steps")
    eq_tol = _positive(eq_tol, "eq_tol")
    _v.choice(controller, "controller", _CONTROLLERS)
    return model, t0, t1, tab, dt, rtol, atol_arr, h_max, max_steps, eq_tol


def _method_arguments(tab: Tableau, dt, h_max, rtol, atol_arr, controller) -> tuple:
    """The engines' arguments that describe the method and its step-size control."""
    return (
        tab.A,
        tab.b,
        tab.c,
        tab.e,
        tab.E3,
        tab.D,
        tab.hermite,
        tab.fsal,
        tab.adaptive,
        tab.error_exponent,
        0.0 if dt is None else dt,
        h_max,
        rtol,
        atol_arr,
        tab.beta if controller == "pi" else 0.0,
        tab.safety,
        tab.factor_min,
        tab.factor_max,
    )


def _events(events: Any) -> list[Event]:
    if events is None:
        return []
    if callable(events) or isinstance(events, Event):
        events = [events]
    if not isinstance(events, Sequence):
        raise TypeError("events: expected an event function or a list of them")
    return [Event.coerce(ev) for ev in events]


def solve(
    model: Model,
    t_span: Sequence[float],
    y0: Any,
    method: str = "dopri5",
    dt: float | None = None,
    rtol: float = 1e-6,
    atol: float | np.ndarray = 1e-9,
    t_eval: Any = None,
    save_every: int | None = None,
    max_steps: int = 1_000_000,
    stop_at_equilibrium: bool = False,
    eq_tol: float = 1e-6,
    events: Any = None,
    dense_output: bool = False,
    max_step: float | None = None,
    controller: str = "pi",
    energy_tol: float = 1e-9,
    max_output_bytes: float | None = None,
) -> Solution:
    """Integrate ``model`` from ``y0`` over ``t_span`` entirely in compiled code.

    Parameters
    ----------
    model: a :class:`~dynamics.models.base.Model` (ContinuousHopfield, UserModel, ...).
    t_span: (t0, t1) with t0 < t1.
    y0: initial state, shape (n_states,).
    method: "dopri5" (Dormand-Prince 5(4), adaptive, FSAL; default), "tsit5" (Tsitouras
        5(4), adaptive, FSAL, its own 4th-order interpolant), "bs32" (Bogacki-Shampine 3(2),
        adaptive, FSAL, cubic Hermite dense output), "dop853" (Dormand-Prince 8(5,3) as in
        Hairer's DOP853, adaptive, 7th-order dense output; for tight tolerances), "auto"
        (bs32 for rtol >= 1e-4, dop853 for rtol <= 1e-9, dopri5 in between), "rk4" or
        "euler" (fixed step ``dt``), or a :class:`~dynamics.integrate.tableaus.Tableau`.
    dt: step size of fixed-step methods; first step of dopri5 (default: chosen as in
        Hairer, Norsett & Wanner 1993, II.4).
    rtol, atol: tolerances of the adaptive method; the error of a step is the RMS over
        states of err_i / (atol_i + rtol * max(|y_i|, |y_new_i|)) and must be <= 1.
    t_eval: times at which to store the solution (from the method's continuous extension);
        by default every step is stored (every ``save_every``-th step if given).
    save_every: store every k-th accepted step (and the last one); exclusive with t_eval.
    max_steps: maximum number of steps; reaching it ends the run with status -1.
    stop_at_equilibrium: end the run (status 1) as soon as max_i |dx_i/dt| < eq_tol
        (default 1e-6; keep it well above rtol * |x| and atol: near an attractor the numerical
        solution jitters at the level of the error tolerance). With ``t_eval``, the times
        after the stop hold the equilibrium state (the solution rests there); without it the
        trajectory ends at the stop. A terminal event ends the output at the event, as in
        scipy (``t_eval`` points after it are not produced; see ``y_events``).
    events: an event function ``event(t, x, p) -> float`` (``p`` the model's parameters) or
        ``event(t, x) -> float``, compiled with numba (or a list, or
        :class:`~dynamics.models.base.Event` objects); attributes ``terminal`` and
        ``direction`` as in scipy's solve_ivp. Crossings are located by root finding on the
        step's continuous extension; see ``Solution.t_events`` / ``y_events``.
    dense_output: keep the continuous extension, ``Solution.sol(t)``.
    max_step: largest step allowed.
    controller: "pi" (PI step-size control with the method's beta: 0.04 as in Hairer's
        DOPRI5; dop853 has beta = 0 as Hairer's DOP853, so both choices agree there) or
        "classic" (beta = 0).
    energy_tol: an energy rise larger than energy_tol * (1 + |E|) between saved times sets
        ``Solution.energy_increases``.
    max_output_bytes: budget for the saved output (times, states, energies, dense output);
        default :data:`MAX_OUTPUT_BYTES` (1 GiB). A ``t_eval`` needing more is refused with a
        ValueError; a run that fills it stops with status -1 and returns what it saved.

    Returns
    -------
    :class:`~dynamics.integrate.solution.Solution` with ``y`` of shape (n_states, n_times).
    A run that fails returns everything computed until then, with status -1; that includes
    an exception raised inside a kernel (the message names the kernel and the error).
    An energy or event function returning NaN sets ``Solution.energy_nan`` /
    ``Solution.event_nan`` and warns (``RuntimeWarning``).
    """
    model, t0, t1, tab, dt, rtol, atol_arr, h_max, max_steps, eq_tol = _common(
        model, t_span, method, dt, rtol, atol, max_step, max_steps, eq_tol, controller
    )
    y0_arr = _initial_state(y0, model.n_states)
    _v.flag(stop_at_equilibrium, "stop_at_equilibrium")
    _v.flag(dense_output, "dense_output")
    if t_eval is not None and save_every is not None:
        raise ValueError("save_every: cannot be combined with t_eval; give one of them")
    t_eval_arr = np.empty(0) if t_eval is None else _t_eval(t_eval, t0, t1)
    save_every_int = 1 if save_every is None else _positive_int(save_every, "save_every")
    energy_tol = _positive(energy_tol, "energy_tol")
    evs = _events(events)
    n_events = len(evs)
    # no events: an engine without event kernels; else the event tuple padded to a power of
    # two (at least 2) so that few engine variants are compiled: 1 or 2 events share one,
    # 3-4 another, ...
    slots = 0 if n_events == 0 else 2
    while slots < n_events:
        slots *= 2
    ev_kernels = tuple(
        kernel_handle(k, EVENT_SIGNATURE)
        for k in [ev.kernel for ev in evs] + [never_event] * (slots - n_events)
    )
    terminal = np.array([ev.terminal for ev in evs] or [False], dtype=np.bool_)
    direction = np.array([ev.direction for ev in evs] or [0.0], dtype=np.float64)
    has_energy = model.energy_kernel is not None

    engine = single_engine_entry(slots)
    n = model.n_states
    budget = _budget(max_output_bytes)
    row_bytes = 8 * (n + 2)
    if t_eval_arr.size * row_bytes > budget:
        raise ValueError(
            f"t_eval: {t_eval_arr.size} output times of {n} states need "
            f"{t_eval_arr.size * row_bytes:.4g} bytes, above max_output_bytes={budget:.4g}; "
            "ask for fewer times or raise max_output_bytes"
        )
    # the dense output gets what the saved points leave (at least a quarter of the budget)
    max_rows = max(int(budget // row_bytes), 2)
    max_dense = 1
    if dense_output:
        max_rows = max(int(0.75 * budget // row_bytes), 2)
        max_dense = max(
            int((budget - max_rows * row_bytes) // (8 * (tab.n_dense_rows * n + 1))), 1
        )
    trap = KernelErrorTrap()
    p_work = model.kernel_params()  # a private copy of params and the work area
    with trap, blas_threads(1):
        # the energies of the saved states are computed after the run, in one pass
        out = _call_exact(engine, slots,
            kernel_handle(model.rhs_kernel, RHS_SIGNATURE),
            kernel_handle(no_energy, ENERGY_SIGNATURE),
            ev_kernels,
            p_work,
            y0_arr,
            t0,
            t1,
            *_method_arguments(tab, dt, h_max, rtol, atol_arr, controller),
            t_eval_arr,
            save_every_int,
            max_steps,
            bool(stop_at_equilibrium),
            eq_tol,
            False,
            n_events,
            terminal,
            direction,
            bool(dense_output),
            trap.flag,
            max_rows,
            max_dense,
        )
    (ts, ys, es, status, reason, t_stop, nfev, nsteps, nacc, nrej,
     ev_t, ev_y, ev_idx, _n_found, dense_t, dense_r, n_dense, ev_nan) = out  # fmt: skip
    error = trap.error
    if has_energy:
        es, failed_row, energy_error = saved_energies(model, ys, p_work)
        if failed_row >= 0 and not (status == Status.FAILED and failed_row == ts.size - 1):
            # the run ends where the energy kernel raised: the state there is kept, its
            # energy is NaN (the same output as stopping the run at that saved point)
            keep = failed_row + 1
            ts, ys, es = ts[:keep], ys[:keep], es[:keep]
            status, reason, t_stop, error = Status.FAILED, Reason.ENERGY_ERROR, ts[-1], energy_error
            in_time = ev_t <= t_stop
            ev_t, ev_y, ev_idx = ev_t[in_time], ev_y[in_time], ev_idx[in_time]
    status = int(status)
    message = status_message(
        status, int(reason), float(t_stop), max_steps=max_steps, eq_tol=eq_tol,
        error=error, budget=budget,
    )
    energy = es if has_energy else None
    increases, worst = energy_increase(es, energy_tol) if has_energy else (False, 0.0)
    energy_nan = has_energy and energy_nan_at_finite_state(es, ys)
    if energy_nan and Reason(int(reason)) != Reason.ENERGY_ERROR:
        warnings.warn(
            f"the energy kernel of {model.name!r} returned NaN at a finite state; "
            "Solution.energy_nan is set and energy_increases says nothing there",
            RuntimeWarning,
            stacklevel=2,
        )
    t_events = y_events = None
    event_nan = None
    if evs:
        t_events = [ev_t[ev_idx == q] for q in range(n_events)]
        y_events = [ev_y[ev_idx == q] for q in range(n_events)]
        event_nan = np.asarray(ev_nan, dtype=bool)
        if event_nan.any():
            warnings.warn(
                f"event function(s) {np.flatnonzero(event_nan).tolist()} returned NaN: no "
                "crossing can be found where an event is NaN; see Solution.event_nan",
                RuntimeWarning,
                stacklevel=2,
            )
    sol = None
    if dense_output and n_dense > 0:
        sol = DenseOutput(dense_t, dense_r, t_max=min(float(t_stop), float(dense_t[-1])))
    return Solution(
        t=ts,
        y=np.ascontiguousarray(ys.T),
        energy=energy,
        status=status,
        message=message,
        nfev=int(nfev),
        nsteps=int(nsteps),
        naccepted=int(nacc),
        nrejected=int(nrej),
        method=tab.name,
        t_events=t_events,
        y_events=y_events,
        sol=sol,
        energy_increases=increases,
        max_energy_increase=worst,
        energy_nan=energy_nan,
        event_nan=event_nan,
    )


_ARRAY_ARGUMENTS: dict[int, list[tuple[int, int, np.dtype]]] = {}


def _call_exact(entry, slots: int, *args):
    """Call the engine's entry point when every array argument has exactly the dtype,
    dimension and C layout of the compiled signature (the entry point converts without
    checking: a mismatch would be read as the wrong type); otherwise call the dispatcher,
    which converts or raises numba's TypeError."""
    arrays = _ARRAY_ARGUMENTS.get(slots)
    if arrays is None:
        arrays = [
            (k, t.ndim, np.dtype(str(t.dtype)))
            for k, t in enumerate(single_engine(slots).signatures[0])
            if isinstance(t, nb_types.Array)
        ]
        _ARRAY_ARGUMENTS[slots] = arrays
    for k, ndim, dtype in arrays:
        value = args[k]
        if not (
            isinstance(value, np.ndarray)
            and value.ndim == ndim
            and value.dtype == dtype
            and value.flags.c_contiguous
            and value.flags.writeable
        ):
            return single_engine(slots)(*args)
    return entry(*args)


def saved_energies(
    model: Model, ys: np.ndarray, p_work: np.ndarray | None = None
) -> tuple[np.ndarray, int, str | None]:
    """The energies of the saved states ``ys`` (one per row), computed in one pass, with the
    kernel parameters ``p_work`` (default a new :meth:`Model.kernel_params`; a solve passes
    its own: the kernels never write the parameter part, only the work area).

    With the model's ``energy_batch`` kernel (one matrix-matrix product for dense weights)
    when it has one, else ``energy`` row by row in compiled code. Returns ``(E, k, error)``:
    ``k`` is the first row where the energy kernel raised (-1 if none), E[k] is NaN and the
    rows after it are not evaluated (NaN); ``error`` is the exception's text.
    """
    es = np.full(ys.shape[0], np.nan)
    if ys.shape[0] == 0:
        return es, -1, None
    states = np.ascontiguousarray(ys)
    if p_work is None:
        p_work = model.kernel_params()
    if model.energy_batch_kernel is not None:
        try:
            model.energy_batch_kernel(states, p_work, es)
            return es, -1, None
        except Exception:  # find the row that fails (and its message) row by row below
            es[:] = np.nan
    trap = KernelErrorTrap()
    with trap, blas_threads(1):
        failed = int(energy_rows(kernel_handle(model.energy_kernel, ENERGY_SIGNATURE),
                                 p_work, states, es, trap.flag))
    if failed >= 0:
        es[failed + 1:] = np.nan
    return es, failed, trap.error


def _ensemble_energies(model: Model, ys: np.ndarray) -> np.ndarray | None:
    """The energies of an ensemble's saved states ``ys`` (m, n_times, n) by
    :func:`saved_energies`, in one pass over the states the trajectories reached (NaN at the
    others); ``None`` if the energy kernel raised."""
    m, k, n = ys.shape
    flat = ys.reshape(m * k, n)
    reached = np.flatnonzero(np.all(np.isfinite(flat), axis=1))
    es = np.full(m * k, np.nan)
    es[reached], failed, _ = saved_energies(model, flat[reached])
    if failed >= 0:
        return None
    return es.reshape(m, k)


def _budget(max_output_bytes: Any) -> float:
    if max_output_bytes is None:
        return float(MAX_OUTPUT_BYTES)
    return float(_positive(max_output_bytes, "max_output_bytes"))


def _initial_state(y0: Any, n: int) -> np.ndarray:
    if type(y0) is np.ndarray and y0.dtype == np.float64 and y0.shape == (n,):
        # the common case, without the conversions and their checks (a few microseconds of a
        # solve's fixed cost)
        if not np.isfinite(y0).all():
            raise ValueError("y0: expected finite values (found NaN or inf)")
        return y0 if y0.flags.c_contiguous else np.ascontiguousarray(y0)
    arr = _v.float_array(y0, "y0")
    if arr.shape != (n,):
        raise ValueError(f"y0: expected shape ({n},) for this model, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("y0: expected finite values (found NaN or inf)")
    return np.ascontiguousarray(arr)


def _trajectory_kernel_params(model: Model, row: np.ndarray) -> np.ndarray:
    """The ``p`` the one-state kernels receive for a trajectory with the parameter vector
    ``row``: as for a single solve, a private copy of the parameters followed by the work
    area the kernels need (:meth:`Model.kernel_params`), with the trajectory's own values in
    place of ``model.params``."""
    p = model.kernel_params()
    p[: row.size] = row
    return p


def _per_trajectory_params(model: Model, params: Any, m: int) -> np.ndarray:
    """``params`` of :func:`solve_ensemble` checked and packed: one full parameter vector
    per trajectory, shape ``(m, model.params.size)``."""
    size = model.params.size
    if isinstance(params, Mapping):
        layout = model.layout
        if layout is None:
            raise TypeError(
                f"params: the model {model.name!r} declares no named parameters (no layout); "
                f"give an array of shape ({m}, {size}) instead of a dict"
            )
        base = layout.views(model.params)
        unknown = sorted(str(k) for k in params if k not in base)
        if unknown:
            raise ValueError(f"params: unknown block(s) {unknown}; the layout has {list(base)}")
        if not params:
            raise ValueError("params: expected at least one block in the dict")
        offsets = layout.offsets_of(model.params)
        # every trajectory starts from the model's own parameters (header included); the
        # blocks given replace theirs (the shapes are the model's, so the offsets are too)
        P = np.tile(model.params, (m, 1))
        for name, value in params.items():
            arr = _v.float_array(value, f"params[{name!r}]")
            want = (m, *np.shape(base[name]))
            if arr.shape != want:
                raise ValueError(
                    f"params[{name!r}]: expected shape {want} (n_trajectories first, then "
                    f"the block's shape), got {arr.shape}"
                )
            layout.check_values(name, arr, f"params[{name!r}]")
            width = int(np.prod(want[1:], dtype=np.int64))
            P[:, offsets[name] : offsets[name] + width] = arr.reshape(m, width)
        return P
    P = _v.float_array(params, "params")
    if P.shape != (m, size):
        raise ValueError(
            f"params: expected shape ({m}, {size}) (one parameter vector of the model per "
            f"trajectory) or a dict of named blocks, got {P.shape}"
        )
    _v.check_finite(P, "params")
    header = len(getattr(model.layout, "dims", ()) or ())
    if header and not np.array_equal(P[:, :header], np.broadcast_to(model.params[:header],
                                                                     (m, header))):
        raise ValueError(
            f"params: the first {header} value(s) of every row are the layout's dimensions "
            f"{list(model.layout.dims)} and must equal the model's {model.params[:header]}"
        )
    return np.ascontiguousarray(P)


def _batched_row_values(model: Model, P_all: np.ndarray) -> np.ndarray | None:
    """When the per-trajectory parameters ``P_all`` differ from the model's own only in
    blocks its batched kernel can take per row (:attr:`Model.batch_row_blocks`), the values
    of those blocks per trajectory, shape (n_trajectories, k), in the order of the blocks;
    otherwise None (the ensemble then goes row by row)."""
    blocks = tuple(model.batch_row_blocks or ())
    if not blocks or model.rhs_batch_kernel is None or model.layout is None:
        return None
    offsets = model.layout.offsets_of(model.params)
    sizes = {name: int(np.size(v)) for name, v in model.layout.views(model.params).items()}
    row_columns = np.zeros(model.params.size, dtype=bool)
    for name in blocks:
        row_columns[offsets[name] : offsets[name] + sizes[name]] = True
    # bit for bit: a -0.0 given for 0.0 is a difference too
    differs = np.any(P_all.view(np.int64) != model.params.view(np.int64), axis=0)
    if np.any(differs & ~row_columns):
        return None
    return np.ascontiguousarray(np.concatenate(
        [P_all[:, offsets[name] : offsets[name] + sizes[name]] for name in blocks], axis=1))


def solve_ensemble(
    model: Model,
    t_span: Sequence[float],
    Y0: Any,
    method: str = "dopri5",
    dt: float | None = None,
    rtol: float = 1e-6,
    atol: float | np.ndarray = 1e-9,
    t_eval: Any = None,
    n_eval: int = 101,
    max_steps: int = 1_000_000,
    stop_at_equilibrium: bool = False,
    eq_tol: float = 1e-6,
    max_step: float | None = None,
    controller: str = "pi",
    energy_tol: float = 1e-9,
    batch_size: int | None = None,
    progress: bool | None = None,
    max_output_bytes: float | None = None,
    threads: int | None = None,
    params: Any = None,
) -> EnsembleSolution:
    """Integrate every row of ``Y0`` (shape (n_trajectories, n_states)) together.

    Each trajectory has its own adaptive step and its own stop (end of span, equilibrium,
    failure); each stage evaluates the vector field of all running trajectories with one call
    of the model's batched kernel (one matrix-matrix product for dense weights). Output at
    ``t_eval`` (default: ``n_eval`` evenly spaced times over ``t_span``); ``y`` has shape
    (n_trajectories, n_states, n_times). Trajectories are processed in blocks of
    ``batch_size`` (default: all at once); with ``progress`` (default: when stderr is a
    terminal and there is more than one block) a tqdm bar counts the blocks. The other
    arguments are those of :func:`solve`; ``max_output_bytes`` bounds the output array
    (n_trajectories x n_times x (n_states + 1) doubles), checked before the run.

    ``threads``: the number of threads (default: the cores this process may use, or its
    share in a :func:`dynamics.sweep` worker). The trajectories are cut into fixed chunks of
    :data:`~dynamics.integrate.ensemble.CHUNK_ROWS` rows, each integrated by one call of the
    compiled engine (which releases the GIL) with single-threaded BLAS, and the chunks are
    shared among the threads: the results are bitwise the same for every ``threads``.

    ``params``: parameters per trajectory (default: ``model.params`` for all). Either an
    array of shape (n_trajectories, model.params.size), one full parameter vector per
    trajectory, or, for a model with a declared ``layout`` (e.g. ``UserModel(params={...})``),
    a dict ``{block_name: array}`` whose arrays have a leading axis of length n_trajectories
    (the blocks not given are the model's own). The energies of the saved states are those
    of each trajectory's own parameters. When the trajectories differ from the model only in
    blocks its batched kernel takes per row (``model.batch_row_blocks``; ``("I",)`` for
    :class:`~dynamics.models.hopfield.ContinuousHopfield`), the block is still evaluated by
    the batched kernel (one matrix-matrix product per stage), with the guarantees of an
    ensemble without ``params``. Otherwise the vector field is evaluated trajectory by
    trajectory with the model's one-state kernel ``rhs``, and trajectory k then equals the
    ensemble of that one trajectory bitwise.

    Each trajectory's result does not depend on the BLAS thread count nor on ``threads`` nor
    on the executor; with a batched kernel it may depend on the other trajectories of its
    chunk at the level of rounding only (see docs/integrators.md, "Guarantees").
    """
    model, t0, t1, tab, dt, rtol, atol_arr, h_max, max_steps, eq_tol = _common(
        model, t_span, method, dt, rtol, atol, max_step, max_steps, eq_tol, controller
    )
    n = model.n_states
    Y = _v.float_array(Y0, "Y0")
    if Y.ndim != 2 or Y.shape[1] != n or Y.shape[0] == 0:
        raise ValueError(f"Y0: expected shape (n_trajectories, {n}), got {Y.shape}")
    if not np.all(np.isfinite(Y)):
        raise ValueError("Y0: expected finite values (found NaN or inf)")
    if t_eval is None:
        n_eval = _v.integer(n_eval, "n_eval", minimum=2)
        t_eval_arr = np.linspace(t0, t1, n_eval)
    else:
        t_eval_arr = _t_eval(t_eval, t0, t1)
    energy_tol = _positive(energy_tol, "energy_tol")
    _v.flag(stop_at_equilibrium, "stop_at_equilibrium")
    _v.flag(progress, "progress", allow_none=True)
    n_threads = cpu_share() if threads is None else _positive_int(threads, "threads")
    m = Y.shape[0]
    P_all = None if params is None else _per_trajectory_params(model, params, m)
    per_row = P_all is not None
    # trajectories that differ only where the batched kernel takes values per row keep it
    R_all = _batched_row_values(model, P_all) if per_row else None
    batch = m if batch_size is None else _positive_int(batch_size, "batch_size")
    has_energy = model.energy_kernel is not None
    use_batch = model.rhs_batch_kernel is not None and (not per_row or R_all is not None)
    no_rows = np.empty((0, 0))
    row_offset = 0
    if R_all is not None:
        chunk_p, row_offset = model.ensemble_params_per_row(CHUNK_ROWS)
        make_work = chunk_p.copy
    else:
        def make_work() -> np.ndarray:
            return model.ensemble_params(CHUNK_ROWS)
    engine = ensemble_engine()

    budget = _budget(max_output_bytes)
    need = m * t_eval_arr.size * 8 * (n + 1)
    if need > budget:
        raise ValueError(
            f"t_eval: {m} trajectories x {t_eval_arr.size} output times x {n} states need "
            f"{need:.4g} bytes, above max_output_bytes={budget:.4g}; give fewer times "
            "(t_eval / n_eval), split Y0, or raise max_output_bytes"
        )
    blocks = [slice(i, min(i + batch, m)) for i in range(0, m, batch)]
    show = progress if progress is not None else (len(blocks) > 1 and sys.stderr.isatty())
    iterator: Any = blocks
    if show:
        from tqdm.auto import tqdm

        iterator = tqdm(blocks, desc="ensemble", unit="block")
    method_args = _method_arguments(tab, dt, h_max, rtol, atol_arr, controller)

    def run_all(inline_energy: bool) -> tuple:
        handles = (
            kernel_handle(model.rhs_kernel, RHS_SIGNATURE),
            kernel_handle(model.rhs_batch_kernel if use_batch else no_batch,
                          RHS_BATCH_SIGNATURE),
            use_batch,
            kernel_handle(model.energy_kernel if inline_energy else no_energy,
                          ENERGY_SIGNATURE),
            inline_energy,
        )

        def run_chunk(rows: slice, p_work: np.ndarray) -> tuple:
            # on a worker thread: its own kernel-error trap and single-threaded BLAS
            P = R = no_rows
            if per_row:  # every trajectory its own parameters and work area
                P = np.stack([_trajectory_kernel_params(model, row) for row in P_all[rows]])
            if R_all is not None:
                R = R_all[rows]
            trap = KernelErrorTrap()
            with trap, blas_threads(1):
                out = engine(
                    *handles, p_work, np.ascontiguousarray(Y[rows]), t0, t1, *method_args,
                    t_eval_arr, max_steps, bool(stop_at_equilibrium), eq_tol, trap.flag,
                    P, per_row, R, row_offset,
                )
            return out, [trap.error] * (rows.stop - rows.start)

        parts = []
        errors: list[str | None] = []
        with ChunkRunner(n_threads, make_work) as runner:
            for blk in iterator:
                for out, errs in runner.map(run_chunk, chunks_of(blk.start, blk.stop)):
                    parts.append(out)
                    errors.extend(errs)
        return (*(np.concatenate([p[k] for p in parts]) for k in range(9)), errors)

    # with a batched energy kernel the energies of all saved states are one pass after the
    # run (one matrix-matrix product for dense weights); should the energy raise, the run is
    # repeated with the energy evaluated state by state inside the engine, which reports the
    # failing trajectory and state
    # (with per-trajectory parameters the energies are evaluated in the engine, each with
    # its trajectory's parameters)
    energy_after = has_energy and model.energy_batch_kernel is not None and not per_row
    ys, es, status, reason, t_final, nfev, nsteps, nacc, nrej, errors = run_all(
        has_energy and not energy_after
    )
    if energy_after:
        es = _ensemble_energies(model, ys)
        if es is None:
            iterator = blocks
            ys, es, status, reason, t_final, nfev, nsteps, nacc, nrej, errors = run_all(True)
    messages = [
        status_message(status[k], reason[k], float(t_final[k]), max_steps=max_steps,
                       eq_tol=eq_tol, error=errors[k], budget=budget)
        for k in range(m)
    ]
    energy_nan = None
    if has_energy:
        # NaN energy at a state that is finite (not a time the trajectory never reached)
        energy_nan = np.any(np.isnan(es) & np.all(np.isfinite(ys), axis=2), axis=1)
        unexplained = energy_nan & (reason != int(Reason.ENERGY_ERROR))
        if unexplained.any():
            warnings.warn(
                f"the energy kernel of {model.name!r} returned NaN at a finite state in "
                f"{int(unexplained.sum())} trajectories; see EnsembleSolution.energy_nan",
                RuntimeWarning,
                stacklevel=2,
            )
    increases = None
    if has_energy:
        increases = np.array([energy_increase(row, energy_tol)[0] for row in es])
    return EnsembleSolution(
        t=t_eval_arr,
        y=np.ascontiguousarray(np.transpose(ys, (0, 2, 1))),
        energy=es if has_energy else None,
        status=status.astype(int),
        t_final=t_final,
        nfev=nfev,
        nsteps=nsteps,
        naccepted=nacc,
        nrejected=nrej,
        method=tab.name,
        messages=messages,
        energy_increases=increases,
        energy_nan=energy_nan,
    )
