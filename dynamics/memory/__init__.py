"""Discrete-state associative memories and their capacity experiments.

* :class:`HopfieldNetwork` -- binary Hopfield network (Hopfield 1982) with Hebbian, Storkey
  (1997) and pseudo-inverse (Personnaz et al. 1985) storage; async / sync / stochastic recall;
  ``as_continuous()`` gives the graded-response network (Hopfield 1984) with the same weights.
* :class:`BAM` and :class:`ContinuousBAM` -- bidirectional associative memory (Kosko 1988).
* :class:`DenseAssociativeMemory` (Krotov & Hopfield 2016; Demircigil et al. 2017) and
  :class:`ModernHopfield` (Ramsauer et al. 2020).
* :class:`BrainStateInABox` -- the brain-state-in-a-box memory (Anderson et al. 1977).
* :mod:`dynamics.memory.capacity` -- capacity curves, basins, spurious mixture states.
"""

from dynamics.memory.bam import BAM, BAMResult, ContinuousBAM
from dynamics.memory.bsb import BrainStateInABox, BSBResult
from dynamics.memory.capacity import (
    AGS_ALPHA_C,
    FINITE_SIZE_ALPHA_C,
    CapacityCurve,
    basin_curve,
    capacity_curve,
    capacity_task,
    classify_attractors,
    estimate_alpha_c,
    flip_bits,
    mceliece_load,
    mixture_states,
    random_patterns,
    retrieval_trial,
)
from dynamics.memory.dense import (
    DenseAssociativeMemory,
    DenseRecallResult,
    ModernHopfield,
    ModernRecallResult,
)
from dynamics.memory.glyphs import glyph_patterns
from dynamics.memory.hopfield import HopfieldNetwork, RecallResult, overlaps
from dynamics.memory.rules import hebbian_weights, pseudoinverse_weights, storkey_weights

__all__ = [
    "HopfieldNetwork",
    "RecallResult",
    "overlaps",
    "hebbian_weights",
    "storkey_weights",
    "pseudoinverse_weights",
    "BAM",
    "BAMResult",
    "ContinuousBAM",
    "DenseAssociativeMemory",
    "DenseRecallResult",
    "ModernHopfield",
    "ModernRecallResult",
    "AGS_ALPHA_C",
    "FINITE_SIZE_ALPHA_C",
    "CapacityCurve",
    "capacity_curve",
    "retrieval_trial",
    "capacity_task",
    "estimate_alpha_c",
    "basin_curve",
    "mixture_states",
    "classify_attractors",
    "random_patterns",
    "flip_bits",
    "mceliece_load",
    "glyph_patterns",
    "BrainStateInABox",
    "BSBResult",
]
