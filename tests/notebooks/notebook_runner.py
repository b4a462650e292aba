"""Execute a tutorial notebook with a python3 kernel and read back what it printed."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def execute(name: str, workdir: Path, timeout: int) -> nbformat.NotebookNode:
    """Run ``notebooks/<name>`` top to bottom in ``workdir``; fail on any error output."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    client.execute()
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not [o for o in cell.outputs if o.get("output_type") == "error"]
    reprs = NUMPY_REPR.findall(text_outputs(nb))
    assert not reprs, f"{name} prints numpy reprs instead of values: {reprs[:3]}"
    return nb


#: what numpy 2 prints for a scalar or array inside a list or tuple, e.g. np.str_('x')
NUMPY_REPR = re.compile(r"\bnp\.\w+\(|\barray\(")


def text_outputs(nb: nbformat.NotebookNode) -> str:
    """Everything the notebook printed or displayed as plain text."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out["text"])
            elif "data" in out and "text/plain" in out["data"]:
                parts.append(out["data"]["text/plain"])
    return "\n".join(parts)


def count_images(nb: nbformat.NotebookNode) -> int:
    """Number of PNG figures in the outputs."""
    return sum(1 for cell in nb.cells for o in cell.get("outputs", [])
               if "image/png" in o.get("data", {}))
