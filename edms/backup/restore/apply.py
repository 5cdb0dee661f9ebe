"""The restore engine: one mechanism for every model, driven by the registry and natural keys.

Models arrive in dependency order. Each model's records are taken in chunks: references become
pks through the Resolver, existing rows are matched by natural key (one ``in_bulk`` per chunk),
new rows are written in bulk (``insert``: COPY on PostgreSQL) and existing ones that differ
are kept, updated with ``bulk_update`` or refused, by policy; evidence (audit entries,
signatures: ``append_only`` in the registry) is never updated, whatever the policy. Nullable
references to rows that do not exist yet (a document superseded by a later one) are written
empty and filled in a second pass; records whose required reference is missing are retried
after their model, like Django's loaddata.
In a dry run the same classification runs and nothing is written.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import models

from edms.backup.errors import CorruptPackage, RestoreConflict, ValidationFailed
from edms.backup.restore import field_rules
from edms.backup.restore.insert import insert
from edms.backup.restore.plan import ModelPlan, RestoreOptions
from edms.backup.restore.records import ModelShape, Resolver, Row, Unresolved
from edms.core.progress import NO_PROGRESS, Progress
from edms.core.registry import ModelEntry, dependencies

CHUNK = 2000


@dataclass(frozen=True)
class LateReference:
    model: type[models.Model]
    pk: object
    field: models.Field
    target: type[models.Model]
    target_key: tuple
    key: tuple


class Loader:
    """Loads records into database `options.using`; ``plans`` says what it did per model."""

    def __init__(
        self,
        options: RestoreOptions,
        entries: list[ModelEntry],
        empty: set[str] = frozenset(),
        progress: Progress = NO_PROGRESS,
        total: int = 0,
    ) -> None:
        self.options = options
        self.entries = {entry.label: entry for entry in entries}
        self.resolver = Resolver(options.using, empty)
        self.cleared = set(empty)
        self.plans: dict[str, ModelPlan] = {}
        self.seen: dict[str, set[int]] = {}  # hashes of each model's natural keys in the backup
        self.skipped: dict[str, int] = {}  # records of models not restored (excluded, --only)
        self._late: list[LateReference] = []
        self._fake_pks = itertools.count(-1, -1)
        self._progress, self._total, self._done = progress, total, 0
        self._referenced = {dep for entry in entries for dep in dependencies(entry.model)}

    def load(self, models_and_records: Iterable[tuple[str, Iterator[dict]]]) -> None:
        for label, records in models_and_records:
            entry = self.entries.get(label)
            if entry is None:
                self.skipped[label] = sum(1 for _ in records)
                self._advance(self.skipped[label])
                continue
            self._load_model(entry, records)
        self._fill_late_references()

    def _load_model(self, entry: ModelEntry, records: Iterator[dict]) -> None:
        shape = ModelShape.of(entry.model)
        plan = self.plans.setdefault(entry.label, ModelPlan(entry.label))
        seen = self.seen.setdefault(entry.label, set())
        waiting: list[tuple[dict, Unresolved]] = []
        for chunk in _batched(records, CHUNK):
            rows = []
            for record in chunk:
                fields = record.get("fields", {})
                row, missing = self.resolver.row(shape, fields)
                if missing is not None:
                    waiting.append((fields, missing))
                    continue
                self._note_key(entry, plan, seen, row.key)
                rows.append(row)
            self._write(shape, plan, rows, entry.append_only)
            self._advance(len(chunk))
        self._retry(entry, shape, plan, seen, waiting)
        if entry.label not in self._referenced and not self.options.dry_run:
            self.resolver.forget(entry.model)

    def _note_key(self, entry: ModelEntry, plan: ModelPlan, seen: set[int], key: tuple) -> None:
        marker = hash(key)
        if marker in seen:
            raise CorruptPackage(f"{entry.label} {list(key)} appears twice in the backup")
        seen.add(marker)
        plan.in_backup += 1

    def _retry(self, entry, shape, plan, seen, waiting) -> None:
        """Records whose required reference came later in the same model, loaded in rounds."""
        while waiting:
            rows, still_waiting = [], []
            for fields, _ in waiting:
                row, missing = self.resolver.row(shape, fields)
                if missing is None:
                    self._note_key(entry, plan, seen, row.key)
                    rows.append(row)
                else:
                    still_waiting.append((fields, missing))
            if not rows:
                raise ValidationFailed(str(still_waiting[0][1]))
            self._write(shape, plan, rows, entry.append_only)
            waiting = still_waiting

    def _write(
        self, shape: ModelShape, plan: ModelPlan, rows: list[Row], append_only: bool
    ) -> None:
        key_map = self.resolver.key_map(shape.model)
        existing = {row.key: key_map[row.key] for row in rows if row.key in key_map}
        current = self._current(shape, existing.values())
        creates, updates = [], []
        for row in rows:
            pk = existing.get(row.key)
            if pk is None:
                creates.append(row)
                continue
            changed = _differences(shape, current[pk], row)
            if not changed:
                plan.matched += 1
            elif self.options.conflict == "update" and not append_only:
                plan.update += 1
                updates.append((pk, row, changed))
            elif self.options.conflict == "fail":
                raise RestoreConflict(
                    f"{plan.label} {list(row.key)} already exists and differs in "
                    f"{', '.join(sorted(changed))}; nothing was restored. Restore with "
                    "--conflict keep to keep the existing record or --conflict update to replace it"
                )
            else:
                plan.note_conflict(row.key)
        written = [(row.key, row.values) for row in creates]
        field_rules.check_rows(shape.model, written + [(r.key, r.values) for _, r, _ in updates])
        plan.create += len(creates)
        self._create(shape, key_map, creates)
        self._update(shape, updates)

    def _current(self, shape: ModelShape, pks) -> dict[object, tuple[models.Model, dict]]:
        """Existing rows (and their many-to-many pks) for the matched records of a chunk."""
        pks = [pk for pk in pks if not (isinstance(pk, int) and pk < 0)]
        if not pks:
            return {}
        manager = shape.model._base_manager.using(self.options.using)
        objects = manager.in_bulk(pks)
        related: dict[object, dict[str, list]] = {pk: {} for pk in pks}
        for m2m in shape.many_to_many:
            pairs = m2m.through._base_manager.using(self.options.using).filter(
                **{f"{m2m.source}__in": pks}
            )
            for pk in pks:
                related[pk][m2m.name] = []
            for source, target in pairs.values_list(m2m.source, m2m.target):
                related[source][m2m.name].append(target)
        return {pk: (objects[pk], related[pk]) for pk in pks}

    def _create(self, shape: ModelShape, key_map: dict, rows: list[Row]) -> None:
        if not rows:
            return
        if self.options.dry_run:
            pks = [next(self._fake_pks) for _ in rows]
        else:
            pks = insert(shape.model, [row.values for row in rows], self.options.using)
            self._write_many_to_many(shape, list(zip(pks, rows, strict=True)))
        for pk, row in zip(pks, rows, strict=True):
            key_map[row.key] = pk
            for column, target_key in row.late:
                self._late.append(
                    LateReference(shape.model, pk, column.field, column.target, target_key, row.key)
                )

    def _update(self, shape: ModelShape, updates: list[tuple[object, Row, set[str]]]) -> None:
        if not updates or self.options.dry_run:
            return
        attnames = sorted({name for _, _, changed in updates for name in changed} - {"m2m"})
        by_attname = {column.attname: column.field.name for column in shape.columns}
        objects = []
        for pk, row, _ in updates:
            obj = shape.model(pk=pk, **row.values)
            objects.append(obj)
        if attnames:
            names = [by_attname[a] for a in attnames]
            shape.model._base_manager.using(self.options.using).bulk_update(
                objects, names, batch_size=500
            )
        for m2m in shape.many_to_many:
            m2m.through._base_manager.using(self.options.using).filter(
                **{f"{m2m.source}__in": [pk for pk, _, _ in updates]}
            )._raw_delete(self.options.using)
        self._write_many_to_many(shape, [(pk, row) for pk, row, _ in updates])
        for pk, row, _ in updates:
            for column, target_key in row.late:
                self._late.append(
                    LateReference(shape.model, pk, column.field, column.target, target_key, row.key)
                )

    def _write_many_to_many(self, shape: ModelShape, pairs: list[tuple[object, Row]]) -> None:
        for m2m in shape.many_to_many:
            links = [
                {m2m.source: pk, m2m.target: target}
                for pk, row in pairs
                for target in row.many_to_many.get(m2m.name, [])
            ]
            insert(m2m.through, links, self.options.using)

    def _fill_late_references(self) -> None:
        """Second pass: references to rows that were created after the row pointing at them."""
        groups: dict[tuple, list] = {}
        for late in self._late:
            target_pk = self.resolver.key_map(late.target).get(late.target_key)
            if target_pk is None:
                label = late.model._meta.label_lower
                raise ValidationFailed(
                    str(
                        Unresolved(
                            label,
                            late.key,
                            late.field.name,
                            late.target._meta.label_lower,
                            late.target_key,
                        )
                    )
                )
            groups.setdefault((late.model, late.field), []).append((late.pk, target_pk))
        if self.options.dry_run:
            return
        for (model, field), pairs in groups.items():
            objects = [model(pk=pk, **{field.attname: target}) for pk, target in pairs]
            model._base_manager.using(self.options.using).bulk_update(
                objects, [field.name], batch_size=500
            )

    def _advance(self, count: int) -> None:
        self._done += count
        self._progress("records", self._done, self._total)


def _batched(items: Iterator[dict], size: int) -> Iterator[list[dict]]:
    items = iter(items)
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def _differences(shape: ModelShape, current: tuple[models.Model, dict], row: Row) -> set[str]:
    """Attnames whose stored value differs from the record ('m2m' for related sets)."""
    obj, related = current
    changed = {name for name, value in row.values.items() if getattr(obj, name) != value}
    changed |= {column.attname for column, _ in row.late}  # it cannot point at a row not yet made
    for m2m in shape.many_to_many:
        if sorted(related.get(m2m.name, [])) != row.many_to_many.get(m2m.name, []):
            changed.add("m2m")
    return changed
