import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from edms.core.natural_keys import NaturalKeyModel


class DocumentState(NaturalKeyModel):
    """A lifecycle state such as DRAFT or EFFECTIVE (configuration)."""

    NATURAL_KEY = ("code",)

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    sequence = models.PositiveSmallIntegerField(default=0)
    is_terminal = models.BooleanField(default=False)

    class Meta:
        ordering = ["sequence"]

    def __str__(self) -> str:
        return self.code


class WorkflowType(NaturalKeyModel):
    """A kind of workflow, e.g. review and approval (configuration)."""

    NATURAL_KEY = ("name",)

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    initial_state = models.ForeignKey(
        DocumentState, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class DocumentWorkflow(NaturalKeyModel):
    """One run of a workflow type on a document."""

    NATURAL_KEY = ("uuid",)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(
        "documents.Document", on_delete=models.CASCADE, related_name="workflows"
    )
    workflow_type = models.ForeignKey(WorkflowType, on_delete=models.PROTECT)
    current_state = models.ForeignKey(DocumentState, on_delete=models.PROTECT, related_name="+")
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.workflow_type} on {self.document}"


class DocumentTransition(NaturalKeyModel):
    """One state change in a workflow: the state history a regulator asks for."""

    NATURAL_KEY = ("uuid",)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workflow = models.ForeignKey(
        DocumentWorkflow, on_delete=models.CASCADE, related_name="transitions"
    )
    from_state = models.ForeignKey(
        DocumentState, null=True, on_delete=models.PROTECT, related_name="+"
    )
    to_state = models.ForeignKey(DocumentState, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    transitioned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["transitioned_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} -> {self.to_state}"
