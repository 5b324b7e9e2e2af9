"""TRANSITIONAL: test_audit.py's helpers now live in tests/vendor/license_managers/support.py."""

from tests.vendor.license_managers.support import BASE, field_error, is_fragment, staffed, text

__all__ = ["BASE", "field_error", "is_fragment", "staffed", "text"]
