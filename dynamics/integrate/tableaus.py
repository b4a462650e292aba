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

**General continuous extensions as data.** The engines evaluate the nested form with any
number ``M`` of rows (``r_1 .. r_M``; the factors alternate theta, 1-theta, theta, ...):

    y(t_n + theta h) = r1 + theta (r2 + (1-theta) (r3 + theta (r4 + (1-theta) (r5 + ...))))

A method gives its extension as coefficient rows over its stages, :attr:`Tableau.D` (shape
``(k, S)``): with the Hermite start (``hermite``, every method without ``P``) ``r1..r4`` are
the Hermite terms above and ``r5..r_{4+k} = h D K``; with a power-form ``P`` (tsit5)
``r2..r5 = h D K`` (``D = Q``). ``S`` counts the method's ``s`` stages plus *extra stages*:
rows of ``A`` (and entries of ``c``) beyond ``len(b)`` are stages evaluated only on steps where
an interpolation is needed (an output time inside the step, an event, dense output), after the
step is accepted. DOP853 uses three of them and eight rows (``r5..r8``), exactly as
``CONTD8`` of Hairer's DOP853 code. For a method without its own rows ``D`` is the one row
``d`` of the correction above (zero for cubic Hermite), so every method runs through the same
compiled helpers (``dynamics.integrate.dense``).

**Step-size control as data.** ``factor_min``, ``factor_max`` (Hairer's fac1, fac2: bounds of
h_new / h_old per step), ``safety`` and ``beta`` (the PI coefficient used by
``controller="pi"``) belong to the tableau; ``e3`` is an optional second error estimate,
combined as in Hairer's DOP853 code (Hairer, Norsett & Wanner 1993, II.10):

    err = err5^2 / sqrt(err5^2 + 0.01 err3^2),

``err5``, ``err3`` the scaled RMS norms of ``h sum e_i k_i`` and ``h sum e3_i k_i``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Tableau", "TABLEAUS", "EULER", "RK4", "DOPRI5", "BS32", "TSIT5", "DOP853"]


@dataclass(frozen=True)
class Tableau:
    """An explicit Runge-Kutta method.

    ``order`` is the order of the propagated solution; ``error_exponent`` the exponent
    1/(q+1) of the step-size controller, q the lower of the two embedded orders (it also sets
    the initial-step guess, ``(0.01 / ||f'||) ** error_exponent``).
    ``fsal``: the last stage is f(t_{n+1}, y_{n+1}) (first same as last).
    ``A`` (``S x S``) and ``c`` (``S``) may hold ``S - s`` extra stages after the ``s = len(b)``
    stages of the step, used only by the continuous extension (see the module docstring).
    ``P``: optional interpolant in power form; ``dense_rows``: optional extra rows
    ``r5, r6, ...`` of the nested form over the ``S`` stages; ``dense_order`` the order of the
    continuous extension. ``e3``: optional second error estimate (DOP853's 3rd-order one).
    ``factor_min``, ``factor_max``, ``safety``, ``beta``: the step-size controller's constants.
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
    dense_rows: np.ndarray | None = None
    e3: np.ndarray | None = None
    factor_min: float = 0.2
    factor_max: float = 10.0
    safety: float = 0.9
    beta: float = 0.04
    Q: np.ndarray = field(init=False, repr=False, compare=False)
    D: np.ndarray = field(init=False, repr=False, compare=False)
    E3: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        s = self.n_stages
        A, b, c, e = self.A, self.b, self.c, self.e
        S = A.shape[0] if A.ndim == 2 else -1
        tol = 1e-12
        problems = []
        if (
            S < s or A.shape != (S, S) or c.shape != (S,) or e.shape != (s,)
            or self.d.shape != (s,)
        ):
            problems.append(
                "A must be (S, S) and c of length S >= s = len(b) (s stages, then the extra "
                "stages of the continuous extension); e and d of length s"
            )
        elif np.any(np.triu(A) != 0.0):
            problems.append("A must be strictly lower triangular (an explicit method)")
        elif np.max(np.abs(A.sum(axis=1) - c)) > tol:
            problems.append("the rows of A must sum to c")
        if abs(b.sum() - 1.0) > tol:
            problems.append("the weights b must sum to 1")
        if self.adaptive and (abs(e.sum()) > tol or not np.any(e != 0.0)):
            problems.append("an adaptive method needs error weights e != 0 summing to 0")
        E3 = np.zeros(s)
        if self.e3 is not None:
            E3 = np.ascontiguousarray(self.e3, dtype=np.float64)
            if E3.shape != (s,) or abs(E3.sum()) > tol:
                problems.append("the second error weights e3 must have length s and sum to 0")
        if self.fsal and not (
            S >= s and c[s - 1] == 1.0 and np.max(np.abs(A[s - 1, :s] - b)) <= tol
        ):
            problems.append("fsal needs a last stage at c = 1 with A[-1] = b")
        if not (0.0 < self.factor_min < 1.0 < self.factor_max and 0.0 < self.safety <= 1.0):
            problems.append("expected 0 < factor_min < 1 < factor_max and 0 < safety <= 1")
        Q = np.zeros((4, s))
        D = np.zeros((1, max(S, s)))
        D[0, :s] = self.d
        if self.P is not None and self.dense_rows is not None:
            problems.append("give the interpolant as P or as dense_rows, not both")
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
                D = np.zeros((4, max(S, s)))
                D[:, :s] = Q
        if self.dense_rows is not None:
            R = np.asarray(self.dense_rows, dtype=np.float64)
            if R.ndim != 2 or R.shape[1] != S or R.shape[0] == 0:
                problems.append(f"dense_rows must have shape (k, {S}) (one column per stage)")
            else:
                D = R
        object.__setattr__(self, "Q", Q)
        object.__setattr__(self, "D", np.ascontiguousarray(D))
        object.__setattr__(self, "E3", E3)
        if not problems:
            bad = self._quadrature_defect()
            if bad > 1e-9:
                problems.append(
                    f"the continuous extension is not of order {self.dense_order} on "
                    f"quadrature problems (defect {bad:.2e}): check P / d / dense_rows"
                )
        if problems:
            raise ValueError(f"Tableau {self.name!r}: " + "; ".join(problems))

    @property
    def n_stages(self) -> int:
        return int(self.b.shape[0])

    @property
    def n_extra_stages(self) -> int:
        """Stages evaluated only for the continuous extension (DOP853: 3)."""
        return int(self.A.shape[0]) - self.n_stages

    @property
    def has_interpolant(self) -> bool:
        """Whether the method brings its own interpolant (``P``) instead of Hermite + d."""
        return self.P is not None

    @property
    def hermite(self) -> bool:
        """Whether the continuous extension starts with the cubic Hermite terms r1..r4."""
        return self.P is None

    @property
    def n_dense_rows(self) -> int:
        """M, the number of rows r1..r_M of the nested form (5 for dopri5, 8 for dop853)."""
        return int(self.D.shape[0]) + (4 if self.hermite else 1)

    def dense_weights(self, theta: float) -> np.ndarray:
        """The continuous extension as weights over the stages: ``y(t_n + theta h) = y_n +
        h sum_i w_i k_i``, ``w`` of length S (plus one entry for ``f_{n+1}`` when it is not a
        stage, i.e. without FSAL)."""
        s, S = self.n_stages, self.A.shape[0]
        width = S if self.fsal else S + 1
        last = s - 1 if self.fsal else S  # where f_{n+1} sits
        unit = np.zeros(width)
        unit[0] = 1.0
        f_new = np.zeros(width)
        f_new[last] = 1.0
        bw = np.zeros(width)
        bw[:s] = self.b
        rows = []  # r2..r_M as weights (r1 = y_n is the offset)
        if self.hermite:
            r2 = bw
            r3 = unit - r2
            rows = [r2, r3, r2 - f_new - r3]
        for row in self.D:
            w = np.zeros(width)
            w[: row.shape[0]] = row
            rows.append(w)
        out = np.zeros(width)
        for k in range(len(rows), 0, -1):  # r_{k+1} is multiplied by theta (k odd) or 1-theta
            fac = theta if k % 2 == 1 else 1.0 - theta
            out = fac * (rows[k - 1] + out)
        return out

    def _quadrature_defect(self) -> float:
        """Largest error of the continuous extension on y' = q t^(q-1) (q <= its order),
        at a few theta: sum_i w_i(theta) c_i^(q-1) q - theta^q."""
        q_max = max(1, min(self.order, self.dense_order))
        nodes = np.asarray(self.c, dtype=np.float64)
        if not self.fsal:
            nodes = np.append(nodes, 1.0)
        worst = 0.0
        for theta in (0.3, 0.5, 0.8, 1.0):
            w = self.dense_weights(theta)
            for q in range(1, q_max + 1):
                defect = q * np.dot(w, nodes ** (q - 1)) - theta**q
                worst = max(worst, abs(defect))
        return worst


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
    dense_order=4,
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


# Dormand & Prince (1980) 8(5,3) with Hairer's 7th-order dense output: the coefficients of
# Hairer's DOP853 code (Hairer, Norsett & Wanner 1993, II.5 and II.10; the code's
# published constants). Twelve stages; stage 13 is f(t_{n+1}, y_{n+1}) (FSAL: A[12] = b);
# stages 14-16 are the extra stages of the dense output. Rows of A as {column: value}.
_DOP853_A = {
    1: {0: 5.26001519587677318785587544488e-2},
    2: {0: 1.97250569845378994544595329183e-2, 1: 5.91751709536136983633785987549e-2},
    3: {0: 2.95875854768068491816892993775e-2, 2: 8.87627564304205475450678981324e-2},
    4: {0: 2.41365134159266685502369798665e-1, 2: -8.84549479328286085344864962717e-1,
        3: 9.24834003261792003115737966543e-1},
    5: {0: 3.7037037037037037037037037037e-2, 3: 1.70828608729473871279604482173e-1,
        4: 1.25467687566822425016691814123e-1},
    6: {0: 3.7109375e-2, 3: 1.70252211019544039314978060272e-1,
        4: 6.02165389804559606850219397283e-2, 5: -1.7578125e-2},
    7: {0: 3.70920001185047927108779319836e-2, 3: 1.70383925712239993810214054705e-1,
        4: 1.07262030446373284651809199168e-1, 5: -1.53194377486244017527936158236e-2,
        6: 8.27378916381402288758473766002e-3},
    8: {0: 6.24110958716075717114429577812e-1, 3: -3.36089262944694129406857109825,
        4: -8.68219346841726006818189891453e-1, 5: 2.75920996994467083049415600797e1,
        6: 2.01540675504778934086186788979e1, 7: -4.34898841810699588477366255144e1},
    9: {0: 4.77662536438264365890433908527e-1, 3: -2.48811461997166764192642586468,
        4: -5.90290826836842996371446475743e-1, 5: 2.12300514481811942347288949897e1,
        6: 1.52792336328824235832596922938e1, 7: -3.32882109689848629194453265587e1,
        8: -2.03312017085086261358222928593e-2},
    10: {0: -9.3714243008598732571704021658e-1, 3: 5.18637242884406370830023853209,
         4: 1.09143734899672957818500254654, 5: -8.14978701074692612513997267357,
         6: -1.85200656599969598641566180701e1, 7: 2.27394870993505042818970056734e1,
         8: 2.49360555267965238987089396762, 9: -3.0467644718982195003823669022},
    11: {0: 2.27331014751653820792359768449, 3: -1.05344954667372501984066689879e1,
         4: -2.00087205822486249909675718444, 5: -1.79589318631187989172765950534e1,
         6: 2.79488845294199600508499808837e1, 7: -2.85899827713502369474065508674,
         8: -8.87285693353062954433549289258, 9: 1.23605671757943030647266201528e1,
         10: 6.43392746015763530355970484046e-1},
    12: {0: 5.42937341165687622380535766363e-2, 5: 4.45031289275240888144113950566,
         6: 1.89151789931450038304281599044, 7: -5.8012039600105847814672114227,
         8: 3.1116436695781989440891606237e-1, 9: -1.52160949662516078556178806805e-1,
         10: 2.01365400804030348374776537501e-1, 11: 4.47106157277725905176885569043e-2},
    13: {0: 5.61675022830479523392909219681e-2, 6: 2.53500210216624811088794765333e-1,
         7: -2.46239037470802489917441475441e-1, 8: -1.24191423263816360469010140626e-1,
         9: 1.5329179827876569731206322685e-1, 10: 8.20105229563468988491666602057e-3,
         11: 7.56789766054569976138603589584e-3, 12: -8.298e-3},
    14: {0: 3.18346481635021405060768473261e-2, 5: 2.83009096723667755288322961402e-2,
         6: 5.35419883074385676223797384372e-2, 7: -5.49237485713909884646569340306e-2,
         10: -1.08347328697249322858509316994e-4, 11: 3.82571090835658412954920192323e-4,
         12: -3.40465008687404560802977114492e-4, 13: 1.41312443674632500278074618366e-1},
    15: {0: -4.28896301583791923408573538692e-1, 5: -4.69762141536116384314449447206,
         6: 7.68342119606259904184240953878, 7: 4.06898981839711007970213554331,
         8: 3.56727187455281109270669543021e-1, 12: -1.39902416515901462129418009734e-3,
         13: 2.9475147891527723389556272149, 14: -9.15095847217987001081870187138},
}
_DOP853_C = [
    0.0, 0.526001519587677318785587544488e-01, 0.789002279381515978178381316732e-01,
    0.118350341907227396726757197510, 0.281649658092772603273242802490,
    0.333333333333333333333333333333, 0.25, 0.307692307692307692307692307692,
    0.651282051282051282051282051282, 0.6, 0.857142857142857142857142857142, 1.0, 1.0,
    0.1, 0.2, 0.777777777777777777777777777778,
]
# the 5th-order error estimate (Hairer's ER1..ER12) ...
_DOP853_E5 = {0: 0.1312004499419488073250102996e-1, 5: -0.1225156446376204440720569753e+1,
              6: -0.4957589496572501915214079952, 7: 0.1664377182454986536961530415e+1,
              8: -0.3503288487499736816886487290, 9: 0.3341791187130174790297318841,
              10: 0.8192320648511571246570742613e-1, 11: -0.2235530786388629525884427845e-1}
# ... and the 3rd-order one: b minus Hairer's BHH1..BHH3 (on stages 1, 9, 12)
_DOP853_BHH = {0: 0.244094488188976377952755905512, 8: 0.733846688281611857341361741547,
               11: 0.220588235294117647058823529412e-1}
# rows r5..r8 of CONTD8 over the 16 stages (Hairer's D4j..D7j, before the factor h)
_DOP853_D = {
    0: {0: -0.84289382761090128651353491142e+1, 5: 0.56671495351937776962531783590,
        6: -0.30689499459498916912797304727e+1, 7: 0.23846676565120698287728149680e+1,
        8: 0.21170345824450282767155149946e+1, 9: -0.87139158377797299206789907490,
        10: 0.22404374302607882758541771650e+1, 11: 0.63157877876946881815570249290,
        12: -0.88990336451333310820698117400e-1, 13: 0.18148505520854727256656404962e+2,
        14: -0.91946323924783554000451984436e+1, 15: -0.44360363875948939664310572000e+1},
    1: {0: 0.10427508642579134603413151009e+2, 5: 0.24228349177525818288430175319e+3,
        6: 0.16520045171727028198505394887e+3, 7: -0.37454675472269020279518312152e+3,
        8: -0.22113666853125306036270938578e+2, 9: 0.77334326684722638389603898808e+1,
        10: -0.30674084731089398182061213626e+2, 11: -0.93321305264302278729567221706e+1,
        12: 0.15697238121770843886131091075e+2, 13: -0.31139403219565177677282850411e+2,
        14: -0.93529243588444783865713862664e+1, 15: 0.35816841486394083752465898540e+2},
    2: {0: 0.19985053242002433820987653617e+2, 5: -0.38703730874935176555105901742e+3,
        6: -0.18917813819516756882830838328e+3, 7: 0.52780815920542364900561016686e+3,
        8: -0.11573902539959630126141871134e+2, 9: 0.68812326946963000169666922661e+1,
        10: -0.10006050966910838403183860980e+1, 11: 0.77771377980534432092869265740,
        12: -0.27782057523535084065932004339e+1, 13: -0.60196695231264120758267380846e+2,
        14: 0.84320405506677161018159903784e+2, 15: 0.11992291136182789328035130030e+2},
    3: {0: -0.25693933462703749003312586129e+2, 5: -0.15418974869023643374053993627e+3,
        6: -0.23152937917604549567536039109e+3, 7: 0.35763911791061412378285349910e+3,
        8: 0.93405324183624310003907691704e+2, 9: -0.37458323136451633156875139351e+2,
        10: 0.10409964950896230045147246184e+3, 11: 0.29840293426660503123344363579e+2,
        12: -0.43533456590011143754432175058e+2, 13: 0.96324553959188282948394950600e+2,
        14: -0.39177261675615439165231486172e+2, 15: -0.14972683625798562581422125276e+3},
}


def _sparse(rows: dict, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape)
    if out.ndim == 1:
        for j, v in rows.items():
            out[j] = v
        return out
    for i, row in rows.items():
        for j, v in row.items():
            out[i, j] = v
    return np.ascontiguousarray(out)


_DOP853_AM = _sparse(_DOP853_A, (16, 16))
_DOP853_B = np.ascontiguousarray(_DOP853_AM[12, :13])
DOP853 = Tableau(
    name="dop853",
    A=_DOP853_AM,
    b=_DOP853_B,
    c=_arr(_DOP853_C),
    e=_sparse(_DOP853_E5, (13,)),
    d=np.zeros(13),
    order=8,
    adaptive=True,
    fsal=True,
    error_exponent=1 / 8,
    dense_order=7,
    dense_rows=_sparse(_DOP853_D, (4, 16)),
    e3=_DOP853_B - _sparse(_DOP853_BHH, (13,)),
    # Hairer's DOP853 defaults: 0.333 <= h_new / h_old <= 6, beta = 0 (no PI term)
    factor_min=0.333,
    factor_max=6.0,
    beta=0.0,
)

TABLEAUS: dict[str, Tableau] = {
    t.name: t for t in (EULER, RK4, DOPRI5, BS32, TSIT5, DOP853)
}
