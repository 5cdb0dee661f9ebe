from django.urls import path

from edms.web.views import access, audit, backups, documents, health, schedules

app_name = "web"

urlpatterns = [
    path("", access.home, name="home"),
    path("backups/", backups.backups, name="backups"),
    path("restore/", backups.restore, name="restore"),
    path("schedules/", schedules.schedules, name="schedules"),
    path("schedules/<int:pk>/", schedules.schedule_edit, name="schedule-edit"),
    path("reinit/", backups.reinit, name="reinit"),
    path("health/", health.health, name="health"),
    path("documents/", documents.documents, name="documents"),
    path("audit/", audit.audit, name="audit"),
]
