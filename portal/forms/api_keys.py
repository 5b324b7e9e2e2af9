"""Forms of the API keys page and of a manager's API tokens page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length


class ApiKeyForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Give the key a name."), Length(max=100)])
    access = RadioField(
        "Access",
        choices=[("read", "Read only"), ("read_write", "Read and write")],
        default="read",
        validate_choice=True,
    )


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the token a name.")), Length(max=100)])
