"""Discrete-time recurrent networks trained by exact backpropagation through time.

Layers with PyTorch's equations, parameter names and shapes (``RNN``, ``LSTM`` with optional
peepholes, ``GRU`` with ``reset_after``; stacked and bidirectional), one-step cells, a
``Linear`` readout, losses, optimizers, gradient clipping, ``fit`` and truncated BPTT.
"""

from dynamics._blas import get_blas_threads, set_blas_threads
from dynamics.cells.cell import GRUCell, LSTMCell, RNNCell
from dynamics.cells.linear import Linear
from dynamics.cells.losses import mse_loss, softmax_cross_entropy
from dynamics.cells.optim import SGD, Adam, clip_grad_norm, clip_grad_value, global_norm
from dynamics.cells.recurrent import GRU, LSTM, RNN
from dynamics.cells.training import History, SequenceModel, TBPTTResult, fit, truncated_bptt

__all__ = [
    "RNN",
    "LSTM",
    "GRU",
    "RNNCell",
    "LSTMCell",
    "GRUCell",
    "Linear",
    "mse_loss",
    "softmax_cross_entropy",
    "SGD",
    "Adam",
    "clip_grad_norm",
    "clip_grad_value",
    "global_norm",
    "SequenceModel",
    "History",
    "fit",
    "truncated_bptt",
    "TBPTTResult",
    "set_blas_threads",
    "get_blas_threads",
]
