"""Which scheduled backups to keep: the newest N, plus the newest of each recent day, week and
month (the grandfather-father-son rotation), and pruning the rest from disk and from the jobs.

`select_for_deletion` is a pure function, so its promises (the newest backup always survives,
at least `keep_last` survive) are property-tested; `apply_retention` only acts on its answer.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from edms.audit import chain
from edms.backup.errors import BackupError
from edms.backup.models import BackupConfiguration, BackupJob, JobStatus
from edms.backup.package import sidecar

log = logging.getLogger(__name__)

T = TypeVar("T", bound=Hashable)


@dataclass(frozen=True)
class RetentionPolicy:
    keep_last: int = 7
    keep_daily: int = 0
    keep_weekly: int = 0
    keep_monthly: int = 0

    @classmethod
    def of(cls, configuration: BackupConfiguration) -> RetentionPolicy:
        return cls(
            keep_last=configuration.keep_last,
            keep_daily=configuration.keep_daily,
            keep_weekly=configuration.keep_weekly,
            keep_monthly=configuration.keep_monthly,
        )

    @property
    def most_kept(self) -> int:
        """The most backups this policy can keep: one per slot, and always the newest."""
        return max(1, self.keep_last) + self.keep_daily + self.keep_weekly + self.keep_monthly


def _day(moment: dt.datetime) -> Hashable:
    return moment.date()


def _iso_week(moment: dt.datetime) -> Hashable:
    return moment.isocalendar()[:2]


def _month(moment: dt.datetime) -> Hashable:
    return moment.year, moment.month


def select_for_deletion(
    backups: Iterable[tuple[T, dt.datetime]], policy: RetentionPolicy
) -> set[T]:
    """The backups the policy does not keep. The newest backup is always kept, even when every
    `keep_*` is zero: retention must never leave a configuration without a backup."""
    newest_first = sorted(backups, key=lambda pair: pair[1], reverse=True)
    kept = {item for item, _ in newest_first[: max(1, policy.keep_last)]}
    for period, count in (
        (_day, policy.keep_daily),
        (_iso_week, policy.keep_weekly),
        (_month, policy.keep_monthly),
    ):
        kept |= _newest_per_period(newest_first, period, count)
    return {item for item, _ in newest_first} - kept


def _newest_per_period(
    newest_first: list[tuple[T, dt.datetime]], period: Callable[[dt.datetime], Hashable], count: int
) -> set[T]:
    """The newest backup of each of the `count` most recent periods that have one."""
    chosen: dict[Hashable, T] = {}
    for item, created_at in newest_first:
        if len(chosen) >= count:
            break
        chosen.setdefault(period(created_at), item)
    return set(chosen.values())


def package_files(path: str) -> list[Path]:
    """A package and the metadata sidecar written beside it."""
    package = Path(path)
    return [package, sidecar.path_of(package)]


def apply_retention(configuration: BackupConfiguration, *, dry_run: bool = False) -> list[str]:
    """Delete the completed backups of `configuration` that its policy no longer keeps: their
    files first, then their job records, each deletion written to the audit trail. Returns the
    deleted packages' paths (or, with `dry_run`, the paths that would be deleted).

    Only packages still on disk count: a package removed by hand must not take the place of a
    real one among those kept (health reports the missing file instead)."""
    completed = BackupJob.objects.filter(
        configuration=configuration, status=JobStatus.COMPLETED
    ).only("pk", "uuid", "path", "sha256", "created_at", "backup_type")
    jobs = {
        job.pk: job
        for job in completed
        if job.path and Path(job.path).is_file() and not _on_hold(Path(job.path))
    }
    doomed = select_for_deletion(
        ((pk, timezone.localtime(job.created_at)) for pk, job in jobs.items()),
        RetentionPolicy.of(configuration),
    )
    pruned = sorted((jobs[pk] for pk in doomed), key=lambda job: job.created_at)
    if dry_run:
        return [job.path for job in pruned]
    for job in pruned:
        _prune(configuration, job)
    return [job.path for job in pruned]


def _on_hold(package: Path) -> bool:
    """A package on hold (keep) is neither deleted nor counted among those kept; so is one whose
    sidecar cannot be read (retention never deletes what it cannot read)."""
    try:
        return bool(sidecar.read(package).get("keep"))
    except BackupError:
        return True


def _prune(configuration: BackupConfiguration, job: BackupJob) -> None:
    removed = []
    for file in package_files(job.path):
        if file.is_file():
            file.unlink()
            removed.append(str(file))
    with transaction.atomic():
        chain.record(
            "BACKUP_PRUNED",
            None,
            job,
            {
                "configuration": configuration.name,
                "path": job.path,
                "sha256": job.sha256,
                "created_at": job.created_at.isoformat(),
                "removed_files": removed,
            },
        )
        job.delete()
    log.info("retention of %s deleted backup %s", configuration.name, job.path)
