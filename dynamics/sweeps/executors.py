"""Where the tasks of a sweep run: in this process, a local process pool, or a Dask cluster.

Every executor runs the same worker function, :func:`run_task`, which calls ``fn(params,
seed)`` and returns a plain outcome dict (result or traceback, wall time, worker). Only the
process that called :func:`dynamics.sweep` writes the store, so Dask workers need no shared
file system. Each executor yields ``(task, outcome)`` pairs as tasks complete and keeps a
bounded number of tasks in flight, so a sweep of any size needs little memory and an
interrupted sweep loses at most the tasks in flight.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, NamedTuple

import numpy as np

from dynamics.sweeps.portable import ScenarioFunction, dump_function, load_function

__all__ = ["Task", "run_task", "split_result", "EXECUTORS", "iter_outcomes", "RESERVED"]

EXECUTORS = ("serial", "processes", "dask")
RESERVED = frozenset({"task_id", "replicate", "seed", "status", "error", "traceback",
                      "wall_time", "worker"})
DIST_HINT = 'pip install "dynamics[dist]"'


class Task(NamedTuple):
    """One unit of work: a parameter set, a replicate index and the seed derived from them."""

    task_id: str
    params: dict
    replicate: int
    seed: int


def _jsonable(value: Any, where: str) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, list | tuple):
        return [_jsonable(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: dict keys must be str, got {k!r}")
            out[k] = _jsonable(v, f"{where}[{k!r}]")
        return out
    raise TypeError(
        f"{where}: expected a JSON-serialisable value or a numpy array, got "
        f"{type(value).__name__}"
    )


def split_result(result: Any, params: dict) -> tuple[dict, dict[str, np.ndarray]]:
    """Split ``fn``'s return value into its JSON part and its numpy arrays (ndim >= 1)."""
    if not isinstance(result, dict):
        raise TypeError(
            f"fn must return a dict of results, got {type(result).__name__}"
        )
    plain: dict[str, Any] = {}
    arrays: dict[str, np.ndarray] = {}
    for key, value in result.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise TypeError(f"fn result: keys must be identifiers (str), got {key!r}")
        if key in RESERVED or key in params:
            raise ValueError(
                f"fn result: key {key!r} clashes with "
                + ("a parameter name" if key in params else "a name the sweep table uses")
            )
        if isinstance(value, np.ndarray) and value.ndim >= 1:
            if value.dtype == object:
                raise TypeError(f"fn result[{key!r}]: object arrays cannot be stored")
            arrays[key] = value
        else:
            plain[key] = _jsonable(value, f"fn result[{key!r}]")
    return plain, arrays


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_task(fn_or_blob: bytes | Callable, params: dict, seed: int) -> dict:
    """Run one task where it is executed; never raises for an error of ``fn``.

    Returns ``{"status": "ok", "result", "arrays", "wall_time", "worker"}``, or
    ``{"status": "failed", "error", "traceback", ...}`` when ``fn`` raised or returned
    something that cannot be stored, or ``{"status": "unavailable", ...}`` when the function
    could not be loaded in this worker (an environment problem, not a task failure).
    """
    try:
        fn = load_function(fn_or_blob)
        if isinstance(fn, ScenarioFunction):  # load the script outside the timed call
            fn = fn.resolve()
    except Exception as exc:
        return {
            "status": "unavailable",
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
            "worker": _worker_name(),
        }
    start = time.perf_counter()
    try:
        plain, arrays = split_result(fn(dict(params), seed), params)
    except Exception as exc:
        return {
            "status": "failed",
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
            "wall_time": time.perf_counter() - start,
            "worker": _worker_name(),
        }
    return {
        "status": "ok",
        "result": plain,
        "arrays": arrays,
        "wall_time": time.perf_counter() - start,
        "worker": _worker_name(),
    }


def _lost(exc: BaseException, what: str) -> dict:
    return {
        "status": "failed",
        "error": f"{type(exc).__name__}: {what}",
        "traceback": "".join(traceback.format_exception(exc)),
        "wall_time": None,
        "worker": None,
    }


def _serial(fn: Callable, tasks: Iterable[Task]) -> Iterator[tuple[Task, dict]]:
    for task in tasks:
        yield task, run_task(fn, task.params, task.seed)


def _exit_with_parent(parent_pid: int, blas_threads: int = 1) -> None:
    """Worker initializer: exit when the sweeping process dies (e.g. SIGKILL), so no
    orphaned worker keeps computing a task whose result nobody will store; and give the
    worker's BLAS its share of the cores (``blas_threads``), so that the workers' thread
    pools do not oversubscribe the machine."""
    import threading

    from dynamics._blas import set_process_blas_threads

    set_process_blas_threads(blas_threads)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="dynamics-sweep-parent-watch", daemon=True).start()


def _new_pool(n_workers: int) -> ProcessPoolExecutor:
    blas_threads = max(1, (os.cpu_count() or 1) // n_workers)
    return ProcessPoolExecutor(
        max_workers=n_workers,
        initializer=_exit_with_parent,
        initargs=(os.getpid(), blas_threads),
    )


def _processes(fn: Callable, tasks: Iterable[Task], n_workers: int) -> Iterator[tuple[Task, dict]]:
    blob = dump_function(fn)
    window = 2 * n_workers
    pending = iter(tasks)
    unsent: list[Task] = []  # tasks refused by a pool found broken at submission
    died = "a worker process died while this task was in flight (crash, out of memory or killed)"
    pool = _new_pool(n_workers)
    futures: dict[Any, Task] = {}
    try:
        while True:
            broken = False
            while len(futures) < window:
                task = unsent.pop() if unsent else next(pending, None)
                if task is None:
                    break
                try:
                    futures[pool.submit(run_task, blob, task.params, task.seed)] = task
                except BrokenProcessPool:
                    unsent.append(task)  # it never ran: submit it to the next pool
                    broken = True
                    break
            if not futures and not broken:
                return
            if not broken:
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                for future in done:
                    task = futures.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool as exc:
                        broken = True
                        outcome = _lost(exc, died)
                    yield task, outcome
            if broken:  # every task in flight is lost too: report them, start a new pool
                for future, task in list(futures.items()):
                    try:
                        outcome = future.result()
                    except BrokenProcessPool as exc:
                        outcome = _lost(exc, died)
                    yield task, outcome
                futures.clear()
                pool.shutdown(wait=True)
                pool = _new_pool(n_workers)
    finally:
        for future in futures:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def import_distributed():
    """``dask.distributed``, or an ``ImportError`` saying how to install it."""
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(
            'executor="dask" needs the optional dependency dask.distributed, which is not '
            f"installed; install it with: {DIST_HINT}"
        ) from exc
    return distributed


def _dask(
    fn: Callable, tasks: Iterable[Task], address: str | None, n_workers: int | None
) -> Iterator[tuple[Task, dict]]:
    distributed = import_distributed()
    blob = dump_function(fn, by_value=True)
    cluster = None
    if address is None:
        cluster = distributed.LocalCluster(
            n_workers=n_workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",  # any free port, local only
            silence_logs=logging.ERROR,
        )
        client = distributed.Client(cluster)
    else:
        try:
            client = distributed.Client(address, timeout="20s")
        except OSError as exc:
            raise ConnectionError(
                f"address: could not connect to a Dask scheduler at {address!r} ({exc}); start "
                "one with `dask scheduler` and workers with `dask worker ADDRESS`"
            ) from None
    futures: dict[str, Task] = {}
    try:
        pending = iter(tasks)
        completed = distributed.as_completed()
        window_checked = [-float("inf"), 16]  # last check time, tasks to keep in flight

        def window() -> int:
            # re-read the cluster size every few seconds: workers may join later
            # (adaptive or job-queue clusters)
            if time.monotonic() - window_checked[0] > 5.0:
                threads = sum(client.nthreads().values())
                window_checked[:] = [time.monotonic(), max(4 * threads, 16)]
            return window_checked[1]

        def submit_more() -> None:
            while len(futures) < window():
                task = next(pending, None)
                if task is None:
                    return
                future = client.submit(run_task, blob, task.params, task.seed, pure=False)
                futures[future.key] = (task, future)
                completed.add(future)

        submit_more()
        for future in completed:
            task, _ = futures.pop(future.key)
            try:
                outcome = future.result()
            except ImportError as exc:  # the worker cannot import dynamics (or fn's module)
                outcome = {"status": "unavailable", "error": f"{type(exc).__name__}: {exc}",
                           "traceback": "".join(traceback.format_exception(exc))}
            except Exception as exc:  # worker lost, task killed, cancelled
                outcome = _lost(exc, f"the Dask task did not complete: {exc}")
            future.release()
            yield task, outcome
            submit_more()
    finally:
        for _, future in futures.values():
            future.cancel()
        client.close()
        if cluster is not None:
            cluster.close()


def iter_outcomes(
    fn: Callable,
    tasks: list[Task],
    executor: str,
    address: str | None = None,
    n_workers: int | None = None,
) -> Iterator[tuple[Task, dict]]:
    """Run ``tasks`` on ``executor``; yield ``(task, outcome)`` as each completes."""
    if executor == "serial":
        return _serial(fn, tasks)
    if executor == "processes":
        return _processes(fn, tasks, n_workers or os.cpu_count() or 1)
    if executor == "dask":
        return _dask(fn, tasks, address, n_workers)
    raise ValueError(f"executor: expected one of {EXECUTORS}, got {executor!r}")
