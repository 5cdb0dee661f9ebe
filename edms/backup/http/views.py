"""The backup REST API (staff only, health excepted): thin views that validate input, start a
background job (`edms.backup.operations.jobs`) and answer 202 with it; clients poll the job's
detail."""

from __future__ import annotations

import re
import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission, IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from edms.backup.http import serializers
from edms.backup.models import (
    BackupConfiguration,
    BackupJob,
    JobStatus,
    RestoreJob,
    RestoreMode,
    VerificationState,
)
from edms.backup.operations import configurations, jobs, recording, runner
from edms.backup.operations.health import health_summary
from edms.backup.reinit import plan_reinit
from edms.backup.restore.service import inspect
from edms.core.errors import Conflict

ERRORS = {
    400: OpenApiResponse(description="invalid parameters or a bad package; `detail` says why"),
    404: OpenApiResponse(description="the package or job named is not on this server"),
    409: OpenApiResponse(description="another restore or reinit is running, or the job's state"),
    415: OpenApiResponse(description="not a package this EDMS reads (format or newer schema)"),
    422: OpenApiResponse(description="the restore's validation found data missing or changed"),
}


class IsSuperuser(BasePermission):
    """Restore, reinit and package downloads: a package holds every account's password hash,
    and a restore can replace them, so these need a superuser, not just staff."""

    message = "restore, reinit and package downloads need a superuser"

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_active and request.user.is_superuser)


SUPERUSER_ONLY = [IsAdminUser, IsSuperuser]


class JobReadMixin:
    """List and detail by uuid; reading first fails the jobs whose process died."""

    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self):
        recording.reap_orphans()
        return self.queryset.select_related("triggered_by")


class BackupConfigurationViewSet(viewsets.ModelViewSet):
    """Scheduled backups: type, cron schedule, retention. Changes go through the
    configurations service, which validates them and writes them to the audit trail."""

    queryset = BackupConfiguration.objects.order_by("name")
    serializer_class = serializers.BackupConfigurationSerializer
    permission_classes = [IsAdminUser]

    def perform_create(self, serializer) -> None:
        fields = dict(serializer.validated_data)
        serializer.instance = configurations.create(
            fields.pop("name"), user=self.request.user, **fields
        )

    def perform_update(self, serializer) -> None:
        fields = dict(serializer.validated_data)
        fields.pop("name", None)
        serializer.instance = configurations.update(
            serializer.instance.name, user=self.request.user, **fields
        )

    def perform_destroy(self, instance: BackupConfiguration) -> None:
        configurations.delete(instance.name, user=self.request.user)


class BackupJobViewSet(JobReadMixin, viewsets.ReadOnlyModelViewSet):
    """Backups taken on this server: create one, follow it, verify it, download it."""

    queryset = BackupJob.objects.select_related("configuration")
    serializer_class = serializers.BackupJobSerializer
    permission_classes = [IsAdminUser]

    @extend_schema(
        request=serializers.CreateBackupSerializer,
        responses={202: serializers.BackupJobSerializer, **ERRORS},
    )
    @action(detail=False, methods=["post"])
    def create_backup(self, request):
        params = serializers.CreateBackupSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with transaction.atomic():
            job = jobs.backup_job(params.validated_data["backup_type"], user=request.user)
            runner.start(jobs.BACKUP, job, params.options(), user=request.user)
        return self._accepted(job)

    @extend_schema(
        request=serializers.VerifyBackupSerializer,
        responses={202: serializers.BackupJobSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def verify_backup(self, request, uuid=None):
        params = serializers.VerifyBackupSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        job = self.get_object()
        self._require_package(job)
        job = start_verification(job, request.user, params.validated_data.get("passphrase"))
        return self._accepted(job)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            409: ERRORS[409],
        }
    )
    @action(detail=True, methods=["get"], permission_classes=SUPERUSER_ONLY)
    def download(self, request, uuid=None):
        job = self.get_object()
        self._require_package(job)
        return package_download(Path(job.path))

    def _require_package(self, job: BackupJob) -> None:
        if job.status != JobStatus.COMPLETED:
            raise Conflict(f"the backup is {job.status}; only a completed backup has a package")
        if not job.path or not Path(job.path).is_file():
            raise NotFound("the backup package is no longer on this server")

    def _accepted(self, job: BackupJob) -> Response:
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)


class RestoreJobViewSet(JobReadMixin, viewsets.ReadOnlyModelViewSet):
    """Restores (and their dry runs): upload a package, see the plan, run it, follow it."""

    queryset = RestoreJob.objects.all()
    serializer_class = serializers.RestoreJobSerializer
    permission_classes = [IsAdminUser]

    @extend_schema(
        request={"multipart/form-data": serializers.RestoreFromFileSerializer},
        responses={
            202: serializers.RestoreJobSerializer,
            413: OpenApiResponse(description="the upload is larger than EDMS_MAX_UPLOAD_BYTES"),
            **ERRORS,
        },
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser],
        permission_classes=SUPERUSER_ONLY,
    )
    def restore_from_file(self, request):
        with transaction.atomic():
            runner.admit_exclusive()  # refuse before the upload is read, not after
        params = serializers.RestoreFromFileSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        options = params.validated_data
        source = _keep_upload(options["backup_file"])
        try:
            # format, version and checksums, checked before any job exists
            inspect(source, passphrase=options.get("passphrase") or None)
            job = start_restore(
                request.user, source, options, dry_run=options["dry_run"], upload=True
            )
        except Exception:
            source.unlink(missing_ok=True)
            raise
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=serializers.RestoreOptionsSerializer,
        responses={202: serializers.RestoreJobSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], permission_classes=SUPERUSER_ONLY)
    def execute(self, request, uuid=None):
        """Run the restore a completed dry run planned, from the file uploaded for it."""
        planned = self.get_object()
        if planned.mode != RestoreMode.DRY_RUN or planned.status != JobStatus.COMPLETED:
            raise Conflict("only a completed dry run can be executed")
        source = Path(planned.source_path)
        if not source.is_file():
            raise Conflict("the uploaded file was used or removed; upload it again")
        params = serializers.RestoreOptionsSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        upload = source.parent == uploads_folder()
        job = start_restore(
            request.user, source, params.validated_data, dry_run=False, upload=upload
        )
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)


def start_restore(user, source: Path, options: dict, *, dry_run: bool, upload: bool) -> RestoreJob:
    """A restore (or its dry run) of `source` as a background job, admitted only when no other
    restore or reinit is active. An upload is removed once it has been restored."""
    with transaction.atomic():
        runner.admit_exclusive()
        job = jobs.restore_job(
            source,
            mode=jobs.restore_mode(clean=options["clean"], dry_run=dry_run),
            conflict=options["conflict"],
            only=sorted(options["only"]),
            reason=options["reason"],
            user=user,
        )
        secrets = {
            "passphrase": options.get("passphrase") or None,
            "remove_source": upload,
            "allow_privileged_changes": options.get("allow_privileged_changes", False),
        }
        runner.start(jobs.RESTORE, job, secrets, user=user)
    return job


def start_verification(job: BackupJob, user, passphrase: str | None) -> BackupJob:
    """Verify `job`'s package in the background; one verification of a package at a time."""
    with transaction.atomic():
        job = BackupJob.objects.select_for_update().get(pk=job.pk)
        if job.verification_state == VerificationState.RUNNING:
            raise Conflict("this backup is being verified already")
        recording.save(job, verification_state=VerificationState.RUNNING)
        runner.start(jobs.VERIFY, job, {"passphrase": passphrase or None}, user=user)
    return job


def package_download(path: Path) -> FileResponse:
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=path.name,
        content_type="application/octet-stream",
    )


UPLOAD_KEPT_FOR = 24 * 3600  # seconds an upload waits for its dry run to be executed


def _keep_upload(upload) -> Path:
    """Move the streamed temporary file next to the backups, readable by the owner only."""
    folder = uploads_folder()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    prune_stale_uploads(folder)
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(upload.name).name)[-120:] or "upload"
    target = folder / f"{uuid.uuid4().hex}--{safe_name}"
    shutil.move(upload.temporary_file_path(), target)  # a rename on the same filesystem
    target.chmod(0o600)
    return target


def uploads_folder() -> Path:
    return Path(settings.BACKUP_DIR) / "uploads"


def prune_stale_uploads(folder: Path) -> None:
    """Remove uploads older than a day that no pending or running restore is reading."""
    in_use = set(
        RestoreJob.objects.filter(status__in=recording.ACTIVE).values_list("source_path", flat=True)
    )
    cutoff = time.time() - UPLOAD_KEPT_FOR
    for path in folder.iterdir():
        if str(path) not in in_use and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


class ReinitView(APIView):
    """GET: what a reinit would delete and keep. POST: run it, with the instance name typed."""

    permission_classes = SUPERUSER_ONLY

    @extend_schema(responses=serializers.ReinitPlanSerializer)
    def get(self, request):
        plan = jobs.as_json_dict(plan_reinit())
        return Response({"instance_name": settings.INSTANCE_NAME, "plan": plan})

    @extend_schema(
        request=serializers.ReinitSerializer,
        responses={202: serializers.RestoreJobSerializer, **ERRORS},
    )
    def post(self, request):
        params = serializers.ReinitSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        options = params.validated_data
        with transaction.atomic():
            runner.admit_exclusive()
            job = jobs.restore_job(
                "", mode=RestoreMode.REINIT, reason=options["reason"], user=request.user
            )
            secrets = {
                "admin_password": options.get("admin_password"),
                "safety_backup": options["safety_backup"],
            }
            runner.start(jobs.REINIT, job, secrets, user=request.user)
        data = serializers.RestoreJobSerializer(job, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


class HealthView(APIView):
    """Open to monitoring: anyone sees the status and the age of the last good backup; staff
    see the whole summary (failures, free space, paths, the audit chain)."""

    permission_classes = [AllowAny]
    PUBLIC_FIELDS = ("status", "checked_at", "last_backup_age_hours", "backup_overdue")

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        summary = jobs.as_json_dict(health_summary())
        if not request.user.is_staff:
            summary = {k: v for k, v in summary.items() if k in self.PUBLIC_FIELDS}
        return Response(summary)
