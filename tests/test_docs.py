"""Every documented example runs; the generated reference is current; CI runs the README."""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import shlex
import subprocess
import tokenize
from pathlib import Path

import pytest

from econsim import load_scenario
from econsim.scenario.reference import scenario_reference
from tests.conftest import ROOT, econsim_here

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
    return [args for args, _ in examples(path)]


def examples(path: Path) -> list[tuple[list[str], list[str]]]:
    """Each ``$ econsim …`` line of the console blocks with the output lines shown under it
    (``...`` marks a cut)."""
    out: list[tuple[list[str], list[str]]] = []
    for body in blocks(path, "console"):
        for line in body.splitlines():
            if line.startswith("$ econsim "):
                out.append((shlex.split(line[2:])[1:], []))
            elif out and line.strip() and line.strip() != "...":
                out[-1][1].append(line.rstrip())
    return out


#: Members a documented run simulates here when the example does not name its own size: what
#: the example shows is the command working, not the numbers of 20,000 members (so does the
#: README's first command in ``test_readme_commands_in_order_in_one_clone``).
DOC_USERS = 2000


def at_test_size(args: list[str]) -> list[str]:
    """A documented ``run`` (or a one-file ``compare``) at :data:`DOC_USERS` members, with
    arrivals, a fixed budget and stock scaled alike (``econsim.testing.scale_overrides``)."""
    if args[0] not in ("run", "compare") or any("population.users=" in a for a in args):
        return args
    if "--from-state" in args:
        return args  # its members are the snapshot's
    files = [a for a in args[1:] if a.endswith(".yaml")]
    if len(files) != 1 or not (ROOT / files[0]).is_file():
        return args  # several designs: their budgets scale apart
    from econsim.testing import scale_overrides

    scaled = scale_overrides(load_scenario(ROOT / files[0]), DOC_USERS)
    return [*args, *(a for s in scaled for a in ("--set", s))]


@pytest.mark.parametrize("path", [p for p in DOCS if commands(p)], ids=lambda p: p.name)
@pytest.mark.slow  # every documented command
def test_console_examples_run(path: Path, tmp_path: Path) -> None:
    """Every documented command runs, on a terminal 80 columns wide; the output a page
    shows under a command is what the command prints (a page regenerated when the engine
    changes its numbers) — so a command that shows output runs as written, its size given."""
    cwd = workdir(tmp_path)
    for args, shown in examples(path):
        run = at_test_size(args)
        done = econsim_here(*run, cwd=cwd)
        said = f"econsim {' '.join(args)}"
        assert done.returncode in (0, 3), f"{said}\n{done.stderr}"
        assert "Traceback" not in done.stderr
        if args == ["--version"]:
            continue  # its output names this machine's numba and cache folder
        assert not shown or run == args, f"{said}: shows output but runs rescaled"
        stale = [line for line in shown if not printed(line, done.stdout)]
        assert not stale, f"{path.name}: {said} no longer prints\n" + "\n".join(stale)


def printed(line: str, stdout: str) -> bool:
    """Whether a line a page shows is in a command's output: a table's row as it is (the
    page shows the 80-column table), a sentence whatever the terminal wrapped."""
    if line[:1] in "│┃┏┡└┗":
        return line in {out.rstrip() for out in stdout.splitlines()}
    return " ".join(line.split()) in " ".join(stdout.split())


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second() -> None:
    first, second = blocks(ROOT / "README.md", "bash")[:2]
    assert "pip install ." in first and "econsim run scenarios/" in first
    assert "pytest" in second and "mypy econsim" in second and "ruff format --check" in second
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert second.strip() in ci.splitlines()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.index(first) < readme.index("## A five-minute tour")


def test_every_doc_is_linked_from_the_index() -> None:
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    for doc in DOCS[1:]:
        if doc.name != "index.md":
            assert f"({doc.name})" in index, doc.name


def clone_of_the_working_tree(to: Path) -> Path:
    """What a fresh clone holds: every tracked file, and new files not yet committed."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            (to / name).write_bytes(source.read_bytes())
    return to


def fresh_environment() -> dict[str, str]:
    """This process's environment without the virtual environment the suite runs in."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    venv = os.environ.get("VIRTUAL_ENV")
    if venv:
        env["PATH"] = os.pathsep.join(
            p for p in env["PATH"].split(os.pathsep) if not p.startswith(venv)
        )
    return env


@pytest.mark.slow
@pytest.mark.own_engine  # its clone compiles its own kernels: it starts first (conftest)
def test_readme_commands_in_order_in_one_clone(tmp_path: Path) -> None:
    """README's first command (at test size), then its second, in one clone (issue 38: the
    first wrote numba's cache into site-packages/econsim, the second's ``pip install -e`` left that
    folder behind, and ``econsim`` then imported as an empty namespace: the pytest plugin
    and ``econsim --version`` failed). The second runs as written up to its checks; the
    whole suite it ends with is this suite, so one file of it stands for the rest."""
    first, second = blocks(ROOT / "README.md", "bash")[:2]
    clone = clone_of_the_working_tree(tmp_path / "clone")
    # pip's compiling of every installed module to bytecode (a third of each install) is
    # not what this guards; Python compiles what it imports
    env = {**fresh_environment(), "PIP_COMPILE": "false"}

    def bash(command: str, **more: str) -> str:
        done = subprocess.run(["bash", "-c", command], cwd=clone, env={**env, **more},
                              capture_output=True, text=True, timeout=1200)  # fmt: skip
        assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    # the run at test size: the order of the two commands is the point, not 20,000 members
    assert first.strip().endswith(
        "econsim run scenarios/coffee-healthy.yaml -o runs/coffee-healthy"
    )
    smaller = at_test_size(["run", "scenarios/coffee-healthy.yaml"])[2:]
    said = bash(f"{first.strip()} {shlex.join(smaller)}", NUMBA_DEBUG_CACHE="1")  # numba says
    # what it saves to its cache
    assert (clone / "runs" / "coffee-healthy" / "report.html").is_file()
    # a first run compiles the kernels once, not once in every worker process
    saved = [
        line for line in said.splitlines() if "data saved to" in line and "members_day" in line
    ]
    assert len(saved) == 1, saved
    package = list((clone / ".venv" / "lib").glob("python*/site-packages/econsim"))
    assert package and not list(package[0].rglob("*.nbi")), "numba's cache is in the package"
    install, checks = second.strip().split(" && ruff check", 1)
    assert checks.endswith("pytest"), checks
    bash(install)
    venv = ". .venv/bin/activate"
    bash(f"{venv} && econsim --version && python -c 'import econsim.engine.executors'")
    bash(f"{venv} && pytest -q -p no:cacheprovider -n 0 tests/test_architecture.py")
