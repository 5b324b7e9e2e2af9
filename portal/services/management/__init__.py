"""What the management API reads and writes beyond the areas' own services.

A caller's reach is an ``order_ids`` select: every order of the vendor for an API key, the
manager's orders (``portal.scope``) for a manager's token. Everything under an order is read
inside it, so a token never reaches past its manager's orders.
"""
