from django.contrib import admin

from edms.core.admin import ReadOnlyAdmin, ReadOnlyInline
from edms.workflows.models import DocumentState, DocumentTransition, DocumentWorkflow, WorkflowType


@admin.register(DocumentState)
class DocumentStateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sequence", "is_terminal"]


@admin.register(WorkflowType)
class WorkflowTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "initial_state", "is_active"]


class TransitionInline(ReadOnlyInline):
    model = DocumentTransition
    fields = ["from_state", "to_state", "actor", "comment", "transitioned_at"]


@admin.register(DocumentWorkflow)
class DocumentWorkflowAdmin(ReadOnlyAdmin):
    """Read-only: workflows advance only through the lifecycle service."""

    list_display = ["document", "workflow_type", "current_state", "is_active", "started_at"]
    list_filter = ["workflow_type", "is_active", "current_state"]
    search_fields = ["document__document_number"]
    list_select_related = ["document", "workflow_type", "current_state"]
    inlines = [TransitionInline]


@admin.register(DocumentTransition)
class DocumentTransitionAdmin(ReadOnlyAdmin):
    list_display = ["workflow", "from_state", "to_state", "actor", "transitioned_at"]
    list_filter = ["to_state"]
    list_select_related = [
        "workflow__document",
        "workflow__workflow_type",
        "from_state",
        "to_state",
        "actor",
    ]
