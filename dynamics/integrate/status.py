"""Outcome codes of a solve: :class:`Status` (what ``Solution.status`` holds) and
:class:`Reason` (why a run failed), each carrying its message.

The compiled engines return the integer values; :func:`status_message` turns the pair into
the one sentence ``Solution.message`` shows, for the single and the ensemble engine alike.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Status", "Reason", "status_message"]


class Status(IntEnum):
    """How a run ended (``Solution.status``; same codes as scipy's ``solve_ivp`` plus 2)."""

    FAILED = -1
    SUCCESS = 0
    EQUILIBRIUM = 1
    TERMINAL_EVENT = 2


class Reason(IntEnum):
    """Why a run failed (status -1)."""

    NONE = 0
    NONFINITE = 1
    MAX_STEPS = 2
    STEP_UNDERFLOW = 3
    INITIAL_STEP = 4
    RHS_ERROR = 5
    ENERGY_ERROR = 6
    EVENT_ERROR = 7
    OUTPUT_FULL = 8

    @property
    def kernel(self) -> str | None:
        """The kernel whose exception ended the run, if any."""
        return {5: "rhs", 6: "energy", 7: "event"}.get(int(self))


_KEPT = "the trajectory is returned up to the last accepted step"


def status_message(
    status: int,
    reason: int,
    t: float,
    *,
    max_steps: int = 0,
    eq_tol: float = 0.0,
    error: str | None = None,
    budget: float = 0.0,
) -> str:
    """The message of a run that ended with ``status`` (and ``reason`` if it failed) at ``t``.

    ``error`` is the text of the exception a kernel raised (``"ValueError: ..."``);
    ``budget`` the output budget in bytes.
    """
    status = Status(int(status))
    if status == Status.SUCCESS:
        return "the solver reached the end of the interval"
    if status == Status.EQUILIBRIUM:
        return f"equilibrium reached at t={t:.6g} (max |dx/dt| < eq_tol={eq_tol:g})"
    if status == Status.TERMINAL_EVENT:
        return f"a terminal event stopped the run at t={t:.6g}"
    why = Reason(int(reason))
    if why.kernel is not None:
        return (
            f"the {why.kernel} kernel raised {error or 'an exception'} near t={t:.6g}; "
            f"{_KEPT}"
        )
    if why == Reason.NONFINITE:
        return (
            f"the state became non-finite at t={t:.6g}; the trajectory is returned up to the "
            "last finite state"
        )
    if why == Reason.MAX_STEPS:
        return f"max_steps={max_steps} steps taken before t_end (stopped at t={t:.6g})"
    if why == Reason.STEP_UNDERFLOW:
        return (
            f"step size underflow at t={t:.6g}: the step fell below 10 ulp of t (the solution "
            "may blow up, or the problem is too stiff for an explicit method)"
        )
    if why == Reason.INITIAL_STEP:
        return (
            f"no initial step size could be chosen at t={t:.6g}: |f(t0, y0)| / (atol + rtol |y0|)"
            " overflows (a vector field near the float range, or atol too small); rescale the "
            "model, raise atol or pass dt"
        )
    if why == Reason.OUTPUT_FULL:
        return (
            f"the output reached max_output_bytes={budget:.4g} at t={t:.6g}; what was saved is "
            "returned; store less with save_every=k or t_eval=..., or raise max_output_bytes"
        )
    return f"failed at t={t:.6g}"
