"""The tutorial notebook 03_optimization.ipynb runs top to bottom and its claims hold."""

from __future__ import annotations

import re

from notebook_runner import count_images, execute, text_outputs


def test_notebook_03_executes(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = execute("03_optimization.ipynb", tmp_path, timeout=300)
    text = text_outputs(nb)
    assert "eil51 optimal tour scores 426 - known optimum 426" in text
    n_valid = int(re.search(r"Hopfield-Tank valid: (\d+) of 50 starts", text).group(1))
    assert 1 <= n_valid <= 20
    assert "energy increases: 0" in text
    gap = float(re.search(r"elastic_net\s+valid True\s+gap\s+([0-9.]+) %", text).group(1))
    assert gap < 10
    assert re.search(r"two_opt\s+valid True", text)
    # max-cut on G11 (best known 564): SB within 5 %, descent a worse local optimum
    assert "G11: 800 nodes, 1600 edges, best known cut 564" in text
    sb = float(re.search(r"dsb\s+cut (\d+) =", text).group(1))
    descent = float(re.search(r"descent\s+cut (\d+) =", text).group(1))
    assert 0.95 * 564 <= sb <= 564
    assert 0.6 * 564 <= descent <= 564
    # the QP's equilibrium is scipy's optimum
    assert "network: x = (5.000000, 5.000000), f = -225.000000, status 1" in text
    assert float(re.search(r"max \|x_network - x_SLSQP\| = (\S+)", text).group(1)) < 1e-6
    assert count_images(nb) == 4
