"""Draw the figures of docs/plotting.md (docs/figures/plot_<function>.png) with the public API.

Run from the repository root: ``python docs/figures/make_plot_figures.py``. Each function below
is the example of its section in docs/plotting.md.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import dynamics as dyn  # noqa: E402

HERE = Path(__file__).resolve().parent
DPI = 100


def energy():
    patterns = dyn.random_patterns(3, 64, seed=0)
    model = dyn.hebbian_hopfield(patterns, gain_scale=5.0)
    starts = 0.1 * dyn.flip_bits(patterns, 0.3, seed=1)
    ens = dyn.solve_ensemble(model, (0.0, 10.0), starts, t_eval=np.linspace(0, 10, 201))
    ax = dyn.plot.energy(ens, labels=["cue 1", "cue 2", "cue 3"])
    a = np.random.default_rng(2).normal(0.0, 0.3, size=(64, 64))
    asymmetric = dyn.ContinuousHopfield(model.W + a - a.T, gain="tanh", gain_scale=5.0)
    sol = dyn.solve(asymmetric, (0.0, 10.0), starts[0], t_eval=np.linspace(0, 10, 201))
    return dyn.plot.energy(sol, ax=ax, color="tab:purple", labels=["cue 1, W + A"],
                           xlabel=r"time $t / \tau$", title="Energy along four recalls")


def trajectories():
    model = dyn.two_neuron_hopfield(w12=1.0, gain_scale=2.0)
    sol = dyn.solve(model, (0.0, 8.0), [0.3, -0.2], t_eval=np.linspace(0, 8, 161))
    return dyn.plot.trajectories(sol, transform=model.output, labels=["$V_1$", "$V_2$"],
                                 xlabel=r"time $t / \tau$", ylabel="output V = g(u)",
                                 title="Two neurons")


def overlap():
    patterns = dyn.random_patterns(3, 64, seed=0)
    model = dyn.hebbian_hopfield(patterns, gain_scale=5.0)
    sol = dyn.solve(model, (0.0, 10.0), 0.1 * dyn.flip_bits(patterns[0], 0.3, seed=1),
                    t_eval=np.linspace(0, 10, 201))
    return dyn.plot.overlap(sol, patterns, output=model.output, xlabel=r"time $t / \tau$",
                            title="Recall of pattern 1 from a 30 % corrupted cue")


def phase_plane():
    model = dyn.two_neuron_hopfield(w12=1.0, gain_scale=2.0)
    starts = np.array([[0.6, -0.5], [-0.5, 0.6], [0.9, 0.2], [-1.1, -0.3]])
    ens = dyn.solve_ensemble(model, (0.0, 10.0), starts, t_eval=np.linspace(0, 10, 201))
    return dyn.plot.phase_plane(model, (-1.3, 1.3), (-1.3, 1.3), trajectories=ens,
                                labels=("$u_1$", "$u_2$"), title="Two-neuron Hopfield network")


def patterns():
    letters = dyn.glyph_patterns("HOPF", size=12)
    probes = dyn.flip_bits(letters, 0.2, seed=0)
    net = dyn.HopfieldNetwork(144, rule="pseudoinverse").store(letters)
    recalled = net.recall(probes, seed=1).states
    return dyn.plot.patterns(np.stack([probes, recalled]), (12, 12),
                             row_titles=["probe", "recalled"], colorbar_label="state s")


def capacity():
    curves = [dyn.capacity_curve("hebbian", n, np.linspace(0.04, 0.26, 12), n_seeds=4,
                                 n_probes=20, seed=0) for n in (100, 200)]
    return dyn.plot.capacity(curves, title="Hebbian capacity")


def basins():
    m0 = np.linspace(0.0, 1.0, 11)
    ax = None
    for load in (0.05, 0.12, 0.2):
        _, final = dyn.basin_curve("hebbian", 200, load, m0, n_trials=20, seed=0)
        ax = dyn.plot.basins(m0, final, ax=ax, label=rf"$\alpha$ = {load}",
                             title="Hebbian basins of attraction, N = 200")
    return ax


def main() -> None:
    for name in ("energy", "trajectories", "overlap", "phase_plane", "patterns", "capacity",
                 "basins"):
        drawn = globals()[name]()
        fig = drawn if isinstance(drawn, Figure) else drawn.figure
        path = HERE / f"plot_{name}.png"
        fig.savefig(path, dpi=DPI, bbox_inches="tight")
        plt.close(fig)
        print(path.relative_to(HERE.parent.parent))


if __name__ == "__main__":
    main()
