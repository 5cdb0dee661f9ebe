"""Every REST API route, under /api/v1/ (namespace "api"). Authentication is DRF's default
(settings.REST_FRAMEWORK): a JWT bearer token, or the web UI's session cookie. No view sets its
own, so no call can take another path (tests/api/test_permissions.py walks every route)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter, SimpleRouter

from edms.accounts.logins import LoginView
from edms.accounts.tokens import LogoutView, RefreshView
from edms.audit.api import AuditTrailViewSet
from edms.backup.http import views as backup
from edms.backup.http.catalog import CatalogViewSet
from edms.backup.http.schedules import ScheduleViewSet
from edms.documents.api import DocumentViewSet

backup_router = DefaultRouter()
backup_router.register("configurations", ScheduleViewSet, "backup-configuration")
backup_router.register("jobs", backup.BackupJobViewSet, "backup-job")
backup_router.register("restores", backup.RestoreJobViewSet, "backup-restore")
backup_router.register("catalog", CatalogViewSet, "backup-catalog")

router = SimpleRouter()
router.register("documents", DocumentViewSet, "document")
router.register("audit", AuditTrailViewSet, "audit")

urlpatterns = [
    path("auth/login/", LoginView.as_view(), name="login"),
    path("auth/refresh/", RefreshView.as_view(), name="refresh"),
    path("auth/logout/", LogoutView.as_view(), name="logout"),
    path("backup/health/", backup.HealthView.as_view(), name="backup-health"),
    path("backup/reinit/", backup.ReinitView.as_view(), name="backup-reinit"),
    path("backup/", include(backup_router.urls)),
    *router.urls,
]
