"""The vendor account's audit log (``/vendor/audit``): ``queries`` reads it; events are worded by
``portal.audit``, the same on every page."""
