"""Loss functions returning the loss and its gradient with respect to the prediction."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["mse_loss", "softmax_cross_entropy"]


def mse_loss(pred: np.ndarray, target: Any) -> tuple[float, np.ndarray]:
    """Mean squared error L = mean((pred - target)^2) over all elements.

    Returns ``(L, dL/dpred)`` with dL/dpred = 2 (pred - target) / N, in ``pred``'s dtype.
    """
    pred = np.asarray(pred)
    target = np.asarray(target)
    if pred.shape != target.shape:
        raise ValueError(f"target: expected the shape of pred {pred.shape}, got {target.shape}")
    if pred.size == 0:
        raise ValueError("pred: expected a non-empty array")
    diff = pred - target.astype(pred.dtype, copy=False)
    loss = float(np.mean(diff.astype(np.float64) ** 2))
    return loss, (2.0 / diff.size) * diff


def softmax_cross_entropy(logits: np.ndarray, targets: Any) -> tuple[float, np.ndarray]:
    """Cross-entropy of softmax(logits) against integer class labels, averaged over samples.

    logits (..., C), targets (...) integers in [0, C). L = -mean(log softmax(logits)[target]).
    Returns ``(L, dL/dlogits)`` with dL/dlogits = (softmax(logits) - onehot(targets)) / N.
    Computed with the log-sum-exp shift, so large logits do not overflow.
    """
    logits = np.asarray(logits)
    targets = np.asarray(targets)
    if logits.ndim < 1:
        raise ValueError(f"logits: expected shape (..., C), got {logits.shape}")
    if targets.shape != logits.shape[:-1]:
        raise ValueError(
            f"targets: expected shape {logits.shape[:-1]} (logits without the class axis), "
            f"got {targets.shape}")
    if not np.issubdtype(targets.dtype, np.integer):
        raise TypeError(f"targets: expected integer class labels, got dtype {targets.dtype}")
    C = logits.shape[-1]
    if targets.size == 0:
        raise ValueError("targets: expected at least one sample")
    if targets.min() < 0 or targets.max() >= C:
        raise ValueError(f"targets: expected labels in [0, {C}), got range "
                         f"[{targets.min()}, {targets.max()}]")
    z = logits.reshape(-1, C)
    t = targets.reshape(-1)
    shift = z - z.max(axis=1, keepdims=True)
    expz = np.exp(shift)
    sumexp = expz.sum(axis=1, keepdims=True)
    logp = shift[np.arange(t.size), t] - np.log(sumexp[:, 0])
    loss = float(-np.mean(logp, dtype=np.float64))
    grad = expz / sumexp
    grad[np.arange(t.size), t] -= 1.0
    grad /= t.size
    return loss, grad.reshape(logits.shape)
