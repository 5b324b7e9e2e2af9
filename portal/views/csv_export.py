"""The one CSV streamer: rows written a chunk at a time, cells a spreadsheet cannot run.

A cell that starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) would
run when the file is opened in a spreadsheet: it is written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import Response, stream_with_context

from portal.extensions import db
from portal.tenancy import current_tenant, set_tenant

FLUSH_AT = 64 * 1024  # bytes of CSV held before a chunk goes out
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


_FORMULA = frozenset(FORMULA_STARTS)


def cell(value: Any) -> Any:
    """One CSV cell as people read it; text a spreadsheet would run is quoted with an apostrophe."""
    kind = type(value)
    # The common kinds first, by exact type: this runs for every cell of an export of a million rows.
    if kind is str:
        return "'" + value if value[:1] in _FORMULA else value
    if kind is int:
        return value  # the csv writer writes it as it is
    if value is None:
        return ""
    if kind is bool:
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text of a header and rows, in chunks of about FLUSH_AT bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    write = writer.writerow
    for row in rows:
        write(list(map(cell, row)))
        if buffer.tell() > FLUSH_AT:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def batch_lines(
    header: Sequence[str], batches: Iterable[Sequence[Sequence[Any]]], text_columns: Sequence[int]
) -> Iterator[str]:
    """The CSV text of a header and batches of plain rows, a chunk per batch.

    The rows hold plain values (text, int, None) the caller has formatted; only the cells at
    ``text_columns`` hold text people typed, so only they are checked for a formula start.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for batch in batches:
        rows = batch
        if any((row[i] or " ")[0] in _FORMULA for row in batch for i in text_columns):
            rows = [[cell(v) if i in text_columns else v for i, v in enumerate(row)] for row in batch]
        writer.writerows(rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def stream_csv(
    filename: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]] = (),
    *,
    batches: Iterable[Sequence[Sequence[Any]]] | None = None,
    text_columns: Sequence[int] = (),
) -> Response:
    """Answer with the rows as a CSV download, streamed; ``rows`` is read lazily, after the view returns.

    A big export passes ``batches`` of plain rows and its ``text_columns`` instead (``batch_lines``).
    """
    # The body is written in a fresh app context, hence a fresh session: carry the tenant over.
    tenant = current_tenant(db.session)

    def body() -> Iterator[str]:
        set_tenant(db.session, tenant)
        if batches is not None:
            yield from batch_lines(header, batches, text_columns)
        else:
            yield from lines(header, rows)

    return Response(
        stream_with_context(body()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
