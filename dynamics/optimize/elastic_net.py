"""The elastic net for the TSP (Durbin & Willshaw 1987).

A closed ring of M = ``ratio`` n points y_j is pulled towards the cities x_i while its
elastic tension keeps it short (Durbin & Willshaw 1987, Nature 326:689-691)::

    dy_j = alpha sum_i w_ij (x_i - y_j) + beta K (y_j+1 - 2 y_j + y_j-1),
    w_ij = exp(-|x_i - y_j|^2 / (2 K^2)) / sum_k exp(-|x_i - y_k|^2 / (2 K^2)),

which is gradient descent ``dy = -K dE/dy`` on the energy::

    E(y; K) = -alpha K sum_i ln sum_j exp(-|x_i - y_j|^2 / (2 K^2))
              + beta/2 sum_j |y_j+1 - y_j|^2.

The scale K is annealed from K0 = 0.2 by a factor ``decay`` every ``iters_per_k`` updates,
down to ``k_end`` (published values alpha = 0.2, beta = 2, M = 2.5 n, decay 0.99 every 25
updates; cities scaled into the unit square). Each restart starts from a small noisy ring
around the cities' centroid. The elastic net needs city coordinates.

Decoding: city i is assigned to the ring point j with the largest w_ij. The (n, M) assignment
thresholds to a partial permutation matrix -- a valid tour -- only if every city's largest
weight exceeds 1/2 and no two cities share a ring point; the tour visits the cities in ring
order.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

__all__: list[str] = []


@nb.njit(cache=True)
def _weights(x, y, k, w):
    """w[i, j] (normalised over j) and the log-partition sum_i ln sum_j exp(...)."""
    n = x.shape[0]
    m = y.shape[0]
    inv = 1.0 / (2.0 * k * k)
    logz = 0.0
    for i in range(n):
        hi = -np.inf
        for j in range(m):
            dx = x[i, 0] - y[j, 0]
            dy = x[i, 1] - y[j, 1]
            w[i, j] = -(dx * dx + dy * dy) * inv
            if w[i, j] > hi:
                hi = w[i, j]
        tot = 0.0
        for j in range(m):
            w[i, j] = math.exp(w[i, j] - hi)
            tot += w[i, j]
        for j in range(m):
            w[i, j] /= tot
        logz += hi + math.log(tot)
    return logz


@nb.njit(cache=True)
def elastic_net_anneal(x, rings, alpha, beta, k0, decay, iters_per_k, k_end, noise, seed,
                       energies, assignment, top_weight):
    """Anneal each restart r: ``rings[r]`` (M, 2) receives the final ring; ``energies[r, s]``
    the energy after each K level s; ``assignment[r, i]`` the ring point of city i and
    ``top_weight[r, i]`` its weight. Returns the number of K levels of each restart."""
    np.random.seed(seed)
    n = x.shape[0]
    n_rest = rings.shape[0]
    m = rings.shape[1]
    cx = 0.0
    cy = 0.0
    for i in range(n):
        cx += x[i, 0] / n
        cy += x[i, 1] / n
    w = np.empty((n, m))
    delta = np.empty((m, 2))
    levels = np.zeros(n_rest, dtype=np.int64)
    max_levels = energies.shape[1]
    for r in range(n_rest):
        y = rings[r]
        for j in range(m):
            ang = 2.0 * math.pi * j / m
            rad = 0.1 * (1.0 + noise * (2.0 * np.random.random() - 1.0))
            y[j, 0] = cx + rad * math.cos(ang)
            y[j, 1] = cy + rad * math.sin(ang)
        k = k0
        level = 0
        while level < max_levels:
            for _ in range(iters_per_k):
                _weights(x, y, k, w)
                for j in range(m):
                    jp = (j + 1) % m
                    jm = (j - 1) % m
                    delta[j, 0] = beta * k * (y[jp, 0] - 2.0 * y[j, 0] + y[jm, 0])
                    delta[j, 1] = beta * k * (y[jp, 1] - 2.0 * y[j, 1] + y[jm, 1])
                for i in range(n):
                    for j in range(m):
                        wij = alpha * w[i, j]
                        delta[j, 0] += wij * (x[i, 0] - y[j, 0])
                        delta[j, 1] += wij * (x[i, 1] - y[j, 1])
                for j in range(m):
                    y[j, 0] += delta[j, 0]
                    y[j, 1] += delta[j, 1]
            logz = _weights(x, y, k, w)
            tension = 0.0
            for j in range(m):
                jp = (j + 1) % m
                tension += (y[jp, 0] - y[j, 0]) ** 2 + (y[jp, 1] - y[j, 1]) ** 2
            energies[r, level] = -alpha * k * logz + 0.5 * beta * tension
            level += 1
            if k <= k_end:
                break
            k = max(k * decay, k_end)
        levels[r] = level
        for i in range(n):
            best = 0
            for j in range(m):
                if w[i, j] > w[i, best]:
                    best = j
            assignment[r, i] = best
            top_weight[r, i] = w[i, best]
    return levels


def normalised_coordinates(coords: np.ndarray) -> np.ndarray:
    """Coordinates shifted and scaled (one factor for both axes) into the unit square."""
    c = np.asarray(coords, dtype=np.float64)
    lo = c.min(axis=0)
    span = float((c.max(axis=0) - lo).max())
    return np.ascontiguousarray((c - lo) / (span if span > 0 else 1.0))
