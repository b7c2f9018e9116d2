"""Fuzz the loader: any mutation of a bundled scenario gives a scenario or a located error."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from econsim import ScenarioError, load_scenario
from econsim.cli import main
from econsim.scenario.load import load_tree, to_plain
from tests.conftest import SCENARIOS

TREES = {p.name: to_plain(load_tree(p)) for p in SCENARIOS}
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in SCENARIOS}

Path_ = tuple[Any, ...]


def paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    out: list[Path_] = []
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, value in items:
        out.append((*prefix, key))
        out.extend(paths(value, (*prefix, key)))
    return out


def get_parent(tree: Any, path: Path_) -> Any:
    for key in path[:-1]:
        tree = tree[key]
    return tree


junk_values = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.sampled_from([-1, 0, -1e308, 1e308, 10**30, -(10**30), 1.5, 2**63, float("inf")]),
    st.integers(0, 60).map(lambda depth: _nest(depth)),
)


def _nest(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


@st.composite
def mutated_tree_text(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(sorted(TREES)))
    import copy

    tree = copy.deepcopy(TREES[name])
    target = draw(st.sampled_from(paths(tree)))
    parent = get_parent(tree, target)
    action = draw(st.sampled_from(["drop", "replace", "rename"]))
    if action == "drop":
        del parent[target[-1]]
    elif action == "replace":
        parent[target[-1]] = draw(junk_values)
    elif isinstance(parent, dict):
        parent[draw(st.text(min_size=1, max_size=8))] = parent.pop(target[-1])
    buf = io.StringIO()
    y = YAML(typ="safe", pure=True)
    y.dump(tree, buf)
    return buf.getvalue()


@st.composite
def mutated_raw_text(draw: st.DrawFn) -> bytes:
    text = TEXTS[draw(st.sampled_from(sorted(TEXTS)))]
    lines = text.splitlines(keepends=True)
    i = draw(st.integers(0, len(lines) - 1))
    action = draw(st.sampled_from(["duplicate", "junk", "unicode", "truncate", "indent"]))
    if action == "duplicate":
        lines.insert(i, lines[i])
    elif action == "junk":
        return "".join(lines[:i]).encode() + draw(st.binary(min_size=1, max_size=40))
    elif action == "unicode":
        lines[i] = draw(st.text(min_size=1, max_size=30)) + lines[i]
    elif action == "truncate":
        lines = lines[:i]
    else:
        lines[i] = "   " + lines[i]
    return "".join(lines).encode("utf-8", errors="surrogatepass")


def check(path: Path) -> None:
    try:
        load_scenario(path)
    except ScenarioError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.source == str(path)
            assert p.line >= 1 and p.column >= 1, str(p)


FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(text=mutated_tree_text())
def test_tree_mutations(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    check(path)


@FUZZ
@given(data=mutated_raw_text())
def test_text_mutations(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data)
    check(path)


@FUZZ
@given(data=st.one_of(mutated_raw_text(), mutated_tree_text().map(str.encode)))
def test_cli_exits_2_without_traceback(
    tmp_path: Path, data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data)
    monkeypatch.setattr(sys, "argv", ["econsim", "validate", str(path)])
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main()
            code = 0
        except SystemExit as exc:  # any other exception fails the test: it would be a traceback
            code = int(exc.code or 0)
    assert code in (0, 2)
    assert "Traceback" not in err.getvalue()
