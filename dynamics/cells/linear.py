"""Fully connected (affine) readout layer, PyTorch's ``nn.Linear``: y = x W^T + b."""

from __future__ import annotations

from typing import Any

import numpy as np

from dynamics._blas import layer_blas_threads
from dynamics.cells._params import HasParameters
from dynamics.cells._validate import (
    as_float_array,
    check_dtype,
    check_finite,
    check_positive_int,
    check_shape,
)
from dynamics.cells.recurrent import make_rng

__all__ = ["Linear"]


class Linear(HasParameters):
    """Affine map y = x W^T + b over any leading dimensions of ``x``.

    Parameters ``weight`` (out_features, in_features) and ``bias`` (out_features,), both
    initialised U(-1/sqrt(in_features), 1/sqrt(in_features)) as in PyTorch.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = np.float64, seed: Any = None) -> None:
        self.in_features = check_positive_int(in_features, "in_features")
        self.out_features = check_positive_int(out_features, "out_features")
        self.dtype = check_dtype(dtype)
        rng = make_rng(seed)
        bound = 1.0 / np.sqrt(self.in_features)
        self._params = {"weight": rng.uniform(-bound, bound, (self.out_features,
                                                              self.in_features)).astype(self.dtype)}
        if bias:
            self._params["bias"] = rng.uniform(-bound, bound, self.out_features).astype(self.dtype)
        self._x: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"Linear({self.in_features}, {self.out_features}, dtype={self.dtype})"

    def forward(self, x: Any) -> np.ndarray:
        """y = x W^T + b for x of shape (..., in_features)."""
        x = as_float_array(x, "x", self.dtype)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"x: expected shape (..., {self.in_features}), got {x.shape}")
        check_finite(x, "x")
        self._x = x
        with layer_blas_threads():
            y = np.matmul(x, self._params["weight"].T)
        if "bias" in self._params:
            y += self._params["bias"]
        return y

    __call__ = forward

    def backward(self, grad_output: Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Returns (dL/dx, {"weight": dL/dW, "bias": dL/db}) for the last forward call."""
        if self._x is None:
            raise RuntimeError("backward: call forward first")
        x = self._x
        g = as_float_array(grad_output, "grad_output", self.dtype)
        check_shape(g, x.shape[:-1] + (self.out_features,), "grad_output")
        g2 = g.reshape(-1, self.out_features)
        with layer_blas_threads():
            grads = {"weight": np.matmul(g2.T, x.reshape(-1, self.in_features))}
            grad_input = np.matmul(g, self._params["weight"])
        if "bias" in self._params:
            grads["bias"] = g2.sum(axis=0)
        return grad_input, grads
