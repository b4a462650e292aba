"""G-set / rudy file parsing, cut values, and the `dynamics maxcut` command."""

from __future__ import annotations

import json

import numpy as np
import pytest

import dynamics as dyn
from dynamics.cli import main


def write(tmp_path, text, name="g.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_load_small_file_any_whitespace(tmp_path):
    path = write(tmp_path, "4\t4\n1 2 1\n2  3 1\n\n3\t4 -1\n4 1 2.5\n")
    g = dyn.load_maxcut(path)
    assert (g.n, g.m, g.name, g.best_known) == (4, 4, "g", None)
    np.testing.assert_array_equal(g.i, [0, 1, 2, 3])
    np.testing.assert_array_equal(g.j, [1, 2, 3, 0])
    assert g.total_weight == 3.5
    assert dyn.cut_value(g, [0, 1, 0, 1]) == 1 + 1 - 1 + 2.5
    assert dyn.cut_value(g, [-1, 1, 1, 1]) == 1 + 2.5
    assert g.cut(np.array([True, True, True, True])) == 0.0
    A = g.adjacency().toarray()
    assert np.allclose(A, A.T) and A[0, 3] == 2.5


@pytest.mark.parametrize("name, n, m", [("G1", 800, 19176), ("G11", 800, 1600),
                                        ("G22", 2000, 19990), ("G43", 1000, 9990)])
def test_shipped_gset_graphs(name, n, m):
    g = dyn.load_gset(name)
    assert (g.n, g.m, g.best_known) == (n, m, dyn.GSET_BEST_KNOWN[name])
    rng = np.random.default_rng(0)
    s = rng.choice([-1.0, 1.0], size=n)
    assert g.to_ising().energy(s) == pytest.approx(-g.cut(s))
    assert g.to_ising(dense=True).energy(s) == pytest.approx(-g.cut(s))


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "empty file"),
        ("3\n1 2 1\n", ":1: expected the header"),
        ("3 x\n1 2 1\n", ":1: expected integers"),
        ("3 2\n1 2 1\n2 3\n", ":3: expected 'i j w'"),
        ("3 2\n1 2 1\n2 b 1\n", ":3: expected integers i j"),
        ("3 1\n1 4 1\n", ":2: vertex out of range"),
        ("3 1\n2 2 1\n", ":2: self-loop"),
        ("3 2\n1 2 1\n", "only 1 edge lines"),
        ("3 1\n1 2 1\n2 3 1\n", ":3: more edge lines"),
        ("3 1\n1 2 nan\n", ":2: non-finite weight"),
    ],
)
def test_malformed_files_name_file_and_line(tmp_path, text, fragment):
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as info:
        dyn.load_maxcut(path)
    assert fragment in str(info.value) and str(path) in str(info.value)


def test_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError):
        dyn.load_maxcut(tmp_path / "missing.txt")
    with pytest.raises(TypeError):
        dyn.load_maxcut(3)
    with pytest.raises(ValueError):
        dyn.load_gset("G99")
    g = dyn.MaxCutGraph.from_edges(3, [[0, 1], [1, 2]])
    with pytest.raises(ValueError):
        dyn.cut_value(g, [0, 1])
    with pytest.raises(ValueError):
        dyn.cut_value(g, [0, 1, 2])
    with pytest.raises(TypeError):
        dyn.cut_value("g", [0, 1, 1])
    with pytest.raises(ValueError):
        dyn.MaxCutGraph.from_edges(3, [[0, 0]])
    with pytest.raises(ValueError):
        dyn.random_maxcut(10, density=0.0)
    with pytest.raises(ValueError):
        dyn.solve_maxcut(g, best_known=-1)


def test_cli_maxcut_json(tmp_path, capsys):
    path = write(tmp_path, "4 4\n1 2 1\n2 3 1\n3 4 1\n4 1 1\n", "ring.txt")
    out = tmp_path / "r.json"
    code = main(["maxcut", str(path), "--time-limit", "0.2", "--seed", "3", "--json", str(out),
                 "--best-known", "4"])
    assert code == 0
    data = json.loads(out.read_text())
    assert {"name", "n", "method", "cut", "partition", "seed", "time_s", "best_known",
            "ratio"} <= set(data)
    assert data["cut"] == 4 and data["ratio"] == 1.0 and data["seed"] == 3
    assert data["partition"] in ([0, 1, 0, 1], [1, 0, 1, 0])
    assert "cut 4" in capsys.readouterr().out
    code = main(["maxcut", str(path), "--method", "descent", "--time-limit", "0.1"])
    assert code == 0


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["maxcut", "MISSING"], "no such file"),
        (["maxcut", "BAD"], "expected the header"),
        (["maxcut", "RING", "--time-limit", "0"], "--time-limit"),
        (["maxcut", "RING", "--method", "descent", "--agents", "4"], "--agents"),
        (["maxcut", "RING", "--seed", "-2"], "--seed"),
    ],
)
def test_cli_errors_are_one_line(tmp_path, capsys, argv, fragment):
    ring = write(tmp_path, "3 3\n1 2 1\n2 3 1\n3 1 1\n", "ring.txt")
    bad = write(tmp_path, "oops\n", "bad.txt")
    argv = [{"MISSING": str(tmp_path / "none.txt"), "BAD": str(bad), "RING": str(ring)}.get(a, a)
            for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_unknown_method_exits_nonzero():
    assert main(["maxcut", "x.txt", "--method", "magic"]) == 2
