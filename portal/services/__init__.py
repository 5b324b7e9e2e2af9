"""Domain actions, callable without a request: views, the CLI and tests share them.

Services only add and flush; the caller commits once, so an error rolls everything back,
the audit event included.
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa


def affected(result: sa.Result[Any]) -> int:
    """How many rows an executed UPDATE or DELETE matched (``Session.execute`` types it as a plain ``Result``)."""
    return cast("sa.CursorResult[Any]", result).rowcount
