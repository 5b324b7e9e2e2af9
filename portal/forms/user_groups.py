"""Forms of the user group pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.forms.users import EmailAddress


class UserGroupForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Give the group a name."), Length(max=200)])
    code = StringField(
        "Code",
        validators=[
            DataRequired(message="Give the group a code."),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", message="Use letters, digits, dots, dashes and underscores."),
        ],
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=1000)])


class RenameUserGroupForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Give the group a name."), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=1000)])


class MemberForm(FlaskForm):
    email = EmailField(
        "Email", validators=[DataRequired(message="Enter the user's email."), Length(max=254), EmailAddress()]
    )
    first_name = StringField("First name", validators=[Optional(), Length(max=100)])
    last_name = StringField("Last name", validators=[Optional(), Length(max=100)])
