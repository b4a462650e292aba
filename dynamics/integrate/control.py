"""The step-size controller shared by every adaptive engine (single, ensemble, delay).

Hairer's PI controller (Hairer, Norsett & Wanner 1993, II.4; Gustafsson 1991), as in the codes
DOPRI5 and DOP853: with ``err`` the scaled error norm of the step just tried,

    fac11 = err^expo,   fac = fac11 / facold^beta,   clipped to [1/factor_max, 1/factor_min]
    after division by ``safety``;

the step is accepted when ``err <= 1``, and the next one is ``h / fac`` (not larger than the
accepted step right after a rejection); a rejected step is retried with
``h / min(1/factor_min, fac11/safety)``, and a step whose error is not finite with ``h / 4``.
``facold = max(err, 1e-4)`` carries the last accepted error (the integral part). ``beta = 0``
gives the classic (integral) controller.
"""

from __future__ import annotations

import math

import numba as nb

__all__ = ["propose_step", "FACOLD_START"]

#: ``facold`` before the first accepted step (Hairer's codes)
FACOLD_START = 1e-4


@nb.njit(cache=True, error_model="numpy", nogil=True)
def propose_step(err, h_step, facold, expo, beta, safety, factor_min, factor_max, last_rejected):
    """Decide on a tried step of size ``h_step`` with error norm ``err``.

    Returns ``(accepted, h_next, facold)``: whether the step is accepted, the size of the next
    step to try, and the updated memory of the controller.
    """
    if not math.isfinite(err):
        return False, 0.25 * h_step, facold
    fac11 = err**expo
    fac = fac11 / facold**beta
    fac = max(1.0 / factor_max, min(1.0 / factor_min, fac / safety))
    if err > 1.0:
        return False, h_step / min(1.0 / factor_min, fac11 / safety), facold
    h_next = h_step / fac
    if last_rejected:
        h_next = min(h_next, h_step)
    return True, h_next, max(err, FACOLD_START)
