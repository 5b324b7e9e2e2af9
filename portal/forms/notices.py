"""The form of a manager's notice switches (``/portal/notices``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class NoticesForm(FlaskForm):
    expiring = BooleanField(_l("Licenses that expire in 30, 7 and 1 days"))
    invitations = BooleanField(_l("Invitations on my orders that are not accepted"))
    floating = BooleanField(_l("Floating seats held past their timeout"))
