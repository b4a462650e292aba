"""Test-wide settings.

The suite runs on two pytest-xdist workers on a two-core machine: a multi-threaded BLAS in
each worker would oversubscribe the cores (OpenBLAS threads then spin-wait on each other and
small matrix products get tens of times slower), so BLAS is single-threaded in the tests.
This must happen before numpy is imported.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# the same examples on every run (CI included): a property that fails is a reproducible
# failure, not a flaky one; run with --hypothesis-profile=explore to draw new examples
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("ci")
