"""The advisor's libraries are the ``advisor`` extra: a clear error when they are missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from econsim.errors import SimulationError

INSTALL = "pip install 'econsim[advisor]'"


def library(name: str, purpose: str) -> ModuleType:
    """Import ``name`` (Optuna, SALib), or say how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise SimulationError(f"{purpose} needs {name}: {INSTALL}") from None
