"""The ``dynamics sweep`` command: sweep a scenario's ``task(params, seed)`` over a grid.

    dynamics sweep SCENARIO --grid name=v1,v2,... --grid name=start:stop:step --seeds N
                   --out DIR [--seed BASE] [--executor serial|processes|dask]
                   [--address tcp://host:8786] [--workers N] [--resume] [--retry-failed]

Exit status (also listed by ``dynamics sweep --help``)::

    0   every task succeeded
    1   the sweep ran, some tasks failed (rerun them with --resume --retry-failed)
    2   bad command line or arguments (unknown scenario, bad --grid, reserved name, ...)
    3   the store folder is busy: another sweep is writing to it
    4   the store folder cannot be written (read-only file system, no permission)
    5   the disk is full (the tasks stored before are kept: free space, then --resume)
    6   another I/O error on the store folder

Every error is one line on stderr, ``dynamics sweep: error: ...``, naming the store folder
for codes 3 to 6.
"""

from __future__ import annotations

import argparse
import ast
import math
import sys
from pathlib import Path
from typing import Any

__all__ = [
    "add_sweep_parser",
    "run_sweep_command",
    "parse_grid_option",
    "parse_value",
    "EXIT_CODES",
]

EXIT_OK, EXIT_FAILED_TASKS, EXIT_USAGE = 0, 1, 2
#: exit status of ``dynamics sweep`` for each ``StoreError.reason``
EXIT_CODES = {"busy": 3, "read-only": 4, "disk-full": 5, "io": 6}
_EPILOG = (
    "exit status: 0 all tasks ok; 1 some tasks failed; 2 bad arguments; 3 store busy "
    "(another sweep writes it); 4 store not writable (read-only, permission); 5 disk full "
    "(stored tasks kept; --resume later); 6 other I/O error on the store"
)


def parse_value(text: str) -> Any:
    """``"3"`` -> 3, ``"0.5"`` -> 0.5, ``"true"`` -> True, ``"none"`` -> None, else the text."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text.strip()


def _range_values(name: str, spec: str) -> list:
    parts = spec.split(":")
    if len(parts) not in (2, 3) or not all(p.strip() for p in parts):
        raise ValueError(f"--grid {name}: expected start:stop or start:stop:step, got {spec!r}")
    nums = [parse_value(p) for p in parts]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in nums):
        raise ValueError(f"--grid {name}: start, stop and step must be numbers, got {spec!r}")
    start, stop = nums[0], nums[1]
    step = nums[2] if len(nums) == 3 else 1
    if step == 0 or not all(math.isfinite(v) for v in nums[:2] + [step]):
        raise ValueError(f"--grid {name}: step must be a finite non-zero number, got {spec!r}")
    if all(isinstance(v, int) for v in (start, stop, step)):
        values = list(range(start, stop, step))
    else:  # like numpy.arange (stop excluded), rounded to drop float noise (0.30000000000000004)
        count = math.ceil((stop - start) / step - 1e-9)
        values = [float(f"{start + i * step:.12g}") for i in range(max(count, 0))]
    if not values:
        raise ValueError(f"--grid {name}: {spec!r} gives no values (stop is excluded)")
    return values


def parse_grid_option(option: str) -> tuple[str, list]:
    """Parse one ``--grid`` option: ``name=v1,v2,...`` or ``name=start:stop[:step]``.

    A range excludes ``stop``, like Python's ``range``: ``r=3.5:4:0.1`` gives 3.5 ... 3.9.
    """
    name, sep, spec = option.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier() or not spec.strip():
        raise ValueError(
            f"--grid: expected name=v1,v2,... or name=start:stop:step, got {option!r}"
        )
    if ":" in spec and "," not in spec:
        return name, _range_values(name, spec)
    return name, [parse_value(v) for v in spec.split(",") if v.strip()]


def _defines_task(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(n, ast.FunctionDef) and n.name == "task" for n in tree.body)


def sweepable_scenarios() -> list[str]:
    """Names of the scenarios that define ``task(params, seed)``."""
    from dynamics.scenarios import list_scenarios, scenario_dir

    folder = scenario_dir()
    return [n for n in list_scenarios() if _defines_task(folder / f"{n}.py")]


def add_sweep_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``sweep`` subcommand on the ``dynamics`` command's subparsers."""
    p = subparsers.add_parser(
        "sweep",
        help="sweep a scenario's task(params, seed) over a parameter grid and seeds",
        description=(
            "Run SCENARIO's task(params, seed) for every point of the grid and every seed, "
            "storing each finished task durably in --out (resumable with --resume)."
        ),
        epilog=_EPILOG,
    )
    p.add_argument("scenario", help="scenario defining task(params, seed)")
    p.add_argument(
        "--grid", action="append", default=[], metavar="NAME=VALUES",
        help="a swept parameter: name=v1,v2,... or name=start:stop:step (stop excluded); "
             "repeat for a Cartesian product",
    )
    p.add_argument("--seeds", type=int, default=1, help="replicates per grid point (default 1)")
    p.add_argument("--seed", type=int, default=0, help="base seed of the sweep (default 0)")
    p.add_argument("--out", required=True, help="store folder (created; see --resume)")
    p.add_argument("--executor", choices=("serial", "processes", "dask"), default="processes",
                   help="where tasks run (default: processes)")
    p.add_argument("--address", default=None,
                   help="Dask scheduler address, e.g. tcp://host:8786 (with --executor dask)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (processes / local Dask cluster; default: CPU count)")
    p.add_argument("--resume", action="store_true",
                   help="continue the sweep stored in --out, skipping finished tasks")
    p.add_argument("--retry-failed", action="store_true", help="rerun the failed tasks")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return p


def run_sweep_command(args: argparse.Namespace) -> int:
    """Run ``dynamics sweep``; the exit status is listed in the module docstring."""
    from dynamics.scenarios import list_scenarios
    from dynamics.sweeps.portable import ScenarioFunction
    from dynamics.sweeps.runner import sweep
    from dynamics.sweeps.store import StoreError, store_error

    def fail(message: str, code: int = EXIT_USAGE) -> int:
        print(f"dynamics sweep: error: {' '.join(message.split())}", file=sys.stderr)
        return code

    if args.scenario not in list_scenarios():
        return fail(f"unknown scenario {args.scenario!r}; sweepable: "
                    f"{', '.join(sweepable_scenarios()) or '(none)'}")
    if args.scenario not in sweepable_scenarios():
        return fail(f"scenario {args.scenario!r} defines no task(params, seed) function; "
                    f"sweepable: {', '.join(sweepable_scenarios()) or '(none)'}")
    if not args.grid:
        return fail("give at least one --grid name=values")
    grid: dict[str, list] = {}
    try:
        for option in args.grid:
            name, values = parse_grid_option(option)
            if name in grid:
                return fail(f"--grid {name} given twice")
            grid[name] = values
    except ValueError as exc:
        return fail(str(exc))
    try:
        result = sweep(
            ScenarioFunction(args.scenario),
            grid,
            seeds=args.seeds,
            base_seed=args.seed,
            store=args.out,
            executor=args.executor,
            address=args.address,
            n_workers=args.workers,
            resume=args.resume,
            retry_failed=args.retry_failed,
            progress=not args.no_progress,
        )
    except StoreError as exc:
        return fail(str(exc), EXIT_CODES.get(exc.reason, EXIT_CODES["io"]))
    except (ValueError, TypeError, FileExistsError, ImportError, ConnectionError) as exc:
        return fail(str(exc))
    try:
        csv_path = result.to_csv(Path(args.out) / "results.csv") if len(result) else None
    except OSError as exc:
        error = store_error(Path(args.out), exc, "writing results.csv")
        return fail(str(error), EXIT_CODES[error.reason])
    print(f"sweep {args.scenario}: {result.n_tasks} tasks, {len(result)} ok, "
          f"{len(result.failed)} failed")
    print(f"store: {args.out}/results.jsonl" + (f"; table: {csv_path}" if csv_path else ""))
    if result.failed:
        print("rerun the failed tasks with --resume --retry-failed", file=sys.stderr)
        return EXIT_FAILED_TASKS
    return EXIT_OK
