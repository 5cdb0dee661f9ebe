"""After a restore: is the system whole? Counts, stored files, audit chains, database sequences
and an administrator who can log in — each a named check with what it found."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.db import connections

from edms.audit import chain
from edms.backup.restore.validate import file_problem
from edms.backup.target import LIVE, Target
from edms.core.registry import registry


@dataclass
class HealthCheck:
    name: str
    ok: bool
    detail: str


@dataclass
class RestoreHealth:
    checks: list[HealthCheck] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_json(self) -> dict:
        return {"ok": self.ok, "checks": [asdict(c) for c in self.checks], "counts": self.counts}


def post_restore_health(target: Target = LIVE, require_admin: bool = True) -> RestoreHealth:
    """Run every check; `require_admin=False` for a drill, whose backup may hold no admin."""
    health, using = RestoreHealth(), target.using
    for entry in registry.backed_up():
        health.counts[entry.label] = entry.model._base_manager.using(using).count()
    business = sum(health.counts[e.label] for e in registry.backed_up() if e.role == "business")
    health.checks.append(HealthCheck("counts", True, f"{business} business records"))
    health.checks.append(_files(target))
    breaks = chain.verify(using)
    health.checks.append(
        HealthCheck(
            "audit chain", not breaks, "; ".join(map(str, breaks)) or "every chain verifies"
        )
    )
    health.checks.append(_sequences(using))
    if require_admin:
        health.checks.append(_admin_login(using))
    return health


def _files(target: Target) -> HealthCheck:
    problems, checked, root = [], 0, target.root
    for entry in registry.backed_up():
        for stored in entry.files:
            rows = entry.model._base_manager.using(target.using).values_list(
                stored.path_field, stored.sha256_field, stored.size_field
            )
            for path, sha256, size in rows.distinct().iterator(chunk_size=2000):
                checked += 1
                if problem := file_problem(path, sha256, size, verified=set(), root=root):
                    problems.append(f"{path}: {problem}")
    detail = "; ".join(problems[:10]) or f"{checked} stored files match their SHA-256"
    return HealthCheck("files", not problems, detail)


def _sequences(using: str) -> HealthCheck:
    """On PostgreSQL, every table's next id must lie above its highest id."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return HealthCheck("sequences", True, f"not needed on {connection.vendor}")
    behind = []
    with connection.cursor() as cursor:
        for entry in registry.in_dependency_order():
            table, pk = entry.model._meta.db_table, entry.model._meta.pk.column
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
            sequence = cursor.fetchone()[0]
            if sequence is None:
                continue
            cursor.execute(f'SELECT MAX("{pk}") FROM "{table}"')  # noqa: S608 - names from models
            highest = cursor.fetchone()[0] or 0
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
            last_value, is_called = cursor.fetchone()
            next_value = last_value + 1 if is_called else last_value
            if next_value <= highest:
                behind.append(f"{table}: next id {next_value}, highest {highest}")
    return HealthCheck("sequences", not behind, "; ".join(behind) or "every sequence is ahead")


def _admin_login(using: str) -> HealthCheck:
    from edms.accounts.models import User

    admins = User._base_manager.using(using).filter(
        is_active=True, is_staff=True, is_superuser=True
    )
    usable = [u.username for u in admins if u.has_usable_password()]
    detail = f"can log in: {', '.join(usable)}" if usable else "no active superuser with a password"
    return HealthCheck("admin login", bool(usable), detail)
