"""Forms of the End User Portal's orders: create (plain or bundle), issue, add a manager."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from portal.models import LicensePolicy, Product
from portal.services.orders.issuing import MAX_QUANTITY

BUNDLE_LINES = 3
MAX_BUNDLE_LINES = 20


def optional_int(value) -> int | None:
    """Coerce a select's value to an id; the empty choice means none."""
    if value in (None, ""):
        return None
    return int(value)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def product_choices(products: Iterable[Product]) -> list[tuple[str, str]]:
    return [("", _("Choose a product…"))] + [(str(p.id), p.name) for p in products]


def policy_choices(policies: Iterable[LicensePolicy], products: Iterable[Product]) -> dict:
    """Policies grouped by product name (optgroups), so a policy's product is plain to see."""
    names = {p.id: p.name for p in products}
    groups: dict[str, list[tuple[str, str]]] = {"": [("", _("Choose a policy…"))]}
    for policy in policies:
        groups.setdefault(names.get(policy.product_id, _("Other")), []).append((str(policy.id), policy.name))
    return groups


QUANTITY = [
    InputRequired(_l("Enter how many licenses to issue.")),
    NumberRange(1, MAX_QUANTITY, _l("Issue between 1 and %(max)s licenses at a time.", max=MAX_QUANTITY)),
]


class OrderForm(FlaskForm):
    reference = StringField(
        _l("Reference"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$", message=_l("Use letters, digits and . _ / - only.")),
        ],
    )
    customer = SelectField(_l("Customer"), coerce=optional_int, validate_choice=False)
    is_trial = BooleanField(_l("Trial order"))
    is_test = BooleanField(_l("Test order"))

    def set_customers(self, customers) -> None:
        self.customer.choices = [("", _("No customer"))] + [
            (str(c.id), f"{c.display_name} ({c.email})" if c.display_name != c.email else c.email) for c in customers
        ]


class IssueForm(FlaskForm):
    product = SelectField(
        _l("Product"), coerce=optional_int, validate_choice=False, validators=[InputRequired(_l("Choose a product."))]
    )
    policy = SelectField(
        _l("Policy"), coerce=optional_int, validate_choice=False, validators=[InputRequired(_l("Choose a policy."))]
    )
    quantity = IntegerField(_l("Quantity"), default=1, validators=QUANTITY)

    def set_choices(self, products, policies) -> None:
        """Products, and the policies of the chosen product (all, grouped by product, before one is chosen)."""
        products = list(products)
        self.product.choices = product_choices(products)
        chosen = self.product.data if self.product.data in {p.id for p in products} else None
        if chosen is not None:
            policies = [p for p in policies if p.product_id == chosen]
        self.policy.choices = policy_choices(policies, products)

    def product_name(self) -> str:
        return dict(cast(list[tuple[str, str]], self.product.choices)).get(str(self.product.data), _("the product"))


class BundleLineForm(Form):
    """One line of a bundle; a line with no product is left out."""

    product = SelectField(_l("Product"), coerce=optional_int, validate_choice=False)
    policy = SelectField(_l("Policy"), coerce=optional_int, validate_choice=False)
    quantity = IntegerField(_l("Quantity"), default=1, validators=[Optional(), *QUANTITY[1:]])

    def validate_policy(self, field) -> None:
        if self.product.data is not None and field.data is None:
            raise ValidationError(_("Choose a policy."))

    def validate_quantity(self, field) -> None:
        if self.product.data is not None and field.data is None:
            raise ValidationError(_("Enter how many licenses to issue."))


class BundleOrderForm(OrderForm):
    lines = FieldList(FormField(BundleLineForm), min_entries=BUNDLE_LINES, max_entries=MAX_BUNDLE_LINES)
    _choices: tuple[list[tuple[str, str]], dict] = ([], {})

    def set_choices(self, products, policies) -> None:
        self._choices = (product_choices(products), policy_choices(policies, products))
        for line in self.lines:
            line.form.product.choices, line.form.policy.choices = self._choices

    def add_line(self) -> None:
        """One more empty line (up to MAX_BUNDLE_LINES), the lines typed so far kept as they are."""
        if len(self.lines) < MAX_BUNDLE_LINES:
            line = self.lines.append_entry()
            line.form.product.choices, line.form.policy.choices = self._choices

    def filled_lines(self) -> tuple[list[int], list[tuple[int, int | None, int | None]]]:
        """The lines with a product: their positions in the form, and (product, policy, quantity)."""
        filled = [(i, line.form) for i, line in enumerate(self.lines) if line.form.product.data is not None]
        return ([i for i, _ in filled], [(f.product.data, f.policy.data, f.quantity.data) for _, f in filled])


class AddManagerForm(FlaskForm):
    email = EmailField(
        _l("Email of the manager"), filters=[_strip], validators=[InputRequired(_l("Enter an email.")), Length(max=254)]
    )
