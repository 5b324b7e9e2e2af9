"""User groups a manager manages: ``queries`` reads, ``actions`` writes."""
