"""Writing an event log: CSV (UTF-8, a header row) or Parquet, atomically, in blocks so a
live log of ten million rows is never text at once. The format is ``events.py``'s."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: A column of a log to write: a list (the fit log) or a numpy array (the live log).
Column = Sequence[object] | NDArray[Any]
#: Rows turned into text at a time: a live log of ten million rows is never text at once.
CSV_BLOCK = 1 << 19
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def write_events(path: Path | str, columns: Mapping[str, Column]) -> None:
    """Write an event log (e.g. from ``simulate_events``) atomically: Parquet when ``path``
    ends in ``.parquet``, else CSV (UTF-8, a header row, ``\\n`` line ends).

    Columns are lists (the fit log, written exactly as before) or numpy arrays (the live
    log); in arrays NaN, NaT and "" are empty cells (nulls in Parquet), ``datetime64``
    columns are dates (YYYY-MM-DD; Parquet's date type).
    """
    if Path(path).suffix == ".parquet":
        _write_parquet(path, columns)
    elif any(isinstance(c, np.ndarray) for c in columns.values()):
        _write_csv_arrays(path, {k: np.asarray(v) for k, v in columns.items()})
    else:
        _write_csv_lists(path, columns)


def _write_csv_lists(path: Path | str, columns: Mapping[str, Column]) -> None:
    import io

    from econsim.atomic import write_text

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(zip(*columns.values(), strict=True))
    write_text(path, buf.getvalue())


def _write_csv_arrays(path: Path | str, columns: dict[str, NDArray[Any]]) -> None:
    """The csv module's text, built a block of rows at a time from whole columns: no
    writer call per row, and a log of millions of rows is never all text at once."""
    from econsim.atomic import atomic_open

    sizes = {a.shape[0] for a in columns.values()}
    if len(sizes) > 1:
        raise ValueError(f"columns of different lengths: {sorted(sizes)}")
    rows = sizes.pop() if sizes else 0
    with atomic_open(path) as fh:
        fh.write(",".join(_quoted(list(columns))) + "\n")
        for lo in range(0, rows, CSV_BLOCK):
            cells = [_cells(a[lo : lo + CSV_BLOCK]) for a in columns.values()]
            fh.write("\n".join(map(",".join, zip(*cells, strict=True))) + "\n")


def _cells(values: NDArray[Any]) -> list[str]:
    """One column's CSV cells: numbers as Python writes them, NaN and "" empty."""
    if values.dtype.kind == "f":
        ok = ~np.isnan(values)
        cells = np.full(values.size, "", dtype=object)
        text = np.empty(int(ok.sum()), dtype=object)
        text[:] = list(map(repr, values[ok].tolist()))
        cells[ok] = text
        out: list[str] = cells.tolist()
        return out
    if values.dtype.kind in "iub":
        return list(map(str, values.tolist()))
    if values.dtype.kind == "M":  # days as YYYY-MM-DD; NaT is an empty cell
        days = np.datetime_as_string(values.astype("datetime64[D]")).astype(object)
        days[np.isnat(values)] = ""
        out_days: list[str] = days.tolist()
        return out_days
    return _quoted(values.tolist())


def _quoted(values: list[Any]) -> list[str]:
    """Text cells quoted as the csv module quotes them, each distinct value looked at once
    (a column of a log holds few: names, dates, the members)."""
    fix = {v: _quote(v) for v in set(values) if not isinstance(v, str) or _NEEDS_QUOTES.search(v)}
    return [fix.get(v, v) for v in values] if fix else values


def _quote(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = value if isinstance(value, str) else str(value)
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES.search(text) else text


def _write_parquet(path: Path | str, columns: Mapping[str, Column]) -> None:
    # pyarrow is optional and slow to import: only when a Parquet file is asked for
    import pyarrow as pa
    import pyarrow.parquet as pq

    from econsim.atomic import atomic_open

    table = pa.table({k: _arrow(v) for k, v in columns.items()})
    with atomic_open(path, "wb", encoding=None) as fh:
        pq.write_table(table, fh)


def _arrow(values: Column) -> Any:
    """A column as a pyarrow array, empty cells (NaN, "", None) as nulls."""
    import pyarrow as pa

    if not isinstance(values, np.ndarray):
        return pa.array([None if isinstance(v, str) and not v else v for v in values])
    if values.dtype.kind == "f":
        return pa.array(values, from_pandas=True)  # from_pandas: NaN is a null
    if values.dtype.kind in "iub":
        return pa.array(values)
    if values.dtype.kind == "M":  # days: a date column; NaT is a null
        return pa.array(values.astype("datetime64[D]"), type=pa.date32(), from_pandas=True)
    return pa.array(values, type=pa.string(), mask=values == "", from_pandas=True)
