"""Continuous-time network models: data plus compiled kernels (see models/base.py)."""

from dynamics.models.base import (
    ENERGY_BATCH_SIGNATURE,
    ENERGY_SIGNATURE,
    EVENT_SIGNATURE,
    EVENT_SIGNATURE_NO_PARAMS,
    JACOBIAN_SIGNATURE,
    RHS_BATCH_SIGNATURE,
    RHS_SIGNATURE,
    Event,
    Model,
    UserModel,
    compile_kernel,
)
from dynamics.models.cellular import (
    CNN_TEMPLATES,
    CellularNetwork,
    CNNTemplate,
    binarize_image,
    cnn_output,
    sample_image,
)
from dynamics.models.cohen_grossberg import CG_FAMILIES, CohenGrossberg
from dynamics.models.delay import (
    DDE_RHS_SIGNATURE,
    DELAY_SIGNATURE,
    DelayModel,
    UserDelayModel,
)
from dynamics.models.delayed_hopfield import (
    DelayedHopfield,
    DistributedDelayHopfield,
    critical_delay,
)
from dynamics.models.hopfield import (
    ContinuousHopfield,
    hebbian_hopfield,
    random_hopfield,
    two_neuron_hopfield,
)
from dynamics.models.layout import ParamLayout
from dynamics.models.random_rate import RandomRateNetwork

__all__ = [
    "ParamLayout",
    "Model",
    "UserModel",
    "Event",
    "compile_kernel",
    "RHS_SIGNATURE",
    "RHS_BATCH_SIGNATURE",
    "ENERGY_SIGNATURE",
    "ENERGY_BATCH_SIGNATURE",
    "JACOBIAN_SIGNATURE",
    "EVENT_SIGNATURE",
    "EVENT_SIGNATURE_NO_PARAMS",
    "ContinuousHopfield",
    "two_neuron_hopfield",
    "random_hopfield",
    "hebbian_hopfield",
    "CohenGrossberg",
    "CG_FAMILIES",
    "DelayModel",
    "UserDelayModel",
    "DDE_RHS_SIGNATURE",
    "DELAY_SIGNATURE",
    "DelayedHopfield",
    "DistributedDelayHopfield",
    "critical_delay",
    "RandomRateNetwork",
    "CellularNetwork",
    "CNNTemplate",
    "CNN_TEMPLATES",
    "cnn_output",
    "binarize_image",
    "sample_image",
]
