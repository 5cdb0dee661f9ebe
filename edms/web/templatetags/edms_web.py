"""Template helpers for showing service reports (nested dicts and lists) as tables."""

from pathlib import PurePath

from django import template
from django.template.defaultfilters import filesizeformat

register = template.Library()


@register.filter
def kind(value) -> str:
    """ "dict", "list" or "scalar", so one template can render any JSON report."""
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, list | tuple):
        return "list"
    return "scalar"


@register.filter
def size(value) -> str:
    return filesizeformat(value) if value is not None else "—"


@register.filter
def basename(path: str) -> str:
    return PurePath(path).name if path else ""


@register.filter
def label(key: str) -> str:
    return str(key).replace("_", " ")
