"""Parameter storage shared by the layers, cells and the linear readout."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dynamics.cells._validate import load_into


class HasParameters:
    """Mixin for modules whose parameters live in ``self._params`` under PyTorch's names."""

    _params: dict[str, np.ndarray]

    def parameters(self) -> dict[str, np.ndarray]:
        """The live parameter arrays by PyTorch name (optimizers update them in place)."""
        return self._params

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the parameters, keyed by PyTorch's names."""
        return {k: v.copy() for k, v in self._params.items()}

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> None:
        """Load parameters (e.g. a converted PyTorch state dict); errors name key and shapes."""
        load_into(self._params, state_dict, type(self).__name__, strict=strict)
