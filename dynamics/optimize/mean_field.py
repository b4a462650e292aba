"""Potts mean-field annealing for the TSP (Peterson & Soderberg 1989).

Each city X carries a Potts neuron: a probability vector ``v_X`` over the n tour positions,
``sum_i v_Xi = 1`` (the row constraint holds by construction). The energy (Peterson &
Soderberg 1989, Int. J. Neural Systems 1:3-22; distances ``d`` normalised to mean 1)::

    E(v) = 1/2 sum_XY d_XY sum_i v_Xi (v_Y,i+1 + v_Y,i-1)            (tour length)
         + alpha/2 sum_i sum_{X != Y} v_Xi v_Yi                      (one city per position)

and the mean-field equations at temperature T, solved by serial (city by city) iteration::

    h_Xi = dE/dv_Xi = sum_Y d_XY (v_Y,i+1 + v_Y,i-1) + alpha (S_i - v_Xi),
    v_Xi = exp(-h_Xi / T) / sum_j exp(-h_Xj / T),        S_i = sum_Y v_Yi.

Critical temperature (linear stability of the symmetric point v = 1/n): for a perturbation
in the Fourier mode k != 0 of the positions, ``delta v = -(1/(n T)) M_k delta v`` with the
city-space matrix ``M_k = 2 cos(2 pi k / n) d + alpha (J - I)`` (J all ones), so the
symmetric point becomes unstable below ``T_c = max_k max(-lambda_min(M_k), 0) / n`` (the
linear-stability argument of Peterson & Soderberg 1989). The annealing starts at T_c,
multiplies T by ``cooling`` (default 0.998) per sweep and stops when the saturation ``sum v^2 /
n`` exceeds 0.99 (or after ``max_sweeps``). If the saturated state still breaks the column
constraint (it does not threshold to a permutation matrix), the penalty alpha is multiplied by
``alpha_growth`` (1.5) and the sweeps continue at the current temperature, up to ``alpha_max``
(the usual remedy of raising the constraint weight; Peterson & Soderberg 1989 discuss the
choice of the penalty); the recorded energy uses the current alpha. Each restart is one start
``v = 1/n`` plus small noise; all restarts run in one compiled call. Distances are normalised
to a mean off-diagonal distance of 1 and the default penalty is alpha = 1.5.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

__all__ = ["potts_critical_temperature"]


def potts_critical_temperature(d: np.ndarray, alpha: float) -> float:
    """T_c of the Potts TSP network (see the module docstring), from n/2 symmetric
    eigenvalue problems of size n."""
    d = np.asarray(d, dtype=np.float64)
    n = d.shape[0]
    penalty = alpha * (np.ones((n, n)) - np.eye(n))
    worst = 0.0
    for k in range(1, n // 2 + 1):
        lam = np.linalg.eigvalsh(2.0 * math.cos(2.0 * math.pi * k / n) * d + penalty)[0]
        worst = max(worst, -lam)
    return worst / n


@nb.njit(cache=True)
def _energy(d, v, p, alpha):
    n = d.shape[0]
    dp = np.dot(d, p)
    e = 0.0
    for x in range(n):
        for i in range(n):
            e += 0.5 * v[x, i] * dp[x, i]
    for i in range(n):
        s = 0.0
        sq = 0.0
        for x in range(n):
            s += v[x, i]
            sq += v[x, i] * v[x, i]
        e += 0.5 * alpha * (s * s - sq)
    return e


@nb.njit(cache=True)
def potts_anneal(d, alpha, t_start, cooling, max_sweeps, saturation, noise, seed,
                 alpha_growth, alpha_max, states, energies, temps, final_alpha):
    """Anneal every restart r: ``states[r]`` (n, n) receives the final v; ``energies[r, s]``
    and ``temps[s]`` the energy and temperature after sweep s (NaN after the stop), and
    ``final_alpha[r]`` the penalty at the end. Returns the number of sweeps of each restart."""
    np.random.seed(seed)
    m = states.shape[0]
    n = d.shape[0]
    sweeps = np.zeros(m, dtype=np.int64)
    h = np.empty(n)
    p = np.empty((n, n))
    col = np.empty(n)
    order = np.arange(n)
    for r in range(m):
        v = states[r]
        for x in range(n):
            tot = 0.0
            for i in range(n):
                v[x, i] = 1.0 / n * (1.0 + noise * (2.0 * np.random.random() - 1.0))
                tot += v[x, i]
            for i in range(n):
                v[x, i] /= tot
        for y in range(n):
            for i in range(n):
                p[y, i] = v[y, (i + 1) % n] + v[y, (i - 1) % n]
        for i in range(n):
            s = 0.0
            for y in range(n):
                s += v[y, i]
            col[i] = s
        temp = t_start
        alpha_r = alpha
        for sweep in range(max_sweeps):
            np.random.shuffle(order)
            for q in range(n):
                x = order[q]
                hx = np.dot(d[x], p)
                lo = np.inf
                for i in range(n):
                    h[i] = hx[i] + alpha_r * (col[i] - v[x, i])
                    if h[i] < lo:
                        lo = h[i]
                tot = 0.0
                for i in range(n):
                    h[i] = math.exp(-(h[i] - lo) / temp)
                    tot += h[i]
                for i in range(n):
                    new = h[i] / tot
                    col[i] += new - v[x, i]
                    v[x, i] = new
                for i in range(n):
                    p[x, i] = v[x, (i + 1) % n] + v[x, (i - 1) % n]
            energies[r, sweep] = _energy(d, v, p, alpha_r)
            temps[sweep] = temp
            sweeps[r] = sweep + 1
            sat = 0.0
            for x in range(n):
                for i in range(n):
                    sat += v[x, i] * v[x, i]
            if sat / n > saturation:
                if _is_permutation(v) or alpha_r >= alpha_max:
                    break
                alpha_r *= alpha_growth  # constraint violated: stiffen the penalty, go on
                continue
            temp *= cooling
        final_alpha[r] = alpha_r
    return sweeps


@nb.njit(cache=True)
def _is_permutation(v):
    n = v.shape[0]
    for x in range(n):
        c = 0
        for i in range(n):
            if v[x, i] > 0.5:
                c += 1
        if c != 1:
            return False
    for i in range(n):
        c = 0
        for x in range(n):
            if v[x, i] > 0.5:
                c += 1
        if c != 1:
            return False
    return True
