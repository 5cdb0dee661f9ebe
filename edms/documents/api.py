"""The documents REST API: thin views over the lifecycle service, which checks every role.

A step the actor's roles do not allow is 403 with the service's message, a step the document's
state does not allow is 409, a version file over the limit 413: the error types carry their
status (`edms.core.http_errors`)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from edms.accounts.models import User
from edms.documents import filetypes, lifecycle, signatures, storage
from edms.documents.models import (
    Document,
    DocumentSource,
    DocumentType,
    DocumentVersion,
    Signature,
)
from edms.documents.visibility import visible_documents, visible_versions

REFUSALS = {
    403: OpenApiResponse(description="the caller's roles do not allow this step"),
    409: OpenApiResponse(description="the document's state does not allow this step"),
}


class NaturalKeyField(serializers.SlugRelatedField):
    """A related object named by its key (a code, a username, a number). A NUL character is
    refused as invalid: PostgreSQL text cannot hold one, so the lookup itself would fail."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class SignatureSerializer(serializers.ModelSerializer):
    meaning = serializers.CharField(source="get_meaning_display", read_only=True)

    class Meta:
        model = Signature
        fields = ["uuid", "username", "full_name", "meaning", "signed_at", "sha256"]
        read_only_fields = fields


class VersionSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    signatures = SignatureSerializer(many=True, read_only=True)

    class Meta:
        model = DocumentVersion
        fields = [
            "version_number",
            "sha256",
            "size",
            "original_filename",
            "content_type",
            "change_summary",
            "created_by",
            "created_at",
            "signatures",
        ]
        read_only_fields = fields


class DocumentSerializer(serializers.ModelSerializer):
    document_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    source = serializers.SlugRelatedField(slug_field="name", read_only=True)
    state = serializers.SlugRelatedField(slug_field="code", read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reviewer = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    approver = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    superseded_by = serializers.SlugRelatedField(
        slug_field="document_number", read_only=True, allow_null=True
    )
    versions = VersionSerializer(many=True, read_only=True)

    class Meta:
        model = Document
        fields = [
            "document_number",
            "uuid",
            "title",
            "description",
            "document_type",
            "source",
            "state",
            "author",
            "reviewer",
            "approver",
            "approved_at",
            "effective_date",
            "review_date",
            "obsolete_date",
            "superseded_by",
            "metadata",
            "created_at",
            "updated_at",
            "versions",
        ]
        read_only_fields = fields


class CreateDocumentSerializer(serializers.Serializer):
    document_type = NaturalKeyField(
        slug_field="code", queryset=DocumentType.objects.filter(is_active=True)
    )
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    source = NaturalKeyField(
        slug_field="name", queryset=DocumentSource.objects.all(), required=False
    )
    metadata = serializers.DictField(required=False, default=dict)


class UploadVersionSerializer(serializers.Serializer):
    file = serializers.FileField()
    change_summary = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_file(self, upload):
        """Refused before anything is stored (413, like every size limit)."""
        if upload.size > settings.MAX_DOCUMENT_FILE_BYTES:
            raise storage.FileTooLarge(
                f"{upload.name} is larger than the limit of {settings.MAX_DOCUMENT_FILE_BYTES} "
                "bytes (EDMS_MAX_DOCUMENT_FILE_BYTES)"
            )
        return upload


class SignedSerializer(serializers.Serializer):
    """A step that is an electronic signature: the caller's password, typed again to sign."""

    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )


class SubmitSerializer(SignedSerializer):
    reviewer = NaturalKeyField(slug_field="username", queryset=User.objects.filter(is_active=True))


class ReviewSerializer(SignedSerializer):
    accept = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ApproveSerializer(ReviewSerializer):
    accept = serializers.BooleanField(default=True)
    effective_date = serializers.DateField(required=False, allow_null=True, default=None)


class MakeEffectiveSerializer(SignedSerializer):
    on = serializers.DateField(required=False, help_text="default: today")


class ObsoleteSerializer(SignedSerializer):
    reason = serializers.CharField()


class SupersedeSerializer(serializers.Serializer):
    by = NaturalKeyField(slug_field="document_number", queryset=Document.objects.all())
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class DocumentFilterSerializer(serializers.Serializer):
    state = serializers.CharField(required=False, help_text="state code, e.g. EFFECTIVE")
    document_type = serializers.CharField(required=False, help_text="type code, e.g. SOP")
    q = serializers.CharField(required=False, help_text="part of the number or title")


def _step(serializer_class):
    """Schema for a lifecycle action: its body, the document back, and the refusals."""
    refusals = {**REFUSALS}
    if issubclass(serializer_class, SignedSerializer):
        refusals[429] = OpenApiResponse(description="signing blocked after 5 wrong passwords")
    return extend_schema(
        request=serializer_class, responses={200: DocumentSerializer, 400: None, **refusals}
    )


class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
    """Controlled documents by number; creating and every lifecycle step go through the service."""

    serializer_class = DocumentSerializer
    lookup_field = "document_number"
    lookup_value_regex = "[^/\\x00]+"

    def get_queryset(self):
        return (
            visible_documents(self.request.user)
            .select_related(
                "document_type",
                "source",
                "state",
                "author",
                "reviewer",
                "approver",
                "superseded_by",
            )
            .prefetch_related(
                Prefetch(
                    "versions",
                    visible_versions(
                        self.request.user,
                        DocumentVersion.objects.select_related("created_by").prefetch_related(
                            "signatures"
                        ),
                    ),
                )
            )
        )

    @extend_schema(parameters=[DocumentFilterSerializer])
    def list(self, request):
        filters = DocumentFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        documents = self.get_queryset()
        if state := filters.validated_data.get("state"):
            documents = documents.filter(state__code=state.upper())
        if doc_type := filters.validated_data.get("document_type"):
            documents = documents.filter(document_type__code=doc_type.upper())
        if text := filters.validated_data.get("q"):
            documents = documents.filter(title__icontains=text) | documents.filter(
                document_number__icontains=text
            )
        page = self.paginate_queryset(documents)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=CreateDocumentSerializer, responses={201: DocumentSerializer, **REFUSALS}
    )
    def create(self, request):
        params = self._params(CreateDocumentSerializer)
        source = params.pop("source", None)
        document = lifecycle.create_document(
            request.user,
            document_type=params.pop("document_type").code,
            **({"source": source.name} if source else {}),
            **params,
        )
        return Response(self._render(document), status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": UploadVersionSerializer},
        responses={
            201: VersionSerializer,
            400: None,
            **REFUSALS,
            413: OpenApiResponse(description="larger than EDMS_MAX_DOCUMENT_FILE_BYTES"),
        },
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def versions(self, request, document_number=None):
        params = self._params(UploadVersionSerializer)
        upload = params["file"]
        with upload.open("rb") as stream:
            version = lifecycle.upload_version(
                request.user,
                self.get_object(),
                stream,
                upload.name,
                change_summary=params["change_summary"],
                content_type=filetypes.content_type(stream, upload.name),
            )
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @_step(SubmitSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, document_number=None):
        params = self._params(SubmitSerializer)
        document = self.get_object()
        signer = self._signer(params)
        return self._done(
            lifecycle.submit_for_review(request.user, document, signer=signer, **params)
        )

    @_step(ReviewSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, document_number=None):
        params = self._params(ReviewSerializer)
        document = self.get_object()
        signer = self._signer(params)
        return self._done(lifecycle.review(request.user, document, signer=signer, **params))

    @_step(ApproveSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, document_number=None):
        params = self._params(ApproveSerializer)
        document = self.get_object()
        signer = self._signer(params)
        return self._done(lifecycle.approve(request.user, document, signer=signer, **params))

    @_step(MakeEffectiveSerializer)
    @action(detail=True, methods=["post"])
    def make_effective(self, request, document_number=None):
        params = self._params(MakeEffectiveSerializer)
        document = self.get_object()
        signer = self._signer(params)
        on = params.get("on") or timezone.localdate()
        return self._done(lifecycle.make_effective(request.user, document, on=on, signer=signer))

    @_step(SupersedeSerializer)
    @action(detail=True, methods=["post"])
    def supersede(self, request, document_number=None):
        params = self._params(SupersedeSerializer)
        return self._done(lifecycle.supersede(request.user, self.get_object(), **params))

    @_step(ObsoleteSerializer)
    @action(detail=True, methods=["post"])
    def obsolete(self, request, document_number=None):
        params = self._params(ObsoleteSerializer)
        document = self.get_object()
        signer = self._signer(params)
        return self._done(lifecycle.obsolete(request.user, document, signer=signer, **params))

    def _signer(self, params: dict) -> signatures.Signer:
        """The password from the body, checked now: before the step's transaction, so a
        refusal (403, or 429 while signing is blocked) stays audited."""
        purpose = f"{self.action} of {self.kwargs['document_number']} (API)"
        return signatures.authenticate(self.request.user, params.pop("password"), purpose)

    def _params(self, serializer_class) -> dict:
        params = serializer_class(data=self.request.data)
        params.is_valid(raise_exception=True)
        return dict(params.validated_data)

    def _render(self, document: Document) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=document.pk)).data

    def _done(self, document: Document) -> Response:
        return Response(self._render(document))
