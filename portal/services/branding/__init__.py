"""Each vendor's portal brand: reads here, writes in ``actions``, logo checks in ``logos``."""
