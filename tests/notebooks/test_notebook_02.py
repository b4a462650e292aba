"""The tutorial notebook 02_associative_memory.ipynb runs top to bottom and its claims hold."""

from __future__ import annotations

import re

from notebook_runner import count_images, execute, text_outputs


def test_notebook_02_executes(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = execute("02_associative_memory.ipynb", tmp_path, timeout=120)
    text = text_outputs(nb)
    assert "energy never increases: True" in text
    assert "pseudoinverse  retrieved 100%" in text
    assert "sync:  two_cycle" in text and "async: fixed_point" in text
    alpha_c = float(re.search(r"measured alpha_c \(N = 300\): ([0-9.]+)", text).group(1))
    assert 0.11 <= alpha_c <= 0.18
    assert "energy increases: False" in text
    assert "overlap of sign(V) with the stored H: 1.0" in text
    assert "beta=1: error 0.000, regimes ['single', 'single', 'single', 'single']" in text
    assert "regimes ['global', 'global', 'global', 'global']" in text
    assert count_images(nb) == 3
