import uuid

from django.db import models
from django.utils import timezone

from edms.core.natural_keys import NaturalKeyModel


class TimestampedModel(NaturalKeyModel):
    """created/updated times set by save(), never by auto_now: bulk restores keep the originals."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)


class SystemSetting(TimestampedModel):
    """A named system setting (configuration: kept by reinit, carried by backups)."""

    NATURAL_KEY = ("key",)

    key = models.CharField(max_length=100, unique=True)
    value = models.JSONField(default=dict, blank=True)
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.key


class InstanceIdentity(models.Model):
    """Who this installation is. Never copied by a backup: a restore must not change it."""

    instance_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    audit_chain = models.UUIDField(default=uuid.uuid4, help_text="the audit chain appended to now")
    audit_head = models.PositiveBigIntegerField(
        default=0, help_text="sequence of the last entry of the current chain, to detect removal"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.instance_id)

    @classmethod
    def current(cls, for_update: bool = False) -> "InstanceIdentity":
        """The identity row, which migrate creates (0003_instance_identity)."""
        rows = cls.objects.select_for_update() if for_update else cls.objects
        return rows.order_by("pk").first() or cls.objects.create()
