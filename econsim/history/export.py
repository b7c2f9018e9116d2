"""A fit as scenario text: the design file with its comments and the fitted population.

The files of ``econsim fit`` and ``econsim segment`` are written by econsim.report.history.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

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
    loads_scenario(text, f"fitted scenario from {design_file}")
    return text
