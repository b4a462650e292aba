"""dynamics.plot on the Agg backend: each function returns its axes, draws exactly its inputs,
draws into a given ``ax`` and names the argument of a bad input."""

from __future__ import annotations

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numba  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

import dynamics as dyn  # noqa: E402
from dynamics.plot.phase import energy_field, vector_field  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def two():
    model = dyn.two_neuron_hopfield(w12=1.0, gain_scale=2.0)
    starts = np.array([[0.3, -0.2], [-1.0, 0.4], [1.2, 1.1]])
    ens = dyn.solve_ensemble(model, (0.0, 8.0), starts, t_eval=np.linspace(0, 8, 60))
    sol = dyn.solve(model, (0.0, 8.0), starts[0])
    return model, sol, ens


def test_import_dynamics_does_not_import_matplotlib():
    code = "import sys, dynamics; assert 'matplotlib' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_energy_of_a_solution_and_an_ensemble(two):
    _, sol, ens = two
    ax = dyn.plot.energy(sol)
    assert isinstance(ax, Axes)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), sol.t)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), sol.energy)
    assert ax.get_xlabel() and ax.get_ylabel()
    fig, given = plt.subplots()
    out = dyn.plot.energy(ens, ax=given, labels=["a", "b", "c"])
    assert out is given and len(given.lines) == 3
    for k in range(3):
        np.testing.assert_array_equal(given.lines[k].get_ydata(), ens.energy[k])
    assert [t.get_text() for t in given.get_legend().get_texts()] == ["a", "b", "c"]


def test_energy_marks_the_flagged_increases():
    t = np.arange(6.0)
    e = np.array([3.0, 2.0, 2.5, 1.0, 1.0, 1.5])  # rises at index 2 and 5
    sol = dyn.Solution(t=t, y=np.zeros((1, 6)), energy=e, status=0, message="", nfev=0,
                       nsteps=0, naccepted=0, nrejected=0, method="euler")
    ax = dyn.plot.energy(sol)
    marks = ax.lines[1]
    np.testing.assert_array_equal(marks.get_xdata(), [2.0, 5.0])
    np.testing.assert_array_equal(marks.get_ydata(), [2.5, 1.5])
    assert "rise" in marks.get_label()
    assert len(dyn.plot.energy(sol, mark_increases=False).lines) == 1


def test_energy_of_a_binary_recall_per_sweep():
    xi = dyn.random_patterns(3, 64, seed=1)
    net = dyn.HopfieldNetwork(64).store(xi)
    res = net.recall(dyn.flip_bits(xi, 0.2, seed=2), seed=3)
    ax = dyn.plot.energy(res)
    for k in range(3):
        stop = res.sweeps[k] + 1
        np.testing.assert_array_equal(ax.lines[k].get_ydata(), res.energy[k, :stop])
        np.testing.assert_array_equal(ax.lines[k].get_xdata(), np.arange(stop))
    assert ax.get_xlabel() == "sweep"
    assert all(float(v).is_integer() for v in ax.get_xticks())


def test_energy_bad_input_names_the_argument(two):
    _, sol, _ = two
    with pytest.raises(TypeError, match="sol_or_ensemble"):
        dyn.plot.energy(np.zeros(3))
    no_energy = dyn.Solution(t=sol.t, y=sol.y, energy=None, status=0, message="", nfev=0,
                             nsteps=0, naccepted=0, nrejected=0, method="rk4")
    with pytest.raises(ValueError, match="sol_or_ensemble"):
        dyn.plot.energy(no_energy)
    with pytest.raises(ValueError, match="labels"):
        dyn.plot.energy(sol, labels=["a", "b"])
    with pytest.raises(TypeError, match="ax"):
        dyn.plot.energy(sol, ax="axes")


def test_trajectories_draw_the_chosen_states(two):
    model, sol, ens = two
    ax = dyn.plot.trajectories(sol, states=[1])
    assert len(ax.lines) == 1
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), sol.y[1])
    ax = dyn.plot.trajectories(ens, trajectory=2, transform=model.output)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), model.output(ens.y[2, 0]))
    with pytest.raises(ValueError, match="states"):
        dyn.plot.trajectories(sol, states=[5])
    with pytest.raises(ValueError, match="trajectory"):
        dyn.plot.trajectories(ens)


def test_overlap_equals_xi_dot_output_over_n(two):
    model, sol, ens = two
    xi = np.array([[1.0, 1.0], [1.0, -1.0]])
    ax = dyn.plot.overlap(sol, xi, output=model.output)
    v = model.output(sol.y)
    for k in range(2):
        np.testing.assert_allclose(ax.lines[k].get_ydata(), xi[k] @ v / 2)
    ax = dyn.plot.overlap(ens, xi, sign=True)
    m = np.einsum("pn,knt->kpt", xi, np.sign(ens.y)) / 2
    for k in range(3):
        reached = np.argmax(np.abs(m[k, :, -1]))
        np.testing.assert_allclose(ax.lines[k].get_ydata(), m[k, reached])
    with pytest.raises(ValueError, match="patterns"):
        dyn.plot.overlap(sol, np.ones((2, 3)))


def test_patterns_image_data_and_one_shared_colour_bar():
    states = np.random.default_rng(0).choice([-1.0, 1.0], size=(5, 12))
    fig = dyn.plot.patterns(states, (3, 4), ncols=3, titles=list("abcde"))
    panels = [a for a in fig.axes if a.images]
    assert len(panels) == 5
    for k, a in enumerate(panels):
        np.testing.assert_array_equal(a.images[0].get_array(), states[k].reshape(3, 4))
        assert a.images[0].get_clim() == (-1.0, 1.0)
    assert len(fig.axes) == 7  # 2 x 3 grid (one empty) and one colour bar
    fig2, axes = plt.subplots(2, 2)
    grid = np.arange(2 * 2 * 4, dtype=float).reshape(2, 2, 4)
    out = dyn.plot.patterns(grid, 2, axes=axes, colorbar=False)
    assert out is fig2
    np.testing.assert_array_equal(axes[1, 0].images[0].get_array(), grid[1, 0].reshape(2, 2))
    assert axes[0, 0].images[0].get_clim() == (0.0, 15.0)  # shared data range
    with pytest.raises(ValueError, match="shape"):
        dyn.plot.patterns(states, (5, 5))
    with pytest.raises(ValueError, match="titles"):
        dyn.plot.patterns(states, (3, 4), titles=["a"])


def _curve():
    fractions = np.array([[1.0, 1.0, 1.0], [1.0, 0.8, 0.9], [0.2, 0.4, 0.0]])
    return dyn.CapacityCurve("hebbian", 100, np.array([0.05, 0.1, 0.2]), fractions,
                             fractions, 0.05, 0.99)


def test_capacity_draws_the_mean_with_error_bars_inside_0_1():
    curve = _curve()
    ax = dyn.plot.capacity(curve)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), curve.loads)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), curve.mean)
    segments = ax.containers[0].lines[2][0].get_segments()
    tops = np.array([s[:, 1].max() for s in segments])
    bottoms = np.array([s[:, 1].min() for s in segments])
    assert tops.max() <= 1.0 and bottoms.min() >= 0.0
    np.testing.assert_allclose(tops[1], curve.mean[1] + curve.sem[1])
    assert any("alpha_c" in t.get_text() and "N = 100" in t.get_text()
               for t in ax.get_legend().get_texts())
    fig, given = plt.subplots()
    assert dyn.plot.capacity([curve, curve], ax=given, labels=["x", "y"]) is given
    with pytest.raises(TypeError, match="curve"):
        dyn.plot.capacity({"loads": [0.1]})


def test_basins_median_and_quartile_band_stay_in_range():
    m0 = np.array([0.0, 0.5, 1.0])
    final = np.array([[0.1, -0.2, 0.0, 0.3], [1.0, 1.0, 0.4, 1.0], [1.0, 1.0, 1.0, 1.0]])
    ax = dyn.plot.basins(m0, final, label="a")
    np.testing.assert_allclose(ax.lines[-1].get_ydata(), np.median(final, axis=1))
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].max() <= 1.0 and band[:, 1].min() >= -1.0
    dyn.plot.basins(m0, final, ax=ax, label="b")
    assert len(ax.lines) == 3  # one diagonal, two curves
    with pytest.raises(ValueError, match="final_overlaps"):
        dyn.plot.basins(m0, final[:2])


def test_vector_field_batched_and_looped_kernels_agree(two):
    model = two[0]
    X = np.random.default_rng(0).normal(size=(50, 2))
    expected = np.array([model.rhs(x) for x in X])
    np.testing.assert_allclose(vector_field(model, X), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(energy_field(model, X), model.energy(X), rtol=1e-12)

    @numba.njit(cache=True)
    def flow(t, x, p, out):
        out[0] = x[1]
        out[1] = -x[0] - p[0] * x[1]

    user = dyn.UserModel(flow, n_states=2, params=[0.5])
    assert user.rhs_batch_kernel is None
    np.testing.assert_allclose(vector_field(user, X), np.column_stack([X[:, 1], -X[:, 0] -
                                                                       0.5 * X[:, 1]]))


def test_phase_plane_two_neurons(two):
    model, _, ens = two
    fig, given = plt.subplots()
    ax = dyn.plot.phase_plane(model, (-1.5, 1.5), (-1.5, 1.5), ax=given, trajectories=ens,
                              grid=15, nullcline_grid=61)
    assert ax is given
    labels = sorted(p.label for p in ax.fixed_points)
    assert labels == ["saddle (index 1)", "stable node", "stable node"]
    stable = [line for line in ax.lines if line.get_marker() == "o"
              and line.get_markerfacecolor() == "black"]
    saddles = [line for line in ax.lines if line.get_marker() == "X"]
    assert len(stable) == 2 and len(saddles) == 1
    np.testing.assert_allclose(saddles[0].get_xydata()[0], [0.0, 0.0], atol=1e-9)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), ens.y[0, 1])  # trajectory 0
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "stable node" in texts and "saddle (index 1)" in texts
    assert len(fig.axes) == 2  # the energy colour bar


def test_phase_plane_slice_of_a_larger_model_and_bad_input():
    model = dyn.random_hopfield(3, seed=0)
    ax = dyn.plot.phase_plane(model, (-1, 1), (-1, 1), indices=(0, 2), base=[0.0, 0.1, 0.0],
                              grid=11, nullcline_grid=41, energy=False, n_starts=8)
    assert ax.get_xlabel() == "$x_{0}$" and ax.get_ylabel() == "$x_{2}$"
    with pytest.raises(ValueError, match="base"):
        dyn.plot.phase_plane(model, (-1, 1), (-1, 1))
    with pytest.raises(ValueError, match="xlim"):
        dyn.plot.phase_plane(model, (1, -1), (-1, 1), base=np.zeros(3))
    with pytest.raises(ValueError, match="indices"):
        dyn.plot.phase_plane(model, (-1, 1), (-1, 1), base=np.zeros(3), indices=(0, 0))
    with pytest.raises(TypeError, match="model"):
        dyn.plot.phase_plane("model", (-1, 1), (-1, 1))


def test_energy_marks_only_the_first_rise_per_line_when_there_are_many():
    t = np.arange(100.0)
    e = np.vstack([np.sin(t), 10.0 - 0.1 * t])  # line 0 rises often, line 1 never
    ens = dyn.EnsembleSolution(t=t, y=np.zeros((2, 1, 100)), energy=e, status=np.zeros(2),
                               t_final=np.full(2, 99.0), nfev=np.zeros(2), nsteps=np.zeros(2),
                               naccepted=np.zeros(2), nrejected=np.zeros(2), method="rk4")
    marks = dyn.plot.energy(ens).lines[2]
    first = np.flatnonzero(np.diff(e[0]) > 1e-9 * (1 + np.abs(e[0, :-1])))[0] + 1
    np.testing.assert_array_equal(marks.get_xdata(), [t[first]])
    assert "1 of 2 lines" in marks.get_label()


@numba.njit(cache=True)
def _oscillator(t, x, p, out):
    out[0] = x[1]
    out[1] = -x[0] - p[0] * x[1]


@pytest.mark.parametrize(("damping", "label", "face"), [(0.5, "stable focus", "black"),
                                                         (-0.5, "unstable focus", "white")])
def test_phase_plane_marks_stable_filled_and_unstable_open(damping, label, face):
    model = dyn.UserModel(_oscillator, n_states=2, params=[damping])
    ax = dyn.plot.phase_plane(model, (-1, 1), (-1, 1), grid=11, nullcline_grid=41, n_starts=4)
    assert [p.label for p in ax.fixed_points] == [label]
    (marker,) = [line for line in ax.lines if line.get_marker() == "o"]
    assert marker.get_markerfacecolor() == face
    np.testing.assert_allclose(marker.get_xydata()[0], [0.0, 0.0], atol=1e-9)
    assert len(ax.figure.axes) == 1  # no energy, no colour bar
