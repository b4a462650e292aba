"""The tutorial notebook 04_dynamics_analysis.ipynb runs top to bottom without errors."""

from __future__ import annotations

import re

from notebook_runner import count_images, execute, text_outputs


def test_notebook_04_executes(tmp_path):
    nb = execute("04_dynamics_analysis.ipynb", tmp_path, timeout=300)
    text = text_outputs(nb)
    # the claims the tutorial makes in prose are true in its outputs
    assert "number of fixed points: 3" in text
    assert text.count("stable node") >= 2 and "saddle (index 1)" in text
    lam1 = float(re.search(r"Lorenz exponents: \[([0-9.]+),", text).group(1))
    assert abs(lam1 - 0.906) < 0.05
    assert "sum: -13.666" in text or "sum: -13.667" in text
    assert "g = 0.7: lambda_1 = -" in text and "classified: equilibrium" in text
    assert re.search(r"g = 2.0: lambda_1 = \+0\.\d+, classified: chaotic", text)
    assert "rotational pair: limit cycle, period 6.8" in text
    assert text.count("stable node at") == 2
    assert count_images(nb) == 3
