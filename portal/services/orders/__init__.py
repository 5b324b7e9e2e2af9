"""A license manager's orders (``/portal/orders``): ``queries`` reads, ``actions`` writes,
``issuing`` issues licenses within the vendor's caps, ``license_keys`` makes the licenses."""
