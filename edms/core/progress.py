"""Progress reporting shared by backup, verify and restore: one callback, three numbers."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress

Progress = Callable[[str, int, int], None]
"""Called as ``progress(phase, done, total)``; ``total`` is 0 when unknown."""


def _ignore(phase: str, done: int, total: int) -> None:
    return None


NO_PROGRESS: Progress = _ignore


@contextlib.contextmanager
def terminal_progress(enabled: bool) -> Iterator[Progress]:
    """A rich progress bar on stderr (counts, rate, ETA) per phase, or nothing when disabled."""
    if not enabled:
        yield NO_PROGRESS
        return
    columns = (
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with RichProgress(*columns, console=Console(stderr=True), transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def show(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total or None)
            bar.update(tasks[phase], completed=done, total=total or None)

        yield show
