"""Writes of a manager's API tokens: the one writer is ``api_keys.actions`` (same secrets, same audit)."""

from __future__ import annotations

from portal.services.api_keys.actions import create_token, revoke_token

__all__ = ["create_token", "revoke_token"]
