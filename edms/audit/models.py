import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from edms.core.natural_keys import NaturalKeyModel, NaturalKeyQuerySet


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit entry."""


class AuditQuerySet(NaturalKeyQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit entries cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit entries cannot be deleted; only a system reinit clears them")

    def purge_for_reinit(self) -> int:
        """Remove every entry. Used only by reinit and clean restore, which record why."""
        return self._raw_delete(self.db)


class AuditTrail(NaturalKeyModel):
    """One audit entry, hash-chained to the one before it (see edms.audit.chain)."""

    NATURAL_KEY = ("uuid",)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    chain = models.UUIDField(help_text="the chain this entry belongs to; a reinit starts a new one")
    sequence = models.PositiveBigIntegerField()
    timestamp = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=100, blank=True, help_text="model label")
    object_key = models.JSONField(default=list, blank=True, help_text="natural key of the object")
    object_repr = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = models.Manager.from_queryset(AuditQuerySet)()

    class Meta:
        ordering = ["timestamp", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="unique_chain_sequence")
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit entries cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be deleted")
