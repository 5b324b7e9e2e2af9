"""Usage figures of a manager's orders (``/portal/reports`` and the dashboard): ``queries``."""
