"""Template helpers for showing service reports (nested dicts and lists) as tables."""

import datetime as dt
from pathlib import PurePath

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from edms.audit.export import model_name as verbose_model_name

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


@register.filter
def moment(value) -> str:
    """A time (datetime or ISO string) as ``<time datetime=ISO>YYYY-MM-DD HH:MM:SS UTC</time>``;
    edms.js shows it in the viewer's zone. "—" when there is none."""
    if not value:
        return "—"
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    when = when.astimezone(dt.UTC)
    return format_html(
        '<time datetime="{}">{} UTC</time>', when.isoformat(), when.strftime("%Y-%m-%d %H:%M:%S")
    )


@register.filter
def model_name(label: str) -> str:
    """A model label (documents.documentversion) as people say it (document version)."""
    return verbose_model_name(label) if label else ""


@register.simple_tag
def pager(page, query: str) -> str:
    """First, previous, next and last page links that keep the list's other parameters."""
    if not page.has_other_pages():
        return ""
    prefix = f"?{query}&page=" if query else "?page="
    links = []
    if page.has_previous():
        links += [
            format_html('<a href="{}1">« first</a>', prefix),
            format_html(
                '<a href="{}{}" rel="prev">‹ previous</a>', prefix, page.previous_page_number()
            ),
        ]
    links.append(format_html("page {} of {}", page.number, page.paginator.num_pages))
    if page.has_next():
        links += [
            format_html('<a href="{}{}" rel="next">next ›</a>', prefix, page.next_page_number()),
            format_html('<a href="{}{}">last »</a>', prefix, page.paginator.num_pages),
        ]
    return format_html('<nav class="pages" aria-label="pages">{}</nav>', mark_safe(" ".join(links)))
