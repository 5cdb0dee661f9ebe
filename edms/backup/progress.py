"""Progress reporting shared by backup, verify and restore: one callback, three numbers."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]
"""Called as ``progress(phase, done, total)``; ``total`` is 0 when unknown."""


def _ignore(phase: str, done: int, total: int) -> None:
    return None


NO_PROGRESS: Progress = _ignore
