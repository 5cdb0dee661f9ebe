"""The Celery application: `celery -A edms worker` runs backup jobs and scheduled backups,
`celery -A edms beat` sends the scheduler's tick. Configured from the CELERY_* Django settings;
used only when EDMS_CELERY_BROKER_URL is set (the embedded default runs `edms backup_scheduler`
and background threads instead)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edms.settings")

app = Celery("edms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["edms.backup.operations"])


def celery_enabled() -> bool:
    """Whether a broker is configured, so work should go to Celery workers."""
    from django.conf import settings

    return bool(settings.CELERY_BROKER_URL)
