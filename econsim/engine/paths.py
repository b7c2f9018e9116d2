"""Where the compiled kernels live between runs: numba's cache, and whether this
installation's kernels are in it (the first run on a machine compiles them)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def describe() -> str:
    """Lines for ``econsim --version``: the engine's numba and where its cache is."""
    import numba

    return f"engine: compiled (numba {numba.__version__})\nnumba cache: {cache_dir()}"


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
