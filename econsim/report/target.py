"""The one "output exists" check every writer and the CLI go through."""

from __future__ import annotations

from pathlib import Path

from econsim.errors import OutputExistsError


def check_target(target: Path | str, force: bool = False) -> Path:
    """``target`` as a Path, or :class:`OutputExistsError` when it exists and not ``force``.

    The CLI calls it before a long run too, so that a taken folder fails at once.
    """
    path = Path(target)
    if path.exists() and not force:
        raise OutputExistsError(f"{path} exists; choose another output or use --force")
    return path
