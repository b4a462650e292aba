"""Benchmark of the TSP networks: matrix-free Hopfield-Tank field against the dense product.

1. The Hopfield-Tank field at n = 30 cities (900 neurons): the model's matrix-free kernel
   (row sums, column sums, the total and one (n, n) x (n, n) product ``d P``; O(n^2) memory,
   O(n^3) time) against the explicit n^2 x n^2 weights ``-u/tau + T V + I`` (one dense
   matrix-vector product, O(n^4) memory and time), on the same states: the maximum
   difference and the time ratio, interleaved, medians of repeated timings. Also a batch of
   64 states (``rhs_batch``: one BLAS-3 product) against 64 dense products (T @ V for the
   whole batch at once).
2. Time per run against n: ``solve_tsp`` with the elastic net and with Potts mean-field
   annealing on random uniform instances of n = 25, 50, 100, 200 cities (one restart each,
   after a warm-up call that compiles the kernels).

Run: ``.venv/bin/python benchmarks/bench_tsp.py [--quick]``.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import dynamics as dyn  # noqa: E402


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def field_benchmark(n: int, repeats: int, batch: int) -> None:
    inst = dyn.random_instance(n, seed=0)
    model = dyn.HopfieldTank(inst)
    T, I = model.dense_weights()
    rng = np.random.default_rng(1)
    U = model.u00 + 0.5 * model.u0 * rng.standard_normal((batch, model.n_states))
    u = np.ascontiguousarray(U[0])
    out = np.empty(model.n_states)
    inv_tau = 1.0 / model.tau

    p = model.kernel_params()

    def free():
        model.rhs_kernel(0.0, u, p, out)

    def dense():
        v = 0.5 * (1.0 + np.tanh(u / model.u0))
        return -u * inv_tau + T @ v + I

    free()
    diff = float(np.max(np.abs(out - dense())))
    scale = float(np.max(np.abs(out)))
    t_free, t_dense = [], []
    for _ in range(repeats):  # interleaved: both see the same machine load
        t_free.append(_median_time(free, 5))
        t_dense.append(_median_time(dense, 5))
    tf, td = float(np.median(t_free)), float(np.median(t_dense))
    print(f"Hopfield-Tank field, n = {n} ({n * n} neurons, dense T is {n**2} x {n**2}, "
          f"{T.nbytes / 2**20:.0f} MiB):")
    print(f"  max |matrix-free - dense| = {diff:.2e} (field scale {scale:.2e})")
    print(f"  one state : matrix-free {1e6 * tf:8.1f} us, dense {1e6 * td:8.1f} us, "
          f"ratio dense / matrix-free = {td / tf:.1f}")

    OUT = np.empty_like(U)
    t = np.zeros(batch)

    p_batch = model.ensemble_params(batch)  # with the batched kernel's work area

    def free_batch():
        model.rhs_batch_kernel(t, U, p_batch, OUT)

    def dense_batch():
        V = 0.5 * (1.0 + np.tanh(U / model.u0))
        return -U * inv_tau + V @ T.T + I

    free_batch()
    diff_b = float(np.max(np.abs(OUT - dense_batch())))
    tb_free, tb_dense = [], []
    for _ in range(repeats):
        tb_free.append(_median_time(free_batch, 3))
        tb_dense.append(_median_time(dense_batch, 3))
    tbf, tbd = float(np.median(tb_free)), float(np.median(tb_dense))
    print(f"  batch {batch}  : matrix-free {1e3 * tbf:8.2f} ms, dense {1e3 * tbd:8.2f} ms, "
          f"ratio dense / matrix-free = {tbd / tbf:.1f} (max diff {diff_b:.2e})")


def scaling_benchmark(sizes: list[int]) -> None:
    warm = dyn.random_instance(12, seed=0)
    for method in ("elastic_net", "mean_field"):
        dyn.solve_tsp(warm, method, seed=0)  # compile outside the timings
    print("time per run (one restart) against n, random uniform cities:")
    print("      n   elastic_net (s)   mean_field (s)   state memory (MiB, mean_field V)")
    for n in sizes:
        inst = dyn.random_instance(n, seed=n)
        times = {}
        for method in ("elastic_net", "mean_field"):
            runs = [dyn.solve_tsp(inst, method, seed=s).time_s for s in range(3)]
            times[method] = float(np.median(runs))
        print(f"  {n:5d}   {times['elastic_net']:15.2f}   {times['mean_field']:14.2f}   "
              f"{8 * n * n / 2**20:10.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {load:.1f} at start (figures from a shared machine vary)")
    field_benchmark(30, repeats=3 if args.quick else 9, batch=16 if args.quick else 64)
    scaling_benchmark([25, 50] if args.quick else [25, 50, 100, 200])


if __name__ == "__main__":
    main()
