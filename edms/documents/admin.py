from django.contrib import admin

from edms.core.admin import ReadOnlyAdmin, ReadOnlyInline
from edms.documents.models import (
    Document,
    DocumentDependency,
    DocumentSource,
    DocumentType,
    DocumentVersion,
    Placeholder,
    Signature,
)


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "review_period_months", "is_active"]


@admin.register(DocumentSource)
class DocumentSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]


@admin.register(Placeholder)
class PlaceholderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "source_path", "description"]
    search_fields = ["token", "description"]


class VersionInline(ReadOnlyInline):
    model = DocumentVersion
    fields = ["version_number", "original_filename", "size", "sha256", "created_by", "created_at"]


class DependencyInline(ReadOnlyInline):
    model = DocumentDependency
    fk_name = "document"
    fields = ["depends_on", "dependency_type", "created_at"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    """Read-only: documents change only through the lifecycle service, which audits each step."""

    list_display = [
        "document_number",
        "title",
        "document_type",
        "state",
        "author",
        "effective_date",
    ]
    list_filter = ["document_type", "state"]
    search_fields = ["document_number", "title"]
    list_select_related = ["document_type", "state", "author"]
    inlines = [VersionInline, DependencyInline]


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "original_filename", "size", "sha256", "created_by", "created_at"]
    search_fields = ["document__document_number", "sha256"]
    list_select_related = ["document", "created_by"]


@admin.register(DocumentDependency)
class DocumentDependencyAdmin(ReadOnlyAdmin):
    list_display = ["document", "dependency_type", "depends_on", "created_at"]
    list_filter = ["dependency_type"]
    list_select_related = ["document", "depends_on"]


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    """Read-only: only the lifecycle's signing steps write signatures, each bound to its audit
    entry (an edit would show in `edms verify_audit_chain`)."""

    list_display = ["version", "meaning", "username", "full_name", "signed_at", "sha256"]
    list_filter = ["meaning"]
    search_fields = ["version__document__document_number", "username", "full_name", "sha256"]
    list_select_related = ["version__document"]
