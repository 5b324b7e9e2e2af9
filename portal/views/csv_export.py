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


def cell(value: Any) -> str:
    """One CSV cell as people read it; text a spreadsheet would run is quoted with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
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
    for row in rows:
        writer.writerow([cell(v) for v in row])
        if buffer.tell() > FLUSH_AT:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def stream_csv(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """Answer with the rows as a CSV download, streamed; ``rows`` is read lazily, after the view returns."""
    # The body is written in a fresh app context, hence a fresh session: carry the tenant over.
    tenant = current_tenant(db.session)

    def body() -> Iterator[str]:
        set_tenant(db.session, tenant)
        yield from lines(header, rows)

    return Response(
        stream_with_context(body()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
