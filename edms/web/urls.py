from django.urls import path

from edms.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("backups/", views.backups, name="backups"),
    path("restore/", views.restore, name="restore"),
    path("schedules/", views.schedules, name="schedules"),
    path("schedules/<int:pk>/", views.schedule_edit, name="schedule-edit"),
    path("reinit/", views.reinit, name="reinit"),
    path("health/", views.health, name="health"),
    path("documents/", views.documents, name="documents"),
    path("audit/", views.audit, name="audit"),
]
