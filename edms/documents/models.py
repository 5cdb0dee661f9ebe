import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from edms.core.models import TimestampedModel
from edms.core.natural_keys import NaturalKeyModel


class DocumentType(NaturalKeyModel):
    """A kind of controlled document (POL, SOP, WI…) with its numbering prefix (configuration)."""

    NATURAL_KEY = ("code",)

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    review_period_months = models.PositiveSmallIntegerField(default=24)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.code


class DocumentSource(NaturalKeyModel):
    """Where a document's content came from (configuration)."""

    NATURAL_KEY = ("name",)

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class Placeholder(NaturalKeyModel):
    """A template token such as ``{{DOCUMENT_NUMBER}}`` and the path its value is read from."""

    NATURAL_KEY = ("token",)

    token = models.CharField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    source_path = models.CharField(max_length=200)

    def __str__(self) -> str:
        return "{{" + self.token + "}}"


class Document(TimestampedModel):
    """A controlled document; its state follows the lifecycle service."""

    NATURAL_KEY = ("document_number",)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document_number = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT)
    source = models.ForeignKey(DocumentSource, on_delete=models.PROTECT)
    state = models.ForeignKey("workflows.DocumentState", on_delete=models.PROTECT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_documents"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    effective_date = models.DateField(null=True, blank=True)
    review_date = models.DateField(null=True, blank=True)
    obsolete_date = models.DateField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["document_number"]

    def __str__(self) -> str:
        return self.document_number

    @property
    def current_version(self) -> "DocumentVersion | None":
        return self.versions.order_by("-version_number").first()


class DocumentVersion(NaturalKeyModel):
    """One uploaded file of a document, stored content-addressed by its SHA-256."""

    NATURAL_KEY = ("document__document_number", "version_number")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    version_number = models.PositiveIntegerField()
    file = models.CharField(max_length=200, help_text="storage path, relative to the storage root")
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    original_filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    change_summary = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["document", "version_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "version_number"], name="unique_document_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.version_number}"


class DocumentDependency(NaturalKeyModel):
    """One document referring to another (e.g. a WI implementing an SOP)."""

    NATURAL_KEY = ("document__document_number", "depends_on__document_number", "dependency_type")

    class Kind(models.TextChoices):
        IMPLEMENTS = "IMPLEMENTS"
        REFERENCES = "REFERENCES"
        TEMPLATE = "TEMPLATE"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="dependencies")
    depends_on = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="dependents")
    dependency_type = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document", "depends_on", "dependency_type"], name="unique_dependency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document} {self.dependency_type.lower()} {self.depends_on}"


class Signature(NaturalKeyModel):
    """An electronic signature (21 CFR 11.50): who signed which exact file, when, and meaning what.

    Written only by the lifecycle's signing steps (edms.documents.signatures.sign). The step's
    audit entry carries the same fields, so `edms verify_audit_chain` shows an altered row."""

    NATURAL_KEY = ("uuid",)

    class Meaning(models.TextChoices):
        AUTHORED = "AUTHORED", "Authored"
        REVIEWED = "REVIEWED", "Reviewed"
        APPROVED = "APPROVED", "Approved"
        REJECTED = "REJECTED", "Rejected"
        MADE_EFFECTIVE = "MADE_EFFECTIVE", "Made effective"
        OBSOLETED = "OBSOLETED", "Obsoleted"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(
        DocumentVersion, on_delete=models.PROTECT, related_name="signatures"
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures"
    )
    username = models.CharField(max_length=150, help_text="the signer's username as signed")
    full_name = models.CharField(max_length=300, help_text="the signer's printed name as signed")
    meaning = models.CharField(max_length=20, choices=Meaning.choices)
    signed_at = models.DateTimeField(help_text="UTC, with microseconds")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the signed version's file")

    class Meta:
        ordering = ["signed_at"]

    def __str__(self) -> str:
        return f"{self.get_meaning_display()} by {self.username} ({self.version})"

    @property
    def printed_name(self) -> str:
        return self.full_name or self.username
