"""TSPLIB parsing and distance rules: exact optima, canonical-tour anchors, EXPLICIT formats,
malformed files, and a cross-check against the tsplib95 package."""

from __future__ import annotations

import numpy as np
import pytest

import dynamics as dyn
from dynamics.data import data_path

OPTIMA = {"burma14": 3323, "ulysses16": 6859, "ulysses22": 7013, "eil51": 426, "st70": 675,
          "kroA100": 21282}
CANONICAL = {"burma14": 4562, "ulysses16": 9665, "ulysses22": 12198, "eil51": 1308,
             "st70": 3410, "kroA100": 191387}
WITH_TOUR = ["ulysses16", "ulysses22", "eil51", "st70", "kroA100"]


def _instance(name):
    return dyn.load_tsplib(data_path(f"tsplib/{name}.tsp"))


@pytest.mark.parametrize("name", WITH_TOUR)
def test_optimal_tour_scores_its_known_optimum(name):
    inst = _instance(name)
    tour = dyn.load_tour(data_path(f"tsplib/{name}.opt.tour"))
    length = dyn.tour_length(inst, tour)
    assert isinstance(length, int) and length == OPTIMA[name]
    assert dyn.known_optimum(name) == OPTIMA[name]


@pytest.mark.parametrize("name", sorted(CANONICAL))
def test_canonical_tour_anchor(name):
    inst = _instance(name)
    assert inst.dimension == len(inst.coordinates) and inst.name == name
    assert dyn.tour_length(inst, np.arange(inst.n)) == CANONICAL[name]
    d = inst.distances
    assert d.dtype == np.int64 and np.array_equal(d, d.T) and np.all(np.diag(d) == 0)


def test_burma14_optimum_by_two_opt_and_header_details():
    inst = _instance("burma14")
    assert inst.edge_weight_type == "GEO" and inst.comment.startswith("14-Staedte")
    result = dyn.solve_tsp(inst, "two_opt", polish=True)
    assert result.length == 3323


def test_geo_truncates_degrees_and_nint_rounds_half_up(tmp_path):
    # 0.5 minutes... a GEO coordinate 10.59 is 10 degrees 59 minutes, not 11 degrees
    from dynamics.optimize.tsplib import distance_matrix

    c = np.array([[10.59, 0.0], [11.0, 0.0], [0.0, 0.0]])
    d = distance_matrix(c, "GEO")
    lat = np.pi * (10 + 5 * 0.59 / 3) / 180
    expected = int(6378.388 * np.arccos(np.cos(np.pi * 11 / 180 - lat)) + 1.0)
    assert d[0, 1] == expected and d[0, 0] == 0
    e = distance_matrix(np.array([[0.0, 0.0], [0.5, 0.0], [2.5, 0.0]]), "EUC_2D")
    assert e[0, 1] == 1 and e[0, 2] == 3 and e[1, 2] == 2  # half up, not half to even
    att = distance_matrix(np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 30.0]]), "ATT")
    assert att[0, 1] == 4 and att[0, 2] == 10  # ceil(sqrt(10)) = 4, sqrt(90) = 9.49 -> 10
    ceil = distance_matrix(np.array([[0.0, 0.0], [1.0, 1.0], [3.0, 0.0]]), "CEIL_2D")
    assert ceil[0, 1] == 2 and ceil[0, 2] == 3


FULL = np.array([[0, 3, 4, 5], [3, 0, 6, 7], [4, 6, 0, 8], [5, 7, 8, 0]])


def _explicit_file(tmp_path, fmt, numbers):
    text = (f"NAME: tiny\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
            f"EDGE_WEIGHT_FORMAT: {fmt}\nEDGE_WEIGHT_SECTION\n{numbers}\nEOF\n")
    path = tmp_path / f"{fmt}.tsp"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "fmt, numbers",
    [
        ("FULL_MATRIX", "0 3 4 5\n3 0 6 7\n4 6 0 8\n5 7 8 0"),
        ("UPPER_ROW", "3 4 5\n6 7\n8"),
        ("LOWER_ROW", "3\n4 6\n5 7 8"),
        ("UPPER_DIAG_ROW", "0 3 4 5\n0 6 7\n0 8\n0"),
        ("LOWER_DIAG_ROW", "0\n3 0\n4 6 0\n5 7 8 0"),
        ("UPPER_COL", "3\n4 6\n5 7 8"),
        ("LOWER_DIAG_COL", "0 3 4 5 0 6 7 0 8 0"),
    ],
)
def test_explicit_formats(tmp_path, fmt, numbers):
    inst = dyn.load_tsplib(_explicit_file(tmp_path, fmt, numbers))
    assert np.array_equal(inst.distances, FULL) and inst.coordinates is None
    assert dyn.tour_length(inst, [0, 1, 2, 3]) == 3 + 6 + 8 + 5


@pytest.mark.parametrize(
    "text, message",
    [
        ("NAME: x\nTYPE: TSP\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\nEOF\n",
         "missing DIMENSION"),
        ("NAME: x\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 1 1\nEOF\n",
         ":6: NODE_COORD_SECTION: expected 3 coordinate rows"),
        ("NAME: x\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: XRAY\nNODE_COORD_SECTION\n1 0 0\nEOF\n",
         ":3: EDGE_WEIGHT_TYPE: unknown"),
        ("NAME: x\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n"
         "2 1 abc\n3 2 2\nEOF\n", ":6: y coordinate: expected a number, got 'abc'"),
        ("NAME: x\nDIMENSION: three\nEDGE_WEIGHT_TYPE: EUC_2D\n", ":2: DIMENSION: expected"),
        ("DIMENSION: 4\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: UPPER_ROW\n"
         "EDGE_WEIGHT_SECTION\n1 2 3\n4 5\nEOF\n", ":6: EDGE_WEIGHT_SECTION: UPPER_ROW"),
        ("DIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: SPIRAL\n",
         ":3: EDGE_WEIGHT_FORMAT: unknown"),
    ],
)
def test_malformed_files_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "bad.tsp"
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        dyn.load_tsplib(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_file_is_parsed_not_executed(tmp_path):
    path = tmp_path / "evil.tsp"
    marker = tmp_path / "pwned"
    path.write_text(f"NAME: __import__('pathlib').Path('{marker}').touch()\nDIMENSION: 3\n"
                    "EDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 8\nEOF\n")
    inst = dyn.load_tsplib(path)
    assert not marker.exists() and inst.distances[0, 1] == 5


def test_bad_tours_and_bad_arguments(tmp_path):
    inst = _instance("burma14")
    with pytest.raises(ValueError, match="permutation"):
        dyn.tour_length(inst, [0, 1, 2])
    with pytest.raises(TypeError):
        dyn.tour_length(inst, "abc")
    with pytest.raises(TypeError):
        dyn.load_tsplib(3)
    with pytest.raises(FileNotFoundError):
        dyn.load_tsplib(tmp_path / "none.tsp")
    path = tmp_path / "t.tour"
    path.write_text("TYPE: TOUR\nDIMENSION: 3\nTOUR_SECTION\n1 2 2\n-1\nEOF\n")
    with pytest.raises(ValueError, match=r"t\.tour:4: tour: city 2 appears twice"):
        dyn.load_tour(path)
    with pytest.raises(ValueError, match="symmetric"):
        dyn.TSPInstance.from_matrix([[0, 1, 2], [2, 0, 1], [2, 1, 0]])


def test_other_constructors(tmp_path):
    rnd = dyn.random_instance(12, seed=4)
    again = dyn.random_instance(12, seed=np.random.default_rng(4))
    assert np.array_equal(rnd.coordinates, again.coordinates)
    assert rnd.distances.dtype == np.float64 and rnd.edge_weight_type == "EUCLIDEAN"
    from_xy = dyn.TSPInstance.from_coordinates(rnd.coordinates * 100, metric="EUC_2D")
    assert from_xy.distances.dtype == np.int64
    m = dyn.TSPInstance.from_matrix(from_xy.distances)
    assert np.array_equal(m.distances, from_xy.distances)
    ht = dyn.load_instance(data_path("tsp10_hopfield_tank.csv"))
    assert ht.n == 10
    assert dyn.tour_length(ht, [0, 2, 1, 9, 8, 7, 6, 5, 4, 3]) == pytest.approx(2.690671, abs=1e-6)
    csv = tmp_path / "c.csv"
    csv.write_text("x,y\n0,0\n3,oops\n")
    with pytest.raises(ValueError, match=r"c\.csv:3"):
        dyn.load_instance(csv)


@pytest.mark.parametrize("name", sorted(CANONICAL))
def test_matrices_agree_with_tsplib95(name):
    tsplib95 = pytest.importorskip("tsplib95")
    problem = tsplib95.load(str(data_path(f"tsplib/{name}.tsp")))
    nodes = list(problem.get_nodes())
    theirs = np.array([[problem.get_weight(a, b) if a != b else 0 for b in nodes]
                       for a in nodes])
    assert np.array_equal(_instance(name).distances, theirs)
