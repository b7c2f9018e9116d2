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


#: How deep a scenario's brackets may nest: the format needs five or six levels; the YAML
#: parser took 8–40 s to fail on 5,000 (issue 38).
MAX_DEPTH = 100
#: Indentation past this many columns is no scenario's either (block nesting).
MAX_INDENT = 400


def _check_depth(text: str, source: str) -> None:
    """Refuse, before parsing, text nested deeper than any scenario: flow brackets (outside
    quotes and comments) and block indentation, located at the line that goes too deep."""
    for number, row in enumerate(text.splitlines(), start=1):
        indent = len(row) - len(row.lstrip(" "))
        if indent > MAX_INDENT:
            raise ScenarioError([Problem(source, number, indent + 1, "",
                                         f"indented {indent:,} columns deep",
                                         "a scenario nests a few levels; is this the right "
                                         "file?")])  # fmt: skip
    depth, quote = 0, ""
    line, col = 1, 0
    comment = False
    for ch in text:
        col += 1
        if ch == "\n":  # an apostrophe in a plain scalar ends with its line
            line, col, comment, quote = line + 1, 0, False, ""
            continue
        if comment:
            continue
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            comment = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ScenarioError([Problem(source, line, col, "",
                                             f"brackets nested more than {MAX_DEPTH} deep",
                                             "a scenario nests a few levels; is this the right "
                                             "file?")])  # fmt: skip
        elif ch in "]}":
            depth = max(depth - 1, 0)


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text keeping positions; syntax errors become a ScenarioError."""
    if len(text) > MAX_CHARS:
        message = (
            f"the text is {len(text):,} characters; a scenario is a few thousand "
            f"(the limit is {MAX_CHARS:,})"
        )
        hint = "is this the scenario file? move data (event logs) out of it"
        raise ScenarioError([Problem(source, 1, 1, "", message, hint)])
    _check_depth(text, source)
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
