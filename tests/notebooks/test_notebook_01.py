"""The tutorial notebook 01_continuous_hopfield.ipynb runs top to bottom without errors."""

from __future__ import annotations

from notebook_runner import count_images, execute, text_outputs


def test_notebook_01_executes(tmp_path):
    nb = execute("01_continuous_hopfield.ipynb", tmp_path, timeout=300)
    text = text_outputs(nb)
    # the claims the tutorial makes in prose are true in its outputs
    assert "energy increases: False" in text
    assert "1 equilibrium reached at t=" in text
    assert "asymmetric W -> energy increases: True" in text
    assert "final overlaps with the cued pattern: [1.0, 1.0, 1.0, 1.0" in text
    assert "dense output agrees with the event states: True" in text
    assert count_images(nb) == 3
