"""Forms of the device pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField
from wtforms.validators import DataRequired


class BorrowForm(FlaskForm):
    until = DateTimeLocalField(
        _l("Borrow until (UTC)"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        validators=[DataRequired(message=_l("Enter the date and time the seat returns."))],
    )
