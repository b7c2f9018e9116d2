"""The errors users see: each is printed by the CLI without a traceback (exit 2)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, located as precisely as we can."""

    source: str
    line: int
    column: int
    path: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}:{self.column}" if self.line else self.source
        field = f" {self.path}:" if self.path else ""
        text = f"{where}:{field} {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


class EconsimError(Exception):
    """A problem the user can fix (bad input, an existing output); never a bug."""


class ScenarioError(EconsimError):
    """A scenario (file, override or Python object) that cannot be used, with every problem.

    The CLI prints ``str(error)`` and exits 2; no traceback is shown.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.source, p.line, p.column, p.path))
        super().__init__(str(self))

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[list[Problem]]]:
        # raised in a worker process, it travels back pickled: rebuilt from its problems
        # (from its message it broke the pool, reported as a worker that died)
        return (ScenarioError, (self.problems,))

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the scenario:"
        return "\n".join([head, *(str(p) for p in self.problems)])


class SimulationError(EconsimError):
    """The engine found a broken invariant or a scenario it cannot run (e.g. too big)."""


class OutputError(EconsimError):
    """An output location that cannot be used: a file where a folder goes (or the other way
    round), or a place that cannot be written in. Checked before any work starts."""


class OutputExistsError(OutputError, FileExistsError):
    """An output folder or file exists and overwriting was not asked for (``force``)."""
