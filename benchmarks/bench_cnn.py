"""Benchmark: the matrix-free cellular network against dense-matrix and sparse-matrix forms.

``dyn.CellularNetwork`` (Chua & Yang 1988) applies its feedback template as a compiled stencil:
memory O(M N), never an (M N)^2 matrix. The same network written as an explicit coupling matrix
W (row i*N + j holds A[k, l] at column (i+k)*N + (j+l); fixed virtual cells folded into the
constant input) is dx/dt = -x + W y + c, timed as

* dense: ``dyn.ContinuousHopfield(W, I=c, gain="piecewise_linear")`` -- the package's dense
  model, y = clip(x, -1, 1), W @ y by BLAS gemv -- through the same kernels and solver, and the
  one-line numpy form ``-x + W @ clip(x) + c``. W takes 8 (M N)^2 bytes: 134 MB at 64 x 64,
  34 GB at 256 x 256, so the dense form is timed at 64 x 64 only;
* CSR: ``scipy.sparse.csr_matrix`` W, ``-x + W @ clip(x) + c``, at both sizes, with a
  straightforward numpy RK4 loop for the solver step.

Workload: the hole-filling template (A = [0 1 0; 1 2 1; 0 1 0], B centre 4, I = -1, x(0) = 1)
on matplotlib's sample photograph, binarised. The stencil and the CSR matrix both use the 5
non-zeros of the 3x3 template. Times are per RHS evaluation (compiled kernel with a
preallocated output for ours and the dense model) and per fixed-step RK4 step (dt = 0.05; a
solve of 400 steps at 64 x 64 and 100 at 256 x 256, 20 for the dense model, divided by the
steps; the energy at the two saved ends included); medians of ``--repeats`` (>= 7)
interleaved repeats after a warm-up. Before timing, every formulation's RHS is checked
against the stencil's and the dense model's trajectory against ours. BLAS runs
single-threaded (set before numpy loads).

Usage: ``python benchmarks/bench_cnn.py [--repeats K]``.
"""

from __future__ import annotations

import argparse
import os
import platform

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numba  # noqa: E402
import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from bench_integrators import cpu_model, interleaved  # noqa: E402 (this folder is on sys.path)

import dynamics as dyn  # noqa: E402

DT = 0.05
DENSE_STEPS = 20  # the dense model's step takes ~100 ms at 64 x 64
TEMPLATE = "hole_filling"


def coupling_coo(a: np.ndarray, m: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns and values of the (mn, mn) coupling of template ``a`` (fixed boundary:
    entries that would hit virtual cells are dropped; their effect is in the constant)."""
    r = a.shape[0] // 2
    ii, jj = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    rows, cols, vals = [], [], []
    for k in range(-r, r + 1):
        for l in range(-r, r + 1):  # noqa: E741
            w = a[k + r, l + r]
            if w == 0.0:
                continue
            ok = (ii + k >= 0) & (ii + k < m) & (jj + l >= 0) & (jj + l < n)
            rows.append((ii * n + jj)[ok])
            cols.append(((ii + k) * n + (jj + l))[ok])
            vals.append(np.full(int(ok.sum()), w))
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)


def numpy_rhs(w, c):
    def rhs(x):
        return -x + w @ np.clip(x, -1.0, 1.0) + c

    return rhs


def numpy_rk4(rhs, x0: np.ndarray, steps: int) -> np.ndarray:
    x = x0.copy()
    for _ in range(steps):
        k1 = rhs(x)
        k2 = rhs(x + 0.5 * DT * k1)
        k3 = rhs(x + 0.5 * DT * k2)
        k4 = rhs(x + DT * k3)
        x = x + DT / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return x


def solve_steps(model, x0: np.ndarray, steps: int) -> np.ndarray:
    t_end = steps * DT
    sol = dyn.solve(model, (0.0, t_end), x0, method="rk4", dt=DT, save_every=steps)
    assert sol.success and sol.nsteps == steps, sol.message
    return sol.y[:, -1]


def kernel_call(model, x: np.ndarray):
    out = np.empty_like(x)
    kernel, params = model.rhs_kernel, model.kernel_params()

    def call():
        kernel(0.0, x, params, out)
        return out

    return call


def case(size: int, repeats: int, dense: bool) -> dict:
    u = dyn.binarize_image(dyn.sample_image((size, size)))
    net = dyn.CellularNetwork.from_template(TEMPLATE, u)
    mn = net.n_states
    c = net.rhs(np.zeros(mn))  # y(0) = 0: the constant B * u + I (+ fixed boundary term)
    rows, cols, vals = coupling_coo(net.A, size, size)
    csr = sp.csr_matrix((vals, (rows, cols)), shape=(mn, mn))
    x = np.random.default_rng(0).uniform(-1.5, 1.5, mn)
    rhs_csr = numpy_rhs(csr, c)
    np.testing.assert_allclose(rhs_csr(x), net.rhs(x), rtol=1e-12, atol=1e-12)
    steps = {"stencil step": 400 if size <= 64 else 100, "CSR step": 400 if size <= 64 else 100,
             "dense model step": DENSE_STEPS}
    x0 = net.x0
    fns = {
        "stencil rhs": kernel_call(net, x),
        "CSR rhs": lambda: rhs_csr(x),
        "stencil step": lambda: solve_steps(net, x0, steps["stencil step"]),
        "CSR step": lambda: numpy_rk4(rhs_csr, x0, steps["CSR step"]),
    }
    memory = {
        "stencil": net.kernel_params().nbytes,
        "CSR": csr.data.nbytes + csr.indices.nbytes + csr.indptr.nbytes,
        "dense": 8 * mn * mn,
    }
    if dense:
        w = np.zeros((mn, mn))
        w[rows, cols] = vals
        hop = dyn.ContinuousHopfield(w, I=c, gain="piecewise_linear")
        np.testing.assert_allclose(hop.rhs(x), net.rhs(x), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(solve_steps(hop, x0, 5), solve_steps(net, x0, 5),
                                   rtol=1e-10, atol=1e-10)
        rhs_dense = numpy_rhs(w, c)
        fns.update({
            "dense model rhs": kernel_call(hop, x),
            "dense numpy rhs": lambda: rhs_dense(x),
            "dense model step": lambda: solve_steps(hop, x0, DENSE_STEPS),
        })
        memory["dense"] = w.nbytes
    for fn in fns.values():  # warm-up: compilation and caches
        fn()
    inner = [50 if "rhs" in name else 1 for name in fns]
    medians, _ = interleaved(list(fns.values()), repeats, inner)
    times = dict(zip(fns, medians, strict=True))
    for name in fns:
        if "step" in name:
            times[name] /= steps[name]
    return {"size": size, "cells": mn, "times": times, "memory": memory, "dense": dense}


def _fmt_bytes(b: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if b >= scale:
            return f"{b / scale:.1f} {unit}"
    return f"{b:.0f} B"


def report(res: dict) -> None:
    t, mem = res["times"], res["memory"]
    s = res["size"]
    print(f"\n{s} x {s} image ({res['cells']} cells), template {TEMPLATE}")
    print(f"  {'formulation':<22}{'RHS [ms]':>10}{'step [ms]':>11}{'memory':>10}"
          f"{'RHS vs ours':>13}{'step vs ours':>14}")

    def row(label, rhs, step, memory):
        rr = f"{t[rhs] / t['stencil rhs']:.1f}x" if rhs else "-"
        ss = f"{t[step] / t['stencil step']:.1f}x" if step else "-"
        print(f"  {label:<22}{t[rhs] * 1e3 if rhs else float('nan'):>10.3f}"
              f"{t[step] * 1e3 if step else float('nan'):>11.3f}{_fmt_bytes(memory):>10}"
              f"{rr:>13}{ss:>14}")

    row("stencil (ours)", "stencil rhs", "stencil step", mem["stencil"])
    row("scipy CSR + numpy", "CSR rhs", "CSR step", mem["CSR"])
    if res["dense"]:
        row("dense model (BLAS)", "dense model rhs", "dense model step", mem["dense"])
        row("dense numpy gemv", "dense numpy rhs", None, mem["dense"])
    else:
        print(f"  dense: not run, its coupling matrix would take 8 (MN)^2 = "
              f"{_fmt_bytes(mem['dense'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    if args.repeats < 7:
        parser.error("--repeats: expected at least 7")
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}; numpy {np.__version__}, "
          f"scipy {scipy.__version__}, numba {numba.__version__}, python "
          f"{platform.python_version()}, BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}")
    print(f"RK4 with dt = {DT}; medians of {args.repeats} interleaved repeats (RHS: 50 calls "
          "per repeat)")
    for size, dense in ((64, True), (256, False)):
        report(case(size, args.repeats, dense))


if __name__ == "__main__":
    main()
