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
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from edms.backup.errors import BackupError, OperationInProgress
from edms.backup.http import serializers
from edms.backup.models import BackupConfiguration, BackupJob, JobStatus, RestoreJob
from edms.backup.operations import configurations, jobs
from edms.backup.operations.health import health_summary
from edms.backup.reinit import plan_reinit
from edms.backup.restore.service import inspect
from edms.web.errors import Conflict

ERRORS = {
    400: OpenApiResponse(description="invalid parameters or a bad package; `detail` says why"),
    409: OpenApiResponse(description="another restore or reinit is running, or the job's state"),
}


class BackupErrorsAsHttp:
    """Backup errors become 4xx answers carrying their message: a running restore or reinit
    is 409, everything else (corrupt, unsupported, wrong passphrase...) is 400."""

    def handle_exception(self, exc):
        if isinstance(exc, OperationInProgress):
            exc = Conflict(str(exc))
        elif isinstance(exc, BackupError):
            exc = ValidationError({"detail": str(exc)})
        return super().handle_exception(exc)


class JobReadMixin:
    """List and detail by uuid; reading first fails the jobs whose process died."""

    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self):
        jobs.reap_orphans()
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

    def handle_exception(self, exc):
        if isinstance(exc, configurations.ConfigurationError):
            exc = ValidationError({"detail": str(exc)})
        return super().handle_exception(exc)


class BackupJobViewSet(BackupErrorsAsHttp, JobReadMixin, viewsets.ReadOnlyModelViewSet):
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
            job = BackupJob.objects.create(
                backup_type=params.validated_data["backup_type"], triggered_by=request.user
            )
            jobs.start("backup", job, params.options())
        return self._accepted(job)

    @extend_schema(
        request=serializers.VerifyBackupSerializer,
        responses={202: serializers.BackupJobSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def verify_backup(self, request, uuid=None):
        params = serializers.VerifyBackupSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with transaction.atomic():
            job = BackupJob.objects.select_for_update().get(pk=self.get_object().pk)
            self._require_package(job)
            if job.result.get("verification", {}).get("state") == "running":
                raise Conflict("this backup is being verified already")
            job.result = {**job.result, "verification": {"state": "running"}}
            job.phase = "verifying"
            job.save(update_fields=["result", "phase"])
            jobs.start("verify", job, {"passphrase": params.validated_data.get("passphrase")})
        return self._accepted(job)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            409: ERRORS[409],
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, uuid=None):
        job = self.get_object()
        self._require_package(job)
        path = Path(job.path)
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=path.name,
            content_type="application/octet-stream",
        )

    def _require_package(self, job: BackupJob) -> None:
        if job.status != JobStatus.COMPLETED:
            raise Conflict(f"the backup is {job.status}; only a completed backup has a package")
        if not job.path or not Path(job.path).is_file():
            raise NotFound("the backup package is no longer on this server")

    def _accepted(self, job: BackupJob) -> Response:
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)


class RestoreJobViewSet(BackupErrorsAsHttp, JobReadMixin, viewsets.ReadOnlyModelViewSet):
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
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def restore_from_file(self, request):
        with transaction.atomic():
            jobs.admit_exclusive()  # refuse before the upload is read, not after
        params = serializers.RestoreFromFileSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        options = params.validated_data
        source = _keep_upload(options["backup_file"])
        try:
            # format, version and checksums, checked before any job exists
            inspect(source, passphrase=options.get("passphrase") or None)
            job = self._start_restore(request, source, options, dry_run=options["dry_run"])
        except Exception:
            source.unlink(missing_ok=True)
            raise
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=serializers.RestoreOptionsSerializer,
        responses={202: serializers.RestoreJobSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def execute(self, request, uuid=None):
        """Run the restore a completed dry run planned, from the file uploaded for it."""
        planned = self.get_object()
        if planned.mode != "dry-run" or planned.status != JobStatus.COMPLETED:
            raise Conflict("only a completed dry run can be executed")
        source = Path(planned.source_path)
        if not source.is_file():
            raise Conflict("the uploaded file was used or removed; upload it again")
        params = serializers.RestoreOptionsSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        job = self._start_restore(request, source, params.validated_data, dry_run=False)
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    def _start_restore(self, request, source: Path, options: dict, *, dry_run: bool) -> RestoreJob:
        with transaction.atomic():
            jobs.admit_exclusive()
            job = RestoreJob.objects.create(
                source_path=str(source),
                mode="dry-run" if dry_run else ("clean" if options["clean"] else "merge"),
                conflict_policy=options["conflict"],
                only_groups=sorted(options["only"]),
                reason=options["reason"],
                triggered_by=request.user,
            )
            secrets = {"passphrase": options.get("passphrase") or None, "clean": options["clean"]}
            jobs.start("restore", job, secrets)
        return job


UPLOAD_KEPT_FOR = 24 * 3600  # seconds an upload waits for its dry run to be executed


def _keep_upload(upload) -> Path:
    """Move the streamed temporary file next to the backups, readable by the owner only."""
    folder = Path(settings.BACKUP_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    prune_stale_uploads(folder)
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(upload.name).name)[-120:] or "upload"
    target = folder / f"{uuid.uuid4().hex}--{safe_name}"
    shutil.move(upload.temporary_file_path(), target)  # a rename on the same filesystem
    target.chmod(0o600)
    return target


def prune_stale_uploads(folder: Path) -> None:
    """Remove uploads older than a day that no pending or running restore is reading."""
    in_use = set(
        RestoreJob.objects.filter(status__in=jobs.ACTIVE).values_list("source_path", flat=True)
    )
    cutoff = time.time() - UPLOAD_KEPT_FOR
    for path in folder.iterdir():
        if str(path) not in in_use and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


class ReinitView(BackupErrorsAsHttp, APIView):
    """GET: what a reinit would delete and keep. POST: run it, with the instance name typed."""

    permission_classes = [IsAdminUser]

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
            jobs.admit_exclusive()
            job = RestoreJob.objects.create(
                mode=jobs.REINIT_MODE,
                reason=options["reason"],
                triggered_by=request.user,
            )
            jobs.start(
                "reinit",
                job,
                {
                    "admin_password": options.get("admin_password"),
                    "safety_backup": options["safety_backup"],
                },
            )
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
