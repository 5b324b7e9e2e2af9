"""Forms of the license page: its note, and assigning a user to a seat."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms.users import EmailAddress


class NoteForm(FlaskForm):
    note = TextAreaField(
        _l("Your note on this license"),
        validators=[Optional(), Length(max=2000, message=_l("Keep the note to 2,000 characters or fewer."))],
    )


class AssignUserForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(message=_l("Enter the user's email.")), Length(max=254), EmailAddress()]
    )
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=100)])
