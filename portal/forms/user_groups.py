"""Forms of the user group pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.forms.users import EmailAddress


class UserGroupForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the group a name.")), Length(max=200)])
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(message=_l("Give the group a code.")),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", message=_l("Use letters, digits, dots, dashes and underscores.")),
        ],
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=1000)])


class RenameUserGroupForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the group a name.")), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=1000)])


class MemberForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(message=_l("Enter the user's email.")), Length(max=254), EmailAddress()]
    )
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=100)])
