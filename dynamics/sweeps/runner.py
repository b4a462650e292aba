"""``sweep``: run a function over a parameter grid and seeds, durably and reproducibly."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from dynamics.sweeps.executors import (
    EXECUTORS,
    RESERVED,
    Task,
    import_distributed,
    iter_outcomes,
)
from dynamics.sweeps.grid import expand_grid
from dynamics.sweeps.portable import dump_function, function_name, portable
from dynamics.sweeps.results import SweepResult, best_records
from dynamics.sweeps.seeds import _check_base_seed, task_id, task_seed
from dynamics.sweeps.store import (
    SweepStore,
    git_commit,
    load_arrays,
    now_iso,
    package_version,
    read_store,
)

__all__ = ["sweep", "load_sweep"]


def _replicates(seeds: Any) -> list[int]:
    if isinstance(seeds, bool):
        raise TypeError(f"seeds: expected an int or a list of replicate indices, got {seeds!r}")
    if isinstance(seeds, int | np.integer):
        if seeds < 1:
            raise ValueError(f"seeds: expected at least 1 replicate, got {seeds}")
        return list(range(int(seeds)))
    if isinstance(seeds, Iterable) and not isinstance(seeds, str | bytes | Mapping):
        reps = list(seeds)
        if not reps:
            raise ValueError("seeds: expected at least one replicate index, got none")
        for r in reps:
            if isinstance(r, bool) or not isinstance(r, int | np.integer):
                raise TypeError(f"seeds: replicate indices must be ints, got {r!r}")
            if r < 0:
                raise ValueError(f"seeds: replicate indices must be >= 0, got {r}")
        if len(set(reps)) != len(reps):
            raise ValueError(f"seeds: replicate indices repeat: {reps}")
        return [int(r) for r in reps]
    raise TypeError(
        f"seeds: expected an int (number of replicates) or a list of replicate indices, "
        f"got {type(seeds).__name__}"
    )


def _check_address(address: Any) -> str:
    """A Dask scheduler address ``[scheme://]host[:port]``, checked before connecting."""
    if not isinstance(address, str) or not address.strip():
        raise TypeError(f"address: expected a scheduler address str such as "
                        f"'tcp://host:8786', got {address!r}")
    text = address if "://" in address else f"tcp://{address}"
    try:
        parts = urlsplit(text)
        port = parts.port  # ValueError for a port that is not a number in 0-65535
    except ValueError as exc:
        raise ValueError(
            f"address: expected 'scheme://host:port' with a port number 1-65535, got "
            f"{address!r} ({exc})"
        ) from None
    if not parts.hostname or port == 0 or parts.path not in ("", "/"):
        raise ValueError(
            f"address: expected 'scheme://host:port' with a host and a port number 1-65535, "
            f"got {address!r}"
        )
    return address


def _check_param_names(points: list[dict]) -> None:
    """Refuse parameter names that are the sweep's own columns (they would be overwritten)."""
    for point in points:
        clash = sorted(RESERVED.intersection(point))
        if clash:
            raise ValueError(
                f"grid: parameter name {clash[0]!r} is reserved: the sweep writes its own "
                f"{clash[0]!r} column (reserved names: {', '.join(sorted(RESERVED))}); "
                "rename the parameter"
            )


def _make_tasks(points: list[dict], replicates: list[int], base_seed: int) -> list[Task]:
    return [
        Task(task_id(p, r), p, r, task_seed(p, r, base_seed))
        for p in points
        for r in replicates
    ]


def _row(record: dict, arrays: dict) -> dict:
    return {
        **record["params"],
        "replicate": record["replicate"],
        "seed": record["seed"],
        **record.get("result", {}),
        **arrays,
        "wall_time": record.get("wall_time"),
    }


def _failure(record: dict) -> dict:
    return {
        "params": record["params"],
        "replicate": record["replicate"],
        "seed": record["seed"],
        "error": record.get("error"),
        "traceback": record.get("traceback"),
    }


def _build_result(order: list[str], best: dict[str, dict], arrays_of, n_tasks, path,
                  param_names) -> SweepResult:
    rows, failed = [], []
    for tid in order:
        record = best.get(tid)
        if record is None:
            continue
        if record["status"] == "ok":
            rows.append(_row(record, arrays_of(record)))
        else:
            failed.append(_failure(record))
    return SweepResult(rows, failed, n_tasks, path, param_names)


def sweep(
    fn: Callable[[dict, int], dict],
    grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]],
    *,
    seeds: int | Sequence[int] = 1,
    base_seed: int = 0,
    store: str | Path | None = None,
    executor: str = "serial",
    address: str | None = None,
    n_workers: int | None = None,
    resume: bool = True,
    retry_failed: bool = False,
    progress: bool = True,
) -> SweepResult:
    """Run ``fn(params, seed)`` for every grid point and replicate; return the results table.

    Parameters
    ----------
    fn
        ``fn(params: dict, seed: int) -> dict`` of JSON-serialisable values and numpy arrays.
        For ``"processes"`` and ``"dask"`` it must be picklable: a ``def`` at the top level of
        an importable module (or of a scenario script).
    grid
        A dict of value lists (their Cartesian product) or a list of parameter dicts.
    seeds
        Number of replicates per grid point, or an explicit list of replicate indices
        (``range(5, 10)`` adds five replicates to a sweep that had five).
    base_seed
        The sweep's seed. Task seeds are ``SeedSequence(base_seed, spawn_key=(sha256 of the
        canonical params, replicate))``: identical for every executor and completion order;
        :func:`dynamics.task_seed` recomputes one.
    store
        A folder for the durable store (see :mod:`dynamics.sweeps.store`), or ``None`` to keep
        results in memory only.
    executor
        ``"serial"`` (this process), ``"processes"`` (a local process pool) or ``"dask"``
        (``dask.distributed``: the cluster at ``address``, or a ``LocalCluster`` of
        ``n_workers`` single-threaded worker processes when ``address`` is None).
    address
        Dask scheduler address such as ``"tcp://host:8786"`` (``executor="dask"`` only).
    n_workers
        Worker processes for ``"processes"`` and a local Dask cluster (default: CPU count).
    resume
        Continue the sweep already in ``store``, skipping finished tasks. With
        ``resume=False`` a store that already holds results is an error (nothing is erased).
    retry_failed
        Run again the tasks whose stored record is a failure (otherwise they are skipped).
    progress
        Show a tqdm progress bar (done / failed / remaining, ETA) on stderr.

    Returns
    -------
    SweepResult
        Rows (dicts) of the successful tasks in grid order, columns as numpy arrays via
        ``result["name"]``, failures with tracebacks in ``result.failed``.
    """
    if not callable(fn):
        raise TypeError(f"fn: expected a callable fn(params, seed) -> dict, got {fn!r}")
    if executor not in EXECUTORS:
        raise ValueError(f"executor: expected one of {', '.join(EXECUTORS)}, got {executor!r}")
    if address is not None:
        if executor != "dask":
            raise ValueError(f"address: only used with executor='dask', got executor={executor!r}")
        _check_address(address)
    if n_workers is not None:
        if isinstance(n_workers, bool) or not isinstance(n_workers, int | np.integer):
            raise TypeError(f"n_workers: expected a positive int or None, got {n_workers!r}")
        if n_workers < 1:
            raise ValueError(f"n_workers: expected a positive int, got {n_workers}")
        if executor == "serial":
            raise ValueError("n_workers: not used with executor='serial'")
        if address is not None:
            raise ValueError("n_workers: an existing Dask cluster (address=...) has its own "
                             "workers; leave n_workers=None")
    if store is not None and not isinstance(store, str | os.PathLike):
        raise TypeError(f"store: expected a folder path or None, got {type(store).__name__}")
    for name, flag in (("resume", resume), ("retry_failed", retry_failed),
                       ("progress", progress)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name}: expected True or False, got {flag!r}")
    base_seed = _check_base_seed(base_seed)
    replicates = _replicates(seeds)
    points = expand_grid(grid)
    _check_param_names(points)
    fn = portable(fn)
    if executor == "dask":
        import_distributed()
    if executor != "serial":
        dump_function(fn, by_value=executor == "dask")  # fail early, before any work

    tasks = _make_tasks(points, replicates, base_seed)
    param_names = list(dict.fromkeys(k for p in points for k in p))
    meta = {"fn": function_name(fn), "base_seed": base_seed}
    with SweepStore(store, meta, resume=resume) as db:
        order = list(db.meta.get("task_order", []))
        known = set(order)
        order += [t.task_id for t in tasks if t.task_id not in known]
        db.update_meta(task_order=order)
        best = best_records(db.records)
        keep = {"ok"} if retry_failed else {"ok", "failed"}
        todo = [t for t in tasks if best.get(t.task_id, {}).get("status") not in keep]
        n_ok = sum(1 for t in tasks if best.get(t.task_id, {}).get("status") == "ok")
        n_failed = sum(1 for t in tasks if best.get(t.task_id, {}).get("status") == "failed")
        if retry_failed:
            n_failed = 0
        if todo:
            _run(fn, todo, executor, address, n_workers, db, progress, len(tasks),
                 n_ok, n_failed)
        best = best_records(db.records)
        result = _build_result([t.task_id for t in tasks], best, db.arrays_of, len(tasks),
                               db.path, param_names)
    if result.failed:
        first = result.failed[0]
        warnings.warn(
            f"sweep: {len(result.failed)} of {len(tasks)} tasks failed (first: params="
            f"{first['params']}, replicate={first['replicate']}: {first['error']}); see "
            "result.failed for tracebacks, rerun with retry_failed=True",
            RuntimeWarning,
            stacklevel=2,
        )
    return result


def _run(fn, todo, executor, address, n_workers, db, progress, total, n_ok, n_failed):
    from tqdm import tqdm

    version, commit = package_version(), git_commit()
    bar = tqdm(total=total, initial=n_ok + n_failed, desc="sweep", unit="task",
               disable=not progress, file=sys.stderr, dynamic_ncols=True)
    bar.set_postfix(done=n_ok, failed=n_failed, remaining=len(todo))
    remaining = len(todo)
    outcomes = iter_outcomes(fn, todo, executor, address, n_workers)
    try:
        for task, outcome in outcomes:
            if outcome["status"] == "unavailable":
                raise RuntimeError(
                    f"fn: the workers could not load {function_name(fn)} "
                    f"({outcome['error']}); the function must be importable on the workers "
                    "(install dynamics and the package that defines fn there, or define fn "
                    "in a module rather than in __main__)"
                )
            record = {
                "task_id": task.task_id,
                "params": task.params,
                "replicate": task.replicate,
                "seed": task.seed,
                "status": outcome["status"],
                "wall_time": outcome.get("wall_time"),
                "worker": outcome.get("worker"),
                "finished": now_iso(),
                "dynamics_version": version,
                "git_commit": commit,
            }
            if outcome["status"] == "ok":
                record["result"] = outcome["result"]
                arrays = outcome["arrays"]
                n_ok += 1
            else:
                record["error"] = outcome["error"]
                record["traceback"] = outcome["traceback"]
                arrays = None
                n_failed += 1
                if progress:
                    bar.write(f"sweep: task failed, params={task.params} "
                              f"replicate={task.replicate}: {outcome['error']}", file=sys.stderr)
            db.append(record, arrays)
            remaining -= 1
            bar.update(1)
            bar.set_postfix(done=n_ok, failed=n_failed, remaining=remaining, refresh=False)
    finally:
        outcomes.close()
        bar.close()


def load_sweep(store: str | Path) -> SweepResult:
    """Read the results in a store folder (read-only; also while a sweep is writing it).

    Rows come in the order of the sweep's grid; damaged lines are skipped with a warning.
    """
    if not isinstance(store, str | os.PathLike):
        raise TypeError(f"store: expected a folder path, got {type(store).__name__}")
    path = Path(store)
    meta, records = read_store(path)
    best = best_records(records)
    order = [tid for tid in meta.get("task_order", []) if tid in best]
    seen = set(order)
    order += [tid for tid in best if tid not in seen]
    param_names = list(dict.fromkeys(k for r in best.values() for k in r["params"]))
    # tasks the sweep planned (its grid order) but has not finished count as missing
    n_tasks = len(set(meta.get("task_order", [])) | set(best))
    return _build_result(order, best, lambda rec: load_arrays(path, rec), n_tasks, path,
                         param_names)
