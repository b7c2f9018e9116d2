"""Position-keeping YAML parsing, shared by the loader and ``--set`` overrides."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from econsim.errors import Problem, ScenarioError


def yaml_round_trip() -> YAML:
    """A round-trip loader/dumper that keeps positions and refuses duplicate keys."""
    y = YAML(typ="rt")
    y.allow_duplicate_keys = False
    return y


#: Far more text than any scenario (the bundled ones are 2–8 KB); reading more with a
#: position-keeping parser would take minutes (issue 22: 50 MB of comments ran > 180 s).
MAX_CHARS = 1_000_000


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text keeping positions; syntax errors become a ScenarioError."""
    if len(text) > MAX_CHARS:
        message = (
            f"the text is {len(text):,} characters; a scenario is a few thousand "
            f"(the limit is {MAX_CHARS:,})"
        )
        hint = "is this the scenario file? move data (event logs) out of it"
        raise ScenarioError([Problem(source, 1, 1, "", message, hint)])
    try:
        return yaml_round_trip().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        message = f"YAML syntax: {exc.problem or exc.context}"
        hint = "check indentation, colons and quotes on this line or the one before"
        if "duplicate key" in str(exc.problem or ""):
            message = f"duplicate key: {exc.problem}"
            hint = "each key may appear once in a mapping; remove or rename one"
        raise ScenarioError([Problem(source, line, col, "", message, hint)]) from None
    except (YAMLError, RecursionError, ValueError, TypeError) as exc:
        message = f"cannot parse YAML: {type(exc).__name__}: {exc}"
        raise ScenarioError([Problem(source, 1, 1, "", message, "")]) from None
