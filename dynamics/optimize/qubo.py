"""QUBO and Ising problems, their exact conversion, and the network energy they define.

A **QUBO** (quadratic unconstrained binary optimisation) over ``x in {0, 1}^n``::

    f(x) = x^T Q x + c^T x + offset

and an **Ising** problem over spins ``s in {-1, +1}^n``::

    E(s) = -1/2 s^T J s - h^T s + offset,      J symmetric, zero diagonal.

The Ising form is the energy of a binary Hopfield network (Hopfield 1982) with weights ``J``
and thresholds ``-h``; every solver in :mod:`dynamics.optimize` descends it. ``Q`` is stored
symmetrised, ``(Q + Q^T) / 2`` (which leaves ``x^T Q x`` unchanged); a diagonal entry of ``J``
is a constant (``s_i^2 = 1``) and is moved into the offset.

Exact conversion (Lucas 2014, "Ising formulations of many NP problems"), with ``x = (1 + s)/2``::

    J = -Q_off / 2,   h = -(Q 1 + c) / 2,
    offset_s = 1^T Q 1 / 4 + tr(Q) / 4 + c^T 1 / 2 + offset_x

and back, with ``s = 2 x - 1``::

    Q = -2 J,   c = 2 J 1 - 2 h,   offset_x = -1^T J 1 / 2 + h^T 1 + offset_s

so that ``f(x) = E(2x - 1)`` for every ``x``. Both forms accept dense arrays or
``scipy.sparse`` matrices (kept sparse: a sparse graph gives sparse couplings).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["QUBO", "Ising", "number_partitioning"]


def _square(M: Any, argument: str) -> np.ndarray | sp.csr_matrix:
    """A finite square float64 matrix, symmetrised; sparse input stays CSR."""
    if sp.issparse(M):
        arr = sp.csr_matrix(M, dtype=np.float64)
        data = arr.data
    else:
        if isinstance(M, (str, bytes)) or M is None:
            raise TypeError(f"{argument}: expected a square numeric matrix, got {type(M).__name__}")
        try:
            arr = np.asarray(M, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{argument}: expected a square numeric matrix") from exc
        data = arr
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise ValueError(f"{argument}: expected a square (n, n) matrix, got shape {arr.shape}")
    if not np.all(np.isfinite(data)):
        raise ValueError(f"{argument}: expected finite values (found NaN or inf)")
    sym = (arr + arr.T) * 0.5
    if sp.issparse(sym):
        sym = sp.csr_matrix(sym)
        sym.eliminate_zeros()
        sym.sort_indices()
        return sym
    return np.ascontiguousarray(sym)


def _vector(v: Any, n: int, argument: str, finite: bool = True) -> np.ndarray:
    """A float64 vector of length n (None: zeros; a scalar is broadcast); NaN is always
    rejected, infinite values unless ``finite`` is False."""
    if v is None:
        return np.zeros(n)
    if isinstance(v, (str, bytes)):
        raise TypeError(f"{argument}: expected a numeric vector of length {n}, got a string")
    try:
        arr = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{argument}: expected a numeric vector of length {n}") from exc
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{argument}: expected shape ({n},), got {arr.shape}")
    if np.any(np.isnan(arr)) or (finite and not np.all(np.isfinite(arr))):
        raise ValueError(f"{argument}: expected finite values")
    return np.ascontiguousarray(arr)


def _scalar(v: Any, argument: str) -> float:
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{argument}: expected a real number, got {type(v).__name__}")
    if not np.isfinite(v):
        raise ValueError(f"{argument}: expected a finite number, got {v}")
    return float(v)


def _diagonal(M) -> np.ndarray:
    return np.asarray(M.diagonal(), dtype=np.float64)


def _without_diagonal(M):
    if sp.issparse(M):
        out = sp.csr_matrix(M - sp.diags(M.diagonal()))
        out.eliminate_zeros()
        out.sort_indices()
        return out
    out = M.copy()
    np.fill_diagonal(out, 0.0)
    return out


def _row_sums(M) -> np.ndarray:
    return np.asarray(M.sum(axis=1), dtype=np.float64).ravel()


def _states(v: Any, n: int, values: tuple[float, float], argument: str) -> tuple[np.ndarray, bool]:
    """``v`` as a float (m, n) array of entries in ``values``; flag whether it was one state."""
    try:
        arr = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{argument}: expected an array of {values[0]:g}/{values[1]:g}") from exc
    single = arr.ndim == 1
    arr = np.atleast_2d(arr)
    if arr.ndim != 2 or arr.shape[1] != n:
        raise ValueError(f"{argument}: expected shape ({n},) or (m, {n}), got {np.shape(v)}")
    if not np.all((arr == values[0]) | (arr == values[1])):
        raise ValueError(f"{argument}: expected entries in {{{values[0]:g}, {values[1]:g}}}")
    return arr, single


def _quadratic_form(M, X: np.ndarray) -> np.ndarray:
    """Row-wise x^T M x for the rows of X."""
    MX = (M @ X.T).T
    return np.einsum("ij,ij->i", np.asarray(MX), X)


class QUBO:
    """``min f(x) = x^T Q x + c^T x + offset`` over ``x in {0, 1}^n``.

    Parameters
    ----------
    Q: (n, n) dense array or scipy.sparse matrix (symmetrised on input).
    c: linear term, shape (n,) (default 0).
    offset: constant added to the objective.
    """

    def __init__(self, Q: Any, c: Any = None, offset: float = 0.0) -> None:
        self.Q = _square(Q, "Q")
        self.n = self.Q.shape[0]
        self.c = _vector(c, self.n, "c")
        self.offset = _scalar(offset, "offset")

    @property
    def sparse(self) -> bool:
        """Whether ``Q`` is stored as a scipy.sparse matrix."""
        return sp.issparse(self.Q)

    def objective(self, x: Any) -> float | np.ndarray:
        """``f(x)`` for one binary vector (n,) or each row of an (m, n) array."""
        X, single = _states(x, self.n, (0.0, 1.0), "x")
        f = _quadratic_form(self.Q, X) + X @ self.c + self.offset
        return float(f[0]) if single else f

    def hopfield_weights(self) -> tuple[Any, np.ndarray, float]:
        """Binary-neuron network ``(W, b, offset)`` whose energy equals the objective.

        ``E(x) = -1/2 x^T W x - b^T x + offset`` with ``W = -2 Q_off`` (zero diagonal) and
        ``b = -(c + diag Q)`` (``x_i^2 = x_i``), the 0/1 Hopfield network of Hopfield & Tank
        (1985).
        """
        W = -2.0 * _without_diagonal(self.Q)
        b = -(self.c + _diagonal(self.Q))
        return W, b, self.offset

    def network_energy(self, x: Any) -> float | np.ndarray:
        """The Hopfield energy of :meth:`hopfield_weights` at ``x`` (equals the objective)."""
        X, single = _states(x, self.n, (0.0, 1.0), "x")
        W, b, offset = self.hopfield_weights()
        e = -0.5 * _quadratic_form(W, X) - X @ b + offset
        return float(e[0]) if single else e

    def to_ising(self) -> Ising:
        """The equivalent :class:`Ising` problem: ``f(x) = E(2 x - 1)`` exactly."""
        Q = self.Q
        J = -0.5 * _without_diagonal(Q)
        h = -0.5 * (_row_sums(Q) + self.c)
        offset = 0.25 * _row_sums(Q).sum() + 0.25 * _diagonal(Q).sum() + 0.5 * self.c.sum()
        return Ising(J, h, offset + self.offset)

    def __repr__(self) -> str:
        kind = "sparse" if self.sparse else "dense"
        return f"QUBO(n={self.n}, {kind})"


class Ising:
    """``min E(s) = -1/2 s^T J s - h^T s + offset`` over ``s in {-1, +1}^n``.

    Parameters
    ----------
    J: (n, n) couplings, dense or scipy.sparse (symmetrised; the diagonal is a constant
        ``-1/2 tr J`` and goes into the offset).
    h: local fields, shape (n,) (default 0).
    offset: constant added to the energy.
    """

    def __init__(self, J: Any, h: Any = None, offset: float = 0.0) -> None:
        sym = _square(J, "J")
        diag_const = -0.5 * float(_diagonal(sym).sum())
        self.J = _without_diagonal(sym)
        self.n = self.J.shape[0]
        self.h = _vector(h, self.n, "h")
        self.offset = _scalar(offset, "offset") + diag_const

    @property
    def sparse(self) -> bool:
        """Whether ``J`` is stored as a scipy.sparse matrix."""
        return sp.issparse(self.J)

    def energy(self, s: Any) -> float | np.ndarray:
        """``E(s)`` for one spin vector (n,) or each row of an (m, n) array."""
        S, single = _states(s, self.n, (-1.0, 1.0), "s")
        e = -0.5 * _quadratic_form(self.J, S) - S @ self.h + self.offset
        return float(e[0]) if single else e

    def local_fields(self, s: Any) -> np.ndarray:
        """``J s + h``: flipping spin i changes the energy by ``2 s_i (J s + h)_i``."""
        S, single = _states(s, self.n, (-1.0, 1.0), "s")
        F = np.asarray((self.J @ S.T).T) + self.h
        return F[0] if single else F

    def to_qubo(self) -> QUBO:
        """The equivalent :class:`QUBO`: ``E(s) = f((1 + s)/2)`` exactly."""
        J1 = _row_sums(self.J)
        Q = -2.0 * self.J
        c = 2.0 * J1 - 2.0 * self.h
        offset = -0.5 * J1.sum() + self.h.sum() + self.offset
        return QUBO(Q, c, offset)

    def dense_couplings(self) -> np.ndarray:
        """``J`` as a dense array (a copy)."""
        return self.J.toarray() if self.sparse else self.J.copy()

    def coupling_rms(self) -> float:
        """``sqrt(sum_ij J_ij^2 / (n (n - 1)))``, the scale used by simulated bifurcation."""
        if self.n < 2:
            return 0.0
        sq = float((self.J.multiply(self.J)).sum()) if self.sparse else float(np.sum(self.J**2))
        return float(np.sqrt(sq / (self.n * (self.n - 1))))

    def __repr__(self) -> str:
        kind = "sparse" if self.sparse else "dense"
        return f"Ising(n={self.n}, {kind})"


def number_partitioning(numbers_: Any) -> Ising:
    """Number partitioning as an Ising problem (Lucas 2014, sec. 2.1).

    Split ``a_1..a_n`` into two sets with sums as equal as possible: ``s_i = +1`` puts ``a_i``
    in the first set, and ``E(s) = (sum_i a_i s_i)^2`` is the squared difference of the sums,
    i.e. ``J = -2 a a^T`` off the diagonal and ``offset = sum_i a_i^2``.
    """
    a = np.asarray(numbers_, dtype=np.float64) if not isinstance(numbers_, str) else None
    if a is None or a.ndim != 1 or a.size < 2:
        raise ValueError("numbers: expected a 1-D array of at least 2 numbers")
    if not np.all(np.isfinite(a)):
        raise ValueError("numbers: expected finite values")
    J = -2.0 * np.outer(a, a)
    np.fill_diagonal(J, 0.0)
    return Ising(J, None, float(np.sum(a * a)))
