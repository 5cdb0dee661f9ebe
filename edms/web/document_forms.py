"""The forms of the lifecycle steps a document's page offers, one per step, and which of them a
user is shown: exactly the steps the lifecycle service would accept from them now."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils import timezone

from edms.accounts.models import User
from edms.documents.models import Document, DocumentType


class StepForm(forms.Form):
    """A step's form; it knows the document and the user, for choices that depend on them."""

    def __init__(self, *args, document: Document, user: User, step: str, **kwargs) -> None:
        super().__init__(*args, auto_id=f"{step}-%s", **kwargs)
        self.document, self.user = document, user


class SignedStepForm(StepForm):
    """A step that is an electronic signature: the signer types their password again."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Typing it signs this step electronically, in your name.",
    )


DECISIONS = [("accept", "Accept"), ("reject", "Reject (say why below)")]


class UploadForm(StepForm):
    file = forms.FileField(label="Version file (PDF, text or Office document)")
    change_summary = forms.CharField(label="What changed", required=False)


class SubmitForm(SignedStepForm):
    reviewer = forms.ModelChoiceField(queryset=User.objects.none(), empty_label=None)
    field_order = ["reviewer", "password"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = (
            User.objects.filter(is_active=True, userrole__role__name="Reviewer")
            .exclude(pk=self.document.author_id)
            .order_by("username")
        )
        self.fields["reviewer"].label_from_instance = _person


class ReviewForm(SignedStepForm):
    decision = forms.ChoiceField(choices=DECISIONS, widget=forms.RadioSelect, initial="accept")
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    field_order = ["decision", "comment", "password"]


class ApproveForm(ReviewForm):
    effective_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty to let Document Control make it effective; today makes it "
        "effective at once.",
    )
    field_order = ["decision", "comment", "effective_date", "password"]


class MakeEffectiveForm(SignedStepForm):
    on = forms.DateField(label="Effective on", widget=forms.DateInput(attrs={"type": "date"}))
    field_order = ["on", "password"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = self.document.effective_date or timezone.localdate()


class SupersedeForm(StepForm):
    by = forms.ModelChoiceField(
        label="Superseded by", queryset=Document.objects.none(), to_field_name="document_number"
    )
    comment = forms.CharField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["by"].queryset = Document.objects.filter(
            state__code__in=("EFFECTIVE", "APPROVED_PENDING_EFFECTIVE")
        ).exclude(pk=self.document.pk)
        self.fields["by"].label_from_instance = lambda d: f"{d.document_number} {d.title}"
        if not self.fields["by"].queryset.exists():
            self.fields[
                "by"
            ].help_text = (
                "No other document is effective or approved yet: approve its successor first."
            )


class ObsoleteForm(SignedStepForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    field_order = ["reason", "password"]


class CreateForm(forms.Form):
    document_type = forms.ModelChoiceField(
        queryset=DocumentType.objects.filter(is_active=True).order_by("code"),
        to_field_name="code",
        empty_label=None,
    )
    title = forms.CharField(max_length=300)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document_type"].label_from_instance = lambda t: f"{t.code} — {t.name}"


@dataclass(frozen=True)
class Step:
    name: str  # as in lifecycle.STEP_RULES and the step's URL
    title: str
    form: type[StepForm]
    button: str
    done: str  # said after it succeeded, before the document's new state
    meaning: str = ""  # what the signature means, for the steps that are signatures


STEPS = [
    Step("upload", "Upload a new version", UploadForm, "Upload", "Version uploaded."),
    Step(
        "submit",
        "Submit for review",
        SubmitForm,
        "Sign and submit",
        "Submitted for review and signed.",
        "Authored",
    ),
    Step(
        "review",
        "Review",
        ReviewForm,
        "Sign the review",
        "Review signed.",
        "Reviewed (Rejected if you reject)",
    ),
    Step(
        "approve",
        "Approve",
        ApproveForm,
        "Sign the approval",
        "Approval signed.",
        "Approved (Rejected if you reject)",
    ),
    Step(
        "make_effective",
        "Make effective",
        MakeEffectiveForm,
        "Sign and make effective",
        "Signed as made effective.",
        "Made effective",
    ),
    Step("supersede", "Supersede", SupersedeForm, "Supersede", "Superseded."),
    Step(
        "obsolete",
        "Make obsolete",
        ObsoleteForm,
        "Sign and make obsolete",
        "Made obsolete and signed.",
        "Obsoleted",
    ),
]
BY_NAME = {step.name: step for step in STEPS}


@dataclass(frozen=True)
class Failure:
    """A step that was refused: its filled-in form (the password never shown again), the
    message and the HTTP status the page answers with."""

    step: str
    form: StepForm
    message: str
    status: int


def step_forms(
    user: User, document: Document, allowed: set[str], failed: Failure | None = None
) -> list[tuple[Step, StepForm]]:
    """The forms of the steps in `allowed`, in lifecycle order; a failed step's own form."""
    shown = []
    for step in STEPS:
        if failed and failed.step == step.name:
            shown.append((step, failed.form))
        elif step.name in allowed:
            shown.append((step, step.form(document=document, user=user, step=step.name)))
    return shown


def _person(user: User) -> str:
    name = user.get_full_name()
    return f"{name} ({user.username})" if name else user.username
