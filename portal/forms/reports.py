"""The reports page's date range (a GET form: ``from`` and ``to``, ISO dates)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional, ValidationError

from portal.models import utcnow
from portal.services.reports.queries import MAX_RANGE_DAYS, default_range


class ReportRangeForm(FlaskForm):
    """From and to, both included; empty means the last 90 days. No CSRF: it only reads."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), name="from", validators=[Optional()])
    end = DateField(_l("To"), name="to", validators=[Optional()])

    def validate_start(self, field) -> None:
        if field.data is None:  # not a date: DateField has said so
            return
        if field.data > utcnow().date():
            raise ValidationError(_l("The start date is in the future."))
        first, last = self.dates()
        if first <= last and (last - first).days + 1 > MAX_RANGE_DAYS:
            raise ValidationError(_l("Choose at most %(n)s days.", n=MAX_RANGE_DAYS))

    def validate_end(self, field) -> None:
        if field.data is None:
            return
        if field.data > utcnow().date():
            raise ValidationError(_l("The end date is in the future."))
        if self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end date is before the start date."))

    def dates(self) -> tuple[dt.date, dt.date]:
        """The range asked for: the 90 days up to ``to`` (today when empty) for what was left empty."""
        last = self.end.data or default_range()[1]
        return self.start.data or default_range(last)[0], last
