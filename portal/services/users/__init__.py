"""License users a manager reaches: ``queries`` reads, ``actions`` writes (find or create, passwords)."""
