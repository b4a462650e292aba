"""Module-level task functions for the sweep tests (importable by worker processes).

The test modules in this folder import it as ``sweep_tasks`` (pytest puts this folder on
sys.path; worker processes inherit sys.path).
"""

from __future__ import annotations

import os
import time

import numpy as np


def noisy_quadratic(params: dict, seed) -> dict:
    """A result depending on params and on the seed's random stream (scalar + array)."""
    rng = np.random.default_rng(seed)
    a = params["a"]
    return {"y": a * a + rng.standard_normal(), "draws": rng.random(4), "label": f"a={a}"}


def logged(params: dict, seed) -> dict:
    """Appends one line per call to params["log"]; fails while params["fail_flag"] exists.

    Sleeps params.get("sleep", 0) seconds, so a sweep can be killed midway.
    """
    with open(params["log"], "a") as fh:
        fh.write(f"{params['a']}\n")
    time.sleep(params.get("sleep", 0.0))
    flag = params.get("fail_flag")
    if flag and params["a"] == 3 and os.path.exists(flag):
        raise RuntimeError(f"task a=3 told to fail by {flag}")
    rng = np.random.default_rng(seed)
    return {"y": float(params["a"]) + rng.random(), "trace": rng.random(3)}


def returns_list(params: dict, seed) -> list:
    return [params["a"]]


def clashing_key(params: dict, seed) -> dict:
    return {"a": 1}


def echo_seed(params: dict, seed) -> dict:
    return {"got_seed": seed}


def crashes(params: dict, seed) -> dict:
    """Kills its worker process (as a segfault would) while params["crash_flag"] exists."""
    if params["a"] == 2 and os.path.exists(params["crash_flag"]):
        os._exit(3)
    time.sleep(0.05)
    return {"y": params["a"]}


def interrupted_at_3(params: dict, seed) -> dict:
    """Raises KeyboardInterrupt (as Ctrl-C would) at a = 3 while params["flag"] exists."""
    if params["a"] == 3 and os.path.exists(params["flag"]):
        raise KeyboardInterrupt
    return {"y": params["a"]}


def long_solve(params: dict, seed) -> dict:
    """Writes this worker's pid to params["pid_dir"], then runs one very long compiled
    solve (an asymmetric network on a limit cycle: the step size never grows)."""
    import pathlib

    import dynamics as dyn

    model = dyn.ContinuousHopfield([[1.5, 3.0], [-1.0, 0.5]], gain_scale=3.0)
    dyn.solve(model, (0.0, 1.0), [0.1, 0.0])  # load the compiled engine first
    pathlib.Path(params["pid_dir"], str(os.getpid())).touch()
    sol = dyn.solve(model, (0.0, 1e12), [0.1, 0.0], t_eval=[0.0, 1e12], max_steps=10**15)
    return {"status": sol.status}
