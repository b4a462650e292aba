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
    assert count_images(nb) == 2
