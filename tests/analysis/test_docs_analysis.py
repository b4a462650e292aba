"""The python blocks of docs/analysis.md run as written and print what the page says."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "analysis.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_block_prints_what_the_page_says(index, monkeypatch):
    monkeypatch.chdir(PAGE.parents[1])
    code = BLOCKS[index]
    expected = [line[2:] for line in code.splitlines() if line.startswith("# ")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"docs/analysis.md block {index}", "exec"), {"__name__": "__doc__"})
    printed = out.getvalue().splitlines()
    assert printed == expected
