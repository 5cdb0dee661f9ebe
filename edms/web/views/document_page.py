"""A document's page (`/documents/<number>/`): metadata, versions with their files, signatures,
workflow history, dependencies, audit entries and the lifecycle steps the user may take; and
its version files, served only after their SHA-256 is checked."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from edms.audit.models import AuditTrail
from edms.documents import filetypes, lifecycle, retrieval
from edms.documents.models import Document, DocumentVersion, Signature
from edms.documents.visibility import visible_documents, visible_versions
from edms.web import document_forms
from edms.workflows.models import DocumentTransition

AUDIT_ENTRIES_SHOWN = 200


def visible_document(user, number: str) -> Document:
    """The document if the user may see it; 404 otherwise (a draft's URL tells a reader
    nothing, not even that it exists)."""
    return get_object_or_404(
        visible_documents(user).select_related(
            "document_type", "source", "state", "author", "reviewer", "approver", "superseded_by"
        ),
        document_number=number,
    )


@login_required
def document(request: HttpRequest, number: str) -> HttpResponse:
    return render_page(request, visible_document(request.user, number))


def render_page(
    request: HttpRequest, document: Document, failed: document_forms.Failure | None = None
) -> HttpResponse:
    """The page, with the step that failed re-shown with its message (and its status)."""
    user = request.user
    versions = list(
        visible_versions(
            user, document.versions.select_related("created_by").order_by("version_number")
        )
    )
    context = {
        "document": document,
        "versions": versions,
        "signatures": Signature.objects.filter(version__in=versions).select_related("version"),
        "timeline": DocumentTransition.objects.filter(workflow__document=document).select_related(
            "from_state", "to_state", "actor", "workflow__workflow_type"
        ),
        "depends_on": document.dependencies.select_related("depends_on__state"),
        "needed_by": document.dependents.filter(
            document__in=visible_documents(user)
        ).select_related("document__state"),
        "audit_entries": _audit_entries(document)[:AUDIT_ENTRIES_SHOWN],
        "steps": document_forms.step_forms(
            user, document, lifecycle.allowed_steps(user, document), failed
        ),
        "failed": failed,
    }
    return render(request, "web/document.html", context, status=failed.status if failed else 200)


def _audit_entries(document: Document):
    """Entries about the document, its versions and its dependencies, newest first."""
    number = document.document_number
    return AuditTrail.objects.filter(
        Q(object_key__0=number, object_type__startswith="documents.")
        | Q(object_key__1=number, object_type="documents.documentdependency")
    ).order_by("-timestamp", "-sequence")


def _version(request: HttpRequest, number: str, version_number: int) -> DocumentVersion:
    document = visible_document(request.user, number)
    versions = visible_versions(request.user, document.versions.select_related("document"))
    return get_object_or_404(versions, version_number=version_number)


@login_required
def version_file(request: HttpRequest, number: str, version: int, how: str) -> HttpResponse:
    """A version's stored bytes, after their SHA-256 is checked: to download, or to view (a
    PDF inline, text as UTF-8 text; the type comes from the content, never from what the
    uploader claimed). A damaged file is an error page, never served."""
    row = _version(request, number, version)
    try:
        stream = retrieval.open_verified(row, request.user)
    except retrieval.DamagedFile as damaged:
        context = {"version": row, "message": str(damaged)}
        return render(request, "web/document_damaged.html", context, status=damaged.http_status)
    if how == "download":
        return FileResponse(
            stream,
            as_attachment=True,
            filename=row.original_filename,
            content_type="application/octet-stream",
        )
    kind = filetypes.detect(stream)
    if kind not in (filetypes.PDF, filetypes.TEXT):
        stream.close()
        raise Http404(f"{row} is not a PDF or text file; download it instead")
    content_type = "text/plain; charset=utf-8" if kind == filetypes.TEXT else kind
    response = FileResponse(stream, content_type=content_type, filename=row.original_filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
