"""Domain actions, callable without a request: views, the CLI and tests share them.

Services only add and flush; the caller commits once, so an error rolls everything back,
the audit event included.
"""
