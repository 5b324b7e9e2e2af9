"""Domain rule violations: services raise these, views answer 422 at a field or 409."""

from __future__ import annotations


class FieldError(Exception):
    """Input that breaks a rule: the view shows the message at this form field (422).

    ``line`` names the line of a repeated group of fields (a bundle order's lines).
    """

    def __init__(self, field: str, message: str, line: int | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.line = line


class Conflict(Exception):
    """The state of the data refuses the change, perhaps just taken by another request (409)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
