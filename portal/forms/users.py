"""Forms of the license user and user group pages."""

from __future__ import annotations

import email_validator
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError


class EmailAddress:
    """A well-formed email address; the .test domain of demo and test data is accepted."""

    def __call__(self, form, field) -> None:
        try:
            email_validator.validate_email(field.data or "", check_deliverability=False, test_environment=True)
        except email_validator.EmailNotValidError:
            raise ValidationError("Enter a valid email address.") from None


class SetUserPasswordForm(FlaskForm):
    """Set a chosen password, or (``generate``) have one made and shown once."""

    password = PasswordField(
        "New password", validators=[Optional(), Length(min=10, max=1024, message="Use at least 10 characters.")]
    )
    generate = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.password.data and not self.generate.data:
            self.password.errors.append("Enter a password of at least 10 characters, or generate one.")
            return False
        return True


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
