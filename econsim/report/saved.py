"""A run's ledgers saved for later: Parquet (needs pyarrow) or compressed numpy (.npz).

``Results.load`` reads both back; the file is written atomically, so a reader never sees
half of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from econsim.atomic import atomic_open
from econsim.results import Results


def write_results(results: Results, path: Path) -> list[Path]:
    """``path`` ending in ``.parquet``: the flat columns with the metadata; else ``.npz``."""
    if path.suffix == ".parquet":
        # pyarrow is optional and slow to import: only when a Parquet file is asked for
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table(results.columns())
        table = table.replace_schema_metadata({"econsim": results.metadata()})
        with atomic_open(path, "wb", encoding=None) as fh:
            pq.write_table(table, fh)
        return [path]
    payload: dict[str, Any] = {"__meta__": np.array(results.metadata()), **results.arrays}
    with atomic_open(path, "wb", encoding=None) as fh:
        np.savez_compressed(fh, **payload)  # type: ignore[arg-type]  # binary handle
    return [path]
