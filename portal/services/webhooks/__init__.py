"""The vendor's webhook endpoints: ``queries`` reads, ``actions`` writes (register, edit, rotate, redeliver)."""
