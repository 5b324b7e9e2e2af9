"""Devices of a manager's licenses: ``queries`` reads, ``actions`` writes (reset, release, revoke, borrow)."""
