"""Cellular neural networks: the stencil against a dense-matrix reference on every boundary,
the published templates on small images, energy non-increase and bad templates."""

import numpy as np
import pytest

import dynamics as dyn

BOUNDARIES = ["fixed", "zero_flux", "periodic"]


def _neighbour(i, m, boundary):
    """Grid index read by (virtual) row/column i, or None for a fixed virtual cell."""
    if 0 <= i < m:
        return i
    if boundary == "fixed":
        return None
    if boundary == "zero_flux":
        return min(max(i, 0), m - 1)
    return i % m


def _dense(template, m, n, boundary):
    """The (MN, MN) coupling matrix of a template, and which entries hit fixed virtual cells."""
    r = template.shape[0] // 2
    mat = np.zeros((m * n, m * n))
    outside = np.zeros(m * n)  # sum of template weights on fixed virtual cells
    for i in range(m):
        for j in range(n):
            for k in range(-r, r + 1):
                for l in range(-r, r + 1):  # noqa: E741
                    w = template[k + r, l + r]
                    si, sj = _neighbour(i + k, m, boundary), _neighbour(j + l, n, boundary)
                    if si is None or sj is None:
                        outside[i * n + j] += w
                    else:
                        mat[i * n + j, si * n + sj] += w
    return mat, outside


def _reference(net, x):
    m, n = net.grid_shape
    a, out_a = _dense(net.A, m, n, net.boundary)
    b, out_b = _dense(net.B, m, n, net.boundary)
    v = net.boundary_value
    const = b @ net.input_image.ravel() + v * out_b + net.bias + v * out_a
    y = np.clip(x, -1, 1)
    rhs = -x + a @ y + const
    energy = -0.5 * y @ a @ y + 0.5 * y @ y - y @ const
    return rhs, energy, a


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("radius", [1, 2])
def test_stencil_equals_dense_matrix_reference(boundary, radius):
    rng = np.random.default_rng(radius)
    k = 2 * radius + 1
    u = rng.uniform(-1, 1, (5, 7))
    net = dyn.CellularNetwork(
        rng.normal(size=(k, k)),
        rng.normal(size=(3, 3)),
        bias=0.3,
        input_image=u,
        boundary=boundary,
        boundary_value=-0.6,
    )
    assert net.radius == radius
    for _ in range(3):
        x = rng.normal(size=35) * 1.5
        rhs, energy, _ = _reference(net, x)
        np.testing.assert_allclose(net.rhs(x), rhs, rtol=1e-13, atol=1e-13)
        assert net.energy(x) == pytest.approx(energy, rel=1e-13, abs=1e-12)


def test_dense_coupling_of_symmetric_template_is_symmetric():
    net = dyn.CellularNetwork.from_template("hole_filling", -np.ones((4, 6)), boundary="periodic")
    assert net.is_symmetric
    _, _, a = _reference(net, np.zeros(24))
    np.testing.assert_array_equal(a, a.T)


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_energy_never_increases_for_symmetric_templates(boundary):
    rng = np.random.default_rng(7)
    t = rng.normal(size=(3, 3))
    t = (t + t[::-1, :] + t[:, ::-1] + t[::-1, ::-1]) / 4  # mirror-symmetric (zero flux too)
    net = dyn.CellularNetwork(
        t,
        rng.normal(size=(3, 3)),
        bias=-0.2,
        input_image=rng.uniform(-1, 1, (8, 9)),
        boundary=boundary,
        boundary_value=0.5,
        x0=rng.normal(size=(8, 9)),
    )
    assert net.is_symmetric
    sol = dyn.solve(net, (0.0, 15.0), net.x0, rtol=1e-8, atol=1e-10)
    assert sol.success and not sol.energy_increases
    assert np.all(np.diff(sol.energy) <= 1e-9 * (1 + np.abs(sol.energy[:-1])))


def test_edge_detection_of_a_square_gives_its_outline():
    img = -np.ones((12, 12))
    img[3:9, 3:10] = 1.0
    net = dyn.CellularNetwork.from_template("edge_detection", img)
    sol = dyn.solve(net, (0.0, 20.0), net.x0)
    out = net.output(sol.y[:, -1])
    expected = -np.ones((12, 12))
    expected[3:9, 3:10] = 1.0
    expected[4:8, 4:9] = -1.0
    np.testing.assert_array_equal(np.sign(out), expected)
    assert np.all(np.abs(out) == 1.0)
    assert not sol.energy_increases


def test_hole_filling_fills_a_ring():
    img = -np.ones((14, 14))
    img[3:11, 3:11] = 1.0
    img[5:9, 5:9] = -1.0
    net = dyn.CellularNetwork.from_template("hole_filling", img)
    np.testing.assert_array_equal(net.x0, 1.0)
    sol = dyn.solve(net, (0.0, 60.0), net.x0)
    expected = -np.ones((14, 14))
    expected[3:11, 3:11] = 1.0
    np.testing.assert_array_equal(net.output(sol.y[:, -1]), expected)
    assert not sol.energy_increases


def _edge_rule(u):
    """Black pixels with at least one white 8-neighbour (outside the image is white)."""
    black = np.pad(u > 0, 1, constant_values=False)
    m, n = u.shape
    inner = np.ones((m, n), dtype=bool)
    for di in range(3):
        for dj in range(3):
            inner &= black[di : di + m, dj : dj + n]
    return np.where((u > 0) & ~inner, 1.0, -1.0)


def test_edge_detection_equals_the_eight_neighbour_rule_on_a_random_image():
    rng = np.random.default_rng(3)
    img = np.where(rng.random((15, 17)) < 0.6, 1.0, -1.0)
    net = dyn.CellularNetwork.from_template("edge_detection", img)
    sol = dyn.solve(net, (0.0, 3.0), net.x0)
    np.testing.assert_array_equal(net.output(sol.y[:, -1]), _edge_rule(img))


def test_hole_filling_leaves_an_open_ring_and_erases_an_isolated_pixel():
    img = -np.ones((14, 14))
    img[3:11, 3:11] = 1.0
    img[5:9, 5:9] = -1.0
    img[5:7, 8:11] = -1.0  # a gap joins the interior to the outside: no hole
    img[1, 12] = 1.0  # an isolated black pixel: on a marginal equilibrium, erased
    net = dyn.CellularNetwork.from_template("hole_filling", img)
    out = net.output(dyn.solve(net, (0.0, 80.0), net.x0).y[:, -1])
    expected = img.copy()
    expected[1, 12] = -1.0
    np.testing.assert_array_equal(out, expected)


def test_noise_removal_removes_isolated_pixels_and_keeps_the_block():
    clean = -np.ones((12, 12))
    clean[2:7, 2:8] = 1.0
    noisy = clean.copy()
    noisy[9, 9] = noisy[1, 10] = 1.0  # salt outside the block
    noisy[4, 4] = -1.0  # pepper inside it
    net = dyn.CellularNetwork.from_template("noise_removal", noisy)
    np.testing.assert_array_equal(net.x0, noisy.ravel())
    sol = dyn.solve(net, (0.0, 30.0), net.x0)
    np.testing.assert_array_equal(net.output(sol.y[:, -1]), clean)
    assert net.is_symmetric and not sol.energy_increases


def test_noise_removal_reduces_random_noise():
    rng = np.random.default_rng(0)
    clean = np.where(np.arange(16)[:, None] < 8, 1.0, -1.0) * np.ones((16, 16))
    noisy = np.where(rng.random((16, 16)) < 0.05, -clean, clean)
    net = dyn.CellularNetwork.from_template("noise_removal", noisy)
    out = net.output(dyn.solve(net, (0.0, 30.0), net.x0).y[:, -1])
    assert np.mean(out != clean) < np.mean(noisy != clean) / 3


def test_connected_component_detection_counts_the_runs_of_each_row():
    img = -np.ones((4, 12))
    img[0, 0:2] = img[0, 4:6] = img[0, 8] = 1.0  # three runs
    img[2, 3:9] = 1.0  # one run
    img[3, :] = 1.0  # one run, the whole row
    net = dyn.CellularNetwork.from_template("connected_components", img)
    assert not net.is_symmetric
    out = net.output(dyn.solve(net, (0.0, 200.0), net.x0).y[:, -1])
    # each run becomes one black pixel at the right end, separated by one white pixel
    np.testing.assert_array_equal(out[0], [-1] * 7 + [1, -1, 1, -1, 1])
    np.testing.assert_array_equal(out[1], -1.0)
    np.testing.assert_array_equal(out[2], [-1] * 11 + [1])
    np.testing.assert_array_equal(out[3], [-1] * 11 + [1])
    img = -np.ones((3, 10))
    img[1, 1:4] = img[1, 6:8] = 1.0
    net = dyn.CellularNetwork.from_template("connected_components", img)
    out = net.output(dyn.solve(net, (0.0, 100.0), net.x0).y[:, -1])
    np.testing.assert_array_equal(out[1], [-1] * 7 + [1, -1, 1])
    np.testing.assert_array_equal(out[[0, 2]], -1.0)


def test_template_library_values_and_sources():
    t = dyn.CNN_TEMPLATES
    assert set(t) == {"edge_detection", "hole_filling", "noise_removal", "connected_components"}
    np.testing.assert_array_equal(t["hole_filling"].A, [[0, 1, 0], [1, 2, 1], [0, 1, 0]])
    np.testing.assert_array_equal(t["hole_filling"].B, [[0, 0, 0], [0, 4, 0], [0, 0, 0]])
    assert t["hole_filling"].bias == -1.0 and t["hole_filling"].x0 == 1.0
    np.testing.assert_array_equal(t["connected_components"].A, [[0, 0, 0], [1, 2, -1], [0, 0, 0]])
    np.testing.assert_array_equal(t["noise_removal"].B, 0.0)
    for tpl in t.values():
        assert any(str(year) in tpl.reference for year in (1988, 1990))


def test_sample_image_binarised():
    grey = dyn.sample_image((64, 48))
    assert grey.shape == (64, 48) and 0.0 <= grey.min() < grey.max() <= 1.0
    u = dyn.binarize_image(grey)
    assert set(np.unique(u)) == {-1.0, 1.0}
    net = dyn.CellularNetwork.from_template("edge_detection", u)
    assert net.n_states == 64 * 48 and net.image(net.x0).shape == (64, 48)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"A": np.zeros((3, 5))}, ValueError, r"A: expected a square"),
        ({"A": np.zeros((4, 4))}, ValueError, r"A: expected an odd template size"),
        ({"A": np.zeros(3)}, ValueError, r"A: expected a square"),
        ({"A": np.eye(3), "B": np.zeros((2, 2))}, ValueError, r"B: expected an odd"),
        ({"A": np.eye(3), "B": np.zeros((3, 1))}, ValueError, r"B: expected a square"),
        ({"A": np.eye(3), "boundary": "mirror"}, ValueError, r"boundary: expected one of"),
        (
            {"A": np.eye(3), "input_image": 2 * np.ones((3, 3))},
            ValueError,
            r"input_image: .*\[-1, 1\]",
        ),
        ({"A": np.eye(3), "boundary_value": 3.0}, ValueError, r"boundary_value"),
        ({"A": np.eye(3), "x0": np.zeros((2, 2))}, ValueError, r"x0: expected a number or shape"),
        ({"A": np.eye(3), "bias": "1"}, TypeError, r"bias: expected a number"),
    ],
)
def test_bad_input(kwargs, error, match):
    kwargs.setdefault("input_image", np.zeros((3, 3)))
    with pytest.raises(error, match=match):
        dyn.CellularNetwork(**kwargs)


def test_unknown_template_and_missing_grid():
    with pytest.raises(ValueError, match="template: unknown template 'blur'"):
        dyn.CellularNetwork.from_template("blur", np.zeros((3, 3)))
    with pytest.raises(ValueError, match="input_image: give an input image or the grid shape"):
        dyn.CellularNetwork(np.eye(3))
