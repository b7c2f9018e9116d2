"""The one shape every result has: key figures, a table and a notebook view; no files.

Results are pure data. Files are written by :func:`econsim.report.write`, which takes any
of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd


@runtime_checkable
class Result(Protocol):
    """What ``run``, ``simulate``, ``sweep``, ``compare``, ``calibrate``, ``fit_history``,
    ``rfm_classes``, ``optimize``, ``sensitivity`` and ``econsim.testing.search`` return."""

    def summary(self) -> dict[str, Any]:
        """Key figures as plain JSON-ready values."""
        ...

    def to_df(self) -> pd.DataFrame:
        """The result as one table (needs pandas: ``pip install 'econsim[data]'``)."""
        ...

    def _repr_html_(self) -> str:
        """A short view for notebooks."""
        ...


class Rows:
    """A result that is one row per item (a coupon, a packaged campaign): ``summary()`` is
    the rows, ``to_df()`` their table; a subclass gives ``rows()`` and its notebook view."""

    def rows(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def summary(self) -> list[dict[str, Any]]:
        """The result's block of summary.json: its rows."""
        return self.rows()

    def to_df(self) -> pd.DataFrame:
        return pandas().DataFrame(self.rows())


def pandas() -> Any:
    """The pandas module, or an ImportError that says how to install it.

    pandas is the optional ``data`` extra, imported here and not at module level to keep
    start-up fast.
    """
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("to_df needs pandas: pip install 'econsim[data]'") from exc
    return pd


def html_table(title: str, rows: Iterable[Sequence[object]]) -> str:
    """A titled two-or-more-column HTML table, for ``_repr_html_``."""
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<div><b>{escape(title)}</b><table>{body}</table></div>"
