"""Forms of the License Managers area: the one permission-set form, a new manager, orders.

``PermissionSetForm`` is the permission-set editor of the new-manager form, the default set
and a manager's Permissions tab: the permission codes (``permissions``, repeated), the allowed
products (``products``, repeated ids), a cap per product (``cap-<product id>``, empty for no
cap) and the allowed policies (``policies``, repeated ids). It reads the input; the rules
(ids of the account, caps 0 or more and not below what was issued) are the writer's, in
``services/license_managers/permission_sets.py``, whose messages ``forms.submit`` puts at
these same fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeVar

import email_validator
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SearchField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal import permissions as perms
from portal.lists import MAX_ID
from portal.models import Product
from portal.services.license_managers import queries

MAX_ORDERS = 500
F = TypeVar("F", bound="PermissionSetForm")


class Initial(Protocol):
    """What the form starts from: a permission set (the default set, a manager's own)."""

    @property
    def permissions(self) -> int: ...
    @property
    def products(self) -> Mapping[int, int | None]: ...
    @property
    def policies(self) -> Iterable[int]: ...


def cap_name(product_id: int) -> str:
    return f"cap-{product_id}"


class ProductIdsField(SelectMultipleField):
    """Repeated product ids; one that is not a number is an unknown product."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = []
        bad = []
        for raw in valuelist:
            try:
                self.data.append(int(raw))
            except ValueError:
                bad.append(raw[:20])
        if bad:
            raise ValueError(f"Unknown product: {', '.join(bad[:5])}.")


class CapField(IntegerField):
    """A product's cap: a whole number, or empty for no cap."""

    def process_formdata(self, valuelist: list[str]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if raw:
            try:
                self.data = int(raw[:20])
            except ValueError:
                raise ValueError("Enter a whole number, or leave it empty for no cap.") from None


class PermissionSetForm(FlaskForm):
    """Permissions, allowed products with a cap each, allowed policies; built per catalog by ``build``."""

    permissions = SelectMultipleField(
        "Permissions", choices=[(p.code, p.label) for p in perms.PERMISSIONS], validate_choice=False
    )
    products = ProductIdsField("Products this manager may issue", coerce=int, validate_choice=False)
    policies = SelectMultipleField("Allowed license policies", coerce=int, validate_choice=False)
    catalog: list[Product] = []

    @classmethod
    def build(cls: type[F], catalog: list[Product], initial: Initial | None = None) -> F:
        """The form for the account's products (one cap field each): from ``initial``, or else as posted."""
        form_class = type(cls.__name__, (cls,), {cap_name(p.id): CapField("Cap", [Optional()]) for p in catalog})
        if initial is None:
            form = form_class()
        else:
            data: dict[str, Any] = {cap_name(pid): cap for pid, cap in initial.products.items()}
            data |= {"permissions": perms.to_codes(initial.permissions), "products": list(initial.products)}
            form = form_class(formdata=None, data=data | {"policies": list(initial.policies)})
        form.catalog = catalog
        return form

    def validate_permissions(self, field: SelectMultipleField) -> None:
        unknown = [code for code in field.data or [] if code not in perms.BY_CODE]
        if unknown:
            raise ValidationError(f"Unknown permission: {', '.join(c[:40] for c in unknown[:5])}.")

    def cap(self, product_id: int) -> CapField | None:
        return self._fields.get(cap_name(product_id))

    def caps(self) -> dict[int, int | None]:
        """Each allowed product id with its cap (None: no cap)."""
        result: dict[int, int | None] = {}
        for product_id in self.products.data or []:
            field = self.cap(product_id)
            result[product_id] = field.data if field is not None else None
        return result


def _valid_email(form: FlaskForm, field: EmailField) -> None:
    """A well-formed address; ".test" domains are allowed, as the demo accounts use them."""
    try:
        email_validator.validate_email(field.data or "", check_deliverability=False, test_environment=True)
    except email_validator.EmailNotValidError:
        raise ValidationError("Enter a valid email address, such as name@example.com.") from None


def _normalized_email(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _optional_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


class NewManagerForm(PermissionSetForm):
    email = EmailField(
        "Email",
        filters=[_normalized_email],
        validators=[DataRequired("Enter the manager's email."), Length(max=254), _valid_email],
    )
    first_name = StringField("First name", validators=[Optional(), Length(max=100)])
    last_name = StringField("Last name", validators=[Optional(), Length(max=100)])
    customer_account = SelectField("Customer account", coerce=_optional_int, validate_choice=False)
    orders = SelectMultipleField("Orders", coerce=int, validate_choice=False)

    def validate_email(self, field: EmailField) -> None:
        user = queries.find_license_user(field.data or "")
        if user is not None and user.manager is not None:
            raise ValidationError(f"{user.email} is already a license manager.")

    def validate_customer_account(self, field: SelectField) -> None:
        if field.data is not None and queries.customer_account(field.data) is None:
            raise ValidationError("Unknown customer account.")

    def validate_orders(self, field: SelectMultipleField) -> None:
        wanted = set(field.data or [])
        if len(wanted) > MAX_ORDERS:
            raise ValidationError(f"Choose at most {MAX_ORDERS} orders here; add more later.")
        missing = sorted(wanted - queries.existing_order_ids(wanted))
        if missing:
            raise ValidationError(f"Unknown order: {', '.join(map(str, missing[:10]))}.")


class AddOrderForm(FlaskForm):
    order = IntegerField(
        "Order",
        validators=[
            InputRequired(message="Choose an order to add."),
            NumberRange(min=1, max=MAX_ID, message="Choose an order of this account."),
        ],
    )


class OrderSearchForm(FlaskForm):
    """Search the account's orders by reference or customer (a GET form)."""

    class Meta:
        csrf = False

    search = SearchField("Search the account's orders", validators=[Length(max=100)])


# One manager's details and scope (``portal/views/vendor/license_manager_profile.py``)


class EditManagerForm(FlaskForm):
    """A manager's name, email (their license user's, unique in the account) and customer account."""

    email = EmailField(
        "Email",
        filters=[_normalized_email],
        validators=[DataRequired("Enter the manager's email."), Length(max=254), _valid_email],
    )
    first_name = StringField("First name", validators=[Optional(), Length(max=100)])
    last_name = StringField("Last name", validators=[Optional(), Length(max=100)])
    customer_account = SelectField("Customer account", coerce=_optional_int, validate_choice=False)


class ScopeForm(FlaskForm):
    """The customer accounts a manager is scoped to (``accounts``, repeated ids; none is allowed)."""

    accounts = SelectMultipleField("Customer accounts", coerce=int, validate_choice=False)


class AddUserGroupForm(FlaskForm):
    user_group = IntegerField(
        "User group",
        validators=[
            InputRequired(message="Choose a user group to add."),
            NumberRange(min=1, max=MAX_ID, message="Choose a user group of this account."),
        ],
    )


class ApplyDefaultForm(FlaskForm):
    """Apply the default set to managers: ``scope`` "all" or "query" (the overview's filters, as sent)."""

    scope = SelectField("Managers", choices=[("all", "All managers"), ("query", "Managers matching the filters")])
    confirm = StringField("Confirm")
