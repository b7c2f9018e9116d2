"""The one way econsim writes CSV: UTF-8 with a byte-order mark and CRLF line endings.

The mark makes Excel open the file as UTF-8 (accents, currency signs); CRLF is what the
csv module and spreadsheets expect. Every CSV a report writes goes through here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from econsim.atomic import write_text

ENCODING = "utf-8-sig"
LINE_END = "\r\n"


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Atomically write ``header`` and ``rows`` to ``path``; returns ``path``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=LINE_END)
    writer.writerow(header)
    writer.writerows(rows)
    write_text(path, buf.getvalue(), encoding=ENCODING)
    return path
