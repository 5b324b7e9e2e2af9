"""Licenses of a manager's orders: ``queries`` reads, ``actions`` writes, ``seats`` assigns users."""
