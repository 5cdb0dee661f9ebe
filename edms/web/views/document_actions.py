"""Lifecycle steps from the web UI: plain HTML forms posted here (CSRF-protected), each step one
call into edms/documents/lifecycle.py. Success redirects to the document's page; a refusal
shows the page again with the filled-in form, the service's message and a status saying why
(400 a field, 403 a role or a wrong password, 409 the state, 413 too large, 415 the file type,
429 signing blocked)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from edms.core.errors import EdmsError
from edms.documents import filetypes, lifecycle, signatures, storage
from edms.documents.models import Document
from edms.web.document_forms import BY_NAME, CreateForm, Failure
from edms.web.views.document_page import render_page, visible_document


@login_required
def create(request: HttpRequest) -> HttpResponse:
    """A new draft (Authors only), then its page, where the first version is uploaded."""
    if not request.user.has_role("Author"):
        raise PermissionDenied("creating documents needs the Author role")
    form, status = CreateForm(request.POST or None), 200
    if request.method == "POST" and form.is_valid():
        try:
            document = lifecycle.create_document(
                request.user,
                document_type=form.cleaned_data["document_type"].code,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
            )
        except EdmsError as refused:
            form.add_error(None, str(refused))
            status = refused.http_status
        else:
            messages.success(request, f"{document.document_number} created as a draft.")
            return redirect("web:document", number=document.document_number)
    elif request.method == "POST":
        status = 400
    return render(request, "web/document_create.html", {"form": form}, status=status)


@login_required
@require_POST
def take_step(request: HttpRequest, number: str, step: str) -> HttpResponse:
    document = visible_document(request.user, number)
    if step not in BY_NAME:
        raise Http404(f"there is no step {step!r}")
    form = BY_NAME[step].form(
        request.POST, request.FILES, document=document, user=request.user, step=step
    )
    if not form.is_valid():
        return render_page(request, document, Failure(step, form, "Check the fields below.", 400))
    try:
        STEPS[step](request.user, document, form.cleaned_data)
    except EdmsError as refused:
        failure = Failure(step, form, str(refused), refused.http_status)
        return render_page(request, visible_document(request.user, number), failure)
    document = Document.objects.select_related("state").get(pk=document.pk)
    messages.success(request, f"{BY_NAME[step].done} State now: {document.state.name}.")
    return redirect("web:document", number=number)


def _signer(user, data: dict, purpose: str, document: Document) -> signatures.Signer:
    """The password typed into the step's form, checked now (outside the step's transaction,
    so a refusal stays audited, naming what was being signed)."""
    return signatures.authenticate(
        user, data["password"], f"{purpose} of {document.document_number}"
    )


def _upload(user, document: Document, data: dict) -> None:
    upload = data["file"]
    if upload.size > settings.MAX_DOCUMENT_FILE_BYTES:
        raise storage.FileTooLarge(
            f"{upload.name} is larger than the limit of {settings.MAX_DOCUMENT_FILE_BYTES} bytes "
            "(EDMS_MAX_DOCUMENT_FILE_BYTES)"
        )
    with upload.open("rb") as stream:
        lifecycle.upload_version(
            user,
            document,
            stream,
            upload.name,
            change_summary=data["change_summary"],
            content_type=filetypes.content_type(stream, upload.name),
        )


def _submit(user, document: Document, data: dict) -> None:
    signer = _signer(user, data, "submission", document)
    lifecycle.submit_for_review(user, document, data["reviewer"], signer=signer)


def _review(user, document: Document, data: dict) -> None:
    lifecycle.review(
        user,
        document,
        accept=data["decision"] == "accept",
        comment=data["comment"],
        signer=_signer(user, data, "review", document),
    )


def _approve(user, document: Document, data: dict) -> None:
    lifecycle.approve(
        user,
        document,
        accept=data["decision"] == "accept",
        comment=data["comment"],
        effective_date=data["effective_date"],
        signer=_signer(user, data, "approval", document),
    )


def _make_effective(user, document: Document, data: dict) -> None:
    signer = _signer(user, data, "making effective", document)
    lifecycle.make_effective(user, document, on=data["on"], signer=signer)


def _supersede(user, document: Document, data: dict) -> None:
    lifecycle.supersede(user, document, by=data["by"], comment=data["comment"])


def _obsolete(user, document: Document, data: dict) -> None:
    signer = _signer(user, data, "obsoleting", document)
    lifecycle.obsolete(user, document, reason=data["reason"], signer=signer)


STEPS: dict[str, Callable[..., None]] = {
    "upload": _upload,
    "submit": _submit,
    "review": _review,
    "approve": _approve,
    "make_effective": _make_effective,
    "supersede": _supersede,
    "obsolete": _obsolete,
}
