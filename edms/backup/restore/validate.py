"""Proof that a restore did what it says, checked inside its transaction before the commit.

Every record of the backup is present (by natural key, or for business records on a clean
restore by the matching content digest), counts match the manifest, every stored file referenced
by the restored models exists with its hash, a clean restore's content digest equals the
backup's, and the audit chains verify. A failed check raises ValidationFailed, which
rolls the restore back: a shortfall is never reported as success.
"""

from __future__ import annotations

import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path

from edms.audit import chain
from edms.backup.errors import ValidationFailed
from edms.backup.restore.apply import Loader
from edms.backup.restore.files import SHA256
from edms.backup.restore.keys import CHUNK, paths_of
from edms.backup.target import Target
from edms.core.registry import ModelEntry
from edms.documents import storage


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Validation:
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, problems: list[str], passed: str) -> None:
        ok = not problems
        self.checks.append(Check(name, ok, passed if ok else "; ".join(problems[:10])))

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def raise_if_failed(self) -> None:
        failed = [f"{c.name}: {c.detail}" for c in self.checks if not c.ok]
        if failed:
            raise ValidationFailed(
                "restore validation failed, nothing was changed — " + " | ".join(failed)
            )

    def as_json(self) -> list[dict]:
        return [asdict(check) for check in self.checks]


def records_present(
    validation: Validation, loader: Loader, using: str, proven: set[str] = frozenset()
) -> None:
    """Every record of the backup is in the database, looked up by natural key; models in
    `proven` are skipped: a matching content digest already showed their records are there."""
    problems, looked_up = [], 0
    for label, seen in loader.seen.items():
        if label in proven:
            continue
        looked_up += len(seen)
        missing = set(seen)
        entry = loader.entries[label]
        rows = entry.model._base_manager.using(using).values_list(*paths_of(entry.model))
        for key in rows.iterator(chunk_size=CHUNK):
            missing.discard(hash(tuple(key)))
        if missing:
            problems.append(
                f"{len(missing)} {label} record(s) of the backup are not in the database"
            )
    total = sum(len(seen) for seen in loader.seen.values())
    passed = f"all {total} records present ({looked_up} found by natural key"
    passed += f", {total - looked_up} shown by the content digest)" if proven else ")"
    validation.add("records present", problems, passed)


def counts_match(
    validation: Validation, loader: Loader, manifest_counts: dict[str, int], clean: bool, using: str
) -> None:
    """Records read equal the manifest's counts; after a clean restore, business tables hold
    exactly the backup's rows."""
    problems = []
    for label, plan in loader.plans.items():
        expected = manifest_counts.get(label)
        if expected is not None and plan.in_backup != expected:
            problems.append(f"{label}: read {plan.in_backup}, manifest says {expected}")
        if clean and label in loader.cleared:
            stored = loader.entries[label].model._base_manager.using(using).count()
            if stored != plan.in_backup:
                problems.append(f"{label}: {stored} rows after a clean restore of {plan.in_backup}")
    for label, expected in manifest_counts.items():
        if expected and label in loader.entries and label not in loader.plans:
            problems.append(f"{label}: manifest lists {expected} records, none were read")
    validation.add("counts match manifest", problems, "every model's count matches")


def files_present(
    validation: Validation, entries: list[ModelEntry], verified: set[str], target: Target
) -> None:
    problems, checked = [], set()
    root, using = target.root, target.using
    for entry in entries:
        for stored in entry.files:
            rows = entry.model._base_manager.using(using).values_list(
                stored.path_field, stored.sha256_field, stored.size_field
            )
            for path, sha256, size in rows.iterator(chunk_size=CHUNK):
                if (path, sha256) in checked:
                    continue
                checked.add((path, sha256))
                problem = file_problem(path, sha256, size, verified, root)
                if problem:
                    problems.append(f"{entry.label} file {path}: {problem}")
    validation.add("files present", problems, f"{len(checked)} stored files with matching SHA-256")


def file_problem(path: str, sha256: str, size: int, verified: set[str], root: Path) -> str:
    """What is wrong with the file one record names ('' if nothing); `root`: the resolved
    storage root. The hash is skipped only for a file this restore verified at that very path
    (its content address); a record naming one file with another's hash is always caught."""
    at_its_address = path == storage.relative_path(sha256) and SHA256.fullmatch(sha256)
    if at_its_address:
        # hex only, it cannot leave the root
        location = root / path
    else:
        try:
            location = storage.absolute(path, root)
        except ValueError as exc:
            return str(exc)
    try:
        status = location.stat()
    except OSError:
        return "missing from storage"
    if not stat.S_ISREG(status.st_mode):
        return "missing from storage"
    if status.st_size != size:
        return f"size {status.st_size}, expected {size}"
    if not (at_its_address and sha256 in verified) and storage.file_sha256(location) != sha256:
        return "content does not match its SHA-256"
    return ""


def digest_matches(validation: Validation, expected: str | None, using: str) -> None:
    from edms.backup.digest import content_digest

    if not expected:
        validation.add("content digest", [], "no digest in the source; skipped")
        return
    actual = content_digest(using)
    problems = [] if actual == expected else [f"business data digest {actual}, backup {expected}"]
    validation.add("content digest", problems, f"business data digest {actual} matches")


def audit_chain_verifies(validation: Validation, using: str) -> None:
    breaks = [str(b) for b in chain.verify(using)]
    validation.add("audit chain", breaks, "every audit chain verifies")
