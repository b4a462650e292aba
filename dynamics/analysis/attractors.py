"""What a trajectory settles on: an equilibrium, a limit cycle (with its period), a chaotic
attractor, or nothing yet.

:func:`classify_attractor` looks at the tail of a solution, resampled on a uniform grid:

1. a tail whose spread is below ``eq_tol`` is an **equilibrium**;
2. a tail whose spread (the RMS over states of the standard deviation, in six equal
   segments) changes monotonically, by more than the fraction ``stationarity_tol`` from the
   first segment to the last, is **not settled** (still converging or growing);
3. a tail that returns, at least three times, to within ``cycle_tol`` (relative to its size) of
   its final state at evenly spaced times is a **limit cycle**; the period is the mean
   spacing of the returns, each located by parabolic interpolation of the distance minimum;
4. otherwise the largest Lyapunov exponent decides: **chaotic** when lambda_1 >
   ``lyapunov_tol``, an **equilibrium** when lambda_1 < -``lyapunov_tol`` (the tail is
   closing in on a stable point, more slowly than ``eq_tol`` resolves), else **not settled**
   (bounded and aperiodic with lambda_1 ~ 0: a quasi-periodic motion or a slow transient).
   lambda_1 is computed with :func:`~dynamics.analysis.lyapunov.lyapunov_spectrum` when a
   model is given, and estimated from the tail alone otherwise, by the nearest-neighbour
   divergence method of Rosenstein, Collins & De Luca (1993, Physica D 65, 117).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from dynamics.analysis.fixed_points import _check_model, _check_positive
from dynamics.analysis.lyapunov import lyapunov_spectrum
from dynamics.models.base import Model

__all__ = ["AttractorClass", "classify_attractor", "rosenstein_lyapunov", "KINDS"]

#: the possible ``AttractorClass.kind`` values
KINDS = ("equilibrium", "limit cycle", "chaotic", "not settled")


@dataclass(frozen=True, eq=False)
class AttractorClass:
    """The verdict of :func:`classify_attractor`.

    Attributes
    ----------
    kind : one of :data:`KINDS`.
    period : the period of a limit cycle (model time units), else None.
    lyapunov : the largest Lyapunov exponent used for the verdict (None if not needed).
    lyapunov_source : "model" (QR method), "tail" (Rosenstein estimate), "given" or None.
    point : the final state of the tail (for an equilibrium: the equilibrium).
    amplitude : (n,) the peak-to-peak range of each state over the tail.
    reason : the test that decided, in words.
    """

    kind: str
    period: float | None
    lyapunov: float | None
    lyapunov_source: str | None
    point: np.ndarray
    amplitude: np.ndarray
    reason: str

    def as_dict(self) -> dict:
        """A JSON-ready summary (no arrays except the final point as a list)."""
        return {
            "kind": self.kind,
            "period": self.period,
            "lyapunov": self.lyapunov,
            "lyapunov_source": self.lyapunov_source,
            "reason": self.reason,
        }


def _uniform_tail(t: np.ndarray, y: np.ndarray, tail: float, n_samples: int | None):
    t_end = t[-1]
    t_start = t[0] + (1.0 - tail) * (t_end - t[0])
    inside = t >= t_start
    n_in = int(np.sum(inside))
    m = n_samples if n_samples is not None else int(min(max(n_in, 200), 20000))
    grid = np.linspace(t_start, t_end, m)
    ys = np.vstack([np.interp(grid, t, row) for row in y]).T  # (m, n)
    return grid, ys, n_in


def _returns(grid: np.ndarray, ys: np.ndarray, tol: float) -> np.ndarray:
    """Times at which the trajectory comes back within tol of its final state (local
    minima of the distance, refined by a parabola through three samples)."""
    d = np.sqrt(np.sum((ys - ys[-1]) ** 2, axis=1))
    h = grid[1] - grid[0]
    times = []
    for j in range(1, d.size - 1):
        if d[j] < tol and d[j] <= d[j - 1] and d[j] < d[j + 1]:
            a, b, c = d[j - 1] ** 2, d[j] ** 2, d[j + 1] ** 2
            denom = a - 2 * b + c
            shift = 0.5 * (a - c) / denom if denom > 0 else 0.0
            times.append(grid[j] + float(np.clip(shift, -1.0, 1.0)) * h)
    return np.asarray(times)


def rosenstein_lyapunov(
    t: Any, y: Any, *, theiler: float | None = None, n_refs: int = 300, horizon: float = 0.25
) -> float:
    """The largest Lyapunov exponent estimated from one trajectory (Rosenstein et al. 1993).

    ``y`` (n_states, n_times) sampled at evenly spaced times ``t``. For up to ``n_refs``
    reference points the nearest neighbour at least ``theiler`` time units away (default:
    the mean period from the power spectrum) is followed for ``horizon`` of the record; the
    exponent is the slope of the mean log distance over its linear rise (from 10 % to 70 % of
    the total rise, as the distances saturate at the attractor's size). When the distances
    never grow tenfold, or grow concavely in the log (linearly in time, as on a torus), the
    growth is not exponential and the slope over the whole horizon (about 0) is returned.
    """
    t = np.asarray(t, dtype=np.float64)
    X = np.asarray(y, dtype=np.float64).T
    m = X.shape[0]
    if m < 50:
        raise ValueError(f"y: expected at least 50 samples for an estimate, got {m}")
    h = (t[-1] - t[0]) / (m - 1)
    if theiler is None:
        spec = np.abs(np.fft.rfft(X - X.mean(axis=0), axis=0)) ** 2
        freqs = np.fft.rfftfreq(m, d=h)
        power = spec.sum(axis=1)
        power[0] = 0.0
        mean_f = float(np.sum(freqs * power) / max(np.sum(power), 1e-300))
        theiler = 1.0 / mean_f if mean_f > 0 else 0.1 * (t[-1] - t[0])
    w = max(1, int(round(theiler / h)))
    L = max(5, int(horizon * m))
    if m - L <= 2 * w + 2:
        raise ValueError("y: the record is too short for the Theiler window and horizon")
    cands = np.arange(m - L)
    refs = cands[:: max(1, cands.size // n_refs)]
    logs = []
    for i in refs:
        dist = np.sqrt(np.sum((X[cands] - X[i]) ** 2, axis=1))
        dist[np.abs(cands - i) <= w] = np.inf
        dist[dist == 0.0] = np.inf
        j = int(np.argmin(dist))
        if not np.isfinite(dist[j]):
            continue
        sep = np.sqrt(np.sum((X[i : i + L] - X[j : j + L]) ** 2, axis=1))
        with np.errstate(divide="ignore"):
            logs.append(np.log(sep))
    if not logs:
        raise ValueError("y: no neighbour pairs found (the trajectory does not recur)")
    curve = np.mean(np.where(np.isfinite(logs), logs, np.nan), axis=0)
    curve = curve[np.isfinite(curve)]
    rise = curve - curve[0]
    top = rise.max()
    k = np.arange(curve.size) * h
    whole = float(np.polyfit(k, curve, 1)[0])
    if not top > math.log(10.0):
        return whole  # the neighbours never separate by a factor 10: no exponential growth
    start = int(np.argmax(rise >= 0.1 * top))
    end = max(int(np.argmax(rise >= 0.7 * top)), start + 4)
    mid = (start + end) // 2
    first = np.polyfit(k[start : mid + 1], curve[start : mid + 1], 1)[0]
    second = np.polyfit(k[mid : end + 1], curve[mid : end + 1], 1)[0]
    if not second > 0.5 * first:
        return whole  # a concave rise (log of a linear separation): not exponential
    slope = np.polyfit(k[start : end + 1], curve[start : end + 1], 1)[0]
    return float(slope)


def classify_attractor(
    solution: Any,
    model: Model | None = None,
    *,
    tail: float = 0.5,
    eq_tol: float = 1e-5,
    cycle_tol: float = 1e-2,
    stationarity_tol: float = 0.25,
    lyapunov: float | None = None,
    lyapunov_tol: float = 0.02,
    lyapunov_options: dict | None = None,
    n_samples: int | None = None,
) -> AttractorClass:
    """Classify what ``solution`` (a :class:`~dynamics.integrate.solution.Solution`, or any
    object with ``t`` (m,) and ``y`` (n, m)) has settled on over the last ``tail`` of its
    time span. See the module docstring for the tests and their order.

    Parameters
    ----------
    solution: the trajectory; a failed run (status -1) is "not settled".
    model: the model that produced it; when given, lambda_1 comes from
        :func:`~dynamics.analysis.lyapunov.lyapunov_spectrum` started at the final state
        (``lyapunov_options`` are passed on; defaults: no transient, ``t_total`` = the tail's
        duration, ``k`` = 1).
    tail: fraction (0, 1] of the time span that is examined.
    eq_tol: an equilibrium's largest peak-to-peak range, relative to 1 + max|x| (keep it
        above the solver's tolerances: a resting numerical solution jitters at that level).
    cycle_tol: a return to the final state counts within cycle_tol x the tail's size.
    stationarity_tol: the largest relative change of a monotone spread across the tail.
    lyapunov: a known lambda_1 (skips its computation).
    lyapunov_tol: chaotic when lambda_1 exceeds it.
    n_samples: the tail's uniform resampling (default: as many as the saved points,
        at least 200).
    """
    t = np.asarray(getattr(solution, "t", None), dtype=np.float64)
    y = np.asarray(getattr(solution, "y", None), dtype=np.float64)
    if t.ndim != 1 or y.ndim != 2 or y.shape[1] != t.shape[0]:
        raise TypeError(
            "solution: expected a Solution (t of shape (m,), y of shape (n, m)), "
            f"got {type(solution).__name__}"
        )
    if model is not None:
        model = _check_model(model)
        if model.n_states != y.shape[0]:
            raise ValueError(
                f"model: has {model.n_states} states but the solution has {y.shape[0]}"
            )
    tail = _check_positive(tail, "tail")
    if tail > 1.0:
        raise ValueError(f"tail: expected a fraction in (0, 1], got {tail}")
    eq_tol = _check_positive(eq_tol, "eq_tol")
    cycle_tol = _check_positive(cycle_tol, "cycle_tol")
    stationarity_tol = _check_positive(stationarity_tol, "stationarity_tol")
    lyapunov_tol = _check_positive(lyapunov_tol, "lyapunov_tol")
    if n_samples is not None and (isinstance(n_samples, bool) or int(n_samples) < 50):
        raise ValueError(f"n_samples: expected an int >= 50, got {n_samples}")

    n = y.shape[0]
    finite = np.all(np.isfinite(y), axis=0)
    if int(getattr(solution, "status", 0)) < 0 or not np.all(finite):
        point = y[:, finite][:, -1] if np.any(finite) else np.full(n, np.nan)
        return AttractorClass("not settled", None, None, None, point, np.full(n, np.nan),
                              "the integration failed (status -1 or non-finite states)")
    if t.shape[0] < 4 or not t[-1] > t[0]:
        raise ValueError("solution: expected at least 4 saved times over a positive span")

    grid, ys, _ = _uniform_tail(t, y, tail, None if n_samples is None else int(n_samples))
    point = ys[-1].copy()
    amplitude = ys.max(axis=0) - ys.min(axis=0)
    half = ys.shape[0] // 2
    spread2 = float(np.max(ys[half:].max(axis=0) - ys[half:].min(axis=0)))
    if spread2 <= eq_tol * (1.0 + float(np.max(np.abs(point)))):
        return AttractorClass("equilibrium", None, None, None, point, amplitude,
                              f"the last half of the tail moves by {spread2:.2e} at most")
    # stationarity: the spread (RMS over states of the standard deviation) in six equal
    # segments of the tail; a transient changes it monotonically, while the fluctuations of a
    # chaotic or periodic tail are not monotone across six segments
    segments = np.array_split(ys, 6)
    sds = np.array([np.sqrt(np.mean(np.var(seg, axis=0))) for seg in segments])
    steps = np.diff(sds)
    monotone = bool(np.all(steps > 0) or np.all(steps < 0))
    if monotone and abs(sds[-1] - sds[0]) > stationarity_tol * max(sds[0], sds[-1]):
        return AttractorClass(
            "not settled", None, None, None, point, amplitude,
            f"the spread (RMS standard deviation) changes monotonically from {sds[0]:.3g} "
            f"to {sds[-1]:.3g} within the tail",
        )
    size = float(np.sqrt(np.sum(amplitude**2)))
    returns = _returns(grid, ys, cycle_tol * size)
    if returns.size >= 3:
        marks = np.append(returns, grid[-1])
        gaps = np.diff(marks)
        if np.max(gaps) - np.min(gaps) <= 0.02 * np.mean(gaps) + 2 * (grid[1] - grid[0]):
            period = float((grid[-1] - returns[0]) / returns.size)
            return AttractorClass(
                "limit cycle", period, lyapunov, "given" if lyapunov is not None else None,
                point, amplitude,
                f"{returns.size} returns to the final state at even spacing {period:.6g}",
            )
    source = "given"
    if lyapunov is None:
        if model is not None:
            duration = float(grid[-1] - grid[0])
            opts = {"t_transient": 0.0, "t_total": duration, "k": 1}
            opts.update(lyapunov_options or {})
            lyapunov = float(lyapunov_spectrum(model, point, **opts)[0])
            source = "model"
        else:
            try:
                lyapunov = rosenstein_lyapunov(grid, ys.T)
            except ValueError as exc:
                return AttractorClass(
                    "not settled", None, None, None, point, amplitude,
                    f"aperiodic over a tail too short to estimate lambda_1 ({exc})",
                )
            source = "tail"
    lyapunov = float(lyapunov)
    if not math.isfinite(lyapunov):
        raise ValueError(f"lyapunov: expected a finite number, got {lyapunov}")
    if lyapunov < -lyapunov_tol:
        return AttractorClass(
            "equilibrium", None, lyapunov, source, point, amplitude,
            f"lambda_1 = {lyapunov:.3g} < 0: the tail (spread {spread2:.2e}) is closing in on "
            "a stable point",
        )
    if lyapunov > lyapunov_tol:
        return AttractorClass("chaotic", None, lyapunov, source, point, amplitude,
                              f"aperiodic with lambda_1 = {lyapunov:.3g} > {lyapunov_tol:g}")
    return AttractorClass(
        "not settled", None, lyapunov, source, point, amplitude,
        f"bounded and aperiodic but lambda_1 = {lyapunov:.3g} <= {lyapunov_tol:g}: "
        "quasi-periodic or a slow transient",
    )
