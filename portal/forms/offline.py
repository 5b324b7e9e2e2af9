"""Forms of the offline activation pages: one uploaded request file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize

# A request file is a few hundred bytes of JSON; anything bigger is not one.
MAX_REQUEST_BYTES = 16 * 1024


class OfflineRequestForm(FlaskForm):
    request_file = FileField(
        _l("Request file"),
        validators=[
            FileRequired(message=_l("Choose the request file the software wrote.")),
            FileAllowed(["json", "req"], message=_l("Choose a .json or .req request file.")),
            FileSize(max_size=MAX_REQUEST_BYTES, message=_l("A request file is at most 16 KB: this is not one.")),
        ],
    )
