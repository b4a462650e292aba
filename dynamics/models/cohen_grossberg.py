"""Cohen-Grossberg networks (Cohen & Grossberg 1983).

The state equations are::

    dx_i/dt = a_i(x_i) [ b_i(x_i) - sum_k c_ik d_k(x_k) ]

with amplification functions ``a_i >= 0``, self-signal functions ``b_i``, a coupling matrix
``C`` and nondecreasing signal functions ``d_k``. For symmetric ``C`` the function
(Cohen & Grossberg 1983, eq. 4)::

    V(x) = - sum_i integral_0^{x_i} b_i(s) d_i'(s) ds + 1/2 sum_jk c_jk d_j(x_j) d_k(x_k)

is a Lyapunov function: dV/dt = - sum_i a_i d_i' [b_i - sum_k c_ik d_k]^2 <= 0.

The graded-response Hopfield network ``C_i du_i/dt = -u_i/R_i + sum_j T_ij g(u_j) + I_i``
(Hopfield 1984) is the special case ``a_i = 1/C_i``, ``b_i(x) = -x/R_i + I_i``, ``C = -T``,
``d = g``: :meth:`CohenGrossberg.from_hopfield`.

Built-in function families (``name``, parameters; every parameter may be a scalar or one value
per neuron, and a list of ``n`` specifications gives each neuron its own family):

=====  =====================  ===========================================  ====================
role   name                   function                                     parameters
=====  =====================  ===========================================  ====================
a      ``"constant"``         value                                        value = 1 (> 0)
a      ``"quadratic"``        value (1 + x^2)                              value = 1 (> 0)
a      ``"lorentzian"``       value / (1 + x^2)                            value = 1 (> 0)
a      ``"logistic"``         low + (high - low) / (1 + e^-x)              low = 0.5, high = 1.5
b      ``"linear"``           -decay x + input                             decay = 1, input = 0
b      ``"cubic"``            -decay x - cubic x^3 + input                 decay = 1, cubic = 1,
                                                                           input = 0
d      ``"tanh"``             tanh(gain x)                                 gain = 1 (> 0)
d      ``"logistic"``         1 / (1 + exp(-gain x))                       gain = 1 (> 0)
d      ``"piecewise_linear"`` clip(gain x, -1, 1)                          gain = 1 (> 0)
d      ``"relu"``             max(0, gain x)                               gain = 1 (> 0)
=====  =====================  ===========================================  ====================

A role may instead be a user function ``f(x: float) -> float`` compiled with ``numba.njit``
(applied to every neuron), or a pair ``(f, f_prime)`` with its derivative; without the
derivative it is taken by a compiled central difference (relative error ~1e-10). The user
must make ``a >= 0`` and ``d`` nondecreasing for the energy to be a Lyapunov function.

The energy integral has a closed form for linear ``b`` and every built-in ``d``::

    integral_0^x (-lambda s + I) d'(s) ds = I (d(x) - d(0)) - lambda (x d(x) - D(x)),
    D(x) = integral_0^x d(s) ds

(``D = ln cosh(g x)/g`` for tanh, ``(softplus(g x) - ln 2)/g`` for the logistic, ...). Any
other combination is integrated by composite 16-point Gauss-Legendre quadrature in compiled
code, on panels no wider than ``1/(2 gain)``, split at the kinks of piecewise-linear and ReLU
signals (so that piecewise-polynomial integrands are integrated exactly); the integrand of a
saturating ``d`` is cut off where ``gain |s| > 40`` (its weight ``d'`` is then below 1e-34).

The parameters are described by one :class:`~dynamics.models.layout.ParamLayout`,
``CohenGrossberg.layout`` (module constant ``LAYOUT``): the header ``n``, the energy
``offset``, the ``table`` (n, 9) with row ``[a code, a1, a2, b code, b1, b2, b3, d code,
d1]`` (code -1 = user function) and the coupling matrix ``C`` (n, n). The kernels never
write them: their scratch (``work_size = 2n`` floats: d(x) and C d(x)) and, in an ensemble,
the room for d(X) of every row (``rhs_batch_work = n``) are the work area the solvers append
to ``p`` (:meth:`~dynamics.models.base.Model.kernel_params`).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numba as nb
import numpy as np
from numba.core.registry import CPUDispatcher

from dynamics.activations import _softplus
from dynamics.models._work import scratch_of
from dynamics.models.base import (
    ENERGY_SIGNATURE,
    JACOBIAN_SIGNATURE,
    RHS_BATCH_SIGNATURE,
    RHS_SIGNATURE,
    Model,
)
from dynamics.models.hopfield import ContinuousHopfield, _as_matrix
from dynamics.models.layout import ParamLayout

__all__ = ["CohenGrossberg", "CG_FAMILIES"]

_WIDTH = 9
USER = -1

#: The blocks of ``CohenGrossberg.params`` (see the module docstring).
LAYOUT = ParamLayout(
    [("offset", ()), ("table", ("n", _WIDTH)), ("C", ("n", "n"))], dims=("n",)
)
_unpack = LAYOUT.unpacker(work=True)

# family name -> (code, parameter names, defaults, lower bounds (strict))
CG_FAMILIES: dict[str, dict[str, tuple[int, tuple[str, ...], tuple[float, ...]]]] = {
    "a": {
        "constant": (0, ("value",), (1.0,)),
        "quadratic": (1, ("value",), (1.0,)),
        "lorentzian": (2, ("value",), (1.0,)),
        "logistic": (3, ("low", "high"), (0.5, 1.5)),
    },
    "b": {
        "linear": (0, ("decay", "input"), (1.0, 0.0)),
        "cubic": (1, ("decay", "input", "cubic"), (1.0, 0.0, 1.0)),
    },
    "d": {
        "tanh": (0, ("gain",), (1.0,)),
        "logistic": (1, ("gain",), (1.0,)),
        "piecewise_linear": (2, ("gain",), (1.0,)),
        "relu": (3, ("gain",), (1.0,)),
    },
}
_COLUMNS = {"a": (0, 2), "b": (3, 3), "d": (7, 1)}  # first column (the code), n parameters

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(16)
_GL_NODES = np.ascontiguousarray(_GL_NODES)
_GL_WEIGHTS = np.ascontiguousarray(_GL_WEIGHTS)
_CUTOFF = 40.0
_MAX_PANELS = 400


# ----------------------------------------------------------------------------- built-ins
@nb.njit(cache=True, inline="always")
def _sigmoid(z: float) -> float:
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    ez = math.exp(z)
    return ez / (1.0 + ez)


@nb.njit(cache=True)
def builtin_a(code, q1, q2, x):
    """a(x) of the built-in amplification families."""
    if code == 0:
        return q1
    if code == 1:
        return q1 * (1.0 + x * x)
    if code == 2:
        return q1 / (1.0 + x * x)
    return q1 + (q2 - q1) * _sigmoid(x)


@nb.njit(cache=True)
def builtin_a_prime(code, q1, q2, x):
    """a'(x) of the built-in amplification families."""
    if code == 0:
        return 0.0
    if code == 1:
        return 2.0 * q1 * x
    if code == 2:
        den = 1.0 + x * x
        return -2.0 * q1 * x / (den * den)
    s = _sigmoid(x)
    return (q2 - q1) * s * (1.0 - s)


@nb.njit(cache=True)
def builtin_b(code, q1, q2, q3, x):
    """b(x) of the built-in self-signal families."""
    if code == 0:
        return -q1 * x + q2
    return -q1 * x - q3 * x * x * x + q2


@nb.njit(cache=True)
def builtin_b_prime(code, q1, q2, q3, x):
    """b'(x) of the built-in self-signal families."""
    if code == 0:
        return -q1
    return -q1 - 3.0 * q3 * x * x


@nb.njit(cache=True)
def builtin_d(code, g, x):
    """d(x) of the built-in signal families."""
    z = g * x
    if code == 0:
        em = math.expm1(-2.0 * abs(z))
        return math.copysign(-em / (2.0 + em), z)
    if code == 1:
        return _sigmoid(z)
    if code == 2:
        return min(1.0, max(-1.0, z))
    return max(0.0, z)


@nb.njit(cache=True)
def builtin_d_prime(code, g, x):
    """d'(x) of the built-in signal families."""
    z = g * x
    if code == 0:
        t = builtin_d(0, g, x)
        return g * (1.0 - t * t)
    if code == 1:
        s = _sigmoid(z)
        return g * s * (1.0 - s)
    if code == 2:
        return g if -1.0 < z < 1.0 else 0.0
    return g if z > 0.0 else 0.0


@nb.njit(cache=True)
def builtin_d_integral(code, g, x):
    """D(x) = integral_0^x d(s) ds of the built-in signal families (closed forms)."""
    z = g * x
    if code == 0:
        az = abs(z)
        return (az + math.log1p(math.exp(-2.0 * az)) - math.log(2.0)) / g
    if code == 1:
        return (_softplus(z) - math.log(2.0)) / g
    if code == 2:
        if abs(z) <= 1.0:
            return 0.5 * g * x * x
        return abs(x) - 0.5 / g
    return 0.5 * g * x * x if x > 0.0 else 0.0


@nb.njit(cache=True)
def _placeholder(x):  # pragma: no cover - never called (code -1 is absent)
    return 0.0


@nb.njit(cache=True, inline="always")
def _central_difference(f, x):
    h = 6.0e-6 * (1.0 + abs(x))
    return (f(x + h) - f(x - h)) / (2.0 * h)


# ----------------------------------------------------------------------------- kernels
def _make_kernels(a_user, a_user_prime, b_user, b_user_prime, d_user, d_user_prime, cache=True):
    """Compile the four kernels for the given user functions (placeholders for built-ins).

    ``*_user_prime`` is None when the derivative is to be taken by central differences.

    ``cache``: store the compiled kernels on disk. Off for user functions: every new set of
    closures would add entries to the on-disk cache that no later process can reuse.
    """
    a_diff = a_user_prime is None
    b_diff = b_user_prime is None
    d_diff = d_user_prime is None
    a_up = _placeholder if a_diff else a_user_prime
    b_up = _placeholder if b_diff else b_user_prime
    d_up = _placeholder if d_diff else d_user_prime

    @nb.njit(cache=cache, inline="always")
    def a_val(row, x):
        if row[0] < 0.0:
            return a_user(x)
        return builtin_a(int(row[0]), row[1], row[2], x)

    @nb.njit(cache=cache, inline="always")
    def a_der(row, x):
        if row[0] < 0.0:
            if a_diff:
                return _central_difference(a_user, x)
            return a_up(x)
        return builtin_a_prime(int(row[0]), row[1], row[2], x)

    @nb.njit(cache=cache, inline="always")
    def b_val(row, x):
        if row[3] < 0.0:
            return b_user(x)
        return builtin_b(int(row[3]), row[4], row[5], row[6], x)

    @nb.njit(cache=cache, inline="always")
    def b_der(row, x):
        if row[3] < 0.0:
            if b_diff:
                return _central_difference(b_user, x)
            return b_up(x)
        return builtin_b_prime(int(row[3]), row[4], row[5], row[6], x)

    @nb.njit(cache=cache, inline="always")
    def d_val(row, x):
        if row[7] < 0.0:
            return d_user(x)
        return builtin_d(int(row[7]), row[8], x)

    @nb.njit(cache=cache, inline="always")
    def d_der(row, x):
        if row[7] < 0.0:
            if d_diff:
                return _central_difference(d_user, x)
            return d_up(x)
        return builtin_d_prime(int(row[7]), row[8], x)

    @nb.njit(cache=cache)
    def gl_panels(row, lo, hi, panels):
        """Composite Gauss-Legendre integral of b(s) d'(s) over [lo, hi]."""
        width = (hi - lo) / panels
        total = 0.0
        for k in range(panels):
            left = lo + k * width
            half = 0.5 * width
            mid = left + half
            acc = 0.0
            for q in range(_GL_NODES.shape[0]):
                s = mid + half * _GL_NODES[q]
                acc += _GL_WEIGHTS[q] * b_val(row, s) * d_der(row, s)
            total += half * acc
        return total

    @nb.njit(cache=cache)
    def gl_piece(row, lo, hi, scale):
        length = hi - lo
        if length == 0.0:
            return 0.0
        panels = int(math.ceil(abs(length) * 2.0 * scale))
        panels = min(max(panels, 2), _MAX_PANELS)
        return gl_panels(row, lo, hi, panels)

    @nb.njit(cache=cache)
    def signal_integral(row, x):
        """F(x) = integral_0^x b(s) d'(s) ds: closed form or Gauss-Legendre quadrature."""
        dcode = int(row[7])
        g = row[8]
        if row[3] == 0.0 and dcode >= 0:  # linear b with a built-in d: closed form
            decay, inp = row[4], row[5]
            dx = builtin_d(dcode, g, x)
            return inp * (dx - builtin_d(dcode, g, 0.0)) - decay * (
                x * dx - builtin_d_integral(dcode, g, x)
            )
        if dcode < 0:
            return gl_piece(row, 0.0, x, 2.0)
        if dcode == 3:  # relu: d' = 0 for s < 0, g for s > 0
            return gl_piece(row, 0.0, x, g) if x > 0.0 else 0.0
        if dcode == 2:  # piecewise linear: d' = g on (-1/g, 1/g), 0 outside
            edge = 1.0 / g
            return gl_piece(row, 0.0, max(-edge, min(edge, x)), g)
        end = math.copysign(min(abs(x), _CUTOFF / g), x)
        return gl_piece(row, 0.0, end, g)

    @nb.njit(RHS_SIGNATURE, cache=cache)
    def rhs(t, x, p, out):
        """dx_i/dt = a_i(x_i) [b_i(x_i) - sum_k c_ik d_k(x_k)], one matrix-vector product."""
        n, _, table, coupling, work = _unpack(p)
        v = scratch_of(work, n)
        for i in range(n):
            v[i] = d_val(table[i], x[i])
        np.dot(coupling, v, out)
        for i in range(n):
            row = table[i]
            out[i] = a_val(row, x[i]) * (b_val(row, x[i]) - out[i])

    @nb.njit(RHS_BATCH_SIGNATURE, cache=cache)
    def rhs_batch(t, x, p, out):
        """The vector field for m states: one (m, n) x (n, n) matrix product; allocates nothing.

        The ensemble engine passes a work area with room for the m x n outputs d(x) after
        the single-state scratch (``rhs_batch_work = n``); with ``kernel_params()`` alone the
        kernel falls back to one matrix-vector product per state in the scratch.
        """
        n, _, table, coupling, work = _unpack(p)
        v1 = scratch_of(work, n)
        m = x.shape[0]
        if work.shape[0] >= 2 * n + m * n:
            v = work[2 * n : 2 * n + m * n].reshape((m, n))
            for r in range(m):
                for i in range(n):
                    v[r, i] = d_val(table[i], x[r, i])
            np.dot(v, coupling.T, out)
        else:
            for r in range(m):
                for i in range(n):
                    v1[i] = d_val(table[i], x[r, i])
                np.dot(coupling, v1, out[r])
        for r in range(m):
            for i in range(n):
                row = table[i]
                out[r, i] = a_val(row, x[r, i]) * (b_val(row, x[r, i]) - out[r, i])

    @nb.njit(ENERGY_SIGNATURE, cache=cache)
    def energy(x, p):
        """V = -sum_i F_i(x_i) + 1/2 d^T C d (+ the stored offset)."""
        n, offset, table, coupling, work = _unpack(p)
        scratch = scratch_of(work, 2 * n)
        v = scratch[:n]
        cv = scratch[n:]
        e = 0.0
        for i in range(n):
            v[i] = d_val(table[i], x[i])
            e -= signal_integral(table[i], x[i])
        np.dot(coupling, v, cv)
        quad = 0.0
        for i in range(n):
            quad += v[i] * cv[i]
        return e + 0.5 * quad + offset

    @nb.njit(JACOBIAN_SIGNATURE, cache=cache)
    def jacobian(t, x, p, jac):
        """J_ij = delta_ij (a_i' r_i + a_i b_i') - a_i c_ij d_j', r = b - C d(x)."""
        n, _, table, coupling, work = _unpack(p)
        scratch = scratch_of(work, 2 * n)
        v = scratch[:n]
        dv = scratch[n:]
        for j in range(n):
            v[j] = d_val(table[j], x[j])
            dv[j] = d_der(table[j], x[j])
        for i in range(n):
            row = table[i]
            r = b_val(row, x[i])
            for k in range(n):
                r -= coupling[i, k] * v[k]
            ai = a_val(row, x[i])
            for j in range(n):
                jac[i, j] = -ai * coupling[i, j] * dv[j]
            jac[i, i] += a_der(row, x[i]) * r + ai * b_der(row, x[i])

    @nb.njit(cache=cache)
    def signals(x, p, out):
        """out[:, t] = d(x[:, t]) for the columns of a trajectory x (n, T)."""
        n, _, table, _c, _w = _unpack(p)
        for t in range(x.shape[1]):
            for i in range(n):
                out[i, t] = d_val(table[i], x[i, t])

    return rhs, rhs_batch, energy, jacobian, signal_integral, signals


_BUILTIN_KERNELS = _make_kernels(
    _placeholder, _placeholder, _placeholder, _placeholder, _placeholder, _placeholder
)
_USER_KERNELS: dict[tuple, tuple] = {}


# ----------------------------------------------------------------------------- specs
def _is_function(obj: Any) -> bool:
    return isinstance(obj, CPUDispatcher) or (callable(obj) and not isinstance(obj, str))


def _user_function(spec: Any, role: str) -> tuple[CPUDispatcher, CPUDispatcher | None] | None:
    """(f, f') for a user spec ``f`` or ``(f, f')``; None for a built-in spec."""
    if _is_function(spec):
        f, fp = spec, None
    elif (
        isinstance(spec, tuple)
        and len(spec) == 2
        and _is_function(spec[0])
        and (spec[1] is None or _is_function(spec[1]))
    ):
        f, fp = spec
    else:
        return None
    sig = nb.float64(nb.float64)
    text = f"{role}: expected a numba.njit scalar function f(x: float) -> float"
    for fn, arg in ((f, role), (fp, f"{role} (derivative)")):
        if fn is None:
            continue
        if not isinstance(fn, CPUDispatcher):
            raise TypeError(f"{arg}: {text.split(': ', 1)[1]}, got a plain {type(fn).__name__}")
        try:
            fn.compile(sig)
        except Exception as exc:
            raise TypeError(f"{arg}: does not compile as f(x: float) -> float: {exc}") from exc
    fcheck = f(0.5)
    if not isinstance(fcheck, float):
        raise TypeError(f"{role}: the function must return a float")
    return f, fp


def _builtin_rows(spec: Any, role: str, n: int) -> np.ndarray:
    """The (n, k+1) table columns [code, params...] of a built-in spec (or list of specs)."""
    first, k = _COLUMNS[role]
    if isinstance(spec, list):
        if len(spec) != n:
            raise ValueError(
                f"{role}: a list of per-neuron families needs {n} entries, got {len(spec)}"
            )
        rows = [_builtin_rows(s, role, 1)[0] for s in spec]
        return np.array(rows)
    if isinstance(spec, str):
        name, values = spec, {}
    elif isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str):
        name, values = spec
        if not isinstance(values, dict):
            raise TypeError(f"{role}: expected (name, {{parameter: value}}), got {spec!r}")
    else:
        raise TypeError(
            f"{role}: expected a family name, (name, parameters), a list of those per neuron, "
            f"or a numba.njit function; got {type(spec).__name__}"
        )
    families = CG_FAMILIES[role]
    if name not in families:
        raise ValueError(f"{role}: unknown family {name!r}; expected one of {sorted(families)}")
    code, names, defaults = families[name]
    unknown = set(values) - set(names)
    if unknown:
        raise ValueError(
            f"{role}: family {name!r} has no parameter {sorted(unknown)[0]!r}; "
            f"its parameters are {list(names)}"
        )
    rows = np.zeros((n, k + 1))
    rows[:, 0] = code
    for j, (pname, default) in enumerate(zip(names, defaults, strict=True)):
        arg = f"{role}[{pname!r}]"
        try:
            val = np.asarray(values.get(pname, default), dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{arg}: expected a number or an array of length {n}") from exc
        if val.ndim == 0:
            val = np.full(n, float(val))
        if val.shape != (n,):
            raise ValueError(f"{arg}: expected a scalar or shape ({n},), got {val.shape}")
        if not np.all(np.isfinite(val)):
            raise ValueError(f"{arg}: expected finite values")
        rows[:, 1 + j] = val
    _check_family_values(role, name, rows)
    return rows


def _check_family_values(role: str, name: str, rows: np.ndarray) -> None:
    if role == "a" and name != "logistic" and np.any(rows[:, 1] <= 0):
        raise ValueError(f"a['value']: expected > 0 (a_i must be positive), got {rows[:, 1].min()}")
    if role == "a" and name == "logistic":
        if np.any(rows[:, 1] < 0) or np.any(rows[:, 2] <= rows[:, 1]):
            raise ValueError("a['low'], a['high']: expected 0 <= low < high")
    if role == "d" and np.any(rows[:, 1] <= 0):
        raise ValueError(f"d['gain']: expected > 0 (d must increase), got {rows[:, 1].min()}")


class CohenGrossberg(Model):
    """A Cohen-Grossberg network ``dx_i/dt = a_i(x_i)[b_i(x_i) - sum_k c_ik d_k(x_k)]``.

    Cohen & Grossberg (1983). See the module docstring for the energy and the function
    families.

    Parameters
    ----------
    a, b, d:
        Each a family name (``"constant"``, ``"linear"``, ``"tanh"``, ...), a pair
        ``(name, {parameter: value})`` whose values are scalars or per-neuron arrays, a list of
        ``n`` such specifications (one per neuron), or a user ``numba.njit`` function
        ``f(x) -> float`` (or a pair ``(f, f_prime)``) applied to every neuron.
    C:
        The (n, n) coupling matrix. Symmetric ``C`` makes the energy a Lyapunov function;
        an asymmetric one is accepted (:meth:`energy` then warns).
    """

    name = "Cohen-Grossberg"

    def __init__(
        self,
        a: Any = "constant",
        b: Any = "linear",
        C: Any = None,
        d: Any = "tanh",
    ) -> None:
        if C is None:
            raise TypeError("C: the coupling matrix is required")
        coupling = _as_matrix(C, "C")
        n = coupling.shape[0]
        table = np.zeros((n, _WIDTH))
        users: dict[str, tuple | None] = {}
        for role, spec in (("a", a), ("b", b), ("d", d)):
            first, k = _COLUMNS[role]
            user = _user_function(spec, role)
            users[role] = user
            if user is None:
                table[:, first : first + k + 1] = _builtin_rows(spec, role, n)
            else:
                table[:, first] = USER
        self.n_states = n
        self.work_size = 2 * n  # d(x) and C d(x) of the single-state kernels
        self.rhs_batch_work = n  # room for d(x) of every state of an ensemble block
        self._specs = {"a": a, "b": b, "d": d}
        self.layout = LAYOUT
        self.params = LAYOUT.pack(offset=0.0, table=table, C=coupling)
        if all(u is None for u in users.values()):
            kernels = _BUILTIN_KERNELS
        else:
            fns = []
            for role in ("a", "b", "d"):
                u = users[role]
                fns += [_placeholder, _placeholder] if u is None else [u[0], u[1]]
            key = tuple(id(f) for f in fns)
            kernels = _USER_KERNELS.get(key)
            if kernels is None:
                kernels = _make_kernels(*fns, cache=False)
                _USER_KERNELS[key] = kernels
        self.rhs_kernel, self.rhs_batch_kernel, self.energy_kernel, self.jacobian_kernel = kernels[
            :4
        ]
        self._integral_kernel, self._signals_kernel = kernels[4], kernels[5]
        self._user = users

    @classmethod
    def from_hopfield(cls, model: ContinuousHopfield) -> CohenGrossberg:
        """The Cohen-Grossberg form of a graded-response Hopfield network (Hopfield 1984).

        ``a_i = 1/C_i``, ``b_i(u) = -u/R_i + I_i``, ``C = -T``, ``d = g``: the vector fields
        agree, and an additive constant is chosen so that the energies agree too.
        """
        if not isinstance(model, ContinuousHopfield):
            raise TypeError(f"model: expected a ContinuousHopfield, got {type(model).__name__}")
        gain = model.gain
        self = cls(
            a=("constant", {"value": model.inv_cap}),
            b=("linear", {"decay": model.leak, "input": model.I}),
            C=-model.W,
            d=(gain.name, {"gain": gain.lam}),
        )
        zero = np.zeros(model.n_states)
        offset = float(model.energy(zero)) - float(self.energy_kernel(zero, self.kernel_params()))
        self.params = LAYOUT.pack(offset=offset, table=self.param("table"), C=self.param("C"))
        return self

    # ------------------------------------------------------------------ accessors
    @property
    def C(self) -> np.ndarray:
        """The coupling matrix (a copy)."""
        return self.param("C")

    @property
    def energy_offset(self) -> float:
        """The additive constant of the energy (0 unless built by :meth:`from_hopfield`)."""
        return self.param("offset")

    @property
    def is_symmetric(self) -> bool:
        """Whether C is symmetric (to 1e-12 relative), the condition for a Lyapunov energy."""
        c = self.C
        return bool(np.allclose(c, c.T, rtol=1e-12, atol=1e-12 * max(1.0, np.abs(c).max())))

    def signal_integral(self, i: int, x: float) -> float:
        """F_i(x) = integral_0^x b_i(s) d_i'(s) ds as the energy computes it."""
        if (
            isinstance(i, bool)
            or not isinstance(i, (int, np.integer))
            or not 0 <= i < self.n_states
        ):
            raise ValueError(f"i: expected a neuron index in [0, {self.n_states}), got {i!r}")
        row = np.ascontiguousarray(self.layout.views(self.params)["table"][int(i)])
        return float(self._integral_kernel(row, float(x)))

    def output(self, x: Any) -> np.ndarray:
        """The signals d_i(x_i) for a state (n,), a trajectory (n, T) or states (m, n)."""
        arr = np.asarray(x, dtype=np.float64)
        n = self.n_states
        if arr.ndim == 1:
            cols = arr[:, None]
        elif arr.ndim == 2 and arr.shape[0] == n:
            cols = arr
        elif arr.ndim == 2 and arr.shape[1] == n:
            return self.output(arr.T).T
        else:
            raise ValueError(f"x: expected shape ({n},), ({n}, T) or (m, {n}), got {arr.shape}")
        cols = np.ascontiguousarray(cols)
        out = np.empty_like(cols)
        self._signals_kernel(cols, self.params, out)
        return out[:, 0] if arr.ndim == 1 else out

    def energy(self, x: Any) -> float | np.ndarray:
        """V(x) (see the module docstring); warns when C is asymmetric."""
        if not self.is_symmetric:
            warnings.warn(
                "C: the coupling matrix is not symmetric, so the energy is not a Lyapunov "
                "function (it may increase along trajectories); computed anyway",
                RuntimeWarning,
                stacklevel=2,
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return super().energy(x)

    def __repr__(self) -> str:
        def label(spec):
            if _is_function(spec):
                return getattr(spec, "__name__", "user")
            if isinstance(spec, tuple) and _is_function(spec[0]):
                return getattr(spec[0], "__name__", "user")
            if isinstance(spec, list):
                return "per-neuron"
            return spec if isinstance(spec, str) else spec[0]

        s = self._specs
        return (
            f"CohenGrossberg(n={self.n_states}, a={label(s['a'])!r}, b={label(s['b'])!r}, "
            f"d={label(s['d'])!r})"
        )
