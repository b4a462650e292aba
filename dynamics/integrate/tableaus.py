"""Explicit Runge-Kutta methods as data (Butcher tableaux) run by one engine.

Every method is a :class:`Tableau`: stage matrix ``A``, weights ``b``, nodes ``c``, and for
adaptive methods the error weights ``e = b - b_hat`` of the embedded lower-order solution.
The continuous extension of every method is the cubic Hermite interpolant through
``(y_n, f_n)`` and ``(y_{n+1}, f_{n+1})`` plus a method-specific correction
``theta^2 (1 - theta)^2 h sum_i d_i k_i`` (Hairer, Norsett & Wanner 1993, II.6):

    y(t_n + theta h) = r1 + theta (r2 + (1-theta) (r3 + theta (r4 + (1-theta) r5)))
    r1 = y_n, r2 = y_{n+1} - y_n, r3 = h f_n - r2, r4 = r2 - h f_{n+1} - r3,
    r5 = h sum_i d_i k_i.

``d = 0`` gives the cubic Hermite interpolant (used for euler and rk4); for Dormand-Prince
the ``d_i`` are the coefficients of the 4th-order dense output of Hairer's DOPRI5 code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Tableau", "TABLEAUS", "EULER", "RK4", "DOPRI5"]


@dataclass(frozen=True)
class Tableau:
    """An explicit Runge-Kutta method.

    ``order`` is the order of the propagated solution; ``error_exponent`` the exponent
    1/(q+1) of the step-size controller, q the lower of the two embedded orders.
    ``fsal``: the last stage is f(t_{n+1}, y_{n+1}) (first same as last).
    """

    name: str
    A: np.ndarray
    b: np.ndarray
    c: np.ndarray
    e: np.ndarray
    d: np.ndarray
    order: int
    adaptive: bool
    fsal: bool
    error_exponent: float

    @property
    def n_stages(self) -> int:
        return int(self.b.shape[0])


def _arr(rows) -> np.ndarray:
    return np.ascontiguousarray(np.array(rows, dtype=np.float64))


EULER = Tableau(
    name="euler",
    A=_arr([[0.0]]),
    b=_arr([1.0]),
    c=_arr([0.0]),
    e=_arr([0.0]),
    d=_arr([0.0]),
    order=1,
    adaptive=False,
    fsal=False,
    error_exponent=0.5,
)

# The classical 4th-order Runge-Kutta method (Kutta 1901).
RK4 = Tableau(
    name="rk4",
    A=_arr(
        [
            [0.0, 0.0, 0.0, 0.0],
            [0.5, 0.0, 0.0, 0.0],
            [0.0, 0.5, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.0],
        ]
    ),
    b=_arr([1 / 6, 1 / 3, 1 / 3, 1 / 6]),
    c=_arr([0.0, 0.5, 0.5, 1.0]),
    e=_arr([0.0, 0.0, 0.0, 0.0]),
    d=_arr([0.0, 0.0, 0.0, 0.0]),
    order=4,
    adaptive=False,
    fsal=False,
    error_exponent=0.2,
)

# Dormand & Prince (1980), "A family of embedded Runge-Kutta formulae", J. Comp. Appl. Math.
# 6:19-26; coefficients as in Hairer, Norsett & Wanner (1993), Table II.5.2.
_DP_B = [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0]
_DP_B_HAT = [5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40]
DOPRI5 = Tableau(
    name="dopri5",
    A=_arr(
        [
            [0, 0, 0, 0, 0, 0, 0],
            [1 / 5, 0, 0, 0, 0, 0, 0],
            [3 / 40, 9 / 40, 0, 0, 0, 0, 0],
            [44 / 45, -56 / 15, 32 / 9, 0, 0, 0, 0],
            [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729, 0, 0, 0],
            [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656, 0, 0],
            _DP_B,
        ]
    ),
    b=_arr(_DP_B),
    c=_arr([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0]),
    e=_arr([bb - bh for bb, bh in zip(_DP_B, _DP_B_HAT, strict=True)]),
    # Dense output of DOPRI5 (Hairer & Wanner's code, subroutine DOPCOR).
    d=_arr(
        [
            -12715105075 / 11282082432,
            0.0,
            87487479700 / 32700410799,
            -10690763975 / 1880347072,
            701980252875 / 199316789632,
            -1453857185 / 822651844,
            69997945 / 29380423,
        ]
    ),
    order=5,
    adaptive=True,
    fsal=True,
    error_exponent=0.2,
)

TABLEAUS: dict[str, Tableau] = {t.name: t for t in (EULER, RK4, DOPRI5)}
