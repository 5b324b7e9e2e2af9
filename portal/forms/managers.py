"""Forms of the License Managers pages: a new manager, and the default permission set."""

from __future__ import annotations

from typing import Any

import email_validator
from flask_wtf import FlaskForm
from wtforms import EmailField, Field, SelectField, SelectMultipleField, StringField
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal import permissions as perms
from portal.models import Product
from portal.services import managers
from portal.services.managers import Scope

MAX_CAP = 1_000_000
MAX_ORDERS = 500


class ProductScopeField(Field):
    """Products a manager may issue: repeated ids under the field's name, each with an optional
    cap in the field ``cap-<product id>`` (empty: no cap). Rendered by the template."""

    def __init__(self, label: str | None = None, validators=None, **kwargs: Any):
        super().__init__(label, validators, **kwargs)
        self.data: dict[int, int | None] = {}
        self.raw_caps: dict[int, str] = {}
        self.cap_errors: dict[int, str] = {}
        self.known: set[int] = set()

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        self.process_errors = []
        self.cap_errors = {}
        self.raw_data = []
        if formdata is None:
            self.data = dict(data) if isinstance(data, dict) else {}
            self.raw_caps = {pid: "" if cap is None else str(cap) for pid, cap in self.data.items()}
            return
        # Keep what was typed in every cap box, ticked or not, for the form shown again.
        self.raw_caps = {}
        for key in formdata:
            if key.startswith("cap-") and key[4:].isdigit():
                self.raw_caps[int(key[4:])] = (formdata.get(key) or "").strip()[:20]
        self.data = {}
        for raw in formdata.getlist(self.name):
            self.raw_data.append(raw)
            try:
                product_id = int(raw)
            except ValueError:
                self.process_errors.append(f"Unknown product: {raw[:20]}.")
                continue
            self.data[product_id] = self._cap(product_id, self.raw_caps.get(product_id, ""))

    def _cap(self, product_id: int, raw: str) -> int | None:
        if raw == "":
            return None
        try:
            cap = int(raw)
        except ValueError:
            self.cap_errors[product_id] = "Enter a whole number, or leave it empty for no cap."
            return None
        if cap < 0:
            self.cap_errors[product_id] = "A cap must be 0 or more."
        elif cap > MAX_CAP:
            self.cap_errors[product_id] = f"A cap must be at most {MAX_CAP:,}."
        return cap

    def pre_validate(self, form) -> None:
        unknown = sorted(set(self.data) - self.known)
        if unknown:
            raise ValidationError(f"Unknown product: {', '.join(map(str, unknown))}.")
        if self.cap_errors:
            raise ValidationError("Fix the caps marked below.")


def _valid_email(form, field) -> None:
    """A well-formed address; ".test" domains are allowed, as the demo accounts use them."""
    try:
        email_validator.validate_email(field.data or "", check_deliverability=False, test_environment=True)
    except email_validator.EmailNotValidError:
        raise ValidationError("Enter a valid email address, such as name@example.com.") from None


def _normalized_email(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _is_id(value: int) -> bool:
    """Whether a number can be a row id at all (bigger ones would overflow the database)."""
    return 0 < value < 2**31


def _optional_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


class ScopeForm(FlaskForm):
    """Permissions, product scope and allowed policies: shared by the new-manager and default forms."""

    permissions = SelectMultipleField(
        "Permissions", choices=[(p.code, p.label) for p in perms.PERMISSIONS], validate_choice=False
    )
    products = ProductScopeField("Products this manager may issue")
    policies = SelectMultipleField("Allowed license policies", coerce=int, validate_choice=False)

    def __init__(self, *args: Any, catalog: list[Product], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.catalog = catalog
        self.products.known = {p.id for p in catalog}
        self.known_policies = {policy.id for p in catalog for policy in p.policies}

    def validate_permissions(self, field: SelectMultipleField) -> None:
        unknown = [code for code in field.data or [] if code not in perms.BY_CODE]
        if unknown:
            raise ValidationError(f"Unknown permission: {', '.join(c[:40] for c in unknown[:5])}.")

    def validate_policies(self, field: SelectMultipleField) -> None:
        unknown = sorted(set(field.data or []) - self.known_policies)
        if unknown:
            raise ValidationError(f"Unknown license policy: {', '.join(map(str, unknown))}.")

    def scope(self) -> Scope:
        """The validated input as a Scope."""
        return Scope(
            permissions=perms.to_bits(self.permissions.data or []),
            products=dict(self.products.data),
            policies=sorted(set(self.policies.data or [])),
        )

    @staticmethod
    def initial(scope: Scope) -> dict[str, Any]:
        """Form data that starts from a scope (the default set)."""
        return {
            "permissions": perms.to_codes(scope.permissions),
            "products": dict(scope.products),
            "policies": list(scope.policies),
        }


class NewManagerForm(ScopeForm):
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
        user = managers.find_license_user(field.data or "")
        if user is not None and user.manager is not None:
            raise ValidationError(f"{user.email} is already a license manager.")

    def validate_customer_account(self, field: SelectField) -> None:
        if field.data is None:
            return
        if not _is_id(field.data) or managers.existing_customer_account(field.data) is None:
            raise ValidationError("Unknown customer account.")

    def validate_orders(self, field: SelectMultipleField) -> None:
        wanted = set(field.data or [])
        if len(wanted) > MAX_ORDERS:
            raise ValidationError(f"Choose at most {MAX_ORDERS} orders here; add more later.")
        found = managers.existing_order_ids(i for i in wanted if _is_id(i))
        missing = sorted(wanted - found)
        if missing:
            raise ValidationError(f"Unknown order: {', '.join(map(str, missing[:10]))}.")


class DefaultPermissionsForm(ScopeForm):
    """The vendor's default set; it has only the scope fields."""
