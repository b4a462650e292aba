"""Data files shipped with the package: TSPLIB instances, the classic 10-city set, G-set graphs.

:func:`data_path` gives the path of one of them, e.g. ``data_path("tsplib/eil51.tsp")``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_path"]

_ROOT = Path(__file__).resolve().parent


def data_path(name: str) -> Path:
    """The path of the shipped data file ``name`` (relative to the package's data folder)."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"name: expected a file name (str), got {name!r}")
    path = (_ROOT / name).resolve()
    if _ROOT not in path.parents or not path.is_file():
        available = sorted(str(p.relative_to(_ROOT)) for p in _ROOT.rglob("*") if p.is_file()
                           and p.suffix != ".py" and "__pycache__" not in p.parts)
        raise ValueError(f"name: no data file {name!r}; available: {', '.join(available)}")
    return path
