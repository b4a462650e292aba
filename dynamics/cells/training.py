"""A recurrent layer with a linear readout, a training loop and truncated BPTT."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dynamics.cells._validate import check_positive_int
from dynamics.cells.linear import Linear
from dynamics.cells.optim import (
    _check_strictly_positive,
    clip_grad_norm,
    clip_grad_value,
    global_norm,
)
from dynamics.cells.recurrent import _RecurrentLayer

__all__ = ["SequenceModel", "History", "fit", "truncated_bptt", "TBPTTResult"]

LossFn = Callable[[np.ndarray, Any], tuple[float, np.ndarray]]


def _clip_and_step(optimizer: Any, grads: dict, clip_norm: float | None,
                   clip_value: float | None) -> None:
    """Clip ``grads`` by global norm and/or by value (Pascanu et al. 2013), then step."""
    if clip_norm is not None:
        clip_grad_norm(grads, clip_norm)
    if clip_value is not None:
        clip_grad_value(grads, clip_value)
    optimizer.step(grads)


class SequenceModel:
    """A recurrent layer (``RNN``/``LSTM``/``GRU``) followed by a ``Linear`` readout.

    output="last": the readout sees the last layer's output at the final time step
    (prediction (B, out_features), unbatched (out_features,)); output="all": at every step
    (prediction shaped like the rnn output with the feature axis replaced by out_features).
    Parameters are prefixed ``rnn.`` and ``readout.``.
    """

    def __init__(self, rnn: _RecurrentLayer, readout: Linear, output: str = "last") -> None:
        if not isinstance(rnn, _RecurrentLayer):
            raise TypeError(f"rnn: expected an RNN, LSTM or GRU, got {type(rnn).__name__}")
        if not isinstance(readout, Linear):
            raise TypeError(f"readout: expected a Linear, got {type(readout).__name__}")
        feat = rnn.hidden_size * rnn.num_directions
        if readout.in_features != feat:
            raise ValueError(f"readout: expected in_features={feat} (hidden_size x directions),"
                             f" got {readout.in_features}")
        if readout.dtype != rnn.dtype:
            raise TypeError(f"readout: expected dtype {rnn.dtype} like rnn, got {readout.dtype}")
        if output not in ("last", "all"):
            raise ValueError(f"output: expected 'last' or 'all', got {output!r}")
        self.rnn = rnn
        self.readout = readout
        self.output = output
        self.dtype = rnn.dtype
        self.state: Any = None
        self._out_shape: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        return f"SequenceModel({self.rnn!r}, {self.readout!r}, output={self.output!r})"

    def _time_axis(self, ndim: int) -> int:
        return 1 if (self.rnn.batch_first and ndim == 3) else 0

    def forward(self, x: Any, state: Any = None) -> np.ndarray:
        """Prediction for ``x`` (shapes as ``rnn.forward``); the final state is kept in
        ``self.state`` so it can be passed to the next call (stateful use)."""
        out, self.state = self.rnn.forward(x, state)
        self._out_shape = out.shape
        if self.output == "last":
            feat = out[:, -1] if self._time_axis(out.ndim) == 1 else out[-1]
        else:
            feat = out
        return self.readout.forward(feat)

    __call__ = forward

    def backward(self, grad_pred: Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Returns ``(grad_input, grad_params)`` for the last forward call; grad_params is
        keyed like ``parameters()``."""
        if self._out_shape is None:
            raise RuntimeError("backward: call forward first")
        g_feat, g_read = self.readout.backward(grad_pred)
        if self.output == "last":
            g_out = np.zeros(self._out_shape, dtype=self.dtype)
            if self._time_axis(len(self._out_shape)) == 1:
                g_out[:, -1] = g_feat
            else:
                g_out[-1] = g_feat
        else:
            g_out = g_feat
        g_x, g_rnn = self.rnn.backward(g_out)
        grads = {f"rnn.{k}": v for k, v in g_rnn.items()}
        grads.update({f"readout.{k}": v for k, v in g_read.items()})
        return g_x, grads

    def parameters(self) -> dict[str, np.ndarray]:
        """The live parameter arrays, keys ``rnn.<name>`` and ``readout.<name>``."""
        p = {f"rnn.{k}": v for k, v in self.rnn.parameters().items()}
        p.update({f"readout.{k}": v for k, v in self.readout.parameters().items()})
        return p

    def state_dict(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self.parameters().items()}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load ``rnn.*`` and ``readout.*`` entries; other keys are reported as unexpected."""
        extra = [k for k in state_dict if not k.startswith(("rnn.", "readout."))]
        if extra:
            raise ValueError("load_state_dict (SequenceModel): unexpected key(s) "
                             + ", ".join(f"'{k}' (shape {np.shape(state_dict[k])})"
                                         for k in extra))
        rnn_sd = {k[4:]: v for k, v in state_dict.items() if k.startswith("rnn.")}
        read_sd = {k[8:]: v for k, v in state_dict.items() if k.startswith("readout.")}
        # validate both before touching either
        for sub, sd, prefix in ((self.rnn, rnn_sd, "rnn."), (self.readout, read_sd, "readout.")):
            params = sub.parameters()
            probs = [f"missing key '{prefix}{k}' (expected shape {v.shape})"
                     for k, v in params.items() if k not in sd]
            probs += [f"unexpected key '{prefix}{k}' (shape {np.shape(v)})"
                      for k, v in sd.items() if k not in params]
            probs += [f"key '{prefix}{k}': expected shape {params[k].shape}, got shape "
                      f"{np.shape(v)}" for k, v in sd.items()
                      if k in params and np.shape(v) != params[k].shape]
            if probs:
                raise ValueError("load_state_dict (SequenceModel): " + "; ".join(probs))
        self.rnn.load_state_dict(rnn_sd)
        self.readout.load_state_dict(read_sd)


@dataclass
class History:
    """Training record: loss and global gradient norm (before clipping) per step.

    ``status`` is "ok", or "diverged" when a loss or gradient became NaN/inf (training stops
    there and the parameters of the last finite step are kept); ``message`` says why it
    stopped.
    """

    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    status: str = "ok"
    message: str = ""

    @property
    def n_steps(self) -> int:
        return len(self.loss)


def _progress(total: int | None, enabled: bool):
    if enabled and sys.stderr.isatty():
        from tqdm.auto import tqdm

        return tqdm(total=total, file=sys.stderr, leave=False)
    return None


def fit(model: Any, loss_fn: LossFn, optimizer: Any,
        batches: Callable[[int], tuple[Any, Any]] | Iterable[tuple[Any, Any]],
        n_steps: int | None, clip_norm: float | None = None, clip_value: float | None = None,
        progress: bool = True) -> History:
    """Train ``model`` for ``n_steps`` optimizer steps.

    Each step: ``x, y`` = ``batches(step)`` (callable) or the next item of ``batches``
    (a sequence is cycled through; another iterable is consumed until it ends, then training
    stops); ``pred = model.forward(x)``; ``loss, g = loss_fn(pred, y)``;
    ``_, grads = model.backward(g)``; the global gradient norm is recorded; gradients are
    clipped by norm and/or value (Pascanu, Mikolov & Bengio 2013) if asked;
    ``optimizer.step(grads)``. A non-finite loss or gradient stops training with
    ``History.status == "diverged"`` without applying that update.

    ``model`` is anything with ``forward(x)`` and ``backward(grad) -> (grad_input, grads)``
    (e.g. ``SequenceModel``). A tqdm progress bar is shown when ``progress`` and stderr is
    a terminal.
    """
    if n_steps is not None:
        n_steps = check_positive_int(n_steps, "n_steps")
    if clip_norm is not None:
        _check_strictly_positive(clip_norm, "clip_norm")
    if clip_value is not None:
        _check_strictly_positive(clip_value, "clip_value")
    if callable(batches):
        if n_steps is None:
            raise ValueError("n_steps: required when batches is a callable")
        get = batches
    elif isinstance(batches, Sequence):
        if len(batches) == 0:
            raise ValueError("batches: expected at least one (x, y) pair")
        seq = batches

        def get(step: int):
            return seq[step % len(seq)]
    elif isinstance(batches, Iterable):
        it = iter(batches)

        def get(step: int):
            return next(it)
    else:
        raise TypeError("batches: expected a callable step -> (x, y) or an iterable of (x, y)")
    hist = History()
    bar = _progress(n_steps, progress)
    step = 0
    try:
        while n_steps is None or step < n_steps:
            try:
                x, y = get(step)
            except StopIteration:
                hist.message = f"batches exhausted after {step} steps"
                break
            pred = model.forward(x)
            loss, g = loss_fn(pred, y)
            if not np.isfinite(loss):
                hist.status, hist.message = "diverged", f"non-finite loss at step {step}"
                break
            _, grads = model.backward(g)
            norm = global_norm(grads)
            hist.loss.append(float(loss))
            hist.grad_norm.append(norm)
            if not np.isfinite(norm):
                hist.status, hist.message = "diverged", f"non-finite gradient at step {step}"
                break
            _clip_and_step(optimizer, grads, clip_norm, clip_value)
            step += 1
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.4g}")
    finally:
        if bar is not None:
            bar.close()
    if not hist.message:
        hist.message = f"completed {step} steps"
    return hist


@dataclass
class TBPTTResult:
    """Outcome of ``truncated_bptt``: loss and gradient norm per chunk, the final state, and
    the gradients summed over chunks when no optimizer was given."""

    loss: list[float]
    grad_norm: list[float]
    state: Any
    grads: dict[str, np.ndarray] | None


def truncated_bptt(model: SequenceModel, loss_fn: LossFn, x: Any, y: Any, k: int,
                   optimizer: Any = None, state: Any = None, clip_norm: float | None = None,
                   clip_value: float | None = None) -> TBPTTResult:
    """Truncated backpropagation through time over one long sequence (Williams & Peng 1990).

    The sequence ``x`` (and the per-step targets ``y``, same time axis) is cut into chunks
    of ``k`` steps. Each chunk runs forward from the state the previous chunk ended in,
    the loss and its gradient are computed on the chunk, and BPTT runs back to the start of
    the chunk only (the carried state is treated as a constant). With an ``optimizer`` the
    parameters are updated after every chunk (optionally clipped); without one the chunk
    gradients are summed and returned (this equals one ``backward`` of the whole sequence
    with ``rnn.bptt_truncate = k`` for a loss that is a sum over steps).

    ``model`` must be a ``SequenceModel`` with output="all".
    """
    if not isinstance(model, SequenceModel) or model.output != "all":
        raise TypeError("model: expected a SequenceModel with output='all'")
    k = check_positive_int(k, "k")
    x = np.asarray(x) if not isinstance(x, np.ndarray) else x
    y = np.asarray(y) if not isinstance(y, np.ndarray) else y
    axis = model._time_axis(x.ndim)
    if x.ndim < 2:
        raise ValueError(f"x: expected a sequence (T, ...), got shape {x.shape}")
    if y.ndim <= axis or y.shape[axis] != x.shape[axis]:
        raise ValueError(f"y: expected the time length {x.shape[axis]} of x on axis {axis}, "
                         f"got shape {y.shape}")
    T = x.shape[axis]
    losses, norms = [], []
    total: dict[str, np.ndarray] | None = None if optimizer is not None else {}
    for start in range(0, T, k):
        sl = [slice(None)] * x.ndim
        sl[axis] = slice(start, start + k)
        sly = [slice(None)] * y.ndim
        sly[axis] = slice(start, start + k)
        pred = model.forward(np.ascontiguousarray(x[tuple(sl)]), state)
        state = model.state
        loss, g = loss_fn(pred, y[tuple(sly)])
        _, grads = model.backward(g)
        losses.append(float(loss))
        norms.append(global_norm(grads))
        if optimizer is None:
            for name, v in grads.items():
                total[name] = total[name] + v if name in total else v.copy()
            continue
        _clip_and_step(optimizer, grads, clip_norm, clip_value)
    return TBPTTResult(loss=losses, grad_norm=norms, state=state, grads=total)
