"""The audit log's filters (a GET form)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectField
from wtforms.validators import Length, Optional, ValidationError

from portal.audit import OBJECT_TYPE_LABELS
from portal.search import MIN_CHARS
from portal.services.audit_log.queries import Filters

# The text filters go through a trigram index, which needs three characters to find anything.
SHORT = f"Type at least {MIN_CHARS} characters."


class AuditFilterForm(FlaskForm):
    """The audit log's filters; no CSRF, as it only reads."""

    class Meta:
        csrf = False

    actor = SearchField(
        "Who",
        validators=[Optional(), Length(min=MIN_CHARS, message=SHORT), Length(max=254)],
        description="Email of the person who made the change",
    )
    object_type = SelectField("Object type", choices=[("", "Any object"), *OBJECT_TYPE_LABELS.items()], default="")
    object = SearchField(
        "Object",
        validators=[Optional(), Length(min=MIN_CHARS, message=SHORT), Length(max=254)],
        description="Email, order reference, name…",
    )
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")

    def filters(self) -> Filters:
        return Filters(
            actor=(self.actor.data or "").strip(),
            object_type=self.object_type.data or "",
            object_label=(self.object.data or "").strip(),
            date_from=self.date_from.data,
            date_to=self.date_to.data,
        )

    def query_args(self) -> dict[str, str]:
        """The filters as query arguments, for links to other pages of the same view."""
        return {
            name: value
            for name, value in (
                ("actor", self.actor.data),
                ("object_type", self.object_type.data),
                ("object", self.object.data),
                ("date_from", self.date_from.raw_data[0] if self.date_from.raw_data else ""),
                ("date_to", self.date_to.raw_data[0] if self.date_to.raw_data else ""),
            )
            if value
        }
