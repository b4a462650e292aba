"""Discovery and running of the scenario scripts (the source tree's ``scenarios/`` folder).

A scenario is a script ``scenarios/<name>.py`` whose module docstring's first line is its
one-line description and which defines ``run(out_dir: pathlib.Path, seed: int) -> dict``.
``run`` writes its figures and data into ``out_dir`` and returns a JSON-serialisable summary,
which is written to ``out_dir / "summary.json"``. A scenario may also expose a sweepable
function ``task(params: dict, seed) -> dict`` (see :func:`dynamics.sweep`).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from dynamics import _validate as _v
from dynamics._io import atomic_write_text

__all__ = [
    "scenario_dir",
    "scenario_search_paths",
    "list_scenarios",
    "load_scenario",
    "run_scenario",
]


def scenario_search_paths() -> list[Path]:
    """Where scenario scripts are looked for, in order.

    ``$DYNAMICS_SCENARIOS`` if set (and only it); else the installed package
    ``dynamics.scenario_scripts`` (the source tree's ``scenarios/`` folder, shipped inside
    every built distribution and mapped onto the source folder by an editable install), then
    ``scenarios/`` next to the package (a source checkout used without installing).
    """
    env = os.environ.get("DYNAMICS_SCENARIOS")
    if env:
        return [Path(env)]
    paths: list[Path] = []
    try:
        spec = importlib.util.find_spec("dynamics.scenario_scripts")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        paths.extend(Path(p) for p in spec.submodule_search_locations)
    source_tree = Path(__file__).resolve().parent.parent / "scenarios"
    if source_tree not in paths:
        paths.append(source_tree)
    return paths


def scenario_dir() -> Path:
    """The folder holding the scenario scripts: the first of :func:`scenario_search_paths`
    that holds any (else the first of them)."""
    paths = scenario_search_paths()
    for path in paths:
        if path.is_dir() and any(not p.name.startswith("_") for p in path.glob("*.py")):
            return path
    return paths[0]


def list_scenarios() -> dict[str, str]:
    """Map each scenario name to the first line of its docstring (without importing it)."""
    folder = scenario_dir()
    out: dict[str, str] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        out[path.stem] = doc.strip().splitlines()[0] if doc.strip() else ""
    return out


def load_scenario(name: str) -> ModuleType:
    """Import ``scenarios/<name>.py`` as a module."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"name: expected a scenario name (str), got {name!r}")
    available = list_scenarios()
    if name not in available:
        raise ValueError(
            f"name: unknown scenario {name!r}; available: "
            f"{', '.join(available) or '(none found in ' + _looked_in() + ')'}"
        )
    path = scenario_dir() / f"{name}.py"
    module_name = f"dynamics_scenario_{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # registered before it runs, like a normal import: numba's on-disk cache (and pickle)
    # look functions up through their module's entry in sys.modules
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    if not hasattr(module, "run"):
        raise ValueError(f"scenario {name!r} defines no run(out_dir, seed) function")
    return module


def run_scenario(name: str, out: str | Path = "results", seed: int = 0) -> dict[str, Any]:
    """Run scenario ``name``, writing into ``out/<name>/``; return its summary dict."""
    _v.integer(seed, "seed")
    module = load_scenario(name)
    out_dir = Path(out) / name
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = module.run(out_dir, seed)
    if summary is None:
        summary = {}
    atomic_write_text(out_dir / "summary.json", summary_json(summary))
    return summary


def _looked_in() -> str:
    return ", ".join(str(p) for p in scenario_search_paths())


def summary_json(summary: Any) -> str:
    """``summary`` as strict JSON text: numpy values become Python ones, and NaN or
    infinite floats (which JSON cannot represent) become ``null``."""
    return json.dumps(_strict(summary), indent=2, allow_nan=False)


def _strict(obj: Any) -> Any:
    import math

    import numpy as np

    if isinstance(obj, dict):
        return {str(k): _strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_strict(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _strict(obj.tolist())
    if isinstance(obj, np.generic):
        return _strict(obj.item())
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Path):
        return str(obj)
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    raise TypeError(f"summary: a {type(obj).__name__} is not JSON serialisable")
