"""The layers of docs/architecture.md, checked against the code's own imports.

Data goes down, output goes up: a module may import its own layer or any layer below, never
one above, and no two modules import each other, directly or round a circle — imports inside
functions and under TYPE_CHECKING included (a lazy import is for start-up speed, never to
dodge a circle). Read with :mod:`ast`; nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "econsim"

#: Bottom to top. A module belongs to the first layer with a prefix that names it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("econsim.errors", "econsim.atomic", "econsim.protocol", "econsim.arrays", "econsim.alarm"),
    ("econsim.scenario", "econsim.templates"),
    ("econsim.calibration", "econsim.results"),
    ("econsim.engine",),
    ("econsim.metrics", "econsim.reserving", "econsim.options"),
    ("econsim.pipeline", "econsim.history"),
    ("econsim.explore", "econsim.monitor", "econsim.advisor", "econsim.testing"),
    ("econsim.report",),
    (
        "econsim.cli",
        "econsim.cli_options",
        "econsim.cli_shared",
        "econsim.cli_scenario",
        "econsim.cli_testing",
        "econsim.cli_advisor",
        "econsim.cli_monitor",
        "econsim.cli_explore",
        "econsim.cli_history",
        "econsim.__main__",
        "econsim",
    ),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def layer_of(module: str) -> int:
    for level, prefixes in enumerate(LAYERS):
        if any(module == p or (p != "econsim" and module.startswith(p + ".")) for p in prefixes):
            return level
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS and the docs")


def resolve(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The econsim modules an import statement loads."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "econsim"]
    base = node.module or ""
    if node.level:
        package = module.split(".")
        if MODULES[module].name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    if base.split(".")[0] != "econsim":
        return []
    out = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES]
    return out if len(out) == len(node.names) else [*out, base]


def imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = {
            target
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for target in resolve(module, node)
        }
        graph[module] = {t for t in targets if t in MODULES and t != module}
    return graph


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


def test_no_import_runs_up_the_layers() -> None:
    upward = [
        f"{m} (layer {layer_of(m)}) imports {t} (layer {layer_of(t)})"
        for m, targets in imports().items()
        for t in sorted(targets)
        if layer_of(t) > layer_of(m) and m != "econsim"
    ]
    assert not upward, "\n".join(upward)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as the modules round it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_circles() -> None:
    graph = imports()
    graph["econsim"] = set()  # the lazy public API re-exports by name, imports nothing
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def test_the_circle_finder_finds_a_circle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_lazy_public_names_are_one_table() -> None:
    """econsim and econsim.testing load their names lazily from ``_API``; the imports under
    TYPE_CHECKING repeat them for type checkers only, and must name the same things."""
    for package in ("econsim", "econsim.testing"):
        path = MODULES[package]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        table = next(
            ast.literal_eval(node.value)
            for node in tree.body
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_API"
        )
        guarded = next(n for n in tree.body if isinstance(n, ast.If))
        static = {
            a.name: node.module
            for node in guarded.body
            if isinstance(node, ast.ImportFrom)
            for a in node.names
        }
        assert static == table, package


def documented_modules() -> dict[str, int]:
    """The files docs/architecture.md's module table names, with the line naming each. A
    cell lists files in backticks: one with a folder sets the folder for the names after
    it in the same cell (`scenario/base.py`, `design.py`)."""
    import re

    named: dict[str, int] = {}
    lines = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.startswith("| `"):
            continue
        folder = ""
        for name in re.findall(r"`([^`]+\.py)`", line.split("|")[1]):
            name = name.removeprefix("econsim/")
            if "/" in name:
                folder = name.rsplit("/", 1)[0] + "/"
                named[name] = number
            else:
                named[folder + name] = number
    return named


def test_every_module_has_a_row_in_the_architecture_doc() -> None:
    files = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")}
    documented = documented_modules()
    missing = sorted(files - documented.keys())
    assert not missing, f"docs/architecture.md has no row for: {', '.join(missing)}"
    stale = sorted(
        f"{name} (line {line})" for name, line in documented.items() if name not in files
    )
    assert not stale, f"docs/architecture.md names modules that do not exist: {', '.join(stale)}"
