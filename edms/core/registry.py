"""Every installed model, declared once with its backup role, natural key and file fields.

Backup, reinit and restore read only this registry. A model that is installed but not declared
here fails the system checks (edms/core/checks.py: `edms check` and every command): leaving a
model out of backups is always a written decision with a reason, never an accident.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.apps import apps
from django.core.exceptions import FieldError
from django.db import models


class BackupRole(StrEnum):
    CONFIGURATION = "configuration"  # backed up; kept by reinit
    BUSINESS = "business"  # backed up; cleared by reinit
    EXCLUDED = "excluded"  # not backed up; `reason` says why


@dataclass(frozen=True)
class StoredFile:
    """A field holding a storage path, and the fields that hold the file's SHA-256 and size."""

    path_field: str
    sha256_field: str
    size_field: str


@dataclass(frozen=True)
class ModelEntry:
    label: str
    group: str
    role: BackupRole
    natural_key: tuple[str, ...]
    files: tuple[StoredFile, ...] = ()
    reason: str = ""
    cleared_by_reinit: bool = False
    append_only: bool = False  # evidence: a restore adds missing rows, never replaces one

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    @property
    def backed_up(self) -> bool:
        return self.role is not BackupRole.EXCLUDED


def _own(label: str, group: str, role: BackupRole, **kwargs) -> ModelEntry:
    """An EDMS model: its natural key is the one the model declares in NATURAL_KEY."""
    model = apps.get_model(label)
    return ModelEntry(label.lower(), group, role, tuple(model.NATURAL_KEY), **kwargs)


def _declarations() -> list[ModelEntry]:
    config, business, excluded = BackupRole.CONFIGURATION, BackupRole.BUSINESS, BackupRole.EXCLUDED
    version_file = StoredFile(path_field="file", sha256_field="sha256", size_field="size")
    return [
        ModelEntry(
            "contenttypes.contenttype",
            "configuration",
            excluded,
            ("app_label", "model"),
            reason="created by migrate on every install; referenced by natural key",
        ),
        ModelEntry(
            "auth.permission",
            "configuration",
            excluded,
            ("codename", "content_type__app_label", "content_type__model"),
            reason="created by migrate on every install; referenced by natural key",
        ),
        ModelEntry("auth.group", "accounts", config, ("name",)),
        ModelEntry(
            "admin.logentry",
            "operations",
            excluded,
            ("id",),
            reason="the Django admin's own click history; changes that matter are audited",
            cleared_by_reinit=True,
        ),
        ModelEntry(
            "sessions.session",
            "operations",
            excluded,
            ("session_key",),
            reason="login sessions are short-lived and tied to this server's secret key",
            cleared_by_reinit=True,
        ),
        *(
            ModelEntry(
                f"axes.{name}",
                "operations",
                excluded,
                (key,),
                reason="django-axes' failed-login counters for lockouts; short-lived, per server "
                "(every failure is also in the audit trail)",
                cleared_by_reinit=True,
            )
            for name, key in (
                ("accessattempt", "id"),
                ("accessattemptexpiration", "access_attempt"),
                ("accessfailurelog", "id"),
                ("accesslog", "id"),
            )
        ),
        ModelEntry(
            "token_blacklist.outstandingtoken",
            "operations",
            excluded,
            ("jti",),
            reason="JWTs issued by this server, signed with its secret key; meaningless elsewhere",
            cleared_by_reinit=True,
        ),
        ModelEntry(
            "token_blacklist.blacklistedtoken",
            "operations",
            excluded,
            ("token__jti",),
            reason="revoked JWTs of this server; they expire within REFRESH_TOKEN_LIFETIME",
            cleared_by_reinit=True,
        ),
        ModelEntry(
            "core.instanceidentity",
            "operations",
            excluded,
            ("instance_id",),
            reason="who this installation is; a restore must never change it",
        ),
        _own("core.SystemSetting", "configuration", config),
        _own("accounts.User", "accounts", business),
        _own("accounts.Role", "accounts", config),
        _own("accounts.UserRole", "accounts", business),
        _own("workflows.DocumentState", "configuration", config),
        _own("workflows.WorkflowType", "configuration", config),
        _own("documents.DocumentType", "configuration", config),
        _own("documents.DocumentSource", "configuration", config),
        _own("documents.Placeholder", "configuration", config),
        _own("documents.Document", "documents", business),
        _own("documents.DocumentVersion", "documents", business, files=(version_file,)),
        _own("documents.DocumentDependency", "documents", business),
        ModelEntry(
            "search.searchentry",
            "documents",
            excluded,
            ("document_uuid",),
            reason="rebuilt from documents (edms rebuild_search_index), with the full-text "
            "index over it: FTS5 table search_searchentry_fts, or a GIN index on PostgreSQL",
            cleared_by_reinit=True,
        ),
        _own("workflows.DocumentWorkflow", "workflows", business),
        _own("workflows.DocumentTransition", "workflows", business),
        _own("audit.AuditTrail", "audit", business, append_only=True),
        # In the audit group: a signature is verified against its signing entry, so the two
        # are restored together (`--only accounts,documents,workflows` leaves both out).
        _own("documents.Signature", "audit", business, append_only=True),
        _own("backup.BackupConfiguration", "configuration", config),
        _own(
            "backup.BackupJob",
            "operations",
            excluded,
            reason="this server's record of its own backup files; meaningless elsewhere",
            cleared_by_reinit=True,
        ),
        _own(
            "backup.RestoreJob",
            "operations",
            excluded,
            reason="this server's record of restores; a restore must not rewrite it",
            cleared_by_reinit=True,
        ),
    ]


class Registry:
    """Lookups over the declarations; built lazily because it needs the app registry."""

    def __init__(self, declarations: Callable[[], list[ModelEntry]] = _declarations) -> None:
        self._declarations = declarations
        self._entries: dict[str, ModelEntry] | None = None

    @property
    def entries(self) -> dict[str, ModelEntry]:
        if self._entries is None:
            self._entries = {entry.label: entry for entry in self._declarations()}
        return self._entries

    def entry(self, model: type[models.Model] | str) -> ModelEntry:
        label = model if isinstance(model, str) else model._meta.label_lower
        return self.entries[label.lower()]

    def undeclared(self, installed: Iterable[type[models.Model]] | None = None) -> list[str]:
        """Concrete installed models, auto-created many-to-many tables included, that no
        declaration accounts for. Such a table is covered by its owner's declaration: its rows
        travel with the owner's records, as Django serializes them, and go when they go."""
        if installed is None:
            installed = apps.get_models(include_auto_created=True)
        return sorted(
            model._meta.label_lower
            for model in installed
            if (model._meta.auto_created or model)._meta.label_lower not in self.entries
        )

    def declaration_problems(self) -> list[tuple[str, str]]:
        """(label, problem) for every declaration that does not fit the installed model."""
        found = []
        for label, entry in sorted(self.entries.items()):
            try:
                model = entry.model
            except LookupError:
                found.append((label, "declared but not installed"))
                continue
            found += [(label, problem) for problem in _entry_problems(entry, model)]
        return found

    def in_dependency_order(self, entries: list[ModelEntry] | None = None) -> list[ModelEntry]:
        """Entries ordered so that every model comes after the models its foreign keys and
        many-to-many fields point to (self-references excepted)."""
        chosen = {e.label: e for e in (entries if entries is not None else self.entries.values())}
        sorter: graphlib.TopologicalSorter = graphlib.TopologicalSorter()
        for label, entry in sorted(chosen.items()):
            sorter.add(label, *sorted(dep for dep in dependencies(entry.model) if dep in chosen))
        return [chosen[label] for label in sorter.static_order()]

    def backed_up(self) -> list[ModelEntry]:
        return self.in_dependency_order([e for e in self.entries.values() if e.backed_up])

    def of_role(self, role: BackupRole) -> list[ModelEntry]:
        return self.in_dependency_order([e for e in self.entries.values() if e.role is role])

    def cleared_by_reinit(self) -> list[ModelEntry]:
        return self.in_dependency_order(
            [
                e
                for e in self.entries.values()
                if e.role is BackupRole.BUSINESS or e.cleared_by_reinit
            ]
        )


def _entry_problems(entry: ModelEntry, model: type[models.Model]) -> list[str]:
    problems = []
    for path in entry.natural_key:
        try:
            models.F(path).resolve_expression(model.objects.all().query)
        except FieldError:
            problems.append(f"natural key path {path!r} does not resolve")
    names = {f.name for f in model._meta.get_fields()} | {f.attname for f in model._meta.fields}
    for stored in entry.files:
        for name in (stored.path_field, stored.sha256_field, stored.size_field):
            if name not in names:
                problems.append(f"file field {name!r} does not exist")
    if entry.backed_up:
        problems += [
            f"{f.name} uses auto_now/auto_now_add, which a restore cannot keep"
            for f in model._meta.concrete_fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
    elif not entry.reason.strip():
        problems.append("excluded without a reason")
    return problems


def dependencies(model: type[models.Model]) -> set[str]:
    """Labels of the other models this model's forward relations point to."""
    related = set()
    for field in model._meta.get_fields():
        if (field.many_to_one or field.one_to_one or field.many_to_many) and not field.auto_created:
            target = field.related_model
            if target is not None and target is not model:
                related.add(target._meta.label_lower)
    return related


registry = Registry()
