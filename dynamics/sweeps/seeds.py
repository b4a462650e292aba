"""Reproducible per-task seeds and task identities.

Each task of a sweep is one parameter set run with one replicate index. Its seed is drawn
from ``numpy.random.SeedSequence(entropy=base_seed, spawn_key=(*h, replicate))`` where ``h``
are the eight 32-bit words of the SHA-256 digest of the canonical parameter text
(:func:`dynamics.sweeps.grid.canonical_params`). The seed therefore depends only on the
base seed, the parameters and the replicate index: never on the executor, the number of
workers, the order of completion or the other points of the grid (O'Neill 2014 for the
PCG/SeedSequence design; numpy's SeedSequence hashes the entropy pool so that nearby keys
give independent streams).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from dynamics import _validate as _v
from dynamics.sweeps.grid import canonical_params

__all__ = ["task_seed", "task_id"]


def _check_base_seed(base_seed: Any) -> int:
    return _v.integer(base_seed, "base_seed", minimum=0)


def _check_replicate(replicate: Any) -> int:
    return _v.integer(replicate, "replicate", minimum=0)


def task_seed(params: Mapping[str, Any], replicate: int = 0, base_seed: int = 0) -> int:
    """The seed (a 63-bit int) that :func:`dynamics.sweep` passes to ``fn(params, seed)``.

    Use it to rerun one task of a sweep by hand: ``fn(params, task_seed(params, r, base))``
    reproduces the stored result of replicate ``r`` exactly.
    """
    base = _check_base_seed(base_seed)
    rep = _check_replicate(replicate)
    digest = hashlib.sha256(canonical_params(params).encode("utf-8")).digest()
    words = np.frombuffer(digest, dtype="<u4").tolist()
    state = np.random.SeedSequence(entropy=base, spawn_key=(*words, rep)).generate_state(
        1, np.uint64
    )
    return int(state[0] >> np.uint64(1))


def task_id(params: Mapping[str, Any], replicate: int = 0) -> str:
    """A stable identity for (parameters, replicate): 32 hex digits of a SHA-256 digest."""
    rep = _check_replicate(replicate)
    text = f"{canonical_params(params)}#{rep}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
