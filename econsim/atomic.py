"""Atomic file output, and the Parquet read that goes with it: a reader sees the old file or
the new one, never half of one."""

from __future__ import annotations

import contextlib
import fnmatch
import glob
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from econsim.errors import OutputError

if TYPE_CHECKING:
    import pyarrow as pa


@contextlib.contextmanager
def atomic_open(
    path: Path | str, mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[IO[str]]:
    """Write to a temp file in the same folder, fsync, then ``os.replace`` onto ``path``.

    If the block raises (or the process dies), ``path`` keeps its previous content; the temp
    file of a process that died while writing is removed by the next write of ``path``.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(target)
    prefix = f".{target.name}.{os.getpid()}."
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=target.parent)
    try:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as fh:  # type: ignore[call-overload]
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes 0600 files; give the result the permissions a plain open() would
        Path(tmp).chmod(0o666 & ~_umask())
        Path(tmp).replace(target)  # os.replace: atomic within one filesystem
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise


def _remove_orphans(target: Path) -> None:
    """Delete temp files of ``target`` left by writers that died (kill -9, power loss).

    The writer's pid is in the name, so a live writer's file — another process writing
    the same path right now — is left alone.
    """
    for tmp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        pid = tmp.name[len(target.name) + 2 :].split(".", 1)[0]
        if pid.isdecimal() and not _alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or not a pid: leave its file alone
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: Path | str, text: str, encoding: str = "utf-8") -> None:
    """Atomically write ``text`` to ``path``."""
    with atomic_open(path, "w", encoding=encoding) as fh:
        fh.write(text)


def write_bytes(path: Path | str, data: bytes) -> None:
    """Atomically write ``data`` to ``path``."""
    with atomic_open(path, "wb", encoding=None) as fh:
        fh.write(data)  # type: ignore[arg-type]


def read_parquet(path: Path | str) -> pa.Table:
    """Read a Parquet file through one open handle.

    Given a path, pyarrow opens it twice (footer, then pages); a writer replacing the file in
    between would pair one version's footer with the other's pages.
    """
    import pyarrow.parquet as pq

    with Path(path).open("rb") as fh:
        return pq.read_table(fh)


@contextlib.contextmanager
def replace_folder(target: Path | str, ours: Sequence[str] = ()) -> Iterator[Path]:
    """A new empty folder beside ``target`` to write a job's files into; when the block
    ends it replaces ``target`` whole (``--force``), so a folder never mixes two runs.

    ``ours`` names (top-level names or globs) what the job writes: anything else already in
    ``target`` — the user's own notes — is carried into the new folder, never deleted.
    If the block raises (or the process dies), ``target`` keeps its previous files; a dead
    process's half-written folder (``.NAME.partial-*``) is removed by the next write.
    Between the two renames that swap the folders ``target`` is briefly absent, never mixed.
    """
    path = Path(target)
    if path.name in ("", ".", ".."):  # no name to put a new folder beside: the real one's
        path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in [*path.parent.glob(f".{glob.escape(path.name)}.partial-*"),
                  *path.parent.glob(f".{glob.escape(path.name)}.old-*")]:  # fmt: skip
        shutil.rmtree(stale, ignore_errors=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-", dir=path.parent))
    try:
        yield fresh
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    carried: list[str] = []
    try:
        if path.is_dir():
            for entry in path.iterdir():
                mine = any(fnmatch.fnmatch(entry.name, pattern) for pattern in ours)
                if not mine and not (fresh / entry.name).exists():
                    entry.replace(fresh / entry.name)
                    carried.append(entry.name)
    except BaseException:
        for name in carried:  # the user's own files go back before the new folder goes
            (fresh / name).replace(path / name)
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    fresh.chmod(0o777 & ~_umask())  # mkdtemp makes 0700 folders
    if not path.exists():
        fresh.replace(path)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
    path.replace(old / path.name)
    try:
        fresh.replace(path)
    except BaseException:
        (old / path.name).replace(path)
        raise
    shutil.rmtree(old, ignore_errors=True)


#: The longest file or folder name ``-o`` may give: the temporary names written beside it
#: (``.NAME.partial-XXXXXXXX``, ``.NAME.PID.XXXXXXXX.tmp``) must still fit a file system's
#: 255 bytes.
MAX_NAME = 200
#: What a file manager leaves in a folder it showed: never the user's own work.
SYSTEM_FILES = (".DS_Store", "Thumbs.db", "desktop.ini")


def shown(text: str, most: int = 60) -> str:
    """``text`` for a message: a long name cut in the middle, so an error stays readable."""
    return text if len(text) <= most else f"{text[: most // 2]}…{text[-(most // 2) :]}"


def check_writable(target: Path | str, folder: bool) -> Path:
    """``target`` as a Path, or :class:`~econsim.errors.OutputError` when it cannot be written.

    ``folder``: the output is a folder of files (else one file). Refused: a name longer than
    :data:`MAX_NAME`, a symbolic link that leads nowhere (dangling, or a loop), a file where a
    folder goes, a folder where a file goes, a path under a file, and a place where a file
    cannot be created (tried with a probe file, so a read-only disk or a root-owned folder
    fails here, before any work, and not after a long run). A symbolic link to a folder
    stands for that folder: the folder it names is returned, and written (the link stays).
    """
    path = Path(target)
    for part in path.parts:
        if len(part.encode()) > MAX_NAME:
            raise OutputError(
                f"the name '{shown(part)}' is {len(part.encode())} bytes long; a name given "
                f"to -o may have at most {MAX_NAME} (the temporary names econsim writes "
                "beside it need the rest of the file system's 255): choose a shorter name"
            )
    path = _followed(path)
    kind = _kind(path)
    is_dir = kind == "dir"
    if folder and kind == "file":
        raise OutputError(
            f"{path} is a file, but the outputs go into a folder; give -o a folder's name "
            "(a new one, or an existing folder with --force)"
        )
    if not folder and is_dir:
        raise OutputError(
            f"{path} is a folder, but this output is one file; give -o a file's name, "
            f"e.g. {path / 'NAME.yaml'}"
        )
    # a folder is written beside its place and swapped in (replace_folder): its parent must
    # take new files too, as must the folder itself when a job writes into it
    places = [path.parent, path] if folder and is_dir else [path if is_dir else path.parent]
    for place in places:
        _probe(place, path)
    return path


def _followed(path: Path) -> Path:
    """``path``, or the folder its symbolic link names; a link that leads nowhere refused."""
    if not path.is_symlink():
        return path
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # no target, or a loop (RuntimeError before Python 3.13)
        raise OutputError(
            f"{path} is a symbolic link that leads nowhere (to {path.readlink()}, which "
            "does not exist, or round a loop); remove it or give -o another name"
        ) from None
    return real


def _probe(place: Path, path: Path) -> None:
    """Create and delete a file in ``place`` (or the nearest folder above it that exists)."""
    base = place
    while not _kind(base) and base != base.parent:
        base = base.parent
    if _kind(base) != "dir":
        raise OutputError(
            f"{path} cannot be made: {base} is a file, not a folder; choose another -o"
        )
    try:
        fd, probe = tempfile.mkstemp(prefix=".econsim-probe-", dir=base)
    except OSError as exc:
        raise OutputError(
            f"cannot write in {base} ({exc.strerror or exc}); choose another -o, in a folder "
            "you can write to"
        ) from None
    os.close(fd)
    Path(probe).unlink()


def check_replaceable(
    path: Path, ours: Sequence[str] | None, inputs: Sequence[Path | str] = ()
) -> None:
    """Refuse (:class:`~econsim.errors.OutputError`) to let ``--force`` replace or clear the
    existing folder ``path`` unless everything in it is what econsim writes there (``ours``:
    top-level names or globs, a glob's first part counting — ``points/p*.*`` is ``points``;
    None: not checked here, the job checks what it clears itself).

    Refused whatever it holds: the current folder or one above it, the home folder, the
    root, and a folder that holds a file being read (``inputs``: the scenario, the log).
    ``--force`` may replace what econsim wrote before, never anything else.
    """
    real = path.resolve()
    here = Path.cwd().resolve()
    what = (
        "the current folder" if real == here
        else "a folder above the current one" if here.is_relative_to(real)
        else "the home folder" if real == Path.home().resolve()
        else "the root folder" if real == real.parent
        else ""
    )  # fmt: skip
    if what:
        raise OutputError(
            f"{path} is {what}; --force replaces the whole output folder, so econsim will "
            "not use it: give -o a folder of its own, e.g. -o runs/NAME"
        )
    for source in inputs:
        if Path(source).resolve().is_relative_to(real):
            raise OutputError(
                f"{path} holds {source}, which this command reads; --force would replace it: "
                "give -o another folder"
            )
    if ours is None:
        return
    tops = {pattern.split("/", 1)[0] for pattern in ours}
    foreign = sorted(
        entry.name for entry in real.iterdir() if not _written_by_econsim(entry.name, tops)
    )
    if foreign:
        names = ", ".join(shown(n, 40) for n in foreign[:5])
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        raise OutputError(
            f"{path} holds files econsim did not write ({names}{more}); --force replaces only "
            "what econsim wrote: move them, or give -o another folder"
        )


def _written_by_econsim(name: str, tops: set[str]) -> bool:
    """One of ``tops`` (names or globs), a file manager's, or a temp file of one of them
    (``.NAME.PID.XXXXXXXX.tmp``, left by a writer that died)."""
    if name in SYSTEM_FILES or name.startswith(".econsim-probe-"):
        return True
    if name.startswith(".") and name.endswith(".tmp"):
        name = name[1:].rsplit(".", 3)[0]
    return any(fnmatch.fnmatchcase(name, top) for top in tops)


def _kind(path: Path) -> str:
    """``dir``, ``file`` (anything else there) or ``""`` (nothing, or not allowed to look)."""
    try:
        return "dir" if path.is_dir() else "file" if path.exists() else ""
    except OSError:
        return ""
