"""Render template text such as ``"{{DOCUMENT_NUMBER}} rev {{VERSION_NUMBER}}"`` for a document."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils import timezone

from edms.core.models import SystemSetting
from edms.documents.models import Document, DocumentVersion, Placeholder

TOKEN = re.compile(r"\{\{\s*([A-Z0-9_]+)\s*\}\}")


def render(template: str, document: Document, version: DocumentVersion | None = None) -> str:
    """Replace every known token; unknown tokens are left as written so a typo stays visible."""
    sources = dict(Placeholder.objects.values_list("token", "source_path"))
    roots = {
        "document": document,
        "version": version or document.current_version,
        "now": timezone.now(),
        "system": _SystemValues(),
    }

    def value(match: re.Match) -> str:
        path = sources.get(match.group(1))
        if path is None:
            return match.group(0)
        resolved = _resolve(roots, path)
        return "" if resolved is None else str(resolved)

    return TOKEN.sub(value, template)


def _resolve(roots: dict, path: str):
    head, *rest = path.split(".")
    value = roots.get(head)
    for part in rest:
        if value is None:
            return None
        value = getattr(value, part)
        if callable(value):
            value = value()
    return value


class _SystemValues:
    """System-wide values: the instance name and the settings stored as SystemSetting rows."""

    @property
    def instance_name(self) -> str:
        return settings.INSTANCE_NAME

    def __getattr__(self, key: str):
        setting = SystemSetting.objects.filter(key=key).first()
        return setting.value.get("value") if setting else None
