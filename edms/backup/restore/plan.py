"""What a restore will do, decided before (and reported after) it does it.

``RestoreOptions`` holds the operator's choices; ``select_entries`` turns ``--only`` groups into
the registry entries to restore plus everything they depend on; ``ModelPlan`` counts, per model,
the records to create, matched unchanged, to update, and in conflict (exists and differs).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from edms.backup.errors import BackupError
from edms.core.registry import ModelEntry, dependencies, registry

CONFLICT_POLICIES = ("keep", "update", "fail")
GROUPS = ("accounts", "configuration", "documents", "workflows", "audit")
CRITICAL_BUSINESS_GROUPS = ("accounts", "documents", "workflows")


@dataclass(frozen=True)
class RestoreOptions:
    clean: bool = False
    dry_run: bool = False
    conflict: str = "keep"
    only: tuple[str, ...] = ()
    using: str = "default"

    def __post_init__(self) -> None:
        if self.conflict not in CONFLICT_POLICIES:
            raise BackupError(
                f"unknown conflict policy {self.conflict!r}; "
                f"use one of {', '.join(CONFLICT_POLICIES)}"
            )
        unknown = set(self.only) - set(GROUPS)
        if unknown:
            raise BackupError(
                f"unknown group(s) {', '.join(sorted(unknown))}; groups are {', '.join(GROUPS)}"
            )
        if self.clean and self.only:
            raise BackupError(
                "--clean replaces all business data; it cannot be combined with --only"
            )

    @property
    def mode(self) -> str:
        return "dry-run" if self.dry_run else "clean" if self.clean else "merge"


def select_entries(only: tuple[str, ...] = ()) -> list[ModelEntry]:
    """The backed-up entries to restore, in dependency order: all of them, or the `only` groups
    together with every model those depend on (a document needs its author and its type)."""
    backed_up = {entry.label: entry for entry in registry.backed_up()}
    if not only:
        return list(backed_up.values())
    chosen = {label for label, entry in backed_up.items() if entry.group in only}
    pending = list(chosen)
    while pending:
        for dep in dependencies(backed_up[pending.pop()].model):
            if dep in backed_up and dep not in chosen:
                chosen.add(dep)
                pending.append(dep)
    return [entry for label, entry in backed_up.items() if label in chosen]


@dataclass
class ModelPlan:
    label: str
    in_backup: int = 0
    create: int = 0
    matched: int = 0
    update: int = 0
    conflict: int = 0
    conflicts: list[list] = field(default_factory=list)  # a few natural keys, for the operator

    def note_conflict(self, key: tuple) -> None:
        self.conflict += 1
        if len(self.conflicts) < 5:
            self.conflicts.append([str(value) for value in key])

    def as_json(self) -> dict:
        return asdict(self)
