"""What the backup API reads and writes. Parameters follow the seeds' API (`backup_type=DATABASE`,
`compress`, `verify`), as JSON or form data; choices are accepted in any letter case."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from edms.backup.models import BackupConfiguration, BackupJob, BackupType, RestoreJob
from edms.backup.operations import configurations, jobs
from edms.backup.operations.schedule import InvalidSchedule, validate_schedule
from edms.backup.restore.plan import CONFLICT_POLICIES, GROUPS


class CaseInsensitiveChoiceField(serializers.ChoiceField):
    """`DATABASE`, `Database` and `database` all mean `database`."""

    def to_internal_value(self, data):
        return super().to_internal_value(data.lower() if isinstance(data, str) else data)


class BackupConfigurationSerializer(serializers.ModelSerializer):
    backup_type = CaseInsensitiveChoiceField(choices=BackupType.choices)

    class Meta:
        model = BackupConfiguration
        fields = ["id", "name", *configurations.EDITABLE, "last_run_at", "created_at", "updated_at"]
        read_only_fields = ["last_run_at", "created_at", "updated_at"]

    def validate_schedule(self, value: str) -> str:
        try:
            return validate_schedule(value)
        except InvalidSchedule as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate_name(self, value: str) -> str:
        if self.instance is not None and value != self.instance.name:
            raise serializers.ValidationError("a schedule keeps its name; create a new one")
        return value


class JobProgressMixin(serializers.Serializer):
    """Status, phase and progress; while the job runs, the live progress it publishes."""

    status = serializers.CharField(read_only=True)
    phase = serializers.SerializerMethodField()
    progress_done = serializers.SerializerMethodField()
    progress_total = serializers.SerializerMethodField()
    percent = serializers.SerializerMethodField()
    triggered_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    def _live(self, job) -> dict:
        cache = self.context.setdefault("live_progress", {})
        if job.uuid not in cache:
            live = jobs.live_progress(job)
            cache[job.uuid] = live or {
                "phase": job.phase,
                "done": job.progress_done,
                "total": job.progress_total,
            }
        return cache[job.uuid]

    def get_phase(self, job) -> str:
        return self._live(job)["phase"]

    def get_progress_done(self, job) -> int:
        return self._live(job)["done"]

    def get_progress_total(self, job) -> int:
        return self._live(job)["total"]

    def get_percent(self, job) -> float:
        if job.status == "completed":
            return 100.0
        live = self._live(job)
        return round(100 * live["done"] / live["total"], 1) if live["total"] else 0.0


JOB_FIELDS = [
    "uuid",
    "status",
    "phase",
    "progress_done",
    "progress_total",
    "percent",
    "triggered_by",
    "created_at",
    "started_at",
    "finished_at",
    "error",
    "result",
]  # what every job shows, backup or restore


class BackupJobSerializer(JobProgressMixin, serializers.ModelSerializer):
    configuration = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    filename = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = BackupJob
        fields = [
            *JOB_FIELDS,
            "backup_type",
            "configuration",
            "filename",
            "size",
            "sha256",
            "encrypted",
            "record_counts",
            "file_count",
            "content_digest",
            "verified_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_filename(self, job: BackupJob) -> str:
        return Path(job.path).name if job.path else ""

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, job: BackupJob) -> str | None:
        if job.status != "completed" or not job.path:
            return None
        return reverse("api:backup-job-download", kwargs={"uuid": job.uuid})


class RestoreJobSerializer(JobProgressMixin, serializers.ModelSerializer):
    source_name = serializers.SerializerMethodField()

    class Meta:
        model = RestoreJob
        fields = [
            *JOB_FIELDS,
            "mode",
            "source_name",
            "source_sha256",
            "conflict_policy",
            "only_groups",
            "reason",
            "plan",
        ]
        read_only_fields = fields

    def get_source_name(self, job: RestoreJob) -> str:
        return Path(job.source_path).name.partition("--")[2] if job.source_path else ""


class CreateBackupSerializer(serializers.Serializer):
    backup_type = CaseInsensitiveChoiceField(choices=BackupType.choices)
    passphrase = serializers.CharField(
        required=False, allow_blank=True, write_only=True, help_text="encrypt with age"
    )
    compress = serializers.BooleanField(
        default=True, help_text="zstd compression (true) or gzip (false) for older tools"
    )
    verify = serializers.BooleanField(default=False, help_text="re-read the package when written")

    def options(self) -> dict:
        return {
            "compression": "zstd" if self.validated_data["compress"] else "gzip",
            "verify": self.validated_data["verify"],
            "passphrase": self.validated_data.get("passphrase") or None,
        }


class VerifyBackupSerializer(serializers.Serializer):
    passphrase = serializers.CharField(required=False, allow_blank=True, write_only=True)


class RestoreOptionsSerializer(serializers.Serializer):
    clean = serializers.BooleanField(
        default=False, help_text="clear business data and load the backup in one transaction"
    )
    conflict = CaseInsensitiveChoiceField(choices=CONFLICT_POLICIES, default="keep")
    only = serializers.MultipleChoiceField(
        choices=GROUPS, required=False, default=list, help_text="restore only these groups"
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    passphrase = serializers.CharField(required=False, allow_blank=True, write_only=True)

    def validate(self, attrs: dict) -> dict:
        if attrs["clean"] and attrs["only"]:
            raise serializers.ValidationError(
                {"only": "a clean restore replaces all business data; it cannot take `only`"}
            )
        return attrs


class RestoreFromFileSerializer(RestoreOptionsSerializer):
    backup_file = serializers.FileField(help_text="a backup package or Django fixture")
    dry_run = serializers.BooleanField(
        default=False, help_text="only plan: report what would be created, matched or updated"
    )


class ReinitPlanSerializer(serializers.Serializer):
    instance_name = serializers.CharField()
    plan = serializers.JSONField()


class ReinitSerializer(serializers.Serializer):
    confirm = serializers.CharField(help_text="this installation's name, typed to confirm")
    reason = serializers.CharField(max_length=2000)
    admin_password = serializers.CharField(
        required=False,
        write_only=True,
        help_text="password of the new admin; required unless EDMS_ADMIN_PASSWORD is set",
    )
    safety_backup = serializers.BooleanField(default=True)

    def validate_confirm(self, value: str) -> str:
        if value != settings.INSTANCE_NAME:
            raise serializers.ValidationError(
                f"type this installation's name ('{settings.INSTANCE_NAME}') to confirm the reinit"
            )
        return value

    def validate_reason(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("say why this installation is re-initialised")
        return value

    def validate_admin_password(self, value: str) -> str:
        try:
            validate_password(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from exc
        return value

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("admin_password") and not os.environ.get("EDMS_ADMIN_PASSWORD"):
            raise serializers.ValidationError(
                {"admin_password": "give the new admin's password (or set EDMS_ADMIN_PASSWORD)"}
            )
        return attrs
