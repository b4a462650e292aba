"""Compiled recall loops for binary Hopfield networks (numba, cached on disk, compiled lazily).

Asynchronous dynamics (Hopfield 1982): in each sweep the neurons are visited in a fresh
uniformly random order (Fisher-Yates shuffle), every neuron exactly once, and neuron i is set
to

    s_i <- sign(h_i - theta_i),   h_i = sum_j W_ij s_j,

with the tie rule sign(0) = "keep the current s_i". A field within ``tie_tol`` of the
threshold counts as a tie (``tie_tol`` is a tiny multiple of the largest possible field, so
that the rounding of incrementally updated fields cannot turn an exact tie into a flip).
The local fields h are kept up to date incrementally: when neuron i flips by
d = s_i(new) - s_i(old) = +-2, h <- h + d W[:, i]
(O(N) per flip, nothing per non-flip). The energy E = -1/2 s^T W s + theta^T s is evaluated
from the maintained fields after every sweep as E = -1/2 s.h + theta.s (O(N)).

Glauber dynamics at temperature T > 0 (Glauber 1963; Amit, Gutfreund & Sompolinsky 1985)
uses the same sweeps with the stochastic rule P(s_i = +1) = 1 / (1 + exp(-2 (h_i - theta_i)/T)).

Each probe has its own random stream (xorshift64*, Vigna 2016; seeded from ``seeds[p]``
through splitmix64), so the result for one probe does not depend on which other probes share
the batch, and the shuffles cost a few nanoseconds per neuron.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_U1 = np.uint64(1)


@njit(cache=True, inline="always")
def seed_state(seed):  # pragma: no cover - compiled
    """A non-zero 64-bit xorshift state from an integer seed (splitmix64 finaliser)."""
    z = np.uint64(seed) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    if z == np.uint64(0):
        z = _U1
    return z


@njit(cache=True, inline="always")
def next_random(state):  # pragma: no cover - compiled
    """xorshift64* (Vigna 2016): advance ``state[0]`` and return 64 random bits."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * np.uint64(0x2545F4914F6CDD1D)


@njit(cache=True, inline="always")
def random_below(state, bound):  # pragma: no cover - compiled
    """An integer uniform in [0, bound) (bound < 2^32) by Lemire's multiply-shift."""
    r = next_random(state) >> np.uint64(32)
    return np.int64((r * np.uint64(bound)) >> np.uint64(32))


@njit(cache=True, inline="always")
def random_unit(state):  # pragma: no cover - compiled
    """A float uniform in [0, 1) from the top 53 bits."""
    return np.float64(next_random(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def shuffle(perm, state):  # pragma: no cover - compiled
    """Fisher-Yates shuffle of ``perm`` in place: a uniformly random order in which every
    neuron appears exactly once (the visiting order of one asynchronous sweep)."""
    for i in range(perm.shape[0] - 1, 0, -1):
        j = random_below(state, i + 1)
        tmp = perm[i]
        perm[i] = perm[j]
        perm[j] = tmp


@njit(cache=True)
def _energy_from_fields(s, h, theta):  # pragma: no cover - compiled
    e = 0.0
    for i in range(s.shape[0]):
        e += -0.5 * s[i] * h[i] + theta[i] * s[i]
    return e


@njit(cache=True)
def async_recall(
    w,
    theta,
    states,
    fields,
    max_sweeps,
    seeds,
    temperature,
    tie_tol,
    energy,
    sweeps,
    converged,
    history,
    visits,
):  # pragma: no cover - compiled
    """Run asynchronous (T == 0) or Glauber (T > 0) sweeps on every row of ``states``.

    ``w`` must be symmetric (row i is used as column i for the field update). ``states`` and
    ``fields`` (= states @ w.T, precomputed with BLAS) are updated in place. ``energy`` has
    shape (n_probes, max_sweeps + 1) and receives the energy before the first sweep and after
    each sweep (NaN afterwards). ``history`` is (n_probes, max_sweeps + 1, n) to record the
    states after each sweep or (0, 0, 0) to skip. ``visits`` is (n_probes, n) to count the
    visits of every neuron or (0, 0) to skip. With T == 0 a sweep without any flip is a fixed
    point and ends the run for that probe; with T > 0 all ``max_sweeps`` sweeps are run and
    ``converged`` reports whether the last sweep left the state unchanged.
    """
    n_probes, n = states.shape
    record = history.shape[0] > 0
    count = visits.shape[0] > 0
    perm = np.empty(n, dtype=np.int64)
    rng = np.empty(1, dtype=np.uint64)
    for p in range(n_probes):
        rng[0] = seed_state(seeds[p])
        s = states[p]
        h = fields[p]
        for i in range(n):
            perm[i] = i
        energy[p, 0] = _energy_from_fields(s, h, theta)
        if record:
            history[p, 0, :] = s
        sweeps[p] = max_sweeps
        converged[p] = False
        for sweep in range(1, max_sweeps + 1):
            shuffle(perm, rng)
            flips = 0
            for k in range(n):
                i = perm[k]
                if count:
                    visits[p, i] += 1
                u = h[i] - theta[i]
                old = s[i]
                if temperature > 0.0:
                    x = 2.0 * u / temperature
                    if x > 40.0:
                        prob = 1.0
                    elif x < -40.0:
                        prob = 0.0
                    else:
                        prob = 1.0 / (1.0 + np.exp(-x))
                    new = 1.0 if random_unit(rng) < prob else -1.0
                elif u > tie_tol:
                    new = 1.0
                elif u < -tie_tol:
                    new = -1.0
                else:
                    new = old
                if new != old:
                    d = new - old
                    s[i] = new
                    row = w[i]
                    for j in range(n):
                        h[j] += d * row[j]
                    flips += 1
            energy[p, sweep] = _energy_from_fields(s, h, theta)
            if record:
                history[p, sweep, :] = s
            if flips == 0:
                converged[p] = True
                if temperature == 0.0:
                    sweeps[p] = sweep
                    if record:
                        for later in range(sweep + 1, max_sweeps + 1):
                            history[p, later, :] = s
                    break
            else:
                converged[p] = False


@njit(cache=True, fastmath=True)
def sync_step(h, theta, tie_tol, current, previous, delta, status, energy, sweep):
    # pragma: no cover - compiled
    """One synchronous update s <- sign(h - theta) of every running probe (status == 0).

    Writes the change into ``delta``, shifts ``current`` into ``previous`` (the state two
    sweeps back is needed for 2-cycles), records the energy of the state before the sweep
    (from the fields already at hand), and marks a probe 1 (fixed point: nothing changed)
    or 2 (2-cycle: the new state equals the one two sweeps back); a stopped probe's energy is
    copied from the sweep it repeats. Returns the number of changed neurons of the probes that
    are still running.
    """
    n_probes, n = current.shape
    total = 0
    for p in range(n_probes):
        if status[p] != 0:
            continue
        changes = 0
        same_as_previous = sweep >= 2
        e = 0.0
        for i in range(n):
            u = h[p, i] - theta[i]
            old = current[p, i]
            e += old * (theta[i] - 0.5 * h[p, i])
            if u > tie_tol:
                new = 1.0
            elif u < -tie_tol:
                new = -1.0
            else:
                new = old
            d = new - old
            delta[p, i] = d
            if d != 0.0:
                changes += 1
            if new != previous[p, i]:
                same_as_previous = False
            previous[p, i] = old
            current[p, i] = new
        energy[p, sweep - 1] = e  # E = -1/2 s.h + theta.s of the state before this sweep
        if changes == 0:
            status[p] = 1
            energy[p, sweep] = energy[p, sweep - 1]
        elif same_as_previous:
            status[p] = 2
            energy[p, sweep] = energy[p, sweep - 2]
        else:
            total += changes
    return total


@njit(cache=True, fastmath=True)
def add_changed_rows_where(h, d, w, status):  # pragma: no cover - compiled
    """h[r] += sum_j d[r, j] W[j, :] over the nonzero d[r, j] of the running probes (status == 0).

    The synchronous update's fields after a sweep in which few neurons changed (W symmetric):
    O(N) per changed neuron instead of a full O(N^2) product per probe.
    """
    rows, n = d.shape
    for r in range(rows):
        if status[r] != 0:
            continue
        for j in range(n):
            dj = d[r, j]
            if dj != 0.0:
                for k in range(n):
                    h[r, k] += dj * w[j, k]


@njit(cache=True)
def energies_where(h, s, theta, status, energy, sweep):  # pragma: no cover - compiled
    """energy[p, sweep] = -1/2 s.h + theta.s for the running probes."""
    rows, n = s.shape
    for r in range(rows):
        if status[r] == 0:
            energy[r, sweep] = _energy_from_fields(s[r], h[r], theta)
