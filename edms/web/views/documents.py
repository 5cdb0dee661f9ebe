"""The documents list: search, filters, sorting and paging over the documents a user may see."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.shortcuts import render

from edms.accounts.models import User
from edms.documents.models import Document, DocumentType
from edms.documents.visibility import visible_documents
from edms.search.query import matching_documents
from edms.workflows.models import DocumentState

PAGE_SIZE = 50
SORT_FIELDS = {
    "number": "document_number",
    "title": "title",
    "state": "state__sequence",
    "effective": "effective_date",
    "updated": "updated_at",
}
# The list's columns: (sort key, heading); a column without a key is not sortable.
COLUMNS = [
    ("number", "Number"),
    ("title", "Title"),
    ("", "Type"),
    ("state", "State"),
    ("", "Owner"),
    ("effective", "Effective"),
    ("updated", "Updated"),
]


class NamedChoiceField(forms.ModelChoiceField):
    """A choice shown by its verbose name and sent as its natural key (code or username)."""

    def label_from_instance(self, obj) -> str:
        if isinstance(obj, User):
            return obj.get_full_name() or obj.username
        return obj.name


class DocumentFilters(forms.Form):
    q = forms.CharField(required=False, max_length=300, label="Search")
    type = NamedChoiceField(
        DocumentType.objects.order_by("name"), to_field_name="code", required=False
    )
    state = NamedChoiceField(DocumentState.objects.none(), to_field_name="code", required=False)
    author = NamedChoiceField(
        User.objects.none(), to_field_name="username", required=False, label="Owner"
    )
    effective_from = forms.DateField(
        required=False, label="Effective from", widget=forms.DateInput(attrs={"type": "date"})
    )
    effective_to = forms.DateField(
        required=False, label="Effective to", widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        required=False, choices=[(k, k) for name in SORT_FIELDS for k in (name, f"-{name}")]
    )

    def __init__(self, data, visible: QuerySet[Document]) -> None:
        super().__init__(data)
        # Only the states and owners of documents this user may see: no hint of the others.
        self.fields["state"].queryset = DocumentState.objects.filter(
            pk__in=visible.values("state")
        ).order_by("sequence")
        self.fields["author"].queryset = User.objects.filter(
            pk__in=visible.values("author")
        ).order_by("username")
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.empty_label = "any"


def filtered(rows: QuerySet[Document], chosen: dict) -> QuerySet[Document]:
    """`rows` narrowed by the valid filters in `chosen` and sorted (number by default)."""
    if chosen.get("q"):
        rows = rows.filter(uuid__in=matching_documents(chosen["q"]))
    for name, lookup in (("type", "document_type"), ("state", "state"), ("author", "author")):
        if chosen.get(name):
            rows = rows.filter(**{lookup: chosen[name]})
    if chosen.get("effective_from"):
        rows = rows.filter(effective_date__gte=chosen["effective_from"])
    if chosen.get("effective_to"):
        rows = rows.filter(effective_date__lte=chosen["effective_to"])
    sort = chosen.get("sort") or "number"
    field = F(SORT_FIELDS[sort.lstrip("-")])
    # Documents without an effective date go last whichever way the list is sorted.
    first = field.desc(nulls_last=True) if sort.startswith("-") else field.asc(nulls_last=True)
    return rows.order_by(first, "document_number")


@login_required
def documents(request):
    visible = visible_documents(request.user)
    form = DocumentFilters(request.GET, visible)
    form.is_valid()  # invalid filters are shown with their error and left out
    chosen = form.cleaned_data
    rows = filtered(visible.select_related("document_type", "state", "author"), chosen)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    sort = chosen.get("sort") or "number"
    return render(
        request,
        "web/documents.html",
        {
            "form": form,
            "documents": page,
            "sort": sort,
            "columns": _columns(request.GET, sort),
            "paging": _without(request.GET, "page"),
        },
    )


def _columns(params, sort: str) -> list[dict]:
    """Each column's heading, the query that sorts by it (ascending first, reversed when it is
    already the sort) and, for the sorted column, its direction."""
    columns = []
    for key, heading in COLUMNS:
        query = params.copy()
        query.pop("page", None)
        query["sort"] = f"-{key}" if sort == key else key
        order = {key: "ascending", f"-{key}": "descending"}.get(sort, "") if key else ""
        columns.append(
            {"heading": heading, "link": query.urlencode() if key else "", "order": order}
        )
    return columns


def _without(params, name: str) -> str:
    query = params.copy()
    query.pop(name, None)
    return query.urlencode()
