"""Restores that hand out power: a new or elevated superuser or staff account, a replaced
password hash, a role grant.

A backup is a file; whoever can edit one could otherwise make themselves a superuser or take over
an account by restoring it. So the restore watches the account records as they stream past,
compares them with the accounts as they were, and lists every such change in its plan. Applying
them needs the operator's explicit ``--allow-privileged-changes``, unless the file is, byte for
byte, a package this server made (a sidecar names this instance and the file's SHA-256). Role grants
and revocations a restore makes are audited like grants made by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from edms.accounts.models import UserRole
from edms.audit import chain
from edms.backup.errors import CorruptPackage, PrivilegedChangesRefused
from edms.backup.models import BackupOrigin
from edms.backup.package import sidecar
from edms.backup.package.manifest import SIDECAR_SUFFIX
from edms.backup.restore.plan import RestoreOptions
from edms.core.models import InstanceIdentity

GRANT_LABEL = UserRole._meta.label_lower


@dataclass(frozen=True)
class Account:
    is_superuser: bool
    is_staff: bool
    password: str


@dataclass(frozen=True)
class PrivilegedChange:
    username: str
    change: str

    def __str__(self) -> str:
        return f"{self.username}: {self.change}"


class AccountWatch:
    """Follows the account and role-grant records of one restore (see the module docstring)."""

    def __init__(self, options: RestoreOptions, restored: set[str]) -> None:
        self.options = options
        self.user_label = get_user_model()._meta.label_lower
        self.restored = restored  # labels this restore writes (--only may leave accounts out)
        self.changes: list[PrivilegedChange] = []
        self.grants: set[tuple[str, str]] = set()
        self._before: dict[str, Account] | None = None
        self._grants_before: set[tuple[str, str]] | None = None

    def watch(
        self, models: Iterable[tuple[str, Iterator[dict]]]
    ) -> Iterator[tuple[str, Iterator[dict]]]:
        """Pass `models` through unchanged, noting the account records on the way."""
        for label, records in models:
            if label == self.user_label and label in self.restored:
                records = self._users(records)
            elif label == GRANT_LABEL and label in self.restored:
                records = self._grants(records)
            yield label, records

    def _users(self, records: Iterator[dict]) -> Iterator[dict]:
        before = self._accounts_before()
        applies_to_existing = self.options.clean or self.options.conflict == "update"
        for record in records:
            fields = record.get("fields", {})
            username = fields.get(get_user_model().USERNAME_FIELD)
            now = Account(
                bool(fields.get("is_superuser")),
                bool(fields.get("is_staff")),
                str(fields.get("password", "")),
            )
            was = before.get(username)
            if was is None:
                self._note_new(username, now)
            elif applies_to_existing:
                self._note_changed(username, was, now)
            yield record

    def _note_new(self, username: str, now: Account) -> None:
        if now.is_superuser:
            self.changes.append(PrivilegedChange(username, "new superuser"))
        elif now.is_staff:
            self.changes.append(PrivilegedChange(username, "new staff account"))

    def _note_changed(self, username: str, was: Account, now: Account) -> None:
        if now.is_superuser and not was.is_superuser:
            self.changes.append(PrivilegedChange(username, "becomes superuser"))
        elif now.is_staff and not was.is_staff:
            self.changes.append(PrivilegedChange(username, "becomes staff"))
        if now.password != was.password:
            self.changes.append(PrivilegedChange(username, "password hash replaced"))

    def _grants(self, records: Iterator[dict]) -> Iterator[dict]:
        for record in records:
            fields = record.get("fields", {})
            try:
                (username,), (role,) = fields["user"], fields["role"]
            except (KeyError, TypeError, ValueError):
                raise CorruptPackage(f"a role grant without user and role: {fields}") from None
            self.grants.add((str(username), str(role)))
            yield record

    def remember_before(self) -> None:
        """Read the accounts as they are now: a clean restore calls it before it clears them."""
        self._accounts_before()

    def _accounts_before(self) -> dict[str, Account]:
        if self._before is None:
            users = get_user_model()._base_manager.using(self.options.using)
            self._before = {
                row[0]: Account(*row[1:])
                for row in users.values_list(
                    get_user_model().USERNAME_FIELD, "is_superuser", "is_staff", "password"
                )
            }
            self._grants_before = set(
                UserRole.objects.using(self.options.using).values_list(
                    "user__username", "role__name"
                )
            )
        return self._before

    def new_grants(self) -> list[tuple[str, str]]:
        self._accounts_before()
        return sorted(self.grants - self._grants_before)

    def removed_grants(self) -> list[tuple[str, str]]:
        """A clean restore replaces every grant: those not in the backup are taken away."""
        if not self.options.clean or GRANT_LABEL not in self.restored:
            return []
        self._accounts_before()
        return sorted(self._grants_before - self.grants)

    def as_json(self) -> list[dict]:
        return [asdict(change) for change in self.changes]

    def require_allowed(self, allowed: bool) -> None:
        """Refuse (the restore then rolls back) when there are changes nobody allowed."""
        if self.changes and not allowed:
            listed = "; ".join(str(change) for change in self.changes[:10])
            raise PrivilegedChangesRefused(
                f"the backup would change privileged accounts ({listed}); nothing was restored. "
                "Check them in the dry-run plan, then restore again allowing them "
                "(--allow-privileged-changes; on the restore page, tick 'apply these privileged "
                "changes'): a superuser's decision, recorded in the audit trail"
            )

    def audit_grants(self, actor, source: str) -> None:
        """One ROLE_ASSIGNED / ROLE_REVOKED entry per grant the restore made or took away."""
        restore = {"by": "restore", "source": source}
        for username, role in self.new_grants():
            grant = UserRole.objects.filter(user__username=username, role__name=role).first()
            chain.record("ROLE_ASSIGNED", actor, grant, {"role": role, "user": username, **restore})
        for username, role in self.removed_grants():
            chain.record("ROLE_REVOKED", actor, None, {"role": role, "user": username, **restore})


def made_here(source: Path, sha256: str) -> bool:
    """The file is, byte for byte, a package this server wrote: the sidecar beside it, or one in
    the backups directory (an upload of a downloaded package), names this instance and its
    SHA-256."""
    beside = sidecar.path_of(Path(source))
    candidates = [beside, *sorted(Path(settings.BACKUP_DIR).glob(f"*{SIDECAR_SUFFIX}"))]
    instance_id = str(InstanceIdentity.current().instance_id)
    return any(_vouches(path, sha256, instance_id) for path in candidates)


def _vouches(path: Path, sha256: str, instance_id: str) -> bool:
    try:
        data = sidecar.read(path.with_name(path.name.removesuffix(SIDECAR_SUFFIX)))
    except CorruptPackage:
        return False
    return (
        data.get("sha256") == sha256
        and data.get("instance_id") == instance_id
        and data.get("origin") != BackupOrigin.FOUND
    )
