"""Parameter sweeps on local processes or a Dask cluster: resumable, reproducible, durable.

The function :func:`dynamics.sweep` (``dynamics.sweeps.runner.sweep``) runs
``fn(params, seed)`` over a grid of parameters and replicates. This subpackage is named
``sweeps`` so that ``dynamics.sweep`` is the function; its modules are:

- ``grid``      grid expansion and the canonical encoding of a parameter set
- ``seeds``     per-task seeds from ``numpy.random.SeedSequence`` and task identities
- ``store``     the durable append-only store folder
- ``portable``  sending the swept function to worker processes
- ``executors`` serial, local process pool and Dask execution
- ``results``   the results table
- ``runner``    ``sweep`` and ``load_sweep``
- ``command``   the ``dynamics sweep`` command line
"""

from dynamics.sweeps.command import add_sweep_parser, run_sweep_command
from dynamics.sweeps.grid import expand_grid
from dynamics.sweeps.results import SweepResult
from dynamics.sweeps.runner import load_sweep, sweep
from dynamics.sweeps.seeds import task_seed
from dynamics.sweeps.store import StoreError, StoreWarning

__all__ = ["sweep", "load_sweep", "SweepResult", "StoreWarning", "StoreError",
           "task_seed", "expand_grid"]
