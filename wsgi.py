"""The WSGI entry point: the one place that calls create_app()."""

from portal import create_app

app = create_app()
