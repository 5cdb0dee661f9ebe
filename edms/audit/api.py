"""The audit trail, read-only: staff, Quality Assurance and Administrators may read it."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action

from edms.audit import chain
from edms.audit.models import AuditTrail

AUDIT_READERS = ("Quality Assurance", "Administrator")


def can_read_audit_trail(user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.has_role(*AUDIT_READERS)))


class CanReadAuditTrail(permissions.BasePermission):
    message = "reading the audit trail needs staff status or the Quality Assurance role"

    def has_permission(self, request, view) -> bool:
        return can_read_audit_trail(request.user)


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditTrail
        fields = [*chain.HASHED_FIELDS, "entry_hash"]
        read_only_fields = fields


class AuditFilterSerializer(serializers.Serializer):
    action = serializers.CharField(required=False, help_text="e.g. MADE_EFFECTIVE")
    username = serializers.CharField(required=False)
    object_type = serializers.CharField(
        required=False, help_text="model label, e.g. documents.document"
    )
    object = serializers.CharField(required=False, help_text="the object as shown, e.g. SOP-0001")
    document = serializers.CharField(
        required=False, help_text="a document number: entries about it and its versions"
    )
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


FILTERS = {
    "action": "action",
    "username": "username",
    "object_type": "object_type",
    "object": "object_repr",
    "document": "object_key__0",  # the first part of a document's or a version's natural key
    "since": "timestamp__gte",
    "until": "timestamp__lt",
}


def filtered_entries(params) -> QuerySet[AuditTrail]:
    """Entries newest first, narrowed by the filters in `params`; a ValidationError names a
    filter that is not valid (a date that is not a date)."""
    filters = AuditFilterSerializer(data={k: v for k, v in params.items() if v.strip()})
    filters.is_valid(raise_exception=True)
    return AuditTrail.objects.order_by("-timestamp", "-sequence").filter(
        **{FILTERS[name]: value for name, value in filters.validated_data.items()}
    )


class AuditTrailViewSet(viewsets.ReadOnlyModelViewSet):
    """Entries newest first, filtered by action, user, object and time."""

    serializer_class = AuditEntrySerializer
    permission_classes = [CanReadAuditTrail]
    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self):
        if self.action != "list":
            return AuditTrail.objects.all()
        return filtered_entries(self.request.query_params)

    @extend_schema(parameters=[AuditFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            AuditFilterSerializer,
            OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=["csv", "pdf"]),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/pdf"): OpenApiTypes.BINARY,
        },
    )
    @action(detail=False, url_path="export/(?P<kind>csv|pdf)", pagination_class=None)
    def export(self, request, kind: str):
        """The filtered entries, oldest first, streamed as CSV or PDF; the export is audited."""
        from edms.audit import export as audit_export  # it reads filters through this module

        return audit_export.download(audit_export.prepare(request.query_params, request.user, kind))
