"""Notices: what a license manager is told without asking (digest mail, dashboard card, calendar feed)."""
