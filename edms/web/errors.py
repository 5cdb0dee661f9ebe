"""Transitional: `edms.backup.http.views` still imports Conflict from here. The error types
live in `edms.core.errors`; delete this module once that import points there."""

from edms.core.errors import Conflict

__all__ = ["Conflict"]
