from django.urls import path

from edms.web.views import (
    access,
    audit,
    backups,
    document_actions,
    document_page,
    documents,
    health,
    inbox,
    schedules,
)

app_name = "web"

urlpatterns = [
    path("", access.home, name="home"),
    path("backups/", backups.backups, name="backups"),
    path("backups/<str:name>/", backups.package, name="package"),
    path("restore/", backups.restore, name="restore"),
    path("schedules/", schedules.schedules, name="schedules"),
    path("schedules/<int:pk>/", schedules.schedule_edit, name="schedule-edit"),
    path("reinit/", backups.reinit, name="reinit"),
    path("reinit/done/", backups.reinit_done, name="reinit-done"),
    path("health/", health.health, name="health"),
    path("documents/", documents.documents, name="documents"),
    path("documents/new/", document_actions.create, name="document-create"),
    path("documents/<str:number>/", document_page.document, name="document"),
    path(
        "documents/<str:number>/versions/<int:version>/view/",
        document_page.version_file,
        {"how": "view"},
        name="version-view",
    ),
    path(
        "documents/<str:number>/versions/<int:version>/download/",
        document_page.version_file,
        {"how": "download"},
        name="version-download",
    ),
    path("documents/<str:number>/<slug:step>/", document_actions.take_step, name="document-step"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("audit/", audit.audit, name="audit"),
    path("audit/export/<str:kind>/", audit.audit_export, name="audit-export"),
]
