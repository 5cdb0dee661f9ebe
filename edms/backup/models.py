import uuid

from croniter import croniter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from edms.core.models import TimestampedModel
from edms.core.natural_keys import NaturalKeyModel


class BackupType(models.TextChoices):
    DATABASE = "database"
    FILES = "files"
    FULL = "full"
    EXPORT = "export"


class JobStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class RestoreMode(models.TextChoices):
    MERGE = "merge"
    CLEAN = "clean"
    DRY_RUN = "dry-run", "dry run"
    DRILL = "drill", "restore drill"
    REINIT = "reinit", "system reinit"


class BackupOrigin(models.TextChoices):
    """Why a package exists; written into its sidecar too, so it survives a reinit."""

    MANUAL = "manual"
    SCHEDULED = "scheduled"
    SAFETY = "safety", "reinit safety backup"
    FOUND = "found", "found in the backups directory"


class VerificationState(models.TextChoices):
    NOT_VERIFIED = "not-verified", "not verified"
    RUNNING = "running", "verifying"
    PASSED = "passed"
    FAILED = "failed"


def validate_cron(expression: str) -> None:
    """A standard five-field cron line that croniter accepts: what the scheduler can run."""
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ValidationError(
            f"'{expression}' is not a cron expression; use five fields: minute hour "
            "day-of-month month day-of-week, e.g. '0 2 * * *' for 02:00 daily",
            code="cron",
        )


class BackupConfiguration(TimestampedModel):
    """A scheduled backup: what to back up, when (cron), and how many to keep (configuration)."""

    NATURAL_KEY = ("name",)

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    backup_type = models.CharField(max_length=10, choices=BackupType.choices)
    schedule = models.CharField(
        max_length=100, validators=[validate_cron], help_text="cron expression, e.g. '0 2 * * *'"
    )
    is_enabled = models.BooleanField(default=True)
    compression = models.CharField(
        max_length=4, choices=[("zstd", "zstd"), ("gzip", "gzip")], default="zstd"
    )
    encrypt = models.BooleanField(default=False)
    verify = models.BooleanField(default=True)
    keep_last = models.PositiveIntegerField(default=7)
    keep_daily = models.PositiveIntegerField(default=0)
    keep_weekly = models.PositiveIntegerField(default=0)
    keep_monthly = models.PositiveIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class Job(NaturalKeyModel):
    """What backup and restore jobs share: status, progress, timing and the final report."""

    NATURAL_KEY = ("uuid",)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    phase = models.CharField(max_length=60, blank=True)
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(default=0)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    runner = models.CharField(
        max_length=200, blank=True, help_text="host:pid of the process that runs or ran it"
    )

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def percent(self) -> float:
        return (
            round(100 * self.progress_done / self.progress_total, 1) if self.progress_total else 0.0
        )


class BackupJob(Job):
    """One backup run and the package it produced."""

    backup_type = models.CharField(max_length=10, choices=BackupType.choices)
    configuration = models.ForeignKey(
        BackupConfiguration, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    path = models.CharField(max_length=1000, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    encrypted = models.BooleanField(default=False)
    record_counts = models.JSONField(default=dict, blank=True)
    file_count = models.IntegerField(default=0)
    content_digest = models.CharField(max_length=64, blank=True)
    origin = models.CharField(
        max_length=10, choices=BackupOrigin.choices, default=BackupOrigin.MANUAL
    )
    verification_state = models.CharField(
        max_length=12, choices=VerificationState.choices, default=VerificationState.NOT_VERIFIED
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_error = models.TextField(blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(Job.Meta):
        pass


class RestoreJob(Job):
    """One restore (or dry run, or drill) and what it did."""

    source_path = models.CharField(max_length=1000)
    source_sha256 = models.CharField(max_length=64, blank=True)
    mode = models.CharField(max_length=20, choices=RestoreMode.choices)
    conflict_policy = models.CharField(max_length=10, default="keep")
    only_groups = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True)
    plan = models.JSONField(default=dict, blank=True)

    class Meta(Job.Meta):
        pass
