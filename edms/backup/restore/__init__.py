"""Restore: sources, plan, apply, validate, and the drill; the entry point is service.restore."""
