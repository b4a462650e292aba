"""Benchmark: ``dyn.solve_dde`` against jitcdde and a Python method of steps, same accuracy.

Problems:

1. Mackey-Glass (1977), x' = 0.2 x(t-17) / (1 + x(t-17)^10) - 0.1 x, history 0.5,
   t in (0, 200) (chaotic), output at t = 60, 61, ..., 200.
2. A delayed Hopfield network (``dyn.DelayedHopfield``), N = 16, random symmetric weights of
   scale 2.5 / sqrt(N), tanh gain, per-connection delays drawn from {0.6, 0.9, 1.2},
   t in (0, 100), output at t = 10, 10.5, ..., 100.

Solvers:

* ours: ``dyn.solve_dde`` (DOPRI5 with its 4th-order continuous extension as the past,
  compiled with numba);
* jitcdde (Ansmann 2018; PyPI, in the ``bench`` extra): the right-hand side written with
  symengine and compiled to C, Bogacki-Shampine 3(2) with a cubic Hermite past; its C
  compilation is excluded from the timing and reported apart;
* a straightforward Python method of steps: ``scipy.integrate.solve_ivp`` (RK45, the same
  Dormand-Prince pair) on each interval [k tau_min, (k+1) tau_min] with its dense output as
  the stored past, the right-hand side in numpy.

Same accuracy: the reference is ours at rtol = 1e-12 (checked against jitcdde at its tightest
tolerance). For each solver the loosest tolerance of a ladder (rtol = 10^-3 ... 10^-11 in half
decades, atol = rtol / 100) whose largest error at the output times is below the target is
chosen, and that run is timed. Times are medians of ``--repeats`` (default 7) runs, the
solvers called in turn in every repeat. BLAS runs single-threaded.

Usage: ``python benchmarks/bench_dde.py [--repeats K]``.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numba  # noqa: E402
import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

import dynamics as dyn  # noqa: E402

LADDER = 10.0 ** -np.arange(3.0, 11.01, 0.5)


@numba.njit(cache=True)
def mackey_glass_rhs(t, x, xd, p, out):
    out[0] = 0.2 * xd[0, 0] / (1.0 + xd[0, 0] ** 10) - 0.1 * x[0]


def make_problems(seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    n = 16
    a = rng.normal(0.0, 2.5 / np.sqrt(n), size=(n, n))
    w = np.triu(a, 1)
    w = w + w.T
    choices = np.array([0.6, 0.9, 1.2])
    d = choices[rng.integers(0, 3, size=(n, n))]
    d = np.triu(d, 1) + np.triu(d, 1).T + np.diag(np.full(n, 0.6))
    u0 = rng.normal(0.0, 0.5, size=n)
    hop = dyn.DelayedHopfield(w, d)
    groups = list(hop.delay_params)
    gidx = np.searchsorted(groups, d)

    def hop_numpy(t, u, past):  # past(s) -> state at s
        g = np.tanh(np.stack([past(t - tau) for tau in groups]))  # (n_groups, n)
        return -u + np.sum(w * g[gidx, np.arange(n)[None, :]], axis=1)

    def mg_numpy(t, x, past):
        xd = past(t - 17.0)
        return 0.2 * xd / (1.0 + xd**10) - 0.1 * x

    return [
        {
            "name": "Mackey-Glass (tau = 17, t <= 200)",
            "model": dyn.UserDelayModel(mackey_glass_rhs, 1, delays=[17.0]),
            "history": np.array([0.5]),
            "t1": 200.0,
            "t_out": np.arange(60.0, 200.01, 1.0),
            "delays": [17.0],
            "numpy_rhs": mg_numpy,
            "targets": (1e-4, 1e-6),
            "jitc": ("mg", None, None),
        },
        {
            "name": "delayed Hopfield (N = 16, 3 delays, t <= 100)",
            "model": hop,
            "history": u0,
            "t1": 100.0,
            "t_out": np.arange(10.0, 100.01, 0.5),
            "delays": groups,
            "numpy_rhs": hop_numpy,
            "targets": (1e-4, 1e-7),
            "jitc": ("hopfield", w, d),
        },
    ]


def run_ours(prob: dict, rtol: float) -> np.ndarray:
    sol = dyn.solve_dde(prob["model"], (0.0, prob["t1"]), prob["history"], rtol=rtol,
                        atol=rtol * 1e-2, t_eval=prob["t_out"])
    return sol.y


def run_scipy_steps(prob: dict, rtol: float) -> np.ndarray:
    """The Python method of steps: one solve_ivp per interval of length tau_min."""
    hist = prob["history"]
    tau_min = min(prob["delays"])
    starts: list[float] = []
    pieces: list = []

    def past(s: float) -> np.ndarray:
        if s <= 0.0 or not pieces:  # (s may exceed 0 by rounding in the first interval)
            return hist
        return pieces[bisect.bisect_right(starts, s) - 1](s)

    rhs = prob["numpy_rhs"]
    a, y = 0.0, hist.copy()
    while a < prob["t1"]:
        b = min(a + tau_min, prob["t1"])
        r = solve_ivp(lambda t, x: rhs(t, x, past), (a, b), y, method="RK45", rtol=rtol,
                      atol=rtol * 1e-2, dense_output=True)
        starts.append(a)
        pieces.append(r.sol)
        y = r.y[:, -1]
        a = b
    return np.stack([past(s) for s in prob["t_out"]], axis=1)


@contextlib.contextmanager
def _in_temporary_directory():
    """jitcdde builds its C extension with setuptools in the working directory."""
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            yield
        finally:
            os.chdir(old)


def build_jitcdde(prob: dict):
    """The compiled jitcdde integrator of a problem and its build time (seconds)."""
    import symengine
    from jitcdde import jitcdde, t, y

    kind, w, d = prob["jitc"]
    if kind == "mg":
        f = [0.2 * y(0, t - 17.0) / (1 + y(0, t - 17.0) ** 10) - 0.1 * y(0)]
    else:
        n = w.shape[0]
        f = [
            -y(i) + sum(w[i, j] * symengine.tanh(y(j, t - d[i, j])) for j in range(n) if w[i, j])
            for i in range(n)
        ]
    start = time.perf_counter()
    with _in_temporary_directory():
        dde = jitcdde(f, verbose=False)
        dde.compile_C(simplify=False, verbose=False)
    return dde, time.perf_counter() - start


def run_jitcdde(dde, prob: dict, rtol: float, start: str) -> np.ndarray:
    """One jitcdde run; ``start`` is how it handles the initial discontinuity: its
    ``step_on_discontinuities`` (small steps onto the propagated breakpoints, with some
    symbolic work on every call) or ``adjust_diff`` (a smoothed past)."""
    dde.purge_past()
    dde.constant_past(prob["history"], time=0.0)
    dde.set_integration_parameters(rtol=rtol, atol=rtol * 1e-2, first_step=1e-3,
                                   min_step=1e-12, max_step=10.0)
    with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):
        getattr(dde, start)()
    if dde.t > prob["t_out"][0]:
        raise RuntimeError("jitcdde stepped past the first output time")
    with warnings.catch_warnings():
        # an output time inside jitcdde's last step is served from its Hermite interpolant
        warnings.simplefilter("ignore", UserWarning)
        return np.stack([np.array(dde.integrate(s)) for s in prob["t_out"]], axis=1)


def loosest(run, reference: np.ndarray, target: float) -> tuple[float, float]:
    """The loosest rtol of the ladder whose error is below ``target``, and that error."""
    for rtol in LADDER:
        err = float(np.abs(run(rtol) - reference).max())
        if err <= target:
            return float(rtol), err
    return float(LADDER[-1]), err


def _time(run, rtol: float) -> float:
    start = time.perf_counter()
    run(rtol)
    return time.perf_counter() - start


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {os.cpu_count()} logical cores, Python {sys.version.split()[0]}"


def compare(solvers: dict, reference: np.ndarray, target: float, repeats: int) -> None:
    """Pick each solver's tolerance for ``target``, time them interleaved, print ratios."""
    print(f" -- target error {target:g}")
    chosen = {}
    for name, run in solvers.items():
        chosen[name] = loosest(run, reference, target)
        print(f"  {name:13s} rtol = {chosen[name][0]:.1e}  error = {chosen[name][1]:.1e}")
    times: dict[str, list[float]] = {name: [] for name in solvers}
    for _ in range(repeats):
        for name, run in solvers.items():
            times[name].append(_time(run, chosen[name][0]))
    med = {name: statistics.median(v) for name, v in times.items()}
    for name in solvers:
        print(f"  {name:13s} median {med[name] * 1e3:9.2f} ms")
    print(f"  ratio python-steps / ours = {med['python-steps'] / med['ours']:.1f}x "
          "(goal >= 20x)")
    if "jitcdde-sod" in med:
        best = min(med["jitcdde-sod"], med["jitcdde-adj"])
        print(f"  ratio jitcdde (faster start) / ours = {best / med['ours']:.2f}x "
              "(goal > 1: faster than jitcdde after its compile step)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(f"machine: {machine()} (shared with other jobs: ratios matter, not seconds)")
    try:
        import jitcdde  # noqa: F401

        have_jitc = True
    except ImportError:
        have_jitc = False
        print("jitcdde is not installed (pip install -e '.[bench]'): its column is skipped")

    for prob in make_problems():
        print(f"\n== {prob['name']}")
        ours = lambda r, p=prob: run_ours(p, r)  # noqa: E731
        steps = lambda r, p=prob: run_scipy_steps(p, r)  # noqa: E731
        ours(1e-6)  # compile
        reference = ours(1e-12)
        solvers = {"ours": ours, "python-steps": steps}
        if have_jitc:
            dde, build = build_jitcdde(prob)
            for start, label in (("step_on_discontinuities", "jitcdde-sod"),
                                 ("adjust_diff", "jitcdde-adj")):
                solvers[label] = (
                    lambda r, p=prob, dde=dde, start=start: run_jitcdde(dde, p, r, start)
                )
            agree = float(np.abs(solvers["jitcdde-sod"](1e-11) - reference).max())
            print(f"jitcdde C build: {build:.2f} s (excluded); jitcdde at rtol 1e-11 agrees "
                  f"with the reference to {agree:.1e}")
        for target in prob["targets"]:
            compare(solvers, reference, target, args.repeats)


if __name__ == "__main__":
    main()
