"""Background work: ``sweeps`` (floating seats, expired links), ``queries`` and ``actions`` for the jobs page."""
