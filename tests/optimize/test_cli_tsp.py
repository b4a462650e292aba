"""`dynamics tsp`: JSON fields, the built-in optimum table, --optimum, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import dynamics as dyn
from dynamics.cli import main
from dynamics.data import data_path


def test_tsp_command_writes_json_and_plot(tmp_path, capsys):
    out, png = tmp_path / "r.json", tmp_path / "r.png"
    path = data_path("tsplib/burma14.tsp")
    assert main(["tsp", str(path), "--method", "two_opt", "--polish", "--json", str(out),
                 "--plot", str(png)]) == 0
    rec = json.loads(out.read_text())
    assert {"name", "n", "method", "valid", "tour", "length", "seed", "time_s", "optimum",
            "gap"} <= set(rec)
    assert rec["name"] == "burma14" and rec["n"] == 14 and rec["optimum"] == 3323
    inst = dyn.load_tsplib(path)
    assert rec["length"] == dyn.tour_length(inst, rec["tour"]) == 3323 and rec["gap"] == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert "burma14 (n=14) two_opt: valid" in capsys.readouterr().out


def test_csv_input_and_given_optimum(tmp_path):
    out = tmp_path / "r.json"
    coords = dyn.random_instance(9, seed=1).coordinates
    csv = tmp_path / "pts.csv"
    csv.write_text("x,y\n" + "\n".join(f"{x},{y}" for x, y in coords))
    assert main(["tsp", str(csv), "--restarts", "2", "--seed", "4", "--optimum", "2.5", "--repair",
                 "--json", str(out)]) == 0
    rec = json.loads(out.read_text())
    assert rec["method"] == "elastic_net" and rec["seed"] == 4 and rec["optimum"] == 2.5
    assert sorted(rec["tour"]) == list(range(9))
    assert rec["gap"] == pytest.approx((rec["length"] - 2.5) / 2.5)
    assert np.isclose(rec["length"], dyn.tour_length(dyn.load_instance(csv), rec["tour"]))


@pytest.mark.parametrize("argv, message", [
    (["tsp", "missing.tsp"], "no such file"),
    (["tsp", "FILE", "--method", "magic"], "invalid choice"),
    (["tsp", "FILE", "--restarts", "zero"], "invalid int value"),
    (["tsp", "FILE", "--restarts", "0"], "--restarts"),
    (["tsp", "BAD"], "missing DIMENSION"),
])
def test_errors_are_one_line(tmp_path, capsys, argv, message):
    bad = tmp_path / "bad.tsp"
    bad.write_text("NAME: x\nEDGE_WEIGHT_TYPE: EUC_2D\n")
    argv = [str(data_path("tsplib/burma14.tsp")) if a == "FILE" else str(bad) if a == "BAD"
            else a for a in argv]
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1
    assert "Traceback" not in err
