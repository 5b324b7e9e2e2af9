"""The language chooser's form: one of the portal's languages, and the page to go back to."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired

from portal.i18n import LOCALE_NAMES


class LanguageForm(FlaskForm):
    locale = SelectField(
        _l("Language"),
        choices=list(LOCALE_NAMES.items()),
        validators=[InputRequired(_l("Choose one of the portal's languages."))],
    )
    next = HiddenField()
