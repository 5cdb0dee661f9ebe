"""Fixtures for operating EDMS: backup configurations made the way an operator makes them."""

import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """Each test starts with no scheduler heartbeat and no alert remembered as sent."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def configuration(db, storage_root):
    """Make a backup configuration, as if created `created` ago (two days: its 02:00 is due)."""
    from edms.backup.models import BackupConfiguration
    from edms.backup.operations import configurations

    def make(name: str, *, created: dt.timedelta = dt.timedelta(0), **fields):
        fields = {"backup_type": "database", "schedule": "0 2 * * *", **fields}
        made = configurations.create(name, **fields)
        BackupConfiguration.objects.filter(pk=made.pk).update(created_at=timezone.now() - created)
        made.refresh_from_db()
        return made

    return make


@pytest.fixture
def mailbox(settings):
    """Alerts to ops@example.org, kept in Django's locmem outbox."""
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALERT_EMAIL = ["ops@example.org"]
    mail.outbox.clear()
    return mail.outbox
