"""The one check of an output location every writer and the CLI go through."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from econsim.advisor.study import FILES as STUDY_FILES
from econsim.atomic import check_replaceable, check_writable
from econsim.errors import OutputError, OutputExistsError
from econsim.explore.store import SWEEP_FILES
from econsim.report.advisor_report import SENSITIVITY_FILES
from econsim.report.compare_report import COMPARE_FILES
from econsim.report.exports import RUN_FILES
from econsim.report.history_report import SEGMENT_FILES
from econsim.report.monitor_report import MONITOR_FILES
from econsim.report.search_report import SEARCH_FILES

#: Everything econsim writes at the top of an output folder, whichever command wrote it:
#: ``--force`` replaces a folder only when all it holds is named here.
WRITERS_FILES = (RUN_FILES, MONITOR_FILES, COMPARE_FILES, SWEEP_FILES, STUDY_FILES,
                 SENSITIVITY_FILES, SEGMENT_FILES, SEARCH_FILES)  # fmt: skip
OUTPUT_FILES = tuple(dict.fromkeys(name for files in WRITERS_FILES for name in files))


def check_target(
    target: Path | str,
    force: bool = False,
    *,
    folder: bool = True,
    inputs: Sequence[Path | str] = (),
    replaces: bool = True,
) -> Path:
    """``target`` as a Path (a symbolic link's folder), or an
    :class:`~econsim.errors.OutputError` saying why not.

    ``folder``: the output is a folder of files (run, compare, sweep, segment, test), else
    one file (a calibrated or fitted scenario, saved results). Refused even with ``force``:
    a file where a folder goes or a folder where a file goes, a place that cannot be written
    in, a name too long, a link that leads nowhere; with ``force`` (``replaces``: the job
    replaces the folder, not resumes in it) an existing folder that holds anything econsim
    did not write, the current, home or root folder, a folder holding an ``input``, and a
    file that is an input; without ``force`` (:class:`OutputExistsError`) a target that
    exists. The CLI calls it before a long run too, so that a bad output fails at once.
    """
    path = check_writable(target, folder)
    if not path.exists():
        return path
    if not force:
        raise OutputExistsError(f"{path} exists; choose another output or use --force")
    if not folder:
        for source in inputs:
            if Path(source).exists() and path.resolve() == Path(source).resolve():
                raise OutputError(
                    f"{path} is the file this command reads; write the output to another file"
                )
    else:
        check_replaceable(path, OUTPUT_FILES if replaces else None, inputs)
    return path
