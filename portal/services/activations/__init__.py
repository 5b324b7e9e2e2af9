"""The device-facing license rules (License API, offline activation): ``queries`` reads, ``actions`` writes."""
