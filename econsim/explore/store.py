"""A sweep's folder: its manifest, one file per finished point, and the index.

    DIR/sweep.json          what is swept (scenario, parameters, seed, replications)
    DIR/points/p00007.parquet  one point's daily series per replication
    DIR/index.parquet       one row per finished point (rewritten after each point)

Parquet when pyarrow is installed, else CSV. Every file is written atomically, the point
file before its index row, so a killed sweep loses at most the points in flight and
``--resume`` never counts a point twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from econsim.atomic import (
    check_replaceable,
    check_writable,
    read_parquet,
    write_bytes,
    write_text,
)
from econsim.errors import OutputExistsError

MANIFEST = "sweep.json"


class SweepFolderError(OutputExistsError):
    """The output folder holds something other than this sweep (the one "exists" error)."""


#: The format of a sweep's index and points (a sweep of econsim 0.1 without pyarrow wrote
#: CSV, which is still read).
TABLE_FORMAT = "parquet"


def write_table(path: Path, columns: Mapping[str, Sequence[Any]]) -> None:
    """Write columns (equal lengths) as Parquet or CSV, chosen by the file's suffix."""
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        buf = io.BytesIO()
        pq.write_table(pa.table({k: list(v) for k, v in columns.items()}), buf)
        write_bytes(path, buf.getvalue())
        return
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(zip(*columns.values(), strict=True))
    write_text(path, out.getvalue())


def read_table(path: Path) -> dict[str, list[Any]]:
    """Columns of a table written by :func:`write_table` (CSV cells come back as text)."""
    if path.suffix == ".parquet":
        return {k: list(v) for k, v in read_parquet(path).to_pydict().items()}
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    return {name: [row[i] for row in body] for i, name in enumerate(header)}


def fingerprint(manifest: Mapping[str, Any]) -> str:
    """A hash of everything that decides a sweep's numbers."""
    text = json.dumps(manifest, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


#: The files a sweep writes, removed by ``--force`` (nothing else in the folder is touched).
SWEEP_FILES = (MANIFEST, "index.parquet", "index.csv", "points/p[0-9]*.parquet",
               "points/p[0-9]*.csv", "charts/*.png", "charts/*.svg", "report.html")  # fmt: skip


def open_folder(
    folder: Path,
    manifest: dict[str, Any],
    resume: bool,
    force: bool,
    *,
    name: str = MANIFEST,
    what: str = "sweep",
    files: Sequence[str] = SWEEP_FILES,
) -> None:
    """Prepare ``folder`` for a sweep (or another resumable job, ``what``, whose manifest is
    ``name`` and whose ``files`` ``--force`` removes): new, resumed (the same job only) or
    overwritten.

    A file in the way or a place that cannot be written in: :class:`OutputError`.
    """
    check_writable(folder, folder=True)
    path = folder / name
    if path.exists() and resume:
        old = json.loads(path.read_text(encoding="utf-8"))
        if old.get("fingerprint") != manifest["fingerprint"]:
            raise SweepFolderError(
                f"{folder} holds a different {what} ({_differs(old, manifest)}); resume it "
                "with its own scenario and options, or choose another -o"
            )
        return
    if folder.exists() and any(folder.iterdir()) and not force:
        raise SweepFolderError(
            f"{folder} exists; use --resume to finish the {what} in it, --force to start "
            "over, or choose another -o"
        )
    if force and folder.exists():
        check_replaceable(folder, files)
        for pattern in files:
            for old_file in folder.glob(pattern):
                old_file.unlink()
    write_text(path, json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n")


def _differs(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """Which recorded settings differ, in words ("other name, seed"), else a general phrase."""
    keys = [k for k in new if k != "fingerprint" and old.get(k) != new[k]]
    if not keys:
        return "other scenario, parameters, seed or replications"
    return "other " + ", ".join(k.replace("_", " ") for k in keys)
