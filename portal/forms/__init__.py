"""Forms, one module per area; and ``submit``, the one place a refusal reaches its fields.

A view validates its form and runs the domain action through ``submit``: the action runs
in a savepoint, and an ``Invalid`` it raises undoes its writes and puts each message at its
field (a repeated line's field, a form-wide message at the top) for the 422 the view renders,
in the request's language (``portal.i18n.translate``: services speak English).
A ``Conflict`` passes through to the error handler, which answers 409.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask_wtf import FlaskForm

from portal import i18n
from portal.errors import Invalid
from portal.extensions import db

T = TypeVar("T")


def submit(form: FlaskForm, action: Callable[[], T], *, lines: Sequence[int] | None = None) -> T | None:
    """Validate the form and run the action; None when the form must be shown again (422).

    ``lines`` maps the positions a service counts bundle lines by (filled lines only) to the
    form's line entries. Actions return what they made or changed, never None.
    """
    if not form.validate():
        return None
    try:
        with db.session.begin_nested():
            return action()
    except Invalid as error:
        put_errors(form, error, lines)
        return None


def put_errors(form: FlaskForm, error: Invalid, lines: Sequence[int] | None = None) -> None:
    """Put an Invalid's messages at the fields they name; unknown names go to the top of the form."""
    fields: Any = form
    if error.line is not None and "lines" in form:
        index = lines[error.line] if lines is not None else error.line
        fields = form["lines"][index].form
    for name, english in error.errors.items():
        messages = [i18n.translate(message) for message in english]
        field = fields[name] if name in fields else None
        if field is None:
            form.form_errors.extend(messages)
        else:
            field.errors = [*field.errors, *messages]
