"""Optimizers (SGD with momentum, Adam) and gradient clipping.

Optimizers hold the live parameter arrays (e.g. ``model.parameters()``) and update them in
place from a dict of gradients with the same keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from dynamics import _validate as _v

__all__ = ["SGD", "Adam", "clip_grad_norm", "clip_grad_value", "global_norm"]


def _check_params(params: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    if not isinstance(params, Mapping) or not params:
        raise TypeError("params: expected a non-empty dict of name -> numpy array "
                        "(e.g. model.parameters())")
    for k, v in params.items():
        if not isinstance(v, np.ndarray):
            raise TypeError(f"params['{k}']: expected a numpy array, got {type(v).__name__}")
    return dict(params)


def _check_grads(params: dict[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
    for k, g in grads.items():
        if k not in params:
            raise ValueError(f"grads: key '{k}' is not a parameter of this optimizer")
        if np.shape(g) != params[k].shape:
            raise ValueError(f"grads['{k}']: expected shape {params[k].shape}, "
                             f"got {np.shape(g)}")


def _check_non_negative(value: Any, name: str) -> float:
    return _v.real(value, name, minimum=0.0, what="a finite non-negative number")


def _check_strictly_positive(value: Any, name: str) -> float:
    return _v.positive(value, name)


def _check_unit_interval(value: Any, name: str) -> float:
    x = _v.real(value, name, what="a number in [0, 1)")
    if not 0.0 <= x < 1.0:
        raise ValueError(f"{name}: expected a number in [0, 1), got {value!r}")
    return x


def _check_lr(lr: Any) -> float:
    return _check_non_negative(lr, "lr")


def _check_betas(betas: Any) -> tuple[float, float]:
    if isinstance(betas, str | bytes) or not isinstance(betas, Sequence | np.ndarray):
        raise TypeError(f"betas: expected a pair (beta1, beta2) of numbers in [0, 1), "
                        f"got {type(betas).__name__} {betas!r}")
    if len(betas) != 2:
        raise ValueError(f"betas: expected a pair (beta1, beta2) of numbers in [0, 1), "
                         f"got {len(betas)} value(s): {betas!r}")
    return (_check_unit_interval(betas[0], "betas[0]"),
            _check_unit_interval(betas[1], "betas[1]"))


class SGD:
    """Stochastic gradient descent with momentum (PyTorch's convention)::

        g <- g + weight_decay * p
        v <- momentum * v + g            (v = g at the first step)
        p <- p - lr * v
    """

    def __init__(self, params: Mapping[str, np.ndarray], lr: float, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        self.params = _check_params(params)
        self.lr = _check_lr(lr)
        self.momentum = _check_unit_interval(momentum, "momentum")
        self.weight_decay = _check_non_negative(weight_decay, "weight_decay")
        self._velocity: dict[str, np.ndarray] = {}

    def step(self, grads: Mapping[str, np.ndarray]) -> None:
        """Update the parameters in place (parameters without a gradient are untouched)."""
        _check_grads(self.params, grads)
        for k, g in grads.items():
            p = self.params[k]
            if self.weight_decay:
                g = g + self.weight_decay * p
            if self.momentum:
                v = self._velocity.get(k)
                if v is None:
                    v = self._velocity[k] = np.array(g, dtype=p.dtype)
                else:
                    v *= self.momentum
                    v += g
                g = v
            p -= (self.lr * g).astype(p.dtype, copy=False)

    def zero_state(self) -> None:
        """Forget the momentum buffers."""
        self._velocity.clear()


class Adam:
    """Adam (Kingma & Ba 2015)::

        m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
        p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
    """

    def __init__(self, params: Mapping[str, np.ndarray], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        self.params = _check_params(params)
        self.lr = _check_lr(lr)
        self.betas = _check_betas(betas)
        self.eps = _check_strictly_positive(eps, "eps")
        self.weight_decay = _check_non_negative(weight_decay, "weight_decay")
        self._m: dict[str, np.ndarray] = {}
        self._v: dict[str, np.ndarray] = {}
        self._t: dict[str, int] = {}

    def step(self, grads: Mapping[str, np.ndarray]) -> None:
        """Update the parameters in place (parameters without a gradient are untouched)."""
        _check_grads(self.params, grads)
        b1, b2 = self.betas
        for k, g in grads.items():
            p = self.params[k]
            if self.weight_decay:
                g = g + self.weight_decay * p
            if k not in self._m:
                self._m[k] = np.zeros_like(p)
                self._v[k] = np.zeros_like(p)
                self._t[k] = 0
            m, v = self._m[k], self._v[k]
            self._t[k] += 1
            t = self._t[k]
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * np.square(g)
            step = self.lr / (1.0 - b1**t)
            denom = np.sqrt(v / (1.0 - b2**t)) + self.eps
            p -= (step * m / denom).astype(p.dtype, copy=False)

    def zero_state(self) -> None:
        """Forget the moment estimates."""
        self._m.clear()
        self._v.clear()
        self._t.clear()


def _check_grad_arrays(grads: Any) -> None:
    """Clipping works in place: ``grads`` must be a mapping of name -> float numpy array."""
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads: expected a dict of name -> numpy array, "
                        f"got {type(grads).__name__}")
    for k, g in grads.items():
        if not isinstance(g, np.ndarray) or not np.issubdtype(g.dtype, np.floating):
            raise TypeError(f"grads['{k}']: expected a float numpy array (clipped in place), "
                            f"got {type(g).__name__}")


def global_norm(grads: Mapping[str, np.ndarray]) -> float:
    """sqrt(sum over all arrays of sum g^2), accumulated in float64."""
    return float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64)))
                             for g in grads.values())))


def clip_grad_norm(grads: Mapping[str, np.ndarray], max_norm: float) -> float:
    """Rescale all gradients in place so their global L2 norm is at most ``max_norm``
    (Pascanu, Mikolov & Bengio 2013): g <- g * max_norm / (||g|| + 1e-6) if ||g|| > max_norm.

    Returns the global norm before clipping.
    """
    max_norm = _check_strictly_positive(max_norm, "max_norm")
    _check_grad_arrays(grads)
    norm = global_norm(grads)
    coef = max_norm / (norm + 1e-6)
    if coef < 1.0:
        for g in grads.values():
            g *= coef
    return norm


def clip_grad_value(grads: Mapping[str, np.ndarray], clip_value: float) -> None:
    """Clip every gradient element in place to [-clip_value, clip_value]."""
    clip_value = _check_strictly_positive(clip_value, "clip_value")
    _check_grad_arrays(grads)
    for g in grads.values():
        np.clip(g, -clip_value, clip_value, out=g)
