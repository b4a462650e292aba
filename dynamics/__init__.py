"""dynamics — fast, faithful simulation of recurrent neural dynamics.

The public API is re-exported here; nothing is defined in this file.
Each subpackage lists its public names in its own ``__all__``.
"""

from dynamics import analysis as _analysis
from dynamics import cells as _cells
from dynamics import integrate as _integrate
from dynamics import memory as _memory
from dynamics import models as _models
from dynamics import optimize as _optimize
from dynamics.activations import Gain, get_gain
from dynamics.analysis import *
from dynamics.cells import *
from dynamics.integrate import *
from dynamics.memory import *
from dynamics.models import *
from dynamics.optimize import *
from dynamics.scenarios import list_scenarios, run_scenario
from dynamics.sweeps import StoreWarning, SweepResult, expand_grid, load_sweep, sweep, task_seed

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "list_scenarios",
    "run_scenario",
    "Gain",
    "get_gain",
    *_models.__all__,
    *_integrate.__all__,
    "sweep",
    "load_sweep",
    "SweepResult",
    "StoreWarning",
    "task_seed",
    "expand_grid",
    *_analysis.__all__,
    *_cells.__all__,
    *_memory.__all__,
    *_optimize.__all__,
]
