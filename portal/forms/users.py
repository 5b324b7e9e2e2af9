"""Forms of the license user pages, and the email check every form naming a license user shares."""

from __future__ import annotations

import email_validator
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField
from wtforms.validators import Length, Optional, ValidationError


class EmailAddress:
    """A well-formed email address; the .test domain of demo and test data is accepted."""

    def __call__(self, form, field) -> None:
        try:
            email_validator.validate_email(field.data or "", check_deliverability=False, test_environment=True)
        except email_validator.EmailNotValidError:
            raise ValidationError(_("Enter a valid email address.")) from None


class SetUserPasswordForm(FlaskForm):
    """Set a chosen password, or (``generate``) have one made and shown once."""

    password = PasswordField(
        _l("New password"), validators=[Optional(), Length(min=10, max=1024, message=_l("Use at least 10 characters."))]
    )
    generate = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.password.data and not self.generate.data:
            self.password.errors = [
                *self.password.errors,
                _("Enter a password of at least 10 characters, or generate one."),
            ]
            return False
        return True
