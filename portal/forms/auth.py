"""Sign-in forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=10, max=1024, message=_l("Use at least 10 characters."))],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class CodeForm(FlaskForm):
    """The second step of signing in: a code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"), validators=[DataRequired(message=_l("Enter the code.")), Length(max=32)], filters=[_strip]
    )


class ChooseVendorForm(FlaskForm):
    """Which vendor's portal to enter, when one email and password sign in at several."""

    manager = IntegerField(_l("Vendor"), validators=[DataRequired()])


class ChangePasswordForm(FlaskForm):
    """A signed-in person choosing a new password: the current one first."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=10, max=1024, message=_l("Use at least 10 characters."))],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class EnableTwoFactorForm(FlaskForm):
    code = StringField(
        _l("Code from your app"),
        validators=[DataRequired(message=_l("Enter the code.")), Length(max=32)],
        filters=[_strip],
    )


class ConfirmPasswordForm(FlaskForm):
    """Turning two-factor sign-in off, or new recovery codes: the password again."""

    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=1024)])
