"""The vendor account's settings: its portal brand, and the sign-in rule for staff."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional


class BrandingForm(FlaskForm):
    brand_name = StringField("Brand name", validators=[Optional(), Length(max=200)])
    slug = StringField("Sign-in address", validators=[DataRequired(), Length(max=63)])
    accent_color = StringField("Accent colour", validators=[Optional(), Length(max=7)])
    logo = FileField("Logo")
    remove_logo = BooleanField("Remove the logo")


class StaffTwoFactorForm(FlaskForm):
    required = BooleanField("Require two-factor sign-in of every staff member")
