"""What the backup API reads and writes. Parameters follow the seeds' API (`backup_type=DATABASE`,
`compress`, `verify`), as JSON or form data; choices are accepted in any letter case."""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from rest_framework import serializers

from edms.backup.models import (
    BackupConfiguration,
    BackupJob,
    BackupOrigin,
    BackupType,
    JobStatus,
    RestoreMode,
    VerificationState,
)
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


class JobSerializer(serializers.Serializer):
    """A job in its one JSON form, `jobs.job_json`; the fields describe it for the schema."""

    uuid = serializers.UUIDField()
    kind = serializers.CharField()
    status = serializers.ChoiceField(choices=JobStatus.choices)
    phase = serializers.CharField()
    progress_done = serializers.IntegerField()
    progress_total = serializers.IntegerField()
    percent = serializers.FloatField()
    triggered_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()
    result = serializers.JSONField()
    runner = serializers.CharField()

    def to_representation(self, job) -> dict:
        return jobs.job_json(job)


class VerificationSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=VerificationState.choices)
    at = serializers.DateTimeField(allow_null=True)
    by = serializers.CharField(allow_null=True)
    error = serializers.CharField()


class BackupJobSerializer(JobSerializer):
    backup_type = serializers.ChoiceField(choices=BackupType.choices)
    origin = serializers.ChoiceField(choices=BackupOrigin.choices)
    configuration = serializers.CharField(allow_null=True)
    path = serializers.CharField()
    filename = serializers.CharField()
    exists = serializers.BooleanField()
    size = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField()
    encrypted = serializers.BooleanField()
    record_counts = serializers.DictField(child=serializers.IntegerField())
    file_count = serializers.IntegerField()
    content_digest = serializers.CharField()
    verification = VerificationSerializer()
    download_url = serializers.CharField(allow_null=True)

    def to_representation(self, job: BackupJob) -> dict:
        data = super().to_representation(job)
        ready = job.status == JobStatus.COMPLETED and data["exists"]
        data["download_url"] = (
            reverse("api:backup-job-download", kwargs={"uuid": job.uuid}) if ready else None
        )
        return data


class RestoreJobSerializer(JobSerializer):
    mode = serializers.ChoiceField(choices=RestoreMode.choices)
    source_name = serializers.CharField()
    source_sha256 = serializers.CharField()
    conflict_policy = serializers.CharField()
    only_groups = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField()
    plan = serializers.JSONField()


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
    allow_privileged_changes = serializers.BooleanField(
        default=False,
        help_text="apply the privileged changes the dry run listed (new or elevated superuser or "
        "staff accounts, replaced password hashes); audited with each user named",
    )

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
