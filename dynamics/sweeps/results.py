"""The table of a sweep's results: rows as dicts, columns as numpy arrays, no pandas needed."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dynamics._io import atomic_write_text

__all__ = ["SweepResult", "best_records"]


def best_records(records: Sequence[dict]) -> dict[str, dict]:
    """The record that counts for each task id: a success beats a failure, later beats earlier."""
    best: dict[str, dict] = {}
    for record in records:
        old = best.get(record["task_id"])
        if old is None or record["status"] == "ok" or old["status"] != "ok":
            best[record["task_id"]] = record
    return best


def _as_column(values: list[Any]) -> np.ndarray:
    if values and all(isinstance(v, np.ndarray) for v in values):
        if len({v.shape for v in values}) == 1:
            return np.stack(values)
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    try:
        column = np.asarray(values)
    except ValueError:  # ragged lists
        column = None
    if column is None or column.dtype == object:
        out = np.empty(len(values), dtype=object)
        for i, v in enumerate(values):
            out[i] = v
        return out
    return column


class SweepResult(Sequence):
    """The results of a sweep, in grid order (each grid point's replicates together).

    A sequence of rows, one per successful task: ``{**params, "replicate", "seed",
    **result, "wall_time"}`` where array results are numpy arrays. ``result["name"]`` (or
    ``result.column("name")``) is a column as a numpy array (arrays of one shape are stacked
    into a 2-d array). Failed tasks are in :attr:`failed`, with their error and traceback.
    """

    def __init__(
        self,
        rows: list[dict],
        failed: list[dict],
        n_tasks: int,
        store: Path | None = None,
        param_names: Sequence[str] = (),
    ):
        self.rows = rows
        self.failed = failed
        self.n_tasks = n_tasks
        self.store = store
        self.param_names = tuple(param_names)

    # -- sequence of rows ----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict]:
        return iter(self.rows)

    def __getitem__(self, key):
        if isinstance(key, str):
            return self.column(key)
        if isinstance(key, slice):
            return SweepResult(self.rows[key], [], len(self.rows[key]), self.store,
                               self.param_names)
        return self.rows[key]

    def __repr__(self) -> str:
        where = f", store={str(self.store)!r}" if self.store else ""
        return (
            f"SweepResult({self.n_tasks} tasks: {len(self.rows)} ok, {len(self.failed)} failed, "
            f"{self.n_missing} not run{where})"
        )

    @property
    def n_missing(self) -> int:
        """Tasks of the grid with no record yet (interrupted sweep)."""
        return self.n_tasks - len(self.rows) - len(self.failed)

    @property
    def complete(self) -> bool:
        """True when every task of the grid finished successfully."""
        return len(self.rows) == self.n_tasks

    @property
    def names(self) -> list[str]:
        """Column names present in every row, in first-row order."""
        if not self.rows:
            return []
        common = set(self.rows[0])
        for row in self.rows[1:]:
            common &= set(row)
        return [k for k in self.rows[0] if k in common]

    # -- columns -------------------------------------------------------------------------
    def column(self, name: str) -> np.ndarray:
        """Column ``name`` as a numpy array (a parameter, ``seed``, ``replicate``, a result)."""
        if not isinstance(name, str):
            raise TypeError(f"name: expected a column name (str), got {name!r}")
        missing = [i for i, row in enumerate(self.rows) if name not in row]
        if missing:
            known = ", ".join(self.names) or "(no rows)"
            raise KeyError(
                f"column {name!r} is missing in {len(missing)} of {len(self.rows)} rows; "
                f"columns present in every row: {known}"
            )
        return _as_column([row[name] for row in self.rows])

    def columns(self) -> dict[str, np.ndarray]:
        """Every column present in all rows, as numpy arrays."""
        return {name: self.column(name) for name in self.names}

    def where(self, **conditions: Any) -> SweepResult:
        """The rows whose columns equal the given values, e.g. ``result.where(n=100)``."""
        rows = [r for r in self.rows if all(r.get(k) == v for k, v in conditions.items())]
        return SweepResult(rows, [], len(rows), self.store, self.param_names)

    def aggregate(
        self,
        value: str,
        by: str | Sequence[str] | None = None,
        func: Callable[[np.ndarray], Any] = np.mean,
    ) -> dict[str, np.ndarray]:
        """Reduce column ``value`` over the rows sharing the ``by`` columns (default: the
        parameters, i.e. over replicates). Returns columns: the ``by`` names, ``value``
        (``func`` of each group, e.g. the mean over seeds) and ``count``, in first-seen order.
        For an array-valued column ``func`` is called with ``axis=0`` (element-wise mean of
        the arrays of a group).
        """
        if by is None:
            by = self.param_names
        by = (by,) if isinstance(by, str) else tuple(by)
        values = self.column(value)
        groups: dict[tuple, list[int]] = {}
        for i, row in enumerate(self.rows):
            key = tuple(_hashable(row[name]) for name in by)
            groups.setdefault(key, []).append(i)
        out: dict[str, np.ndarray] = {}
        for name in by:
            out[name] = _as_column([self.rows[idx[0]][name] for idx in groups.values()])
        if values.ndim > 1:  # stacked arrays: reduce over the rows of each group only
            reduced = [func(values[idx], axis=0) for idx in groups.values()]
        else:
            reduced = [func(values[idx]) for idx in groups.values()]
        out[value] = _as_column(reduced)
        out["count"] = np.array([len(idx) for idx in groups.values()])
        return out

    def to_csv(self, path: str | Path) -> Path:
        """Write the scalar columns to a CSV file (atomically); return its path."""
        names = [
            n for n in self.names
            if all(not isinstance(r[n], np.ndarray | list | dict) for r in self.rows)
        ]
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(names)
        for row in self.rows:
            writer.writerow([row[n] for n in names])
        atomic_write_text(path, buf.getvalue())
        return Path(path)


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value
