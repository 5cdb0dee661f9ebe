"""Scheduled backups over HTTP: the configurations (create, change, delete, as in
`views.BackupConfigurationViewSet`) plus Run now, which backs up as a schedule says at once, in
the background. Staff only."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from edms.backup.http.serializers import BackupJobSerializer
from edms.backup.http.views import ERRORS, BackupConfigurationViewSet
from edms.backup.models import BackupOrigin
from edms.backup.operations import jobs, runner


class ScheduleViewSet(BackupConfigurationViewSet):
    """Scheduled backups: type, cron schedule, retention; and running one now."""

    @extend_schema(request=None, responses={202: BackupJobSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def run(self, request, pk=None):
        """Back up as this schedule says, now, as a background job (202 with the job; follow it
        at `jobs/{uuid}/`). Its retention applies once the backup completes; the schedule's own
        next run is not moved."""
        configuration = self.get_object()
        with transaction.atomic():
            job = jobs.backup_job(
                configuration.backup_type,
                user=request.user,
                configuration=configuration,
                origin=BackupOrigin.SCHEDULED,
            )
            runner.start(jobs.BACKUP, job, {}, user=request.user)
        job.refresh_from_db()
        data = BackupJobSerializer(job, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)
