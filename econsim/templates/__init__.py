"""Starter scenarios for ``econsim init``: a commented starter and one per programme type."""

from __future__ import annotations

from importlib import resources


def template_names() -> list[str]:
    """Names of the bundled templates."""
    files = resources.files(__name__).iterdir()
    return sorted(f.name.removesuffix(".yaml") for f in files if f.name.endswith(".yaml"))


def template_text(name: str) -> str:
    """The YAML text of one template."""
    return resources.files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
