"""A live log's file as columns of text, and the located problems found in them.

CSV (pyarrow's reader; the Python reader locates what pyarrow refuses) or Parquet; every
column econsim reads comes back as text with "" for an empty cell, so one set of checks
serves both formats.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from econsim.arrays import I64, Bool
from econsim.errors import Problem
from econsim.history.events import MAX_PROBLEMS, EventLogError, Where, parquet_log

if TYPE_CHECKING:
    import pyarrow as pa


REQUIRED = ("user_id", "date", "event")
OPTIONAL = ("amount", "item", "points", "tier", "cost")


def text_columns(path: Path) -> tuple[dict[str, Any], Where]:
    """Every column as strings ("" where empty), and how to locate a row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if path.suffix == ".parquet":
        table = parquet_log(path)
        first = 1
    else:
        table = _csv_table(path)
        first = 2
    names = [n.lstrip("\ufeff").strip() for n in table.column_names]
    where = Where(str(path), first, tuple(names))
    twice = sorted({n for n in names if names.count(n) > 1 and n in (*REQUIRED, *OPTIONAL)})
    if twice:
        raise EventLogError([where(-1, n, f"two columns are called '{n}'",
                                   "keep one of them (which one the export meant is not "
                                   "for econsim to guess)") for n in twice])  # fmt: skip
    cols: dict[str, Any] = {}
    for name, col in zip(names, table.columns, strict=True):
        if name not in (*REQUIRED, *OPTIONAL):
            continue  # other columns are the export's own (and may be lists or structs)
        text = col.combine_chunks() if col.num_chunks else pa.array([], pa.string())
        if not pa.types.is_string(text.type) and not pa.types.is_large_string(text.type):
            try:
                text = pc.cast(text, pa.string())
            except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
                what = f"the column is {text.type}, not text or numbers"
                raise EventLogError([where(-1, name, what, "write it as plain values")]) from None
        cols[name] = pc.utf8_trim_whitespace(pc.fill_null(text, ""))
    return cols, where


def _csv_table(path: Path) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = (*REQUIRED, *OPTIONAL)
    options = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in (*names, "\ufeff" + names[0])},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        return pacsv.read_csv(path, convert_options=options)
    except (OSError, ValueError) as exc:
        if not path.exists() or isinstance(exc, FileNotFoundError):
            raise EventLogError(
                [Where(str(path))(-1, "", "no such file", "check the path")]
            ) from None
        return _csv_slowly(path)


def _csv_slowly(path: Path) -> Any:
    """A file pyarrow refuses (a ragged row, a bad quote): the Python reader locates it."""
    import pyarrow as pa

    from econsim.history.events import read_columns

    cols, _ = read_columns(path)
    return pa.table({k: pa.array(v, pa.string()) for k, v in cols.items()})


def encode(col: pa.Array) -> tuple[I64, list[str]]:
    """Each row's index into the column's distinct values, and the values."""
    codes = col.dictionary_encode()
    return (
        np.asarray(codes.indices.to_numpy(zero_copy_only=False), np.int64),
        [str(v) for v in codes.dictionary.to_pylist()],
    )


class Problems:
    """Located problems, the first few of each check (every check is counted)."""

    def __init__(self, where: Where) -> None:
        self.where = where
        self.items: list[Problem] = []
        self.more = 0

    def rows(self, mask: Bool, column: str, message: Any, hint: str = "") -> None:
        """``message``: text, or a function of the row index giving it."""
        bad = np.nonzero(mask)[0]
        for i in bad[:MAX_PROBLEMS]:
            text = message(int(i)) if callable(message) else message
            self.items.append(self.where(int(i), column, text, hint))
        self.more += max(0, bad.size - MAX_PROBLEMS)

    def whole(self, column: str, message: str, hint: str = "") -> None:
        self.items.append(self.where(-1, column, message, hint))

    def raise_any(self) -> None:
        if not self.items:
            return
        self.items.sort(key=lambda p: p.line)
        shown = self.items[: MAX_PROBLEMS * 2]
        more = self.more + len(self.items) - len(shown)
        if more:
            shown.append(Problem(self.where.source, 0, 0, "", f"… and {more} more problems", ""))
        raise EventLogError(shown)
