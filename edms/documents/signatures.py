"""Electronic signatures (21 CFR 11.50, 11.70, 11.100, 11.200).

The signer types their password again at the moment of signing (`authenticate`); a wrong one is
refused and audited, and five wrong ones within 15 minutes block signing for 15 minutes. A
signature binds who signed (username and printed name), when (UTC, microseconds) and what it
means to the SHA-256 of the exact version file signed. The signing step's audit entry carries the
same fields (`claim`), so the audit chain vouches for every signature row: `edms
verify_audit_chain` reports a row that no longer matches its entry (`mismatches`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from edms.accounts.models import User
from edms.audit import chain
from edms.audit.models import AuditTrail
from edms.core.errors import NotPermitted
from edms.documents.models import Document, Signature

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
REFUSED = "SIGNATURE_REFUSED"
BLOCKED = "SIGNING_BLOCKED"


class SignatureRefused(NotPermitted):
    """Nothing was signed: a wrong password (audited), or a signature in another's name."""


class SigningBlocked(SignatureRefused):
    """Too many wrong passwords: signing stays blocked for a while, whatever is typed."""

    http_status = 429


@dataclass(frozen=True)
class Signer:
    """A user whose password was checked just now by `authenticate`; the lifecycle's signing
    steps take one. One check may serve a series of signings in one continuous session
    (11.200(a)(1)(i)), which is how demo data signs without hashing per step."""

    user: User


def authenticate(user: User, password: str, purpose: str = "") -> Signer:
    """Check the password typed to sign; refuse (and audit) a wrong one or a blocked user.
    `purpose` says what was being signed (e.g. "review of SOP-0001") in a refusal's entry.

    Call it outside the step's transaction: the refusal's audit entry must stay although the
    step never runs."""
    if until := blocked_until(user):
        chain.record(BLOCKED, user, user, {"until": until.isoformat(), "signing": purpose})
        raise SigningBlocked(_blocked_message(until))
    if not (user.is_active and user.check_password(password)):
        chain.record(REFUSED, user, user, {"reason": "wrong password", "signing": purpose})
        message = f"wrong password for {user.username}: nothing was signed"
        if until := blocked_until(user):
            message += f". {_blocked_message(until)}"
        raise SignatureRefused(message)
    return Signer(user)


def blocked_until(user: User) -> dt.datetime | None:
    """When signing opens again for `user`: 15 minutes after the last of 5 wrong passwords
    typed within 15 minutes; None when signing is open."""
    now = timezone.now()
    recent = list(
        AuditTrail.objects.filter(user=user, action=REFUSED, timestamp__gte=now - 2 * WINDOW)
        .order_by("-timestamp")
        .values_list("timestamp", flat=True)[:MAX_FAILURES]
    )
    if len(recent) < MAX_FAILURES or recent[0] - recent[-1] > WINDOW:
        return None
    until = recent[0] + WINDOW
    return until if now < until else None


def _blocked_message(until: dt.datetime) -> str:
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return (
        f"Signing is blocked for 15 minutes after {MAX_FAILURES} wrong passwords: try again "
        f"in {minutes} minute{'s' if minutes != 1 else ''} (at {until:%H:%M} UTC)"
    )


def sign(signer: Signer | None, actor, document: Document, meaning: str) -> Signature | None:
    """Sign the document's current version for `actor` (inside the step's transaction); no
    signer, no signature (fixtures and internal steps that nobody signs)."""
    if signer is None:
        return None
    if signer.user.pk != actor.pk:
        raise SignatureRefused(f"{actor.username} must sign for themselves")
    version = document.versions.order_by("-version_number").first()
    if version is None:
        raise SignatureRefused(f"{document.document_number} has no version file to sign")
    return Signature.objects.create(
        version=version,
        signer=actor,
        username=actor.username,
        full_name=actor.get_full_name(),
        meaning=meaning,
        signed_at=timezone.now(),
        sha256=version.sha256,
    )


def claim(signature: Signature) -> dict:
    """The signature's fields as its audit entry carries them."""
    return _claim(
        signature.uuid,
        signature.meaning,
        signature.username,
        signature.full_name,
        signature.signed_at,
        signature.sha256,
        signature.version.document.document_number,
        signature.version.version_number,
    )


def _claim(uuid, meaning, username, full_name, signed_at, sha256, number, version) -> dict:
    return {
        "uuid": str(uuid),
        "meaning": meaning,
        "signer": username,
        "full_name": full_name,
        "signed_at": signed_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "sha256": sha256,
        "version": [number, version],
    }


def mismatches(claims: dict[str, dict], using: str = "default") -> Iterator[tuple[str, str]]:
    """(signature uuid, problem) for every stored signature that differs from the claim its
    audit entry made, has no such entry, or links to another user; and every claimed one gone."""
    rows = Signature.objects.using(using).values_list(
        "uuid",
        "meaning",
        "username",
        "full_name",
        "signed_at",
        "sha256",
        "version__document__document_number",
        "version__version_number",
        "signer__username",
    )
    seen = set()
    for *fields, linked in rows.iterator(chunk_size=5000):
        stored = _claim(*fields)
        uuid = stored["uuid"]
        seen.add(uuid)
        expected = claims.get(uuid)
        if expected is None:
            yield uuid, f"signature {uuid} has no audit entry"
        elif differing := sorted(k for k in stored if stored[k] != expected.get(k)):
            yield uuid, f"signature {uuid} does not match its audit entry ({', '.join(differing)})"
        elif linked != stored["signer"]:
            yield uuid, f"signature {uuid} links to user {linked}, not {stored['signer']}"
    for uuid in claims.keys() - seen:
        yield uuid, f"signature {uuid} named by the audit trail is missing"


def of_document(document: Document) -> QuerySet[Signature]:
    """The document's signatures, oldest first, with what the manifestation shows."""
    return Signature.objects.filter(version__document=document).select_related("version")
