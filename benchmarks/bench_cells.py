"""Benchmark: forward + backward (exact BPTT) of dyn.LSTM / dyn.GRU.

Shapes: T = 100, B = 32, input 16, hidden 32 and 128, float32 and float64.
Timed in the same run against
  * PyTorch CPU (torch.nn.LSTM / GRU, autograd backward) when torch is importable, and
  * a plain-numpy reference implementation written below (per-step numpy, always run;
    its gradients are also checked against ours).
Ratios are ours / baseline time (< 1 means we are faster). Targets: float64 <= 1.0 vs torch,
float32 <= 1.5 vs torch.

Run:  python benchmarks/bench_cells.py [--repeats N]
      PYTHONPATH=. /tmp/torchvenv/bin/python benchmarks/bench_cells.py   (with torch)
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import dynamics as dyn

try:  # optional baseline
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None

T, B, INPUT = 100, 32, 16
HIDDEN = (32, 128)
DTYPES = (np.float32, np.float64)
KINDS = ("LSTM", "GRU")


# ----------------------------------------------------------------------------- numpy reference
def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def numpy_lstm(p, x, R):
    """Plain numpy LSTM forward + BPTT for L = sum(output * R); returns the gradients."""
    w_ih, w_hh, b = p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"] + p["bias_hh_l0"]
    Tn, Bn, _ = x.shape
    H = w_hh.shape[1]
    h = np.zeros((Bn, H), x.dtype)
    c = np.zeros((Bn, H), x.dtype)
    hs, cs, gates = [h], [c], []
    for t in range(Tn):
        a = x[t] @ w_ih.T + h @ w_hh.T + b
        i, f, g, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), \
            _sigmoid(a[:, 3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
        cs.append(c)
        gates.append((i, f, g, o))
    dW_ih, dW_hh, db = np.zeros_like(w_ih), np.zeros_like(w_hh), np.zeros_like(b)
    dx = np.empty_like(x)
    dh = np.zeros((Bn, H), x.dtype)
    dc = np.zeros((Bn, H), x.dtype)
    for t in reversed(range(Tn)):
        i, f, g, o = gates[t]
        dh = dh + R[t]
        tc = np.tanh(cs[t + 1])
        dc = dc + dh * o * (1 - tc * tc)
        da = np.concatenate([dc * g * i * (1 - i), dc * cs[t] * f * (1 - f),
                             dc * i * (1 - g * g), dh * tc * o * (1 - o)], axis=1)
        dW_ih += da.T @ x[t]
        dW_hh += da.T @ hs[t]
        db += da.sum(0)
        dx[t] = da @ w_ih
        dh = da @ w_hh
        dc = dc * f
    return {"weight_ih_l0": dW_ih, "weight_hh_l0": dW_hh, "bias_ih_l0": db, "bias_hh_l0": db}, dx


def numpy_gru(p, x, R):
    """Plain numpy GRU (PyTorch form) forward + BPTT for L = sum(output * R)."""
    w_ih, w_hh, b_ih, b_hh = (p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"],
                              p["bias_hh_l0"])
    Tn, Bn, _ = x.shape
    H = w_hh.shape[1]
    h = np.zeros((Bn, H), x.dtype)
    hs, cache = [h], []
    for t in range(Tn):
        ai = x[t] @ w_ih.T + b_ih
        ah = h @ w_hh.T + b_hh
        r = _sigmoid(ai[:, :H] + ah[:, :H])
        z = _sigmoid(ai[:, H:2 * H] + ah[:, H:2 * H])
        n = np.tanh(ai[:, 2 * H:] + r * ah[:, 2 * H:])
        h = (1 - z) * n + z * h
        hs.append(h)
        cache.append((r, z, n, ah[:, 2 * H:]))
    dW_ih, dW_hh = np.zeros_like(w_ih), np.zeros_like(w_hh)
    db_ih, db_hh = np.zeros_like(b_ih), np.zeros_like(b_hh)
    dx = np.empty_like(x)
    dh = np.zeros((Bn, H), x.dtype)
    for t in reversed(range(Tn)):
        r, z, n, hn = cache[t]
        dh = dh + R[t]
        dan = dh * (1 - z) * (1 - n * n)
        daz = dh * (hs[t] - n) * z * (1 - z)
        dar = dan * hn * r * (1 - r)
        dai = np.concatenate([dar, daz, dan], axis=1)
        dah = np.concatenate([dar, daz, dan * r], axis=1)
        dW_ih += dai.T @ x[t]
        dW_hh += dah.T @ hs[t]
        db_ih += dai.sum(0)
        db_hh += dah.sum(0)
        dx[t] = dai @ w_ih
        dh = dah @ w_hh + dh * z
    return {"weight_ih_l0": dW_ih, "weight_hh_l0": dW_hh, "bias_ih_l0": db_ih,
            "bias_hh_l0": db_hh}, dx


# ----------------------------------------------------------------------------- timing
def interleaved_min(fns: dict, repeats: int) -> dict:
    """Minimum wall time of each function, the candidates run in turn (round robin) so that
    a change of machine load affects all of them alike."""
    for fn in fns.values():
        fn()  # warm-up: compilation, allocator, thread pools
    best = {k: np.inf for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            time.sleep(0.05)  # let other thread pools (OpenMP spin-waits) go idle first
            t0 = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - t0)
    return best


def torch_runner(kind, H, dtype, x, R, threads):
    tdt = torch.float32 if dtype == np.float32 else torch.float64
    tm = getattr(torch.nn, kind)(INPUT, H).to(tdt)
    tx = torch.tensor(x, requires_grad=True)
    tR = torch.tensor(R)

    def run():
        prev = torch.get_num_threads()
        torch.set_num_threads(threads)
        for prm in tm.parameters():
            prm.grad = None
        tx.grad = None
        out, _ = tm(tx)
        out.backward(tR)
        torch.set_num_threads(prev)

    return run


def bench_case(kind, H, dtype, repeats):
    rng = np.random.default_rng(0)
    model = getattr(dyn, kind)(INPUT, H, dtype=dtype, seed=0)
    x = rng.standard_normal((T, B, INPUT)).astype(dtype)
    R = rng.standard_normal((T, B, H)).astype(dtype)

    def ours():
        model.forward(x)
        return model.backward(R)

    ref = numpy_lstm if kind == "LSTM" else numpy_gru
    params = model.parameters()
    # correctness of the comparison: same gradients as the reference
    g_ref, dx_ref = ref(params, x, R)
    dx, g = ours()
    tol = 1e-8 if dtype == np.float64 else 1e-2
    assert np.allclose(dx, dx_ref, atol=tol), "input gradient differs from numpy reference"
    for k in g_ref:
        assert np.allclose(g[k], g_ref[k], atol=tol * 10, rtol=1e-3), k
    fns = {"ours": ours, "numpy": lambda: ref(params, x, R)}
    if torch is not None:
        ncores = os.cpu_count() or 1
        fns["torch"] = torch_runner(kind, H, dtype, x, R, ncores)
        if ncores > 1:
            fns["torch_1t"] = torch_runner(kind, H, dtype, x, R, 1)
    row = {"kind": kind, "H": H, "dtype": np.dtype(dtype).name}
    row.update(interleaved_min(fns, repeats))
    return row


def openblas_cores() -> str:
    """Kernel family OpenBLAS selected (numpy's and scipy's builds), for the table header."""
    import ctypes
    import glob

    import scipy

    names = []
    for mod in (np, scipy):
        libdir = os.path.join(os.path.dirname(mod.__file__), os.pardir, f"{mod.__name__}.libs")
        for path in sorted(glob.glob(os.path.join(libdir, "libscipy_openblas*.so*"))):
            lib = ctypes.CDLL(path)
            for sym in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename"):
                fn = getattr(lib, sym, None)
                if fn is not None:
                    fn.restype = ctypes.c_char_p
                    names.append(f"{mod.__name__}: {fn().decode()}")
                    break
    return ", ".join(names) or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    rows = [bench_case(kind, H, dt, args.repeats)
            for kind in KINDS for H in HIDDEN for dt in DTYPES]
    cores = os.cpu_count()
    print(f"dynamics cells benchmark: forward+backward, T={T}, B={B}, input={INPUT}; "
          f"{cores} cores; best of {args.repeats} interleaved runs; "
          f"dynamics BLAS threads = {dyn.get_blas_threads()}")
    print(f"OpenBLAS kernels: {openblas_cores()}")
    if os.getloadavg()[0] > (cores or 1):
        print(f"note: machine busy (load average {os.getloadavg()[0]:.1f} on {cores} cores)")
    if torch is not None:
        print(f"torch {torch.__version__}: 'torch' = {cores} threads, 'torch 1t' = 1 thread; "
              "ours/torch uses the faster of the two")
    else:
        print("torch not importable: comparing with the plain-numpy reference only")
    head = f"{'layer':5} {'H':>4} {'dtype':8} {'ours ms':>8} {'numpy ms':>9} {'ours/numpy':>10}"
    if torch is not None:
        head += f" {'torch ms':>9} {'torch 1t':>9} {'ours/torch':>10} {'target':>7}"
    print(head)
    print("-" * len(head))
    for r in rows:
        line = (f"{r['kind']:5} {r['H']:>4} {r['dtype']:8} {1e3 * r['ours']:8.2f} "
                f"{1e3 * r['numpy']:9.2f} {r['ours'] / r['numpy']:10.2f}")
        if torch is not None:
            t1 = r.get("torch_1t", np.inf)
            best = min(r["torch"], t1)
            target = 1.0 if r["dtype"] == "float64" else 1.5
            ratio = r["ours"] / best
            line += (f" {1e3 * r['torch']:9.2f} {1e3 * t1:9.2f} {ratio:10.2f} "
                     f"{'ok' if ratio <= target else 'MISS':>7}")
        print(line)


if __name__ == "__main__":
    main()
