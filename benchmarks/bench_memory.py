"""Benchmark of the associative memories against plain numpy, timed in the same run.

1. Asynchronous recall, N = 1000 (Hebbian, alpha = 0.1, probes with 10% or 20% of their bits
   flipped): neuron updates per second of ``HopfieldNetwork.recall`` (compiled sweeps, fields
   updated only on flips) vs a straightforward numpy loop that visits the neurons of a random
   permutation one by one and computes each field as a dot product.
2. Synchronous recall of 1000 probes, N = 1000: one batched ``recall(mode="sync")`` (one
   matrix-matrix product per sweep) vs looping over the probes with a numpy matrix-vector
   iteration per probe.
3. The capacity grid of the ``memory_capacity`` scenario at N = 1000 (20 loads x 20 seeds x
   3 rules = 1200 tasks) through ``dyn.sweep`` on local processes (one per core).

Run: ``.venv/bin/python benchmarks/bench_memory.py [--quick] [--skip-capacity]``.
"""

from __future__ import annotations

import os

# One BLAS thread per process, set before numpy loads: both sides of every comparison run on
# one core, and the capacity sweep's worker processes (forked from this one) do not
# oversubscribe the cores with BLAS threads. Override by exporting the variables.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import dynamics as dyn  # noqa: E402


def numpy_async_recall(w, probe, rng, max_sweeps=100):
    """Reference: random-permutation sweeps, each field recomputed as a dot product."""
    s = probe.copy()
    updates = 0
    for _ in range(max_sweeps):
        flips = 0
        for i in rng.permutation(s.size):
            h = w[i] @ s
            updates += 1
            new = 1.0 if h > 0 else (-1.0 if h < 0 else s[i])
            if new != s[i]:
                s[i] = new
                flips += 1
        if flips == 0:
            break
    return s, updates


def numpy_sync_recall(w, probe, tol, max_sweeps=100):
    """Reference: one probe at a time, s <- sign(W s) until a fixed point or a 2-cycle
    (fields within ``tol`` of 0 are ties that keep the state, the rule of the package)."""
    s = probe.copy()
    prev = None
    for _ in range(max_sweeps):
        h = w @ s
        new = np.where(h > tol, 1.0, np.where(h < -tol, -1.0, s))
        if np.array_equal(new, s) or (prev is not None and np.array_equal(new, prev)):
            return new
        prev, s = s, new
    return s


def best_of(fn, repeats):
    best = np.inf
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def bench_async(n, n_probes, n_ref, repeats, flip):
    xi = dyn.random_patterns(int(0.1 * n), n, seed=0)
    net = dyn.HopfieldNetwork(n).store(xi)
    probes = dyn.flip_bits(xi[np.arange(n_probes) % xi.shape[0]], flip, seed=1)
    net.recall(probes[:2], seed=0)  # compile (or load from the numba cache)
    t_ours, res = best_of(lambda: net.recall(probes, seed=2), repeats)
    ours_rate = res.updates.sum() / t_ours
    w = np.array(net.weights)
    rng = np.random.default_rng(3)

    def ref():
        return sum(numpy_async_recall(w, p, rng)[1] for p in probes[:n_ref])

    t_ref, ref_updates = best_of(ref, 1)
    ref_rate = ref_updates / t_ref
    return ours_rate, ref_rate


def bench_sync(n, n_probes, repeats):
    xi = dyn.random_patterns(int(0.1 * n), n, seed=0)
    net = dyn.HopfieldNetwork(n).store(xi)
    idx = np.random.default_rng(4).integers(0, xi.shape[0], size=n_probes)
    probes = dyn.flip_bits(xi[idx], 0.2, seed=5)
    t_ours, res = best_of(lambda: net.recall(probes, mode="sync"), repeats)
    w = np.array(net.weights)
    tol = net.tie_tolerance
    t_ref, ref_states = best_of(
        lambda: np.array([numpy_sync_recall(w, p, tol) for p in probes]), 1
    )
    agree = float(np.mean(np.all(ref_states == res.states, axis=1)))
    return t_ours, t_ref, agree


def capacity_grid(n, n_loads):
    ranges = {"hebbian": (0.02, 0.30), "storkey": (0.03, 0.60), "pseudoinverse": (0.05, 0.95)}
    return [{"rule": rule, "n_neurons": n, "alpha": float(a), "flip_fraction": 0.05,
             "n_probes": 50}
            for rule, (lo, hi) in ranges.items()
            for a in np.round(np.linspace(lo, hi, n_loads), 4)]


def bench_capacity(n, n_loads, n_seeds, workers):
    points = capacity_grid(n, n_loads)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = dyn.sweep(dyn.capacity_task, points, seeds=n_seeds, base_seed=0,
                        store=os.path.join(tmp, "store"), executor="processes",
                        n_workers=workers, progress=False)
        wall = time.perf_counter() - t0
    task_seconds = float(np.sum(res["wall_time"]))
    alpha_c = {}
    for rule in ("hebbian", "storkey", "pseudoinverse"):
        rows = [r for r in res if r["rule"] == rule]
        loads = np.array(sorted({r["alpha"] for r in rows}))
        mean = [np.mean([r["fraction_retrieved"] for r in rows if r["alpha"] == a]) for a in loads]
        alpha_c[rule] = dyn.estimate_alpha_c(loads, mean)
    return wall, task_seconds, len(res), len(res.failed), alpha_c


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--skip-capacity", action="store_true", help="skip the capacity grid")
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores; load average {os.getloadavg()[0]:.1f} at start "
          f"(other processes share the cores); BLAS threads per process: "
          f"{os.environ['OPENBLAS_NUM_THREADS']}")
    n = 200 if args.quick else 1000
    rows = []

    for flip in (0.1, 0.2):
        ours, ref = bench_async(n, 20 if args.quick else 200, 2 if args.quick else 5, 3, flip)
        rows.append((f"async recall N={n}, {flip:.0%} flipped (updates/s)", f"{ours:.3g}",
                     f"{ref:.3g}", ours / ref, 50))

    n_probes = 100 if args.quick else 1000
    t_ours, t_ref, agree = bench_sync(n, n_probes, 3)
    rows.append((f"sync recall {n_probes} probes N={n} (s)", f"{t_ours:.3g}", f"{t_ref:.3g}",
                 t_ref / t_ours, 20))

    print()
    print(f"{'benchmark':46s} {'dynamics':>12s} {'numpy':>12s} {'ratio':>8s} {'target':>7s}")
    for name, a, b, ratio, target in rows:
        print(f"{name:46s} {a:>12s} {b:>12s} {ratio:8.1f} {'>=' + str(target):>7s}")
    print(f"(sync: batched and per-probe numpy final states agree for {agree:.0%} of probes)")

    if not args.skip_capacity:
        n_cap, n_loads, n_seeds = (200, 5, 2) if args.quick else (1000, 20, 20)
        workers = min(2, cores)
        wall, task_s, n_ok, n_failed, alpha_c = bench_capacity(n_cap, n_loads, n_seeds,
                                                               workers)
        print()
        print(f"capacity grid N={n_cap}: {n_loads} loads x {n_seeds} seeds x 3 rules = "
              f"{n_ok} tasks ({n_failed} failed) on {workers} worker processes")
        print(f"  wall time {wall:.1f} s (target < 300 s); summed task time {task_s:.1f} s; "
              f"load average now {os.getloadavg()[0]:.1f}")
        print("  alpha_c: " + ", ".join(f"{k} {v:.3f}" for k, v in alpha_c.items()))


if __name__ == "__main__":
    main()
