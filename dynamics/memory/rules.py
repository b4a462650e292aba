"""Learning rules for binary Hopfield networks: Hebbian, Storkey and pseudo-inverse.

All rules take bipolar patterns ``xi`` of shape ``(n_patterns, n_neurons)`` with entries in
{-1, +1} and return (or update) a symmetric ``(n_neurons, n_neurons)`` float64 weight matrix.

* Hebbian (Hopfield 1982):        W = (1/N) sum_mu xi^mu xi^mu^T
* Storkey (Storkey 1997), one pattern at a time, local and incremental:
      w_ij <- w_ij + (xi_i xi_j - xi_i h_ji - h_ij xi_j) / N,
      h_ij = sum_{k != i, j} w_ik xi_k
* Pseudo-inverse / projection rule (Personnaz, Guyon & Dreyfus 1985; Kanter & Sompolinsky
  1987):                          W = Xi (Xi^T Xi)^-1 Xi^T   (Xi = patterns as columns),
  the orthogonal projector onto the span of the patterns, so that every stored pattern is an
  exact eigenvector with eigenvalue 1.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg
from numba import njit

from dynamics.memory._checks import as_float_array, as_state_matrix, check_encoding

__all__ = ["hebbian_weights", "storkey_weights", "pseudoinverse_weights", "RULES"]

RULES = ("hebbian", "storkey", "pseudoinverse")


def _patterns(patterns, encoding: str = "bipolar") -> np.ndarray:
    arr = np.asarray(patterns) if not isinstance(patterns, np.ndarray) else patterns
    if getattr(arr, "ndim", 0) != 2:
        raise ValueError(
            "patterns: expected a 2-D array of shape (n_patterns, n_neurons), "
            f"got shape {np.shape(arr)}"
        )
    xi, _ = as_state_matrix(arr, "patterns", arr.shape[1], check_encoding(encoding))
    return xi


def hebbian_weights(patterns, zero_diagonal: bool = True, encoding: str = "bipolar") -> np.ndarray:
    """Hebbian outer-product weights W = (1/N) sum_mu xi^mu xi^mu^T (Hopfield 1982).

    One matrix-matrix product (BLAS-3). ``zero_diagonal`` removes the self-couplings
    W_ii = P/N.
    """
    xi = _patterns(patterns, encoding)
    n = xi.shape[1]
    w = xi.T @ xi
    w /= n
    if zero_diagonal:
        np.fill_diagonal(w, 0.0)
    return w


@njit(cache=True)
def _field_excluding_self(w, xi, h):  # pragma: no cover - compiled
    n = w.shape[0]
    for i in range(n):
        acc = 0.0
        for k in range(n):
            if k != i:
                acc += w[i, k] * xi[k]
        h[i] = acc


@njit(cache=True)
def _storkey_learn(w, patterns, zero_diagonal):  # pragma: no cover - compiled
    """Add the rows of ``patterns`` to ``w`` in place, one after another (Storkey 1997).

    With h'_i = sum_{k != i} w_ik xi_k (the local field without self-coupling),
    h_ij = h'_i - w_ij xi_j, and for a symmetric W (xi_j^2 = 1)
        dw_ij = (xi_i xi_j - xi_i h'_j - h'_i xi_j + 2 w_ij) / N      (i != j)
        dw_ii = (1 - 2 xi_i h'_i) / N.
    Each increment depends only on the old w_ij itself and on h', so a pattern is learnt in
    place in one pass over the matrix; the same pass accumulates h' of the next pattern from
    the updated rows, so W is read and written once per pattern.
    """
    p_count, n = patterns.shape
    h = np.empty(n)
    h_next = np.empty(n)
    _field_excluding_self(w, patterns[0], h)
    inv_n = 1.0 / n
    for mu in range(p_count):
        xi = patterns[mu]
        has_next = mu + 1 < p_count
        nxt = patterns[mu + 1] if has_next else patterns[mu]
        for i in range(n):
            xi_i = xi[i]
            h_i = h[i]
            acc = 0.0
            row = w[i]
            # two branch-free loops (j < i, j > i) so that numba/LLVM vectorises them
            for j in range(i):
                v = row[j] + (xi_i * xi[j] - xi_i * h[j] - h_i * xi[j] + 2.0 * row[j]) * inv_n
                row[j] = v
                acc += v * nxt[j]
            for j in range(i + 1, n):
                v = row[j] + (xi_i * xi[j] - xi_i * h[j] - h_i * xi[j] + 2.0 * row[j]) * inv_n
                row[j] = v
                acc += v * nxt[j]
            if zero_diagonal:
                row[i] = 0.0
            else:
                row[i] += (1.0 - 2.0 * xi_i * h_i) * inv_n
            h_next[i] = acc
        if has_next:
            for i in range(n):
                h[i] = h_next[i]


def storkey_update(w: np.ndarray, xi: np.ndarray, zero_diagonal: bool = True) -> np.ndarray:
    """Add the rows of bipolar ``xi`` (already validated) to ``w`` in place, one at a time."""
    if xi.shape[0]:
        _storkey_learn(w, np.ascontiguousarray(xi, dtype=np.float64), bool(zero_diagonal))
    return w


def storkey_weights(
    patterns,
    zero_diagonal: bool = True,
    weights: np.ndarray | None = None,
    encoding: str = "bipolar",
) -> np.ndarray:
    """Storkey (1997) weights, learning the patterns one after another.

    w_ij <- w_ij + (xi_i xi_j - xi_i h_ji - h_ij xi_j)/N with h_ij = sum_{k != i,j} w_ik xi_k.
    Pass ``weights`` (a symmetric matrix previously built with this rule) to continue
    learning incrementally; a new matrix is returned either way (``weights`` is not modified).
    Compiled with numba: one pass over the matrix per pattern.
    """
    xi = _patterns(patterns, encoding)
    n = xi.shape[1]
    if weights is None:
        w = np.zeros((n, n))
    else:
        w = np.array(as_float_array(weights, "weights"), dtype=np.float64, copy=True)
        if w.shape != (n, n):
            raise ValueError(f"weights: expected shape ({n}, {n}), got {w.shape}")
        if not np.isfinite(w).all():
            raise ValueError("weights: expected finite values, got NaN or inf")
        if not np.allclose(w, w.T, rtol=1e-12, atol=1e-12):
            raise ValueError(
                "weights: expected a symmetric matrix (W == W.T) previously built with the "
                "Storkey rule; the incremental update assumes symmetry"
            )
    return storkey_update(w, xi, zero_diagonal)


class _RankInfo:
    __slots__ = ("rank", "n_patterns")

    def __init__(self, rank: int, n_patterns: int):
        self.rank = rank
        self.n_patterns = n_patterns


def projector(xi: np.ndarray) -> tuple[np.ndarray, _RankInfo]:
    """Orthogonal projector onto span{xi^mu} and the numerical rank of the patterns.

    With the patterns as rows of ``xi`` (P, N) and the Gram matrix C = xi xi^T (P x P),
    W = xi^T C^-1 xi, computed with a Cholesky factorisation of C (BLAS-3 throughout). When C
    is singular or badly conditioned (linearly dependent patterns) the eigen-decomposition
    C = V L V^T is used instead, W = A A^T with A = xi^T V_r L_r^(-1/2) over the eigenvalues
    above the rank tolerance: the projector onto the span, in which every stored pattern is
    still a fixed point (W xi = xi).
    """
    p, n = xi.shape
    gram = xi @ xi.T
    if p <= n:
        try:
            factor = scipy.linalg.cho_factor(gram, lower=True, check_finite=False)
            pivots = np.abs(np.diag(factor[0])) ** 2
            if pivots.min() > pivots.max() * max(p, n) * 1e3 * np.finfo(np.float64).eps:
                a = scipy.linalg.cho_solve(factor, xi, check_finite=False)
                return xi.T @ a, _RankInfo(p, p)
        except np.linalg.LinAlgError:
            pass
    evals, evecs = np.linalg.eigh(gram)
    tol = evals.max(initial=0.0) * max(p, n) * np.finfo(np.float64).eps
    keep = evals > tol
    a = xi.T @ (evecs[:, keep] / np.sqrt(evals[keep]))
    return a @ a.T, _RankInfo(int(keep.sum()), p)


def pseudoinverse_weights(
    patterns, zero_diagonal: bool = True, encoding: str = "bipolar"
) -> np.ndarray:
    """Projection-rule weights W = Xi (Xi^T Xi)^-1 Xi^T (Personnaz et al. 1985).

    Every linearly independent set of patterns is stored as exact fixed points, up to
    alpha = P/N -> 1 (Kanter & Sompolinsky 1987). Removing the diagonal (the default) keeps
    them fixed points (the field becomes xi_i (1 - W_ii) with W_ii < 1) and enlarges the
    basins. Linearly dependent patterns trigger a ``UserWarning`` giving the rank; the
    projector onto their span is returned.
    """
    xi = _patterns(patterns, encoding)
    w, info = projector(xi)
    warn_rank(info)
    if zero_diagonal:
        np.fill_diagonal(w, 0.0)
    return w


def warn_rank(info: _RankInfo) -> None:
    if info.rank < info.n_patterns:
        warnings.warn(
            f"patterns: the {info.n_patterns} patterns are linearly dependent (rank "
            f"{info.rank}); the pseudo-inverse rule stores the projector onto their "
            f"{info.rank}-dimensional span",
            UserWarning,
            stacklevel=3,
        )
