"""Creating the administrator account: never with a fixed password, never with a weak one."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from edms.accounts.models import Role, User, UserRole
from edms.accounts.passwords import require_strong
from edms.core import credentials


def admin_password(
    explicit: str | None = None, source: str = "--admin-password"
) -> tuple[str, bool]:
    """The password to use: given, else EDMS_ADMIN_PASSWORD, else a generated one. A given one
    must pass the password validators (WeakPassword otherwise).

    Returns the password and whether it was generated (and so must be shown once)."""
    if explicit:
        return require_strong(explicit, source), False
    if from_env := credentials.admin_password():
        return require_strong(from_env, credentials.ADMIN_PASSWORD_ENV), False
    return secrets.token_urlsafe(12), True


@transaction.atomic
def create_admin(username: str = "admin", password: str | None = None) -> tuple[User, str, bool]:
    """Create (or reset) a superuser with the Administrator role."""
    password, generated = admin_password(password)
    user, _ = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@localhost"}
    )
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(password)
    user.save()
    UserRole.objects.get_or_create(
        user=user,
        role=Role.objects.get(name="Administrator"),
        defaults={"assigned_at": timezone.now()},
    )
    return user, password, generated
