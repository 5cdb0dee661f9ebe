"""Keep the index current as documents change through the lifecycle service.

Bulk writes (a restore, a clean, loaddata's raw saves) send no signal: they rebuild instead."""

from __future__ import annotations

from django.apps import apps as global_apps
from django.db.models.signals import post_migrate, post_save

from edms.documents.models import Document, DocumentVersion
from edms.search import index
from edms.search.models import SearchEntry

DESCRIBING_FIELDS = {"document_number", "title"}


def connect(app_config) -> None:
    post_save.connect(version_saved, sender=DocumentVersion, dispatch_uid="search-version")
    post_save.connect(document_saved, sender=Document, dispatch_uid="search-document")
    post_migrate.connect(migrated, sender=app_config, dispatch_uid="search-migrated")


def version_saved(sender, instance: DocumentVersion, raw: bool, using: str, **kwargs) -> None:
    if not raw:
        index.index_document(instance.document, using)


def document_saved(sender, instance: Document, raw: bool, using: str, update_fields, **kwargs):
    """A save that changes neither number nor title (a state move, a date) reads nothing."""
    if raw or (update_fields is not None and not DESCRIBING_FIELDS & set(update_fields)):
        return
    index.describe_document(instance, using)


def migrated(sender, using: str, apps=global_apps, **kwargs) -> None:
    """After `edms migrate`, fill an empty index of an instance that has documents: an upgrade
    from a release without search finds its documents at once. (`flush` sends no `apps`.)"""
    try:
        apps.get_model("search", "SearchEntry")
        apps.get_model("documents", "DocumentVersion")
    except LookupError:
        return  # migrated back below the index or the documents
    if Document.objects.using(using).exists() and not SearchEntry.objects.using(using).exists():
        index.rebuild(using)
