"""Alerts by email (EDMS_ALERT_EMAIL): a failed backup, drill or verification and an overdue
schedule each send one email, seen here in Django's locmem outbox."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from edms.backup.errors import BackupError
from edms.backup.models import BackupConfiguration, BackupJob, RestoreMode
from edms.backup.operations import jobs, schedule
from edms.backup.operations.health import health_summary

TWO_DAYS = dt.timedelta(days=2)


def subjects(outbox) -> list[str]:
    return [message.subject for message in outbox]


def test_a_failed_scheduled_backup_sends_one_email(
    configuration, mailbox, django_capture_on_commit_callbacks, monkeypatch
):
    """GIVEN alerts to ops@example.org and a due schedule asking for encryption with no key
    WHEN the scheduler runs it THEN one email says which backup failed and why; WHEN the failed
    job is saved again THEN no second email."""
    monkeypatch.delenv("EDMS_BACKUP_RECIPIENTS", raising=False)
    monkeypatch.delenv("EDMS_BACKUP_PASSPHRASE", raising=False)
    configuration("nightly", created=TWO_DAYS, encrypt=True)

    # alerts go once the job's transaction commits (the test's own never does)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommandError):
        call_command("backup_scheduler", "--once", stdout=StringIO(), stderr=StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        BackupJob.objects.get().save()

    failures = [m for m in mailbox if "failed" in m.subject]
    assert subjects(failures) == ["[EDMS edms] database backup of nightly failed"]
    assert failures[0].to == ["ops@example.org"]
    assert "EDMS_BACKUP_RECIPIENTS" in failures[0].body


def test_a_failed_verification_sends_one_email_naming_the_package(
    db, storage_root, mailbox, django_capture_on_commit_callbacks
):
    """GIVEN a backup whose package was damaged on disk WHEN it is verified, twice
    THEN one email names the package and says why it failed."""
    job = jobs.run_backup("database")
    package = Path(job.path)
    package.write_bytes(package.read_bytes()[:200])

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(BackupError):
            jobs.perform(jobs.VERIFY, BackupJob.objects.get(pk=job.pk))

    assert subjects(mailbox) == [f"[EDMS edms] backup {package.name} failed verification"]
    assert str(package) in mailbox[0].body
    assert BackupJob.objects.get(pk=job.pk).verification_error in mailbox[0].body


@pytest.mark.slow  # the drill migrates a scratch database first: about 8 s
def test_a_failed_restore_drill_sends_one_email(
    db, storage_root, tmp_path, mailbox, django_capture_on_commit_callbacks
):
    """GIVEN a file that is not a backup WHEN a restore drill is run on it THEN one email says
    the drill of that file failed."""
    bogus = tmp_path / "edms-full-20260101T000000Z.tar.zst"
    bogus.write_bytes(b"not a backup")
    drill = jobs.restore_job(bogus, mode=RestoreMode.DRILL, reason="restore drill")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(BackupError):
        jobs.perform(jobs.DRILL, drill)

    assert subjects(mailbox) == [f"[EDMS edms] restore drill of {bogus.name} failed"]
    assert drill.error in mailbox[0].body


def test_an_overdue_schedule_sends_one_email_however_often_it_is_checked(configuration, mailbox):
    """GIVEN a nightly schedule whose run was missed and no scheduler running WHEN health is
    checked three times THEN one email says the schedule is overdue; WHEN the scheduler comes
    back THEN it runs the backup and sends nothing more for that missed run."""
    configuration("nightly", created=TWO_DAYS)

    for _ in range(3):
        health_summary()
    overdue = list(mailbox)
    runs = schedule.run_due()

    assert subjects(overdue) == ["[EDMS edms] scheduled backup nightly is overdue"]
    assert "Is the scheduler running?" in overdue[0].body
    assert [run.ok for run in runs] == [True]
    assert subjects(mailbox) == subjects(overdue)


def test_the_scheduler_alerts_on_a_run_it_finds_missed(configuration, mailbox):
    """GIVEN a nightly schedule whose run was missed WHEN the scheduler starts again and checks
    THEN it emails that the run was missed and catches it up."""
    nightly = configuration("nightly", created=TWO_DAYS)

    runs = schedule.run_due()

    assert subjects(mailbox) == ["[EDMS edms] scheduled backup nightly is overdue"]
    assert [run.ok for run in runs] == [True]
    assert BackupConfiguration.objects.get(pk=nightly.pk).last_run_at is not None


def test_without_an_address_nothing_is_sent(configuration, mailbox, settings):
    """GIVEN EDMS_ALERT_EMAIL unset WHEN a schedule is overdue THEN no email is sent."""
    settings.ALERT_EMAIL = []
    configuration("nightly", created=TWO_DAYS)

    health_summary()

    assert mailbox == []


def test_a_mail_server_that_refuses_never_fails_the_check(configuration, mailbox, settings):
    """GIVEN alerts set but the SMTP server refusing connections WHEN health finds an overdue
    schedule THEN health still answers, and the alert is tried again at the next check."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    configuration("nightly", created=TWO_DAYS)

    summary = health_summary()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    health_summary()

    assert summary["status"] == "critical"
    assert subjects(mailbox) == ["[EDMS edms] scheduled backup nightly is overdue"]
