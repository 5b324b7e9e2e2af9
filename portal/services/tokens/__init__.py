"""A license manager's personal API tokens (``/portal/account/tokens``)."""
