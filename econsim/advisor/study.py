"""A study's folder: its manifest and Optuna's SQLite storage.

    DIR/study.json   what is searched (scenario, box, objectives, gates, seed, replications)
    DIR/study.db     Optuna's study: every trial's design, figures, constraints and state

Optuna writes a trial to the database when it is asked and again when it ends, so the
database is the study's journal: a killed study is resumed from it (``--resume``) and can be
inspected with Optuna's own tools (``optuna-dashboard sqlite:///DIR/study.db``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from econsim.advisor.objectives import Objective
from econsim.explore.store import fingerprint, open_folder

if TYPE_CHECKING:
    import optuna

MANIFEST = "study.json"
DATABASE = "study.db"
NAME = "econsim"
#: What ``--force`` removes: the study and the files its report writes.
FILES = (
    MANIFEST,
    DATABASE,
    "best.yaml",
    "pareto/trial-*.yaml",
    "trials.csv",
    "top.csv",
    "summary.json",
    "charts/*.png",
    "charts/*.svg",
    "report.html",
)


def open_study(
    folder: Path | None,
    settings: dict[str, Any],
    resume: bool,
    force: bool,
    objectives: Sequence[Objective],
    sampler: Callable[[int], optuna.samplers.BaseSampler],
) -> optuna.Study:
    """A new study, or with ``resume`` the folder's own (refused if it searched anything else).

    Without a folder the study lives in memory. ``sampler(n)`` makes the sampler of a study
    that already holds ``n`` trials: a resumed study's sampler must not replay the random
    draws of its first start, or it would propose the designs it has already run.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = None
    if folder is not None:
        manifest = {
            "fingerprint": fingerprint(settings),
            **{k: v for k, v in settings.items() if k != "scenario"},
            "name": settings["scenario"]["name"],
        }
        open_folder(folder, manifest, resume, force, name=MANIFEST, what="study", files=FILES)
        storage = f"sqlite:///{(folder / DATABASE).resolve()}"
    study = optuna.create_study(
        storage=storage,
        sampler=sampler(0),
        study_name=NAME,
        directions=[o.direction for o in objectives],
        load_if_exists=resume,
    )
    held = len(study.get_trials(deepcopy=False))
    if held:
        study.sampler = sampler(held)
    return study
