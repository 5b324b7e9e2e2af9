"""What a license manager sees of the audit log (``/portal/activity`` and the dashboard)."""
