"""The vendor's License Managers (``/vendor/license-managers``): reads, writes, the report.

``overview`` reads the list and its CSV rows, ``queries`` the detail tabs and the choices the
forms offer, ``actions`` creates managers and changes their orders and status,
``permission_sets`` writes every permission set (a new manager's, the default set, a manager's
Permissions tab), ``report`` builds a manager's usage report.
"""
