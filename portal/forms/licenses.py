"""Forms of the license and device pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms.users import EmailAddress


class NoteForm(FlaskForm):
    note = TextAreaField(
        "Your note on this license",
        validators=[Optional(), Length(max=2000, message="Keep the note to 2,000 characters or fewer.")],
    )


class AssignUserForm(FlaskForm):
    email = EmailField(
        "Email", validators=[DataRequired(message="Enter the user's email."), Length(max=254), EmailAddress()]
    )
    first_name = StringField("First name", validators=[Optional(), Length(max=100)])
    last_name = StringField("Last name", validators=[Optional(), Length(max=100)])


class BorrowForm(FlaskForm):
    until = DateTimeLocalField(
        "Borrow until (UTC)",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        validators=[DataRequired(message="Enter the date and time the seat returns.")],
    )
