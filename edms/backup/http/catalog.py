"""The backup catalog over HTTP: every package in the backups directory by name, what it holds,
and the actions on it (verify, restore, download, hold, delete). Staff only, like all of
backup and restore."""

from __future__ import annotations

from pathlib import Path

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response

from edms.backup.errors import BackupError
from edms.backup.http.serializers import (
    BackupJobSerializer,
    RestoreJobSerializer,
    RestoreOptionsSerializer,
)
from edms.backup.http.views import (
    ERRORS,
    SUPERUSER_ONLY,
    package_download,
    start_restore,
    start_verification,
)
from edms.backup.models import BackupOrigin, VerificationState
from edms.backup.operations import catalog


class CatalogEntrySerializer(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField()
    modified_at = serializers.DateTimeField()
    sha256 = serializers.CharField()
    backup_type = serializers.CharField()
    encrypted = serializers.BooleanField()
    created_at = serializers.CharField()
    instance_id = serializers.CharField()
    edms_version = serializers.CharField()
    format_version = serializers.IntegerField(allow_null=True)
    origin = serializers.ChoiceField(choices=BackupOrigin.choices)
    created_by = serializers.CharField()
    configuration = serializers.CharField()
    job = serializers.CharField()
    records = serializers.IntegerField()
    record_counts = serializers.DictField(child=serializers.IntegerField())
    file_count = serializers.IntegerField()
    verification_state = serializers.ChoiceField(choices=VerificationState.choices)
    verification = serializers.JSONField()
    keep = serializers.BooleanField()
    problem = serializers.CharField()

    def to_representation(self, entry: catalog.CatalogEntry) -> dict:
        data = entry.as_json()
        data.pop("path")  # the server's file system is not the client's business
        return {**data, "verification_state": entry.verification_state}


class PackageDetailSerializer(CatalogEntrySerializer):
    contents = serializers.JSONField(allow_null=True, help_text="from the manifest")
    contents_error = serializers.CharField()


class PassphraseSerializer(serializers.Serializer):
    passphrase = serializers.CharField(required=False, allow_blank=True, write_only=True)


class CatalogRestoreSerializer(RestoreOptionsSerializer):
    dry_run = serializers.BooleanField(
        default=True, help_text="only plan (the default): execute the planned job to restore"
    )


class HoldSerializer(serializers.Serializer):
    keep = serializers.BooleanField(help_text="true: on hold, never deleted; false: released")
    reason = serializers.CharField(max_length=2000)


class DeleteSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class CatalogViewSet(viewsets.ViewSet):
    """Packages in the backups directory, whoever made them and whatever happened since: a
    reinit or a restore never hides one."""

    permission_classes = [IsAdminUser]
    lookup_field = "name"
    lookup_value_regex = r"[^/]+"

    @extend_schema(responses=CatalogEntrySerializer(many=True))
    def list(self, request):
        return Response(CatalogEntrySerializer(catalog.entries(), many=True).data)

    @extend_schema(
        parameters=[PassphraseSerializer], responses={200: PackageDetailSerializer, **ERRORS}
    )
    def retrieve(self, request, name=None):
        entry = catalog.get(name)
        data = CatalogEntrySerializer(entry).data
        try:
            data["contents"] = catalog.contents(entry, request.query_params.get("passphrase"))
            data["contents_error"] = ""
        except BackupError as exc:
            data["contents"], data["contents_error"] = None, str(exc)
        return Response(data)

    @extend_schema(request=PassphraseSerializer, responses={202: BackupJobSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def verify(self, request, name=None):
        params = PassphraseSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        job = catalog.job_for(catalog.get(name))
        job = start_verification(job, request.user, params.validated_data.get("passphrase"))
        return Response(BackupJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=CatalogRestoreSerializer, responses={202: RestoreJobSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"], permission_classes=SUPERUSER_ONLY)
    def restore(self, request, name=None):
        """Plan (by default) or run a restore of the package where it lies: no download and
        upload. Execute the planned job (`restores/{uuid}/execute/`) to restore."""
        params = CatalogRestoreSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        options = params.validated_data
        entry = catalog.get(name)
        job = start_restore(
            request.user, Path(entry.path), options, dry_run=options["dry_run"], upload=False
        )
        return Response(RestoreJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **ERRORS})
    @action(detail=True, methods=["get"], permission_classes=SUPERUSER_ONLY)
    def download(self, request, name=None):
        return package_download(Path(catalog.get(name).path))

    @extend_schema(request=HoldSerializer, responses={200: CatalogEntrySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def hold(self, request, name=None):
        params = HoldSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        entry = catalog.set_keep(
            name,
            params.validated_data["keep"],
            user=request.user,
            reason=params.validated_data["reason"],
        )
        return Response(CatalogEntrySerializer(entry).data)

    @extend_schema(request=DeleteSerializer, responses={204: None, **ERRORS})
    @action(detail=True, methods=["post"])
    def delete(self, request, name=None):
        params = DeleteSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        catalog.delete(name, user=request.user, reason=params.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)
