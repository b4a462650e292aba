"""The tutorials are numbered without gaps, titled alike, and each has a test that runs it."""

from __future__ import annotations

import re

import nbformat
from notebook_runner import NOTEBOOKS, NUMPY_REPR


def _notebooks():
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def test_numbered_without_gaps():
    numbers = [int(p.name[:2]) for p in _notebooks()]
    assert all(re.match(r"\d\d_[a-z0-9_]+\.ipynb$", p.name) for p in _notebooks())
    assert numbers == list(range(1, len(numbers) + 1))


def test_titled_alike_and_tested():
    tests = {p.read_text() for p in NOTEBOOKS.parent.joinpath("tests", "notebooks").glob(
        "test_notebook_*.py")}
    for path in _notebooks():
        nb = nbformat.read(path, as_version=4)
        first = nb.cells[0]
        assert first.cell_type == "markdown", path.name
        title = first.source.splitlines()[0]
        assert re.match(rf"# {path.name[:2]} — \S", title), (path.name, title)
        assert any(path.name in text for text in tests), f"no test executes {path.name}"


def test_numpy_repr_pattern():
    assert NUMPY_REPR.findall("[np.str_('fixed_point'), np.float64(0.5)] array([1])") == [
        "np.str_(", "np.float64(", "array("]
    assert not NUMPY_REPR.findall("fixed_point 0.5 [1, 2]")
