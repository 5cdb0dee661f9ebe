"""Demo data: users with roles and documents taken through the real lifecycle service.

Everything is made the way a user would make it (create, upload, submit, review, approve, make
effective, supersede, obsolete), so the demo instance has the transitions, workflows, stored files,
electronic signatures and audit entries of a real one. The same seed gives the same users, titles
and structure.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from edms.accounts.admin_account import admin_password, create_admin
from edms.accounts.models import User
from edms.accounts.roles import assign_role
from edms.audit import chain
from edms.core.errors import EdmsError
from edms.documents import lifecycle, signatures
from edms.documents.models import Document, DocumentDependency, DocumentSource

# Demo users cycle through these roles: author01, reviewer01, …, viewer01, author02, …
ROLE_CYCLE = [
    ("author", "Author"),
    ("reviewer", "Reviewer"),
    ("approver", "Approver"),
    ("docctrl", "Document Controller"),
    ("qa", "Quality Assurance"),
    ("viewer", "Viewer"),
]
MIN_USERS = len(ROLE_CYCLE) + 1  # the admin and one user per role

FIRST_NAMES = ["Anna", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas"]
LAST_NAMES = ["Meyer", "Okafor", "Rossi", "Schmidt", "Tanaka", "Dubois", "Novak", "Larsen"]
TOPICS = [
    "Document Control",
    "Equipment Cleaning",
    "Change Control",
    "Deviation Handling",
    "Training Records",
    "Supplier Qualification",
    "Calibration of Balances",
    "Environmental Monitoring",
    "Data Integrity",
    "Batch Record Review",
    "Complaint Handling",
    "Internal Audits",
    "CAPA Management",
    "Label Control",
    "Computer System Validation",
    "Risk Management",
]
DEPARTMENTS = ["Quality Assurance", "Production", "QC Laboratory", "Engineering", "Regulatory"]


@dataclass(frozen=True)
class Slot:
    """One document of the repeating demo pattern: its type, where it ends up and its links.

    `implements` and `supersedes` are offsets of earlier slots in the same pattern."""

    type_code: str
    final_state: str
    versions: int = 1
    implements: int | None = None
    supersedes: int | None = None
    rejected_once: bool = False


# The first four slots are the seeds' example instance (POL-0001 effective, SOP-0001 superseded
# by SOP-0002, WI-0001 under review); larger counts repeat the whole pattern, which covers
# every state the lifecycle reaches.
PATTERN = [
    Slot("POL", "EFFECTIVE"),
    Slot("SOP", "EFFECTIVE", versions=2, implements=0),
    Slot("SOP", "EFFECTIVE", implements=0, supersedes=1),
    Slot("WI", "UNDER_REVIEW", implements=2),
    Slot("WI", "DRAFT", versions=2, implements=2, rejected_once=True),
    Slot("FRM", "REVIEW_COMPLETED", implements=2),
    Slot("MAN", "APPROVED_PENDING_EFFECTIVE", implements=0),
    Slot("REC", "OBSOLETE"),
    Slot("SOP", "DRAFT"),
]
# How far along the review-and-approval path each final state lies.
SUBMITTED, REVIEWED, APPROVED, RETIRED = 1, 2, 3, 4
STAGE = {
    "DRAFT": 0,
    "UNDER_REVIEW": SUBMITTED,
    "REVIEW_COMPLETED": REVIEWED,
    "APPROVED_PENDING_EFFECTIVE": APPROVED,
    "EFFECTIVE": APPROVED,
    "OBSOLETE": RETIRED,
}


class DemoDataError(EdmsError):
    """The demo data cannot be loaded as asked (the message says why and what to do)."""


@dataclass(frozen=True)
class DemoResult:
    users_created: int
    documents_created: int
    password: str
    password_generated: bool
    admin_created: bool
    seed: int


@dataclass
class Cast:
    admin: User
    by_role: dict[str, list[User]]
    sources: list[str]
    password: str
    created: set[int]  # users made by this load, so their password is the one given
    signers: dict[int, signatures.Signer | None] = field(default_factory=dict)

    def pick(self, role: str, index: int) -> User:
        people = self.by_role[role]
        return people[index % len(people)]

    def signer(self, user: User) -> signatures.Signer | None:
        """The user's signing credential, their password checked once for the whole load (a
        password hash per step would dominate large loads). A reused user whose password is
        not the one given cannot sign: their steps stay unsigned."""
        if user.pk not in self.signers:
            known = user.pk in self.created or user.check_password(self.password)
            self.signers[user.pk] = signatures.authenticate(user, self.password) if known else None
        return self.signers[user.pk]


def load_demo_data(
    *,
    users: int = 7,
    documents: int = 4,
    seed: int = 1,
    password: str | None = None,
    append: bool = False,
    on_document: Callable[[], None] | None = None,
) -> DemoResult:
    """Create `users` users (the admin included) and `documents` documents.

    Refuses an instance that already has documents unless `append` is set. Users that already
    exist (the admin too) are reused and keep their passwords."""
    if users < MIN_USERS:
        raise DemoDataError(f"--users must be at least {MIN_USERS}: the admin and one per role")
    if documents < 0:
        raise DemoDataError("--documents cannot be negative")
    existing = Document.objects.count()
    if existing and not append:
        raise DemoDataError(
            f"this instance already has {existing} documents; nothing was loaded. "
            "Use --append to add demo documents to them."
        )
    password, generated = admin_password(password, source="--password")
    rng = random.Random(seed)
    admin_created = not User.objects.filter(username="admin").exists()
    cast, users_created = _make_cast(rng, users, password, admin_created)
    for start in range(0, documents, len(PATTERN)):
        _make_pattern(
            rng, cast, start // len(PATTERN), min(len(PATTERN), documents - start), on_document
        )
    return DemoResult(users_created, documents, password, generated, admin_created, seed)


@transaction.atomic
def _make_cast(
    rng: random.Random, count: int, password: str, admin_created: bool
) -> tuple[Cast, int]:
    admin = (
        create_admin("admin", password)[0] if admin_created else User.objects.get(username="admin")
    )
    # Every demo user has the same password: hash it once instead of once per user.
    password_hash = make_password(password)
    by_role: dict[str, list[User]] = {role: [] for _, role in ROLE_CYCLE}
    created = {admin.pk} if admin_created else set()
    for index in range(count - 1):
        prefix, role = ROLE_CYCLE[index % len(ROLE_CYCLE)]
        username = f"{prefix}{index // len(ROLE_CYCLE) + 1:02d}"
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        user, is_new = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.com",
                "password": password_hash,
            },
        )
        if is_new:
            created.add(user.pk)
            chain.record("USER_CREATED", admin, user, {"by": "load_demo_data"})
        assign_role(admin, user, role)
        by_role[role].append(user)
    # The lifecycle checks roles at every step; prefetched roles answer without a query.
    prefetch_related_objects([user for users in by_role.values() for user in users], "roles")
    sources = list(DocumentSource.objects.order_by("name").values_list("name", flat=True))
    return Cast(admin, by_role, sources, password, created), len(created)


def _make_pattern(
    rng: random.Random,
    cast: Cast,
    round_number: int,
    slots: int,
    on_document: Callable[[], None] | None,
) -> None:
    made: list[Document] = []
    for offset, slot in enumerate(PATTERN[:slots]):
        # One transaction per document: a large load commits steadily and never half a document.
        with transaction.atomic():
            made.append(_make_document(rng, cast, round_number * len(PATTERN) + offset, slot, made))
        if on_document:
            on_document()


def _make_document(
    rng: random.Random, cast: Cast, index: int, slot: Slot, made: list[Document]
) -> Document:
    author, reviewer = cast.pick("Author", index), cast.pick("Reviewer", index)
    approver, controller = cast.pick("Approver", index), cast.pick("Document Controller", index)
    topic = made[slot.supersedes].title if slot.supersedes is not None else rng.choice(TOPICS)
    document = lifecycle.create_document(
        author,
        document_type=slot.type_code,
        title=topic,
        description=f"How {rng.choice(DEPARTMENTS)} handles {topic.lower()}.",
        source=rng.choice(cast.sources),
        metadata={"department": rng.choice(DEPARTMENTS), "demo": True},
    )
    if slot.implements is not None:
        lifecycle.add_dependency(
            author, document, made[slot.implements], DocumentDependency.Kind.IMPLEMENTS
        )
    submit = {"reviewer": reviewer, "signer": cast.signer(author)}
    for number in range(1, slot.versions + 1):
        _upload(author, document, number)
        if slot.rejected_once and number == 1:
            lifecycle.submit_for_review(author, document, **submit)
            lifecycle.review(
                reviewer,
                document,
                accept=False,
                comment="Step 4 is ambiguous.",
                signer=cast.signer(reviewer),
            )
    stage = STAGE[slot.final_state]
    if stage >= SUBMITTED:
        lifecycle.submit_for_review(author, document, **submit)
    if stage >= REVIEWED:
        document = lifecycle.review(
            reviewer, document, accept=True, comment="No findings.", signer=cast.signer(reviewer)
        )
    if stage >= APPROVED:
        today = timezone.localdate()
        pending = slot.final_state == "APPROVED_PENDING_EFFECTIVE"
        effective = today + dt.timedelta(days=30) if pending else today
        document = lifecycle.approve(
            approver,
            document,
            comment="Approved.",
            effective_date=effective,
            signer=cast.signer(approver),
        )
    if stage >= RETIRED:
        document = lifecycle.obsolete(
            controller, document, reason="Process discontinued.", signer=cast.signer(controller)
        )
    if slot.supersedes is not None:
        lifecycle.supersede(controller, made[slot.supersedes], by=document)
    return document


def _upload(author: User, document: Document, number: int) -> None:
    """A small version file: plain text for odd versions, a one-page PDF for even ones."""
    lines = [
        f"{document.document_number} {document.title}",
        f"Version {number}",
        "",
        document.description,
        "1. Scope",
        "2. Responsibilities",
        "3. Procedure",
    ]
    if number % 2:
        name, content_type = f"{document.document_number}_v{number}.txt", "text/plain"
        data = ("\n".join(lines) + "\n").encode()
    else:
        name, content_type = f"{document.document_number}_v{number}.pdf", "application/pdf"
        data = one_page_pdf(lines)
    lifecycle.upload_version(
        author,
        document,
        io.BytesIO(data),
        name,
        change_summary="Initial version" if number == 1 else f"Revision {number}",
        content_type=content_type,
    )


def one_page_pdf(lines: list[str]) -> bytes:
    """A real PDF (one page of Helvetica text), so demo files open in a browser's viewer and
    their words can be found; written by hand: five objects, the xref table and the trailer."""
    text = " ".join(f"({_pdf_string(line)}) Tj T*" for line in lines)
    stream = f"BT /F1 12 Tf 16 TL 72 740 Td {text} ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
    return bytes(out + trailer % (len(objects) + 1, xref))


def _pdf_string(text: str) -> str:
    """Text inside a PDF string literal: its delimiters escaped, Latin-1 only."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return escaped.encode("latin-1", "replace").decode("latin-1")
