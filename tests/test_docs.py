"""The README and the pages in docs/: code that runs, links that resolve, numbers that hold.

* Every fenced ``python`` block runs as written (all blocks of one page in order, as one
  script run by a fresh interpreter, in a folder laid out like the repository root: ``docs/``,
  ``scenarios/``, ... are there, and what the examples write stays out of the repository);
  a block fenced ``python no-run`` is shown only.
* Every link is relative and resolves: a file of the repository, and a heading of the target
  page for ``#anchors``. No page links outside the repository.
* A number followed by ``<!-- from SCENARIO: key/path -->`` is what the scenario's summary
  (``docs/results/SCENARIO.json``, written by a full run) holds at that key, to the digits
  quoted.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.S | re.M)
LINK = re.compile(r"(?<!\\)!?\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
QUOTE = re.compile(r"([-+]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?)\s*%?\s*<!--\s*from\s+([\w-]+)\s*:"
                   r"\s*(.+?)\s*-->")


def _rel(page: Path) -> str:
    return str(page.relative_to(REPO))


def python_blocks(text: str) -> list[str]:
    """The runnable ``python`` blocks of a Markdown page."""
    blocks = []
    for info, body in FENCE.findall(text):
        words = info.strip().split()
        if words and words[0] == "python" and "no-run" not in words[1:]:
            blocks.append(body)
    return blocks


def _without_code(text: str) -> str:
    return FENCE.sub("", re.sub(r"`[^`\n]*`", "", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    headings = re.findall(r"^#{1,6}\s+(.*?)\s*#*\s*$", FENCE.sub("", page.read_text()), re.M)
    return {slug(h) for h in headings}


def test_there_are_docs_pages():
    assert (REPO / "README.md").is_file()
    assert len(PAGES) > 1


@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_links_are_relative_and_resolve(page):
    problems = []
    for target in LINK.findall(_without_code(page.read_text())):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):
            problems.append(f"{target}: links outside the repository are not allowed")
            continue
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.exists():
            problems.append(f"{target}: no such file")
            continue
        if REPO not in dest.parents and dest != REPO:
            problems.append(f"{target}: outside the repository")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{target}: no heading #{anchor} in {_rel(dest)}")
    assert not problems, f"{_rel(page)}:\n" + "\n".join(problems)


RUNNABLE = [p for p in PAGES if python_blocks(p.read_text())]


def _workdir(tmp_path: Path) -> Path:
    """A folder that looks like the repository root (its folders linked in) but keeps what
    the examples write; the package itself is imported from the installed copy."""
    for entry in REPO.iterdir():
        if entry.name not in ("dynamics", "results", ".venv", ".git") and entry.is_dir():
            (tmp_path / entry.name).symlink_to(entry, target_is_directory=True)
    return tmp_path


@pytest.mark.parametrize("page", RUNNABLE, ids=_rel)
def test_python_blocks_run(page, tmp_path):
    code = "\n\n".join(python_blocks(page.read_text()))
    workdir = _workdir(tmp_path)
    script = workdir / f"example_{page.stem}.py"  # a script file, as a user would run it
    script.write_text(code)
    env = dict(os.environ, MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, script.name], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{_rel(page)}:\n{done.stderr[-3000:]}"


def _lookup(summary, path: str):
    value = summary
    for part in path.split("/"):
        part = part.strip()
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def _matches(quoted: str, value) -> bool:
    text = quoted.replace(",", "")
    if isinstance(value, bool) or value is None:
        return False
    number = float(text)
    if "e" in text.lower():
        mantissa = text.lower().split("e")[0]
        digits = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return f"{float(value):.{digits}e}" == f"{number:.{digits}e}"
    digits = len(text.split(".")[1]) if "." in text else 0
    return abs(round(float(value), digits) - number) <= 0.5 * 10.0**-digits + 1e-12


QUOTING = [p for p in PAGES if QUOTE.search(p.read_text())]


@pytest.mark.parametrize("page", QUOTING, ids=_rel)
def test_quoted_numbers_are_what_the_scenarios_wrote(page):
    problems = []
    for quoted, scenario, path in QUOTE.findall(page.read_text()):
        source = REPO / "docs" / "results" / f"{scenario}.json"
        if not source.is_file():
            problems.append(f"{quoted} from {scenario}: no {_rel(source)}")
            continue
        try:
            value = _lookup(json.loads(source.read_text()), path)
        except (KeyError, IndexError, ValueError, TypeError):
            problems.append(f"{quoted} from {scenario}: no key {path}")
            continue
        if not _matches(quoted, value):
            problems.append(f"{quoted} from {scenario}: {path} is {value}")
    assert not problems, f"{_rel(page)}:\n" + "\n".join(problems)


def test_the_checks_themselves():
    assert python_blocks("```python\nx = 1\n```\n```python no-run\ny\n```\n") == ["x = 1\n"]
    assert slug("The model protocol, and writing your own `model`") == (
        "the-model-protocol-and-writing-your-own-model")
    assert _matches("0.134", 0.13412) and not _matches("0.134", 0.1352)
    assert _matches("3e-34", 3.2e-34) and not _matches("3e-34", 4e-34)
    assert _matches("1,200", 1200)
    assert QUOTE.findall("alpha_c = 0.134 <!-- from memory_capacity: alpha_c/hebbian/1000 -->"
                         ) == [("0.134", "memory_capacity", "alpha_c/hebbian/1000")]
    assert _lookup({"RNN rho=0.5": [1, {"x": 2}]}, "RNN rho=0.5/1/x") == 2
