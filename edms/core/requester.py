"""Who asked for an operation, as the audit trail and a package's sidecar name them."""

from __future__ import annotations

import getpass


def requester(user) -> str:
    """The user's name, or the operating-system account when run from the command line."""
    return getattr(user, "username", "") or f"{getpass.getuser()} (command line)"
