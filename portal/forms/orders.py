"""Forms of the End User Portal's orders: create (plain or bundle), issue, add a manager."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

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
    return [("", "Choose a product…")] + [(str(p.id), p.name) for p in products]


def policy_choices(policies: Iterable[LicensePolicy], products: Iterable[Product]) -> dict:
    """Policies grouped by product name (optgroups), so a policy's product is plain to see."""
    names = {p.id: p.name for p in products}
    groups: dict[str, list[tuple[str, str]]] = {"": [("", "Choose a policy…")]}
    for policy in policies:
        groups.setdefault(names.get(policy.product_id, "Other"), []).append((str(policy.id), policy.name))
    return groups


QUANTITY = [
    InputRequired("Enter how many licenses to issue."),
    NumberRange(1, MAX_QUANTITY, f"Issue between 1 and {MAX_QUANTITY} licenses at a time."),
]


class OrderForm(FlaskForm):
    reference = StringField(
        "Reference",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$", message="Use letters, digits and . _ / - only."),
        ],
    )
    customer = SelectField("Customer", coerce=optional_int, validate_choice=False)
    is_trial = BooleanField("Trial order")
    is_test = BooleanField("Test order")

    def set_customers(self, customers) -> None:
        self.customer.choices = [("", "No customer")] + [
            (str(c.id), f"{c.display_name} ({c.email})" if c.display_name != c.email else c.email) for c in customers
        ]


class IssueForm(FlaskForm):
    product = SelectField(
        "Product", coerce=optional_int, validate_choice=False, validators=[InputRequired("Choose a product.")]
    )
    policy = SelectField(
        "Policy", coerce=optional_int, validate_choice=False, validators=[InputRequired("Choose a policy.")]
    )
    quantity = IntegerField("Quantity", default=1, validators=QUANTITY)

    def set_choices(self, products, policies) -> None:
        """Products, and the policies of the chosen product (all, grouped by product, before one is chosen)."""
        products = list(products)
        self.product.choices = product_choices(products)
        chosen = self.product.data if self.product.data in {p.id for p in products} else None
        if chosen is not None:
            policies = [p for p in policies if p.product_id == chosen]
        self.policy.choices = policy_choices(policies, products)

    def product_name(self) -> str:
        return dict(cast(list[tuple[str, str]], self.product.choices)).get(str(self.product.data), "the product")


class BundleLineForm(Form):
    """One line of a bundle; a line with no product is left out."""

    product = SelectField("Product", coerce=optional_int, validate_choice=False)
    policy = SelectField("Policy", coerce=optional_int, validate_choice=False)
    quantity = IntegerField("Quantity", default=1, validators=[Optional(), *QUANTITY[1:]])

    def validate_policy(self, field) -> None:
        if self.product.data is not None and field.data is None:
            raise ValidationError("Choose a policy.")

    def validate_quantity(self, field) -> None:
        if self.product.data is not None and field.data is None:
            raise ValidationError("Enter how many licenses to issue.")


class BundleOrderForm(OrderForm):
    lines = FieldList(FormField(BundleLineForm), min_entries=BUNDLE_LINES, max_entries=MAX_BUNDLE_LINES)

    def set_choices(self, products, policies) -> None:
        for line in self.lines:
            line.form.product.choices = product_choices(products)
            line.form.policy.choices = policy_choices(policies, products)

    def filled_lines(self) -> tuple[list[int], list[tuple[int, int | None, int | None]]]:
        """The lines with a product: their positions in the form, and (product, policy, quantity)."""
        filled = [(i, line.form) for i, line in enumerate(self.lines) if line.form.product.data is not None]
        return ([i for i, _ in filled], [(f.product.data, f.policy.data, f.quantity.data) for _, f in filled])


class AddManagerForm(FlaskForm):
    email = EmailField(
        "Email of the manager", filters=[_strip], validators=[InputRequired("Enter an email."), Length(max=254)]
    )
