"""Data for demos (`seed demo`) and for measuring at scale (`seed scale`)."""
