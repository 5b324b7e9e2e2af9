"""The vendor's API keys: create (the secret shown once), revoke, list; find one by its secret."""
