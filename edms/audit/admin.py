from django.contrib import admin

from edms.audit.models import AuditTrail
from edms.core.admin import ReadOnlyAdmin


@admin.register(AuditTrail)
class AuditTrailAdmin(ReadOnlyAdmin):
    """The append-only trail: viewable and searchable, never editable."""

    list_display = ["timestamp", "sequence", "username", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["username", "object_repr", "uuid"]
    date_hierarchy = "timestamp"
    ordering = ["-timestamp", "-sequence"]
