"""Workflow history (workflow runs and their state transitions) on its own: exported as a
Django JSON Lines fixture with natural keys, checked for consistency, imported by the restore
engine. The same checks run over this database or over a file, before it is imported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.dateparse import parse_datetime

from edms.backup.serialize import canonical_line, iter_records
from edms.core.registry import registry
from edms.documents.models import Document
from edms.workflows.models import DocumentState, WorkflowType

WORKFLOW = "workflows.documentworkflow"
TRANSITION = "workflows.documenttransition"
LABELS = (WORKFLOW, TRANSITION)
REQUIRED = {
    WORKFLOW: ("uuid", "document", "workflow_type", "current_state"),
    TRANSITION: ("uuid", "workflow", "from_state", "to_state", "transitioned_at"),
}


@dataclass(frozen=True)
class ExportResult:
    path: str
    sha256: str
    counts: dict[str, int]


def export_history(output: Path, using: str = "default") -> ExportResult:
    """Write every workflow run, then every transition, one record per line. The file appears
    under its name only when complete, readable by the owner only (it names people)."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    digest, counts = hashlib.sha256(), dict.fromkeys(LABELS, 0)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            for label, records in database_history(using):
                for record in records:
                    line = canonical_line(record) + b"\n"
                    f.write(line)
                    digest.update(line)
                    counts[label] += 1
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return ExportResult(str(output), digest.hexdigest(), counts)


def database_history(using: str = "default") -> Iterator[tuple[str, Iterator[dict]]]:
    """This database's workflow history, as records with natural keys."""
    for label in LABELS:
        yield label, iter_records(registry.entry(label), using)


@dataclass
class HistoryReport:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict:
        return {"ok": self.ok, "counts": self.counts, "problems": self.problems}


def check_history(models: Iterable[tuple[str, Iterable[dict]]]) -> HistoryReport:
    """Check workflow records against this installation and against themselves: the states,
    workflow types and documents they name exist here; every transition belongs to a known
    workflow; within a workflow each transition starts where the one before ended; and the
    last one ends in the workflow's current state."""
    report = HistoryReport()
    states = set(DocumentState.objects.values_list("code", flat=True))
    types = set(WorkflowType.objects.values_list("name", flat=True))
    workflows: dict[str, dict] = {}
    transitions: dict[str, list[tuple]] = defaultdict(list)
    for label, records in models:
        if label not in LABELS:
            continue
        for record in records:
            report.counts[label] += 1
            fields = record.get("fields", {})
            missing = [name for name in REQUIRED[label] if name not in fields]
            if missing:
                report.problems.append(
                    f"{label} record #{report.counts[label]} lacks {', '.join(missing)}"
                )
            elif label == WORKFLOW:
                workflows[str(fields["uuid"])] = fields
            else:
                transitions[_key(fields["workflow"])].append(
                    (_moment(fields["transitioned_at"]), report.counts[label], fields)
                )
    _check_references(report, workflows, transitions, states, types)
    for uuid, steps in transitions.items():
        if uuid in workflows:
            _check_sequence(report, uuid, workflows[uuid], sorted(steps, key=lambda s: s[:2]))
    return report


def _check_references(report, workflows, transitions, states, types) -> None:
    numbers = {_key(fields["document"]) for fields in workflows.values()}
    existing = set(
        Document.objects.filter(document_number__in=numbers).values_list(
            "document_number", flat=True
        )
    )
    for uuid, fields in workflows.items():
        document = _key(fields["document"])
        if document not in existing:
            report.problems.append(f"workflow {uuid}: document {document} does not exist here")
        if _key(fields["workflow_type"]) not in types:
            report.problems.append(
                f"workflow {uuid}: workflow type {_key(fields['workflow_type'])} does not exist"
            )
        if _key(fields["current_state"]) not in states:
            report.problems.append(
                f"workflow {uuid}: state {_key(fields['current_state'])} does not exist"
            )
    for uuid, steps in transitions.items():
        if uuid not in workflows:
            report.problems.append(f"{len(steps)} transition(s) of unknown workflow {uuid}")
        for _, _, fields in steps:
            for name in ("from_state", "to_state"):
                state = _key(fields[name])
                if state is not None and state not in states:
                    report.problems.append(
                        f"transition {fields['uuid']}: {name} {state} does not exist"
                    )


def _check_sequence(report, uuid: str, workflow: dict, steps: list[tuple]) -> None:
    previous = None
    for _, _, fields in steps:
        start, end = _key(fields["from_state"]), _key(fields["to_state"])
        if previous is not None and start != previous:
            report.problems.append(
                f"workflow {uuid}: transition {fields['uuid']} starts at {start} "
                f"but the one before ended at {previous}"
            )
        previous = end
    if previous != _key(workflow["current_state"]):
        report.problems.append(
            f"workflow {uuid}: its last transition ends at {previous} "
            f"but the workflow is at {_key(workflow['current_state'])}"
        )


def _moment(value) -> dt.datetime:
    return parse_datetime(value) if isinstance(value, str) else value


def _key(value):
    """A one-part natural key as its value (``["SOP-0001"]`` -> ``"SOP-0001"``)."""
    if isinstance(value, list | tuple) and len(value) == 1:
        return str(value[0])
    return None if value is None else str(value)
