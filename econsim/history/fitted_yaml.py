"""A fit as scenario text: the design file with its comments and the fitted population.

The files of ``econsim fit`` and ``econsim segment`` are written by econsim.report.history_report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from econsim.errors import Problem, ScenarioError
from econsim.history.fit import Fit
from econsim.scenario.load import dump_tree, load_tree, loads_scenario


def plain(x: Any) -> Any:
    """Numpy scalars and nested containers as plain Python values (for YAML and JSON)."""
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [plain(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


def fitted_yaml(design_file: Path | str, fit: Fit) -> str:
    """The design file's YAML with the fitted population; validated before it is returned."""
    tree = load_tree(design_file)
    tree["start_date"] = fit.start
    tree["population"] = plain(fit.population)
    text = dump_tree(tree)
    try:
        loads_scenario(text, f"fitted scenario from {design_file}")
    except ScenarioError as exc:
        # the design validated on its own: what fails is what the log taught, so the
        # problem names the log, not a line of a file the user never wrote
        raise ScenarioError(
            [
                Problem(
                    f"the population fitted from {fit.source}",
                    0,
                    0,
                    p.path,
                    p.message,
                    "these values were estimated from the event log: check it for duplicated "
                    "rows, extreme amounts or a wrong --as-of",
                )
                for p in exc.problems
            ]
        ) from None
    return text
