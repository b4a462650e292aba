"""The public API: every advertised name resolves, and no two subpackages claim one name."""

from __future__ import annotations

from collections import Counter

import dynamics as dyn


def _flattened() -> list[tuple[str, str]]:
    pairs = [(n, "models") for n in dyn._models.__all__]
    pairs += [(n, "integrate") for n in dyn._integrate.__all__]
    pairs += [(n, sub) for sub in dyn._LAZY_SUBPACKAGES for n in dyn._declared_names(sub)]
    return pairs


def test_no_name_is_exported_by_two_subpackages():
    pairs = _flattened()
    counts = Counter(name for name, _ in pairs)
    clashes = {n: [s for m, s in pairs if m == n] for n, k in counts.items() if k > 1}
    assert not clashes


def test_every_public_name_resolves():
    missing = [name for name in dyn.__all__ if not hasattr(dyn, name)]
    assert not missing
