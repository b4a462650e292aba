"""Explicit Runge-Kutta methods as data (Butcher tableaux) run by one engine.

Every method is a :class:`Tableau`: stage matrix ``A``, weights ``b``, nodes ``c``, and for
adaptive methods the error weights ``e = b - b_hat`` of the embedded lower-order solution.
The continuous extension of every method is the cubic Hermite interpolant through
``(y_n, f_n)`` and ``(y_{n+1}, f_{n+1})`` plus a method-specific correction
``theta^2 (1 - theta)^2 h sum_i d_i k_i`` (Hairer, Norsett & Wanner 1993, II.6):

    y(t_n + theta h) = r1 + theta (r2 + (1-theta) (r3 + theta (r4 + (1-theta) r5)))
    r1 = y_n, r2 = y_{n+1} - y_n, r3 = h f_n - r2, r4 = r2 - h f_{n+1} - r3,
    r5 = h sum_i d_i k_i.

``d = 0`` gives the cubic Hermite interpolant (used for euler, rk4 and bs32); for
Dormand-Prince the ``d_i`` are the coefficients of the 4th-order dense output of Hairer's
DOPRI5 code.

A method with its own interpolant of degree <= 4 gives it in scipy's power form ``P``
(shape ``(s, 4)``): ``y(t_n + theta h) = y_n + h sum_i k_i sum_j P[i, j] theta^(j+1)``. It is
converted once into the same five coefficients (:attr:`Tableau.Q`: ``r2..r5 = h Q k``), since
``1, theta, theta (1-theta), theta^2 (1-theta), theta^2 (1-theta)^2`` span the polynomials of
degree <= 4; tsit5's free 4th-order interpolant is given this way.

Every tableau checks itself when built: ``A`` strictly lower triangular, its rows summing to
``c``, ``sum b = 1``, error weights summing to 0, ``fsal`` only when the last stage is the new
solution, and an interpolant that ends at ``y_{n+1}`` (``sum_j P[i, j] = b_i``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Tableau", "TABLEAUS", "EULER", "RK4", "DOPRI5", "BS32", "TSIT5"]


@dataclass(frozen=True)
class Tableau:
    """An explicit Runge-Kutta method.

    ``order`` is the order of the propagated solution; ``error_exponent`` the exponent
    1/(q+1) of the step-size controller, q the lower of the two embedded orders.
    ``fsal``: the last stage is f(t_{n+1}, y_{n+1}) (first same as last).
    ``P``: optional interpolant in power form (see the module docstring); ``dense_order`` the
    order of the continuous extension.
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
    P: np.ndarray | None = None
    dense_order: int = 3
    Q: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        s = self.n_stages
        A, b, c, e = self.A, self.b, self.c, self.e
        tol = 1e-12
        problems = []
        if A.shape != (s, s) or c.shape != (s,) or e.shape != (s,) or self.d.shape != (s,):
            problems.append("A must be (s, s) and c, e, d of length s = len(b)")
        elif np.any(np.triu(A) != 0.0):
            problems.append("A must be strictly lower triangular (an explicit method)")
        elif np.max(np.abs(A.sum(axis=1) - c)) > tol:
            problems.append("the rows of A must sum to c")
        if abs(b.sum() - 1.0) > tol:
            problems.append("the weights b must sum to 1")
        if self.adaptive and (abs(e.sum()) > tol or not np.any(e != 0.0)):
            problems.append("an adaptive method needs error weights e != 0 summing to 0")
        if self.fsal and not (c[-1] == 1.0 and np.max(np.abs(A[-1] - b)) <= tol):
            problems.append("fsal needs a last stage at c = 1 with A[-1] = b")
        Q = np.zeros((4, s))
        if self.P is not None:
            Pm = np.asarray(self.P, dtype=np.float64)
            if Pm.shape != (s, 4):
                problems.append(f"P must have shape ({s}, 4)")
            elif np.max(np.abs(Pm.sum(axis=1) - b)) > 1e-10:
                problems.append("the interpolant must end at the new solution (sum_j P = b)")
            else:
                # power form -> basis theta, theta(1-theta), theta^2(1-theta), theta^2(1-theta)^2
                c1, c2, c3, c4 = Pm.T
                a4 = c4
                a3 = -c3 - 2.0 * c4
                a2 = a3 + a4 - c2
                a1 = c1 - a2
                Q = np.ascontiguousarray(np.stack([a1, a2, a3, a4]))
        if problems:
            raise ValueError(f"Tableau {self.name!r}: " + "; ".join(problems))
        object.__setattr__(self, "Q", Q)

    @property
    def n_stages(self) -> int:
        return int(self.b.shape[0])

    @property
    def has_interpolant(self) -> bool:
        """Whether the method brings its own interpolant (``P``) instead of Hermite + d."""
        return self.P is not None


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

# Bogacki & Shampine (1989), "A 3(2) pair of Runge-Kutta formulas", Appl. Math. Lett.
# 2:321-325: FSAL, 3rd order with an embedded 2nd-order solution; cubic Hermite dense output.
_BS_B = [2 / 9, 1 / 3, 4 / 9, 0.0]
_BS_B_HAT = [7 / 24, 1 / 4, 1 / 3, 1 / 8]
BS32 = Tableau(
    name="bs32",
    A=_arr([[0, 0, 0, 0], [1 / 2, 0, 0, 0], [0, 3 / 4, 0, 0], _BS_B]),
    b=_arr(_BS_B),
    c=_arr([0.0, 1 / 2, 3 / 4, 1.0]),
    e=_arr([bb - bh for bb, bh in zip(_BS_B, _BS_B_HAT, strict=True)]),
    d=_arr([0.0, 0.0, 0.0, 0.0]),
    order=3,
    adaptive=True,
    fsal=True,
    error_exponent=1 / 3,
    dense_order=3,
)

# Tsitouras (2011), "Runge-Kutta pairs of order 5(4) satisfying only the first column
# simplifying assumption", Comput. Math. Appl. 62:770-775: FSAL, 5(4), with the free 4th-order
# interpolant of the paper (its b_i(theta) polynomials expanded into power form below).
_TS_B = [0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742,
         -3.290069515436081, 2.324710524099774, 0.0]
_TS_E = [-0.00178001105222577714, -0.0008164344596567469, 0.007880878010261995,
         -0.1447110071732629, 0.5823571654525552, -0.45808210592918697, 1 / 66]


def _tsit5_power_form() -> np.ndarray:
    """The paper's interpolation weights b_i(theta) as coefficients of theta^1..theta^4."""
    from numpy.polynomial import polynomial as poly

    def mul(*factors):
        out = np.array([1.0])
        for f in factors:
            out = poly.polymul(out, f)
        return out

    t2 = [0.0, 0.0, 1.0]
    rows = [
        mul([-1.0530884977290216], [0.0, 1.0], [-1.3299890189751412, 1.0],
            [0.7139816917074209, -1.4364028541716351, 1.0]),
        mul([0.1017], t2, [1.2949852507374631, -2.1966568338249754, 1.0]),
        mul([2.490627285651252793], t2, [1.57803468208092486, -2.38535645472061657, 1.0]),
        mul([-16.54810288924490272], t2, [-1.21712927295533244, 1.0],
            [-0.61620406037800089, 1.0]),
        mul([47.37952196281928122], t2, [-1.203071208372362603, 1.0],
            [-0.658047292653547382, 1.0]),
        mul([-34.87065786149660974], t2, [-1.2, 1.0], [-2 / 3, 1.0]),
        mul([2.5], t2, [-1.0, 1.0], [-0.6, 1.0]),
    ]
    out = np.zeros((7, 4))
    for i, r in enumerate(rows):
        out[i, : len(r) - 1] = r[1:5]
    return out


TSIT5 = Tableau(
    name="tsit5",
    A=_arr(
        [
            [0, 0, 0, 0, 0, 0, 0],
            [0.161, 0, 0, 0, 0, 0, 0],
            [-0.008480655492356989, 0.335480655492357, 0, 0, 0, 0, 0],
            [2.897153057105493, -6.359448489975075, 4.3622954328695815, 0, 0, 0, 0],
            [5.325864828439257, -11.748883564062828, 7.4955393428898365,
             -0.09249506636175525, 0, 0, 0],
            [5.86145544294642, -12.92096931784711, 8.159367898576159, -0.071584973281401,
             -0.028269050394068383, 0, 0],
            _TS_B,
        ]
    ),
    b=_arr(_TS_B),
    c=_arr([0.0, 0.161, 0.327, 0.9, 0.9800255409045097, 1.0, 1.0]),
    e=_arr(_TS_E),
    d=_arr([0.0] * 7),
    order=5,
    adaptive=True,
    fsal=True,
    error_exponent=0.2,
    P=_tsit5_power_form(),
    dense_order=4,
)

TABLEAUS: dict[str, Tableau] = {t.name: t for t in (EULER, RK4, DOPRI5, BS32, TSIT5)}
