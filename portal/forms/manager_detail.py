"""Forms of one license manager's detail: permission set and scope, orders."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_wtf import FlaskForm
from wtforms import IntegerField, SearchField, SelectMultipleField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal import permissions as perms
from portal.services.manager_admin import cap_field

MAX_INT = 2**31 - 1  # the database's integer columns


class PermissionsForm(FlaskForm):
    """The twelve permissions, the allowed products with a cap each, the allowed policies.

    Built per account by ``permissions_form``, which adds one ``cap_<product id>`` field for
    every product. Codes and ids are checked against the account by the service.
    """

    permissions = SelectMultipleField(
        "Permissions", choices=[(p.code, p.label) for p in perms.PERMISSIONS], validate_choice=False
    )
    products = SelectMultipleField("Products", coerce=int, validate_choice=False)
    policies = SelectMultipleField("License policies", coerce=int, validate_choice=False)

    def cap(self, product_id: int):
        return self._fields.get(cap_field(product_id))

    def caps(self) -> dict[int, int | None]:
        """Each allowed product id with its cap (None: no cap)."""
        result = {}
        for product_id in self.products.data or []:
            field = self.cap(product_id)
            result[product_id] = field.data if field is not None else None
        return result

    def add_errors(self, errors: Mapping[str, list[str]]) -> None:
        """Put the service's messages at their fields; unknown fields go to the product list."""
        for name, messages in errors.items():
            field = self._fields.get(name, self.products)
            field.errors = [*field.errors, *messages]


def permissions_form(product_ids: Iterable[int], data: dict | None = None) -> PermissionsForm:
    """The permissions form for an account's products: from ``data``, or the posted form."""

    class AccountPermissionsForm(PermissionsForm):
        pass

    for product_id in product_ids:
        setattr(
            AccountPermissionsForm,
            cap_field(product_id),
            IntegerField(
                "Cap",
                validators=[
                    Optional(),
                    NumberRange(min=0, message="A cap cannot be negative."),
                    NumberRange(max=MAX_INT, message="Enter a smaller number, or leave it empty."),
                ],
            ),
        )
    if data is not None:
        return AccountPermissionsForm(formdata=None, data=data)
    return AccountPermissionsForm()


class AddOrderForm(FlaskForm):
    order = IntegerField(
        "Order",
        validators=[
            InputRequired(message="Choose an order to add."),
            NumberRange(min=1, max=MAX_INT, message="Choose an order of this account."),
        ],
    )


class OrderSearchForm(FlaskForm):
    """Search the account's orders by reference or customer (a GET form)."""

    class Meta:
        csrf = False

    search = SearchField("Search the account's orders", validators=[Length(max=100)])
