"""Forms of the webhooks pages: one endpoint form for registering and editing."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.webhooks import EVENTS


class EventsField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EndpointForm(FlaskForm):
    url = StringField(
        "URL", validators=[DataRequired(message="Enter the URL that receives the events."), Length(max=2000)]
    )
    description = StringField("Description", validators=[Optional(), Length(max=200)])
    events = EventsField(
        "Events",
        choices=list(EVENTS.items()),
        validators=[DataRequired(message="Choose at least one event.")],
        validate_choice=True,
    )
    active = BooleanField("Active: send events to this URL", default=True)
