from django.core.management.base import CommandParser
from django.db import transaction
from django.db.models import Count, F, Value
from django.db.models.functions import Concat

from edms.audit import chain
from edms.core import defaults
from edms.core.command import EdmsCommand
from edms.core.errors import CheckFailed
from edms.documents.models import Document, DocumentType


class Command(EdmsCommand):
    help = (
        "Check documents against their types: default types that are missing, documents of an "
        "inactive type, documents whose number does not start with their type's code. "
        "--fix recreates the missing default types (existing types are never changed). "
        "Exits 1 while a default type is missing or a number does not match its type."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true", help="recreate missing default types")

    def run(self, *, fix: bool, **options) -> dict:
        created = _recreate_missing_defaults() if fix else []
        return {"recreated_types": created, **_report()}

    def failure(self, report: dict) -> CheckFailed | None:
        missing, mismatched = report["missing_default_types"], report["number_mismatches"]
        if not missing and not mismatched:
            return None
        problems = [f"missing default type {code}" for code in missing]
        problems += [
            f"{row['document_number']} is of type {row['document_type']}" for row in mismatched
        ]
        shown = "; ".join(problems[:5]) + ("; …" if len(problems) > 5 else "")
        return CheckFailed(f"document types need attention ({len(problems)}): {shown}")

    def render(self, report: dict) -> None:
        for code in report["recreated_types"]:
            self.stdout.write(self.style.SUCCESS(f"recreated default type {code}"))
        for code in report["missing_default_types"]:
            self.stdout.write(f"missing default type {code} (run with --fix to recreate it)")
        for row in report["inactive_types_in_use"]:
            self.stdout.write(
                f"type {row['code']} is inactive but has {row['documents']} documents"
            )
        for row in report["number_mismatches"]:
            self.stdout.write(f"{row['document_number']} is of type {row['document_type']}")
        self.stdout.write(
            f"{report['documents']} documents, {report['types']} types checked: "
            + ("consistent" if _consistent(report) else "see above")
        )


def _report() -> dict:
    present = set(DocumentType.objects.values_list("code", flat=True))
    inactive = (
        DocumentType.objects.filter(is_active=False)
        .annotate(documents=Count("document"))
        .filter(documents__gt=0)
        .order_by("code")
    )
    mismatched = (
        Document.objects.exclude(
            document_number__startswith=Concat(F("document_type__code"), Value("-"))
        )
        .order_by("document_number")
        .values_list("document_number", "document_type__code")
    )
    return {
        "documents": Document.objects.count(),
        "types": len(present),
        "missing_default_types": [
            code for code, *_ in defaults.DOCUMENT_TYPES if code not in present
        ],
        "inactive_types_in_use": [{"code": t.code, "documents": t.documents} for t in inactive],
        "number_mismatches": [
            {"document_number": number, "document_type": code} for number, code in mismatched
        ],
    }


def _consistent(report: dict) -> bool:
    return not any(
        report[key]
        for key in ("missing_default_types", "inactive_types_in_use", "number_mismatches")
    )


@transaction.atomic
def _recreate_missing_defaults() -> list[str]:
    """Create the default types that are gone, as a new install has them; audit each one."""
    created = []
    for code, name, months in defaults.DOCUMENT_TYPES:
        document_type, was_created = DocumentType.objects.get_or_create(
            code=code, defaults={"name": name, "review_period_months": months}
        )
        if was_created:
            chain.record("DOCUMENT_TYPE_RECREATED", None, document_type, {"name": name})
            created.append(code)
    return created
