"""Compiled ODE integrators: explicit Runge-Kutta methods as data (euler, rk4, bs32, dopri5,
tsit5, dop853); single trajectories, ensembles and delay equations."""

from dynamics.integrate.dde import discontinuity_points, solve_dde
from dynamics.integrate.solution import DenseOutput, EnsembleSolution, Solution
from dynamics.integrate.solve import METHODS, solve, solve_ensemble
from dynamics.integrate.tableaus import TABLEAUS, Tableau

__all__ = [
    "solve",
    "solve_ensemble",
    "Solution",
    "EnsembleSolution",
    "DenseOutput",
    "METHODS",
    "TABLEAUS",
    "Tableau",
    "solve_dde",
    "discontinuity_points",
]
