"""Optimization by network dynamics: TSP, QUBO / Ising / max-cut, and quadratic programs.

TSP: ``tsplib`` (instances, tours, TSPLIB distance rules), ``hopfield_tank`` (the
Hopfield-Tank network as a model of the kernel protocol), ``mean_field`` (Potts mean-field
annealing), ``elastic_net`` (the elastic net), ``local_search`` (nearest neighbour, 2-opt,
Or-opt, repair), ``tsp`` (``solve_tsp`` and decoding), ``figures`` (``draw_tour``).

QUBO / Ising / max-cut and quadratic programs:

* :class:`QUBO`, :class:`Ising` -- problems, their exact conversion and network energies.
* Solvers: :func:`hopfield_descent`, :func:`glauber_annealing`, :func:`graded_network`,
  :func:`simulated_bifurcation` (bSB / dSB, Goto et al. 2019, 2021); front ends
  :func:`solve_ising`, :func:`solve_qubo`, :func:`solve_maxcut`.
* Max-cut graphs: :func:`load_maxcut` (G-set / rudy format), :func:`load_gset`,
  :func:`cut_value`, :func:`random_maxcut`; :func:`number_partitioning`.
* Quadratic programs: :class:`ProjectionNetwork` (box constraints, Xia & Wang),
  :class:`PrimalDualNetwork` (linear constraints), :func:`solve_qp`.
"""


from dynamics.optimize._ising_common import IsingResult
from dynamics.optimize.bifurcation import SB_VARIANTS, simulated_bifurcation, stable_dt
from dynamics.optimize.figures import draw_tour
from dynamics.optimize.hopfield_tank import HopfieldTank
from dynamics.optimize.ising_networks import glauber_annealing, graded_network, hopfield_descent
from dynamics.optimize.ising_solve import (
    ISING_METHODS,
    MaxCutResult,
    QUBOResult,
    solve_ising,
    solve_maxcut,
    solve_qubo,
)
from dynamics.optimize.local_search import (
    nearest_neighbor_tour,
    or_opt,
    polish,
    repair_tour,
    two_opt,
)
from dynamics.optimize.maxcut import (
    GSET_BEST_KNOWN,
    MaxCutGraph,
    cut_value,
    load_gset,
    load_maxcut,
    random_maxcut,
)
from dynamics.optimize.mean_field import potts_critical_temperature
from dynamics.optimize.quadratic import PrimalDualNetwork, ProjectionNetwork, QPResult, solve_qp
from dynamics.optimize.qubo import QUBO, Ising, number_partitioning
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
    "QUBO",
    "Ising",
    "number_partitioning",
    "IsingResult",
    "QUBOResult",
    "MaxCutResult",
    "ISING_METHODS",
    "SB_VARIANTS",
    "hopfield_descent",
    "glauber_annealing",
    "graded_network",
    "simulated_bifurcation",
    "stable_dt",
    "solve_ising",
    "solve_qubo",
    "solve_maxcut",
    "MaxCutGraph",
    "load_maxcut",
    "load_gset",
    "cut_value",
    "random_maxcut",
    "GSET_BEST_KNOWN",
    "ProjectionNetwork",
    "PrimalDualNetwork",
    "QPResult",
    "solve_qp",
]
