"""The domain model; one module per aggregate."""

from portal.models.account import Customer, CustomerAccount, StaffUser, VendorAccount
from portal.models.api import ApiKey, IdempotentAnswer, ManagerToken
from portal.models.audit import AuditEvent, OutboxMail, SignInToken
from portal.models.base import Base, TenantOwned, utcnow
from portal.models.branding import VendorBranding
from portal.models.catalog import LicensePolicy, Product
from portal.models.credentials import RecoveryCode, StaffPasswordToken, TwoFactor, UserSession
from portal.models.license import Device, License, LicenseAssignment
from portal.models.notices import ManagerNotices
from portal.models.order import ManagerLicense, ManagerOrder, Order, OrderManager
from portal.models.people import (
    DefaultPermissionSet,
    DefaultPolicy,
    DefaultProduct,
    LicenseManager,
    LicenseUser,
    ManagerCustomerAccount,
    ManagerPolicy,
    ManagerProduct,
    UserGroup,
    UserGroupManager,
    UserGroupMember,
)
from portal.models.usage import UsageSummary
from portal.models.views import BulkRun, BulkRunItem, ColumnChoice, SavedView
from portal.models.webhook import FailedJob, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey",
    "IdempotentAnswer",
    "ManagerToken",
    "AuditEvent",
    "Base",
    "BulkRun",
    "BulkRunItem",
    "ColumnChoice",
    "Customer",
    "CustomerAccount",
    "DefaultPermissionSet",
    "DefaultPolicy",
    "DefaultProduct",
    "Device",
    "FailedJob",
    "License",
    "LicenseAssignment",
    "LicenseManager",
    "ManagerNotices",
    "LicensePolicy",
    "LicenseUser",
    "ManagerCustomerAccount",
    "ManagerLicense",
    "ManagerOrder",
    "ManagerPolicy",
    "ManagerProduct",
    "Order",
    "OrderManager",
    "OutboxMail",
    "Product",
    "RecoveryCode",
    "StaffPasswordToken",
    "TwoFactor",
    "UsageSummary",
    "UserSession",
    "VendorBranding",
    "SavedView",
    "SignInToken",
    "StaffUser",
    "TenantOwned",
    "UserGroup",
    "UserGroupManager",
    "UserGroupMember",
    "VendorAccount",
    "WebhookDelivery",
    "WebhookEndpoint",
    "utcnow",
]
