"""The durable result store of a sweep: a folder with an append-only JSON-lines file.

Layout of a store folder::

    sweep.json          what the sweep is: function name, base seed, package version, commit
    results.jsonl       one JSON object per finished task, appended and fsync'ed line by line
    arrays/<id>.npz     the numpy arrays a task returned, written atomically (temp + rename)
                        before its line is appended
    results.corrupt     lines found damaged when the store was reopened (kept for inspection)
    .lock               locked (lockf) by the one process writing the store

A line is the unit of durability: a task is done exactly when its complete line (ending in a
newline) is in ``results.jsonl``. A sweep killed at any moment loses at most the tasks in
flight; a line cut short by the kill (or damaged otherwise) is detected on reopening, reported
with a warning, moved to ``results.corrupt`` and its task is run again.
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import json
import os
import platform
import subprocess
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from dynamics._io import atomic_write_bytes, atomic_write_text

__all__ = ["SweepStore", "StoreWarning", "read_store", "package_version", "git_commit"]

FORMAT = "dynamics-sweep/1"
RESULTS = "results.jsonl"
META = "sweep.json"
ARRAYS = "arrays"
CORRUPT = "results.corrupt"
LOCK = ".lock"
_REQUIRED = ("task_id", "params", "replicate", "seed", "status")
_OPEN_IN_THIS_PROCESS: set[Path] = set()  # POSIX locks do not exclude the owning process


class StoreWarning(UserWarning):
    """A store file was found damaged (e.g. a line cut short by a crash); the task is redone."""


@functools.cache
def package_version() -> str:
    """The installed version of ``dynamics``."""
    try:
        from importlib.metadata import version

        return version("dynamics")
    except Exception:  # not installed: fall back on the source
        import dynamics

        return str(getattr(dynamics, "__version__", "unknown"))


@functools.cache
def git_commit() -> str | None:
    """The commit of the source checkout the package runs from (``+dirty`` if modified)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty else head or None


def now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _check_record(obj: Any, folder: Path) -> str | None:
    """Why ``obj`` is not a valid task record, or None."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    missing = [k for k in _REQUIRED if k not in obj]
    if missing:
        return f"missing {', '.join(missing)}"
    if obj["status"] not in ("ok", "failed"):
        return f"unknown status {obj['status']!r}"
    arrays = obj.get("arrays")
    if arrays and not (folder / arrays).is_file():
        return f"its arrays file {arrays} is missing"
    return None


def _scan(
    data: bytes, folder: Path
) -> tuple[list[bytes], list[dict], list[tuple[int, bytes, str]]]:
    """Split the results file into good lines, their records, and damaged lines."""
    good: list[bytes] = []
    records: list[dict] = []
    bad: list[tuple[int, bytes, str]] = []
    lines = data.split(b"\n")
    tail = lines.pop()  # bytes after the last newline: empty unless the last write was cut
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            bad.append((number, line, f"not valid JSON ({exc})"))
            continue
        reason = _check_record(obj, folder)
        if reason:
            bad.append((number, line, reason))
            continue
        good.append(line)
        records.append(obj)
    if tail.strip():
        bad.append((len(lines) + 1, tail, "truncated last line (no newline: a write was cut)"))
    return good, records, bad


def _warn_bad(path: Path, bad: list[tuple[int, bytes, str]], action: str) -> None:
    for number, line, reason in bad:
        snippet = line[:80].decode("utf-8", "replace")
        warnings.warn(
            f"sweep store {path}: line {number} is damaged ({reason}): {snippet!r}; {action}",
            StoreWarning,
            stacklevel=4,
        )


def read_store(path: str | Path) -> tuple[dict, list[dict]]:
    """Read a store folder without changing it: its metadata and its valid records.

    Damaged lines are reported with a :class:`StoreWarning` and ignored.
    """
    folder = Path(path)
    meta_path = folder / META
    if not meta_path.is_file():
        raise FileNotFoundError(f"store: {folder} is not a sweep store (no {META})")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    results = folder / RESULTS
    data = results.read_bytes() if results.exists() else b""
    _, records, bad = _scan(data, folder)
    _warn_bad(results, bad, "ignored (a sweep resumed on this store would redo that task)")
    return meta, records


def load_arrays(folder: Path | None, record: dict) -> dict[str, np.ndarray]:
    """The arrays of one record, read from its .npz file."""
    rel = record.get("arrays")
    if not rel or folder is None:
        return {}
    with np.load(folder / rel, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


class SweepStore:
    """Writer of a store folder (or, with ``path=None``, an in-memory store).

    One process at a time may write a store: opening takes an exclusive lock (``lockf``) on
    ``.lock`` and raises ``RuntimeError`` if another sweep holds it.
    """

    def __init__(self, path: str | Path | None, meta: dict, resume: bool):
        self.path = None if path is None else Path(path)
        self.meta = dict(meta)
        self.records: list[dict] = []
        self._memory_arrays: dict[str, dict[str, np.ndarray]] = {}
        self._fh = None
        self._lock = None
        if self.path is None:
            return
        if self.path.exists() and not self.path.is_dir():
            raise ValueError(f"store: expected a folder path, {self.path} is a file")
        self.path.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        try:
            self._open(resume)
        except BaseException:
            self.close()
            raise

    # -- opening -----------------------------------------------------------------------
    def _busy(self) -> RuntimeError:
        return RuntimeError(
            f"store: another sweep is writing to {self.path}; wait for it to finish "
            "(two writers would duplicate tasks)"
        )

    def _take_lock(self) -> None:
        key = self.path.resolve()
        if key in _OPEN_IN_THIS_PROCESS:
            raise self._busy()
        self._lock = open(self.path / LOCK, "a+b")  # noqa: SIM115 - held until close()
        self._lock_key = key
        _OPEN_IN_THIS_PROCESS.add(key)
        try:
            import fcntl
        except ImportError:  # not POSIX: no advisory locking available
            return
        try:
            # a POSIX record lock belongs to this process only: forked worker processes do
            # not inherit it (a flock would stay held by orphaned workers after a SIGKILL)
            fcntl.lockf(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            self._lock = None
            _OPEN_IN_THIS_PROCESS.discard(key)
            raise self._busy() from None

    def _open(self, resume: bool) -> None:
        meta_path = self.path / META
        results = self.path / RESULTS
        if meta_path.exists():
            old = json.loads(meta_path.read_text(encoding="utf-8"))
            data = results.read_bytes() if results.exists() else b""
            if not resume and data.strip():
                raise FileExistsError(
                    f"store: {self.path} already holds results; pass resume=True (CLI: "
                    "--resume) to continue that sweep, or choose a new folder"
                )
            for key in ("fn", "base_seed"):
                if old.get(key) != self.meta.get(key):
                    raise ValueError(
                        f"store: {self.path} holds a sweep of {key}={old.get(key)!r}, but this "
                        f"sweep has {key}={self.meta.get(key)!r}; use a new store folder"
                    )
            self.meta = {**old, "resumed": now_iso()}
            good, self.records, bad = _scan(data, self.path)
            if bad:
                _warn_bad(results, bad, f"moved to {CORRUPT}; its task will be run again")
                with open(self.path / CORRUPT, "ab") as fh:
                    for number, line, reason in bad:
                        header = f"# line {number}: {reason} (found {now_iso()})\n"
                        fh.write(header.encode() + line + b"\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                atomic_write_bytes(results, b"".join(line + b"\n" for line in good))
        else:
            self.meta.update(
                format=FORMAT,
                created=now_iso(),
                dynamics_version=package_version(),
                git_commit=git_commit(),
                python=platform.python_version(),
                host=platform.node(),
            )
        self.update_meta()
        self._fh = open(results, "ab")  # noqa: SIM115 - held until close()

    def update_meta(self, **fields: Any) -> None:
        """Set metadata fields and rewrite ``sweep.json`` atomically."""
        self.meta.update(fields)
        if self.path is not None:
            text = json.dumps(self.meta, indent=2, sort_keys=True) + "\n"
            atomic_write_text(self.path / META, text)

    # -- writing -----------------------------------------------------------------------
    def append(self, record: dict, arrays: dict[str, np.ndarray] | None = None) -> None:
        """Make one finished task durable: its arrays first (atomically), then its line."""
        record = dict(record)
        if arrays:
            rel = f"{ARRAYS}/{record['task_id']}.npz"
            record["arrays"] = rel
            if self.path is None:
                self._memory_arrays[record["task_id"]] = dict(arrays)
            else:
                buf = io.BytesIO()
                np.savez(buf, **arrays)
                atomic_write_bytes(self.path / rel, buf.getvalue())
        else:
            record["arrays"] = None
        line = json.dumps(record, allow_nan=True, separators=(",", ":"))
        if "\n" in line:  # json.dumps escapes newlines; guard the invariant anyway
            raise AssertionError("a store line must not contain a newline")
        if self._fh is not None:
            self._fh.write(line.encode("utf-8") + b"\n")
            self._fh.flush()
            os.fsync(self._fh.fileno())
        self.records.append(json.loads(line))

    def arrays_of(self, record: dict) -> dict[str, np.ndarray]:
        if self.path is None:
            return dict(self._memory_arrays.get(record["task_id"], {}))
        return load_arrays(self.path, record)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._lock is not None:
            self._lock.close()  # releases the lock
            self._lock = None
            _OPEN_IN_THIS_PROCESS.discard(self._lock_key)

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
