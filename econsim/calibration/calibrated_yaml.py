"""Write a calibrated scenario back to YAML, keeping the input's comments and layout."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from econsim.calibration.result import Calibration
from econsim.scenario.load import dump_tree, load_tree
from econsim.scenario.overrides import apply_overrides


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else round(x, 10)


def calibrated_yaml(tree: Any, cal: Calibration) -> str:
    """The scenario tree with calibrated point values and tier multipliers, as YAML."""
    behaviours = tree["design"]["behaviours"]
    for b in cal.behaviours:
        node = behaviours[b.name]
        node["points"] = _number(b.points_after)
        multipliers = cal.tier_multipliers[b.name]
        if multipliers:
            mapping = CommentedMap((t, _number(v)) for t, v in multipliers.items())
            mapping.fa.set_flow_style()
            node["tier_multipliers"] = mapping
        elif "tier_multipliers" in node:
            del node["tier_multipliers"]
    return dump_tree(tree)


def calibrated_scenario_text(
    path: Path | str, calibration: Calibration, overrides: Sequence[str] = ()
) -> str:
    """The scenario file, with ``overrides`` and the calibrated values, as YAML (comments kept).

    ``calibration`` is the calibration of that file with those overrides.
    """
    tree = load_tree(path)
    apply_overrides(tree, overrides)
    return calibrated_yaml(tree, calibration)
