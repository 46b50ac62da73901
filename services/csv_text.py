"""CSV that spreadsheets open safely: one place for the formula-injection rule."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """A cell starting with = + - @ is a formula in spreadsheets: prefix it so it stays text."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


def csv_document(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A whole CSV text (CRLF lines, header first); None becomes an empty cell, text is made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else csv_safe(cell) if isinstance(cell, str) else cell for cell in row])
    return out.getvalue()
