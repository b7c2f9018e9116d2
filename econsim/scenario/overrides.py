"""``--set design.budget.amount=90000``: change a value in the YAML tree before validation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ruamel.yaml.comments import CommentedMap

from econsim.errors import Problem, ScenarioError
from econsim.scenario.checks import did_you_mean
from econsim.scenario.fields import allowed_keys, resolve
from econsim.scenario.yamlio import parse_yaml

Loc = tuple[str | int, ...]


def parse_path(text: str) -> Loc:
    """'design.rule_changes.0.day' → ('design', 'rule_changes', 0, 'day')."""
    # isdecimal, not isdigit: "²" is a digit to Python but int() refuses it
    return tuple(int(p) if p.isdecimal() else p for p in text.split("."))


def _problem(text: str, message: str, hint: str) -> Problem:
    return Problem(f"--set {text}", 0, 0, "", message, hint)


def _split(text: str) -> tuple[Loc, Any] | Problem:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        return _problem(text, "an override is PATH=VALUE", "e.g. --set design.budget.amount=90000")
    path = parse_path(key.strip())
    if resolve(path) is None:
        parent = path[:-1]
        hint = did_you_mean(str(path[-1]), allowed_keys(parent)) if resolve(parent) else ""
        return _problem(text, f"no scenario field '{key.strip()}'", hint or "see `econsim schema`")
    try:
        value = parse_yaml(raw, f"--set {text}") if raw.strip() else None
    except ScenarioError as exc:
        return exc.problems[0]
    return path, value


def apply_overrides(tree: Any, overrides: Sequence[str]) -> dict[Loc, str]:
    """Apply each override to ``tree`` in place; return the overridden paths (for locations)."""
    problems: list[Problem] = []
    applied: dict[Loc, str] = {}
    for text in overrides:
        split = _split(text)
        if isinstance(split, Problem):
            problems.append(split)
            continue
        path, value = split
        node = tree
        for depth, part in enumerate(path[:-1]):
            if isinstance(node, dict):
                if part not in node:
                    # a name the file does not have (a new item, or a typo): problems under
                    # it are this override's, not the file's
                    applied.setdefault(path[: depth + 1], text)
                node = node.setdefault(part, CommentedMap())
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
            else:
                problems.append(_problem(text, f"'{part}' does not exist here", "check the path"))
                break
        else:
            node[path[-1]] = value
            applied[path] = text
    if problems:
        raise ScenarioError(problems)
    return applied
