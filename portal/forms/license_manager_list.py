"""Forms of the License Managers list: a bulk action over a selection, saved views, the columns shown.

The bulk form carries the selection as the overview renders it: ``ids`` (the ticked rows,
repeated), ``page`` with ``page_ids`` (the whole page), or ``everything`` with the overview's
query fields (``q``, ``status``, …, read by ``OverviewQuery.from_args``), and the action with
its parameters. The rules are the service's (``services/license_managers/bulk.py``), whose
messages ``forms.submit`` puts at these fields.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Length

from portal import permissions as perms
from portal.lists import positive_id
from portal.services.license_managers import bulk
from portal.services.license_managers.overview import OverviewQuery
from portal.services.license_managers.views import COLUMNS, NAME_LENGTH


class IdsField(SelectMultipleField):
    """Repeated manager ids; anything that cannot be an id is refused at the field."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = [i for i in map(positive_id, valuelist) if i]
        if len(self.data) != len(valuelist):
            raise ValueError("Select managers from the list.")

    def pre_validate(self, form: Any) -> None:  # any id: the service looks each up in the account
        pass


class BulkForm(FlaskForm):
    action = SelectField("Action", choices=[("", "Choose an action…"), *bulk.ACTIONS.items()], validate_choice=False)
    ids = IdsField("Managers")
    page = BooleanField("Select every manager on this page")
    page_ids = IdsField("Managers on this page")
    everything = BooleanField("Every manager that matches")
    # Named apart from the pane's permission form and order field, which share the page.
    codes = SelectMultipleField("Permissions", choices=[(p.code, p.label) for p in perms.PERMISSIONS])
    order_reference = StringField("Order reference", validators=[Length(max=100)])

    def selection(self, args: Any) -> bulk.Selection:
        """The managers the form names; ``args`` holds the overview's query fields."""
        if self.everything.data:
            return bulk.Selection(query=OverviewQuery.from_args(args))
        ids = list(self.ids.data or [])
        if self.page.data:
            ids += self.page_ids.data or []
        return bulk.Selection(ids=tuple(dict.fromkeys(ids)))

    def params(self) -> dict[str, Any]:
        return bulk.checked(self.action.data or "", self.codes.data or [], self.order_reference.data or "")


class SavedViewForm(FlaskForm):
    name = StringField(
        "Name", validators=[Length(max=NAME_LENGTH, message=f"A name has at most {NAME_LENGTH} characters.")]
    )


class ColumnsForm(FlaskForm):
    columns = SelectMultipleField("Columns", choices=list(COLUMNS.items()))
    next = StringField()
