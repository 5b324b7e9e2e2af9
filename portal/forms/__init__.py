"""One form class per use."""
