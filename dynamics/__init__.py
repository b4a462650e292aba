"""dynamics — fast, faithful simulation of recurrent neural dynamics.

The public API is re-exported here; nothing is defined in this file but the re-exports.
The core (models, integrators, gains, scenarios) is imported at once; the larger
subpackages (``cells``, ``memory``, ``sweeps``) are imported on first use of one of their
names, so that ``import dynamics`` stays fast (PEP 562 module ``__getattr__``). Each
subpackage lists its public names in a literal ``__all__`` in its ``__init__.py``.
"""

import ast as _ast
import importlib as _importlib
from pathlib import Path as _Path

from dynamics import integrate as _integrate
from dynamics import models as _models
from dynamics._io import atomic_write_bytes, atomic_write_text, save_figure
from dynamics.activations import Gain, get_gain
from dynamics.integrate import *
from dynamics.models import *
from dynamics.scenarios import list_scenarios, run_scenario

__version__ = "0.1.0"

_LAZY_SUBPACKAGES = ("cells", "memory", "sweeps", "analysis", "optimize")
# Imported on first use but not flattened into this namespace: ``dyn.plot.energy(sol)``.
_NAMESPACE_SUBPACKAGES = ("plot",)


def _declared_names(subpackage: str) -> list[str]:
    """The literal ``__all__`` of ``dynamics/<subpackage>/__init__.py``, read without import."""
    source = (_Path(__file__).parent / subpackage / "__init__.py").read_text(encoding="utf-8")
    for node in _ast.parse(source).body:
        if isinstance(node, (_ast.Assign, _ast.AnnAssign)):
            targets = node.targets if isinstance(node, _ast.Assign) else [node.target]
            if any(isinstance(t, _ast.Name) and t.id == "__all__" for t in targets):
                return list(_ast.literal_eval(node.value))
    return list(_importlib.import_module(f"dynamics.{subpackage}").__all__)


_LAZY_NAMES = {name: sub for sub in _LAZY_SUBPACKAGES for name in _declared_names(sub)}

__all__ = [
    "__version__",
    "list_scenarios",
    "run_scenario",
    "save_figure",
    "atomic_write_text",
    "atomic_write_bytes",
    "Gain",
    "get_gain",
    *_models.__all__,
    *_integrate.__all__,
    *_LAZY_NAMES,
]


def __getattr__(name: str):
    if name in _LAZY_SUBPACKAGES or name in _NAMESPACE_SUBPACKAGES:
        return _importlib.import_module(f"dynamics.{name}")
    subpackage = _LAZY_NAMES.get(name)
    if subpackage is None:
        raise AttributeError(f"module 'dynamics' has no attribute {name!r}")
    value = getattr(_importlib.import_module(f"dynamics.{subpackage}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
