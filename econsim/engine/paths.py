"""Which path runs the day: the compiled kernels (numba) or the numpy reference.

Both paths simulate the same model and agree in distribution (tests/test_engine_paths.py);
they cannot agree bit for bit, because they draw their random numbers in another order.
``auto`` — the default — takes the compiled path whenever numba imports, else the numpy
one. ``ECONSIM_ENGINE`` sets the default for a process and its workers (CI runs the
property tests under both); ``engine=`` on :func:`econsim.simulate` and ``--engine`` on the
commands choose for one call.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path
from typing import Literal

from econsim.errors import SimulationError

Engine = Literal["auto", "numpy", "compiled"]
EnginePath = Literal["numpy", "compiled"]
ENGINES: tuple[Engine, ...] = ("auto", "numpy", "compiled")
#: The environment variable that sets the default engine.
ENV = "ECONSIM_ENGINE"


@cache
def numba_missing() -> str | None:
    """Why the compiled path cannot run here (None: it can)."""
    try:
        import numba  # noqa: F401  (the import is the check)
    except ImportError as exc:
        return f"numba is not installed ({exc.msg}); pip install numba"
    return None


def resolve(engine: str | None = None) -> EnginePath:
    """The path ``engine`` (or ``ECONSIM_ENGINE``, or ``auto``) runs on this machine."""
    chosen = engine or os.environ.get(ENV) or "auto"
    if chosen not in ENGINES:
        where = f"{ENV}={chosen!r}" if engine is None else f"engine {chosen!r}"
        raise SimulationError(f"{where} is not an engine; choose one of {', '.join(ENGINES)}")
    if chosen == "numpy":
        return "numpy"
    missing = numba_missing()
    if missing is None:
        return "compiled"
    if chosen == "compiled":
        raise SimulationError(f"the compiled engine cannot run: {missing}")
    return "numpy"


def describe(engine: str | None = None) -> str:
    """Lines for ``econsim --version``: which path runs, and why (or where its cache is)."""
    path = resolve(engine)
    if path == "compiled":
        import numba

        return f"engine: compiled (numba {numba.__version__})\nnumba cache: {cache_dir()}"
    missing = numba_missing()
    why = "chosen" if missing is None else missing
    return f"engine: numpy reference ({why})"


def cache_dir() -> str:
    """Where numba keeps the compiled kernels between runs: ``NUMBA_CACHE_DIR``, else
    econsim's folder in the user's cache. Never inside the installed package: a cache
    there survived ``pip install -e`` as a folder of its own, and ``econsim`` then
    imported as an empty namespace package (issue 38)."""
    custom = os.environ.get("NUMBA_CACHE_DIR")
    if custom:
        return custom
    from platformdirs import user_cache_dir

    return str(Path(user_cache_dir("econsim")) / "numba")


def use_cache_dir() -> None:
    """Point numba, and every worker process through the environment, at :func:`cache_dir`
    (before the kernels are defined: numba reads it when a cached function is made)."""
    os.environ["NUMBA_CACHE_DIR"] = cache_dir()
    from numba.core import config

    config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]  # type: ignore[attr-defined]


def compiled_before() -> bool:
    """Whether the kernels of this installation are in the cache already; the first run
    on a machine compiles them (about 20 s)."""
    # numba's layout: a folder per source folder, "<its name>_<sha1 of its path>"
    # (numba.core.caching._CacheLocator.get_suitable_cache_subpath)
    source = (Path(__file__).parent / "compiled").resolve()
    digest = hashlib.sha1(str(source).encode()).hexdigest()
    folder = Path(cache_dir()) / f"{source.name}_{digest}"
    return any(folder.glob("day.members_day-*.nbi"))
