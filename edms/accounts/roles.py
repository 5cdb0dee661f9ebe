"""Granting and revoking roles: the one place assignments change, so every change is audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from edms.accounts.models import Role, User, UserRole
from edms.audit import chain


@transaction.atomic
def assign_role(actor: User | None, user: User, role_name: str) -> UserRole:
    """Give `user` the role (idempotent); a new grant writes an audit entry naming who gave it."""
    assignment, created = UserRole.objects.get_or_create(
        user=user,
        role=Role.objects.get(name=role_name),
        defaults={"assigned_by": actor, "assigned_at": timezone.now()},
    )
    if created:
        chain.record("ROLE_ASSIGNED", actor, assignment, {"role": role_name})
    return assignment


@transaction.atomic
def revoke_role(actor: User | None, user: User, role_name: str) -> bool:
    """Take the role from `user` (idempotent); a removed grant writes an audit entry naming who
    took it. Returns whether there was a grant to remove."""
    assignment = UserRole.objects.filter(user=user, role__name=role_name).first()
    if assignment is None:
        return False
    chain.record("ROLE_REVOKED", actor, assignment, {"role": role_name})
    assignment.delete()
    return True
