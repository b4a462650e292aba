"""Optimization by network dynamics: TSPLIB I/O, TSP networks, local search, solve_tsp.

Modules: ``tsplib`` (instances, tours, TSPLIB distance rules), ``hopfield_tank`` (the
Hopfield-Tank network as a model of the kernel protocol), ``mean_field`` (Potts mean-field
annealing), ``elastic_net`` (the elastic net), ``local_search`` (nearest neighbour, 2-opt,
Or-opt, repair), ``tsp`` (``solve_tsp`` and decoding), ``figures`` (``draw_tour``).
"""

from dynamics.optimize.figures import draw_tour
from dynamics.optimize.hopfield_tank import HopfieldTank
from dynamics.optimize.local_search import (
    nearest_neighbor_tour,
    or_opt,
    polish,
    repair_tour,
    two_opt,
)
from dynamics.optimize.mean_field import potts_critical_temperature
from dynamics.optimize.tsp import (
    KNOWN_OPTIMA,
    TSP_METHODS,
    TSPResult,
    decode_tour,
    known_optimum,
    solve_tsp,
)
from dynamics.optimize.tsplib import (
    TSPInstance,
    check_tour,
    load_instance,
    load_tour,
    load_tsplib,
    random_instance,
    tour_length,
)

__all__ = [
    "TSPInstance",
    "load_tsplib",
    "load_tour",
    "load_instance",
    "random_instance",
    "tour_length",
    "check_tour",
    "HopfieldTank",
    "potts_critical_temperature",
    "nearest_neighbor_tour",
    "two_opt",
    "or_opt",
    "polish",
    "repair_tour",
    "solve_tsp",
    "TSPResult",
    "decode_tour",
    "TSP_METHODS",
    "KNOWN_OPTIMA",
    "known_optimum",
    "draw_tour",
]
