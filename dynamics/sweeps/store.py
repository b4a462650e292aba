"""The durable result store of a sweep: a folder with an append-only JSON-lines file.

Layout of a store folder::

    sweep.json          what the sweep is: function name, base seed, package version, commit
    results.jsonl       one JSON object per finished task, appended and fsync'ed line by line
    arrays/<id>.npz     the numpy arrays a task returned, written atomically (temp + rename)
                        before its line is appended
    results.corrupt     lines found damaged when the store was reopened (kept for inspection)
    arrays/*.corrupt    array files found damaged (moved aside, kept for inspection)
    sweep.json.corrupt  a damaged sweep.json (moved aside; the resumed sweep writes a new one)
    .lock               locked (lockf) by the one process writing the store

A line is the unit of durability: a task is done exactly when its complete, valid line
(ending in a newline) is in ``results.jsonl``. A sweep killed at any moment loses at most the
tasks in flight. Each record carries a SHA-256 checksum of its own content
(``"checksum"``) and of its array file (``"arrays_sha256"``); on reopening, every line is
checked: valid JSON, every field of the right type, the task id and seed those of its
parameters, the checksums matching, the array file present, inside ``arrays/`` and intact.
A damaged line (cut short by a kill, a flipped byte, a changed digit, a wrongly typed field)
or array file is reported with a :class:`StoreWarning`, moved aside, and its task is run
again; :func:`read_store` (``load_sweep``) skips it with the same warning.

Errors writing the store (read-only folder, disk full, another sweep holding it) raise
:class:`StoreError` naming the store folder.
"""

from __future__ import annotations

import datetime as _dt
import errno
import functools
import hashlib
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

__all__ = [
    "SweepStore",
    "StoreWarning",
    "StoreError",
    "read_store",
    "record_checksum",
    "store_error",
    "package_version",
    "git_commit",
]

FORMAT = "dynamics-sweep/2"
LEGACY_FORMATS = ("dynamics-sweep/1",)  # records written before checksums: accepted without
RESULTS = "results.jsonl"
META = "sweep.json"
ARRAYS = "arrays"
CORRUPT = "results.corrupt"
LOCK = ".lock"
_REQUIRED = ("task_id", "params", "replicate", "seed", "status")
_OPEN_IN_THIS_PROCESS: set[Path] = set()  # POSIX locks do not exclude the owning process


class StoreWarning(UserWarning):
    """A store file was found damaged (e.g. a line cut short by a crash); the task is redone."""


class StoreError(RuntimeError):
    """The store folder cannot be written: another sweep holds it (``reason="busy"``), it is
    read-only or not permitted (``"read-only"``), the disk is full (``"disk-full"``), or
    another I/O error (``"io"``). The message names the folder; ``path`` holds it."""

    def __init__(self, path: Path | None, reason: str, message: str):
        super().__init__(message)
        self.path = path
        self.reason = reason


_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


def store_error(path: Path | None, exc: OSError, doing: str) -> StoreError:
    """A :class:`StoreError` for an ``OSError`` raised while ``doing`` something to a store."""
    detail = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    if exc.errno in _READ_ONLY:
        return StoreError(path, "read-only", (
            f"store {path}: cannot write there while {doing} ({detail}); the folder is "
            "read-only or not yours: choose a writable folder (store=..., CLI: --out)"
        ))
    if exc.errno in _FULL:
        return StoreError(path, "disk-full", (
            f"store {path}: the disk is full while {doing} ({detail}); every task stored "
            "before is kept: free some space and resume the sweep (resume=True, CLI: --resume)"
        ))
    return StoreError(path, "io", f"store {path}: I/O error while {doing} ({detail})")


def record_checksum(record: dict) -> str:
    """SHA-256 of a record's canonical JSON text, without its ``"checksum"`` field."""
    body = {k: v for k, v in record.items() if k != "checksum"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_hex(value: Any, length: int) -> bool:
    return (isinstance(value, str) and len(value) == length
            and all(c in "0123456789abcdef" for c in value))


def arrays_file(folder: Path, rel: Any) -> Path | None:
    """The array file a record names, if it is a plain ``.npz`` file name inside the store's
    own ``arrays/`` folder (anything else, e.g. ``../x.npy`` or an absolute path, is None)."""
    if not isinstance(rel, str) or not rel.startswith(f"{ARRAYS}/"):
        return None
    name = rel[len(ARRAYS) + 1:]
    if (not name or "/" in name or "\\" in name or "\0" in name or name.startswith(".")
            or not name.endswith(".npz")):
        return None
    base = (folder / ARRAYS).resolve()
    path = (folder / ARRAYS / name).resolve()
    return path if path.parent == base else None


def _check_fields(obj: dict) -> str | None:
    """Why the fields of a parsed record are not of the expected kinds, or None."""
    missing = [k for k in _REQUIRED if k not in obj]
    if missing:
        return f"missing {', '.join(missing)}"
    if not _is_hex(obj["task_id"], 32):
        return "task_id is not 32 hex digits"
    params = obj["params"]
    if not isinstance(params, dict):
        return f"params is a {type(params).__name__}, not an object"
    if not _is_int(obj["replicate"]) or obj["replicate"] < 0:
        return f"replicate {obj['replicate']!r} is not an int >= 0"
    if not _is_int(obj["seed"]) or not 0 <= obj["seed"] < 2**63:
        return f"seed {str(obj['seed'])[:40]!r} is not an int in [0, 2**63)"
    status = obj["status"]
    if status not in ("ok", "failed"):
        return f"unknown status {status!r}"
    if status == "ok" and not isinstance(obj.get("result", {}), dict):
        return f"result is a {type(obj['result']).__name__}, not an object"
    for key in ("error", "traceback", "worker", "finished"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            return f"{key} is a {type(obj[key]).__name__}, not a string"
    wall = obj.get("wall_time")
    if wall is not None and (isinstance(wall, bool) or not isinstance(wall, int | float)):
        return f"wall_time is a {type(wall).__name__}, not a number"
    return None


def _check_record(obj: Any, folder: Path, meta: dict) -> str | None:
    """Why ``obj`` is not a valid, intact task record of this store, or None."""
    from dynamics.sweeps.seeds import task_id, task_seed

    if not isinstance(obj, dict):
        return "not a JSON object"
    reason = _check_fields(obj)
    if reason:
        return reason
    legacy = meta.get("format") in LEGACY_FORMATS
    if not legacy or "checksum" in obj:
        if obj.get("checksum") != record_checksum(obj):
            return "its checksum does not match its content (changed after it was written)"
    try:
        if obj["task_id"] != task_id(obj["params"], obj["replicate"]):
            return "task_id is not that of its params and replicate"
        base_seed = meta.get("base_seed")
        if _is_int(base_seed) and obj["seed"] != task_seed(
            obj["params"], obj["replicate"], base_seed
        ):
            return f"seed is not the task seed of its params with base_seed {base_seed}"
    except (TypeError, ValueError) as exc:
        return f"params are not plain JSON values ({exc})"
    rel = obj.get("arrays")
    if rel is not None:
        path = arrays_file(folder, rel)
        if path is None:
            return f"its arrays path {str(rel)[:60]!r} is not a file name in {ARRAYS}/"
        if not path.is_file():
            return f"its arrays file {rel} is missing"
        want = obj.get("arrays_sha256")
        if want is None and legacy:
            return _legacy_npz_damage(path)
        if not _is_hex(want, 64):
            return "arrays_sha256 is not 64 hex digits"
        if _file_sha256(path) != want:
            return f"its arrays file {rel} is damaged (SHA-256 mismatch)"
    return None


_Bad = tuple[int, bytes, str, dict | None]  # line number, line, reason, the parsed record


def _scan(data: bytes, folder: Path, meta: dict) -> tuple[list[bytes], list[dict], list[_Bad]]:
    """Split the results file into good lines, their records, and damaged lines."""
    good: list[bytes] = []
    records: list[dict] = []
    bad: list[_Bad] = []
    lines = data.split(b"\n")
    tail = lines.pop()  # bytes after the last newline: empty unless the last write was cut
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        obj = None
        try:
            obj = json.loads(line)
            reason = _check_record(obj, folder, meta)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # incl. JSONDecodeError
            reason = f"not valid JSON ({type(exc).__name__}: {str(exc)[:80]})"
        if reason:
            bad.append((number, line, reason, obj if isinstance(obj, dict) else None))
            continue
        good.append(line)
        records.append(obj)
    if tail.strip():
        bad.append((len(lines) + 1, tail, "truncated last line (no newline: a write was cut)",
                    None))
    return good, records, bad


def _read_meta(folder: Path) -> tuple[dict | None, str | None]:
    """The store's metadata, or (None, why it is damaged)."""
    try:
        meta = json.loads((folder / META).read_bytes())
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return None, f"not valid JSON ({type(exc).__name__}: {str(exc)[:80]})"
    if not isinstance(meta, dict):
        return None, "not a JSON object"
    order = meta.get("task_order", [])
    if not isinstance(order, list) or not all(isinstance(t, str) for t in order):
        return None, "task_order is not a list of task ids"
    if "base_seed" in meta and not _is_int(meta["base_seed"]):
        return None, "base_seed is not an int"
    return meta, None


def _warn_bad(path: Path, bad: list[_Bad], action: str) -> None:
    for number, line, reason, _ in bad:
        snippet = line[:80].decode("utf-8", "replace")
        warnings.warn(
            f"sweep store {path}: line {number} is damaged ({reason}): {snippet!r}; {action}",
            StoreWarning,
            stacklevel=4,
        )


def read_store(path: str | Path) -> tuple[dict, list[dict]]:
    """Read a store folder without changing it: its metadata and its valid records.

    Damaged lines, array files and metadata are reported with a :class:`StoreWarning` and
    ignored.
    """
    folder = Path(path)
    meta_path = folder / META
    if not meta_path.is_file():
        raise FileNotFoundError(f"store: {folder} is not a sweep store (no {META})")
    meta, why = _read_meta(folder)
    if meta is None:
        warnings.warn(
            f"sweep store {meta_path} is damaged ({why}); read without it (grid order and "
            "seeds unchecked; a sweep resumed on this store would rewrite it)",
            StoreWarning, stacklevel=3,
        )
        meta = {}
    results = folder / RESULTS
    data = results.read_bytes() if results.exists() else b""
    _, records, bad = _scan(data, folder, meta)
    _warn_bad(results, bad, "ignored (a sweep resumed on this store would redo that task)")
    return meta, records


def load_arrays(folder: Path | None, record: dict) -> dict[str, np.ndarray]:
    """The arrays of one (checked) record, read from its .npz file in ``arrays/``."""
    rel = record.get("arrays")
    if not rel or folder is None:
        return {}
    path = arrays_file(folder, rel)
    if path is None:
        raise ValueError(f"store {folder}: arrays path {rel!r} is not a file in {ARRAYS}/")
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def _legacy_npz_damage(path: Path) -> str | None:
    """For records written before array hashes: does the .npz file read completely?"""
    try:
        with np.load(path, allow_pickle=False) as npz:
            for key in npz.files:
                npz[key]
    except Exception as exc:  # BadZipFile, ValueError, EOFError, OSError, ...
        return f"its arrays file cannot be read ({type(exc).__name__}: {str(exc)[:60]})"
    return None


def _durable_write(fh, data: bytes) -> None:
    """Append ``data`` to an open file and make it durable (write, flush, fsync)."""
    fh.write(data)
    fh.flush()
    os.fsync(fh.fileno())


class SweepStore:
    """Writer of a store folder (or, with ``path=None``, an in-memory store).

    One process at a time may write a store: opening takes an exclusive lock (``lockf``) on
    ``.lock`` and raises :class:`StoreError` (``reason="busy"``) if another sweep holds it.
    Any failure to write (read-only folder, disk full) is a :class:`StoreError` naming the
    folder; what was stored before stays valid.
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
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._take_lock()
        except OSError as exc:
            raise store_error(self.path, exc, "creating the store") from exc
        try:
            self._open(resume)
        except OSError as exc:
            self.close()
            if isinstance(exc, FileExistsError) and exc.errno is None:
                raise
            raise store_error(self.path, exc, "opening the store") from exc
        except BaseException:
            self.close()
            raise

    # -- opening -----------------------------------------------------------------------
    def _busy(self) -> StoreError:
        return StoreError(self.path, "busy", (
            f"store {self.path}: another sweep is writing to it; wait for it to finish "
            "(two writers would duplicate tasks)"
        ))

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

    def _set_aside(self, path: Path) -> Path:
        """Rename a damaged file to ``<name>.corrupt`` (numbered if that exists)."""
        target = path.with_name(path.name + ".corrupt")
        k = 1
        while target.exists():
            target = path.with_name(f"{path.name}.corrupt{k}")
            k += 1
        os.replace(path, target)
        return target

    def _open(self, resume: bool) -> None:
        meta_path = self.path / META
        results = self.path / RESULTS
        old = None
        if meta_path.exists():
            old, why = _read_meta(self.path)
            data = results.read_bytes() if results.exists() else b""
            if not resume and data.strip():
                raise FileExistsError(
                    f"store: {self.path} already holds results; pass resume=True (CLI: "
                    "--resume) to continue that sweep, or choose a new folder"
                )
            if old is None:
                moved = self._set_aside(meta_path)
                warnings.warn(
                    f"sweep store {meta_path} is damaged ({why}); moved to {moved.name}; the "
                    "sweep goes on with a new one, and every record is checked against it",
                    StoreWarning, stacklevel=4,
                )
        if old is not None:
            for key in ("fn", "base_seed"):
                if old.get(key) != self.meta.get(key):
                    raise ValueError(
                        f"store: {self.path} holds a sweep of {key}={old.get(key)!r}, but this "
                        f"sweep has {key}={self.meta.get(key)!r}; use a new store folder"
                    )
            self.meta = {**old, "resumed": now_iso()}
        else:
            self.meta.update(
                format=FORMAT,
                created=now_iso(),
                dynamics_version=package_version(),
                git_commit=git_commit(),
                python=platform.python_version(),
                host=platform.node(),
            )
        data = results.read_bytes() if results.exists() else b""
        good, self.records, bad = _scan(data, self.path, self.meta)
        if bad:
            _warn_bad(results, bad, f"moved to {CORRUPT}; its task will be run again")
            with open(self.path / CORRUPT, "ab") as fh:
                for number, line, reason, obj in bad:
                    header = f"# line {number}: {reason} (found {now_iso()})\n"
                    fh.write(header.encode() + line + b"\n")
                    bad_arrays = arrays_file(self.path, obj.get("arrays")) if obj else None
                    if bad_arrays is not None and bad_arrays.is_file() and "arrays" in reason:
                        self._set_aside(bad_arrays)
                fh.flush()
                os.fsync(fh.fileno())
            atomic_write_bytes(results, b"".join(line + b"\n" for line in good))
        self.update_meta()
        self._fh = open(results, "ab")  # noqa: SIM115 - held until close()

    def update_meta(self, **fields: Any) -> None:
        """Set metadata fields and rewrite ``sweep.json`` atomically."""
        self.meta.update(fields)
        if self.path is not None:
            text = json.dumps(self.meta, indent=2, sort_keys=True) + "\n"
            try:
                atomic_write_text(self.path / META, text)
            except OSError as exc:
                raise store_error(self.path, exc, f"writing {META}") from exc

    # -- writing -----------------------------------------------------------------------
    def append(self, record: dict, arrays: dict[str, np.ndarray] | None = None) -> None:
        """Make one finished task durable: its arrays first (atomically), then its line."""
        record = dict(record)
        record["arrays"] = None
        if arrays:
            rel = f"{ARRAYS}/{record['task_id']}.npz"
            record["arrays"] = rel
            if self.path is None:
                self._memory_arrays[record["task_id"]] = dict(arrays)
            else:
                buf = io.BytesIO()
                np.savez(buf, **arrays)
                blob = buf.getvalue()
                record["arrays_sha256"] = hashlib.sha256(blob).hexdigest()
                try:
                    atomic_write_bytes(self.path / rel, blob)
                except OSError as exc:
                    raise store_error(self.path, exc, f"writing {rel}") from exc
        record["checksum"] = record_checksum(record)
        line = json.dumps(record, allow_nan=True, separators=(",", ":"))
        if "\n" in line:  # json.dumps escapes newlines; guard the invariant anyway
            raise AssertionError("a store line must not contain a newline")
        if self._fh is not None:
            try:
                _durable_write(self._fh, line.encode("utf-8") + b"\n")
            except OSError as exc:
                raise store_error(self.path, exc, f"appending to {RESULTS}") from exc
        self.records.append(json.loads(line))

    def arrays_of(self, record: dict) -> dict[str, np.ndarray]:
        if self.path is None:
            return dict(self._memory_arrays.get(record["task_id"], {}))
        return load_arrays(self.path, record)

    def close(self) -> None:
        if self._fh is not None:
            try:
                self._fh.close()
            except OSError:  # a failed flush of a full disk: the store stays as it was
                pass
            self._fh = None
        if self._lock is not None:
            self._lock.close()  # releases the lock
            self._lock = None
            _OPEN_IN_THIS_PROCESS.discard(self._lock_key)

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
