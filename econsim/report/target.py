"""The one check of an output location every writer and the CLI go through."""

from __future__ import annotations

from pathlib import Path

from econsim.atomic import check_writable
from econsim.errors import OutputExistsError


def check_target(target: Path | str, force: bool = False, *, folder: bool = True) -> Path:
    """``target`` as a Path, or an :class:`~econsim.errors.OutputError` saying why not.

    ``folder``: the output is a folder of files (run, compare, sweep, segment, test), else
    one file (a calibrated or fitted scenario, saved results). Refused even with ``force``:
    a file where a folder goes or a folder where a file goes, and a place that cannot be
    written in; refused without ``force`` (:class:`OutputExistsError`): a target that exists.
    The CLI calls it before a long run too, so that a bad output fails at once.
    """
    path = check_writable(target, folder)
    if path.exists() and not force:
        raise OutputExistsError(f"{path} exists; choose another output or use --force")
    return path
