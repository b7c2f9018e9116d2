"""Every documented example runs; the generated reference is current; CI runs the README."""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

from econsim.scenario.reference import scenario_reference
from tests.conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(path: Path, language: str) -> list[str]:
    return [
        body for lang, body in FENCE.findall(path.read_text(encoding="utf-8")) if lang == language
    ]


def workdir(tmp_path: Path) -> Path:
    """A scratch folder where relative paths like scenarios/… work and outputs stay out."""
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    return tmp_path


def test_scenario_reference_is_current() -> None:
    text = (ROOT / "docs" / "scenario-reference.md").read_text(encoding="utf-8")
    assert text == scenario_reference(), (
        "run: econsim schema --format markdown -o docs/scenario-reference.md"
    )


def shown(code: str) -> dict[int, str]:
    """What the example says a ``print(...)  # OUTPUT`` shows, by the print's last line.

    The comment up to two spaces is the output; anything after is a remark.
    """
    comments = {
        tok.start[0]: tok.string[1:].strip().split("  ")[0]
        for tok in tokenize.generate_tokens(io.StringIO(code).readline)
        if tok.type == tokenize.COMMENT
    }
    out = {}
    for node in ast.parse(code).body:
        call = node.value if isinstance(node, ast.Expr) else None
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "print":
            end = node.end_lineno or node.lineno
            if end in comments:
                out[node.lineno] = comments[end]
    return out


@pytest.mark.parametrize("path", [p for p in DOCS if blocks(p, "python")], ids=lambda p: p.name)
def test_python_examples_run_and_print_what_they_say(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir(tmp_path))
    namespace: dict[str, object] = {"__name__": "__docs__"}
    checked = 0
    for code in blocks(path, "python"):
        expected = shown(code)
        for node in ast.parse(code).body:
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(ast.Module([node], []), str(path), "exec"), namespace)
            if node.lineno in expected:
                assert printed.getvalue().strip() == expected[node.lineno], ast.unparse(node)
                checked += 1
    assert checked > 0, f"{path.name}: no example shows its output (print(...)  # OUTPUT)"


def commands(path: Path) -> list[list[str]]:
    out = []
    for body in blocks(path, "console"):
        for line in body.splitlines():
            if line.startswith("$ econsim "):
                out.append(shlex.split(line[2:])[1:])
    return out


@pytest.mark.parametrize("path", [p for p in DOCS if commands(p)], ids=lambda p: p.name)
def test_console_examples_run(path: Path, tmp_path: Path) -> None:
    cwd = workdir(tmp_path)
    for args in commands(path):
        done = subprocess.run(
            [sys.executable, "-m", "econsim", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
            timeout=900,
        )
        assert done.returncode == 0, f"econsim {' '.join(args)}\n{done.stderr}"
        assert "Traceback" not in done.stderr


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second() -> None:
    first, second = blocks(ROOT / "README.md", "bash")[:2]
    assert "pip install ." in first and "econsim run scenarios/" in first
    assert "pytest" in second and "mypy econsim" in second and "ruff format --check" in second
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert second.strip() in ci.splitlines()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.index(first) < readme.index("## A five-minute tour")


def test_readme_main_command_runs(tmp_path: Path) -> None:
    first = blocks(ROOT / "README.md", "bash")[0]
    args = shlex.split(first.split("&& econsim ", 1)[1])
    done = subprocess.run(
        [sys.executable, "-m", "econsim", *args],
        cwd=workdir(tmp_path),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "runs" / "coffee-healthy" / "report.html").exists()


def test_every_doc_is_linked_from_the_index() -> None:
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    for doc in DOCS[1:]:
        if doc.name != "index.md":
            assert f"({doc.name})" in index, doc.name
