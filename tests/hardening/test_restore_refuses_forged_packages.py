"""Forged packages are refused before anything changes (issue 11, items 3-6).

The attacker edits a package's records: recomputing the members' hashes but not the content
digest (item 4); pointing a version at one stored file with another's hash and size (item 5);
writing values the models forbid (item 6); appending to or rewriting this server's audit chain
with every hash recomputed (item 3). Each is refused with a clear error and nothing changes.
"""

from __future__ import annotations

import contextlib
import io
import uuid
from datetime import datetime
from types import SimpleNamespace

import pytest

from edms.audit import chain
from edms.audit.models import AuditTrail
from edms.backup.errors import CorruptPackage, RestoreConflict, ValidationFailed
from edms.backup.restore.service import restore
from edms.core.models import InstanceIdentity
from tests.restore.helpers import forge

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def forgeable_instance(small_instance):
    """The small instance plus a second version of the draft WI of the same length as its
    first, and a backup configuration."""
    from edms.backup.operations import configurations
    from edms.documents import lifecycle

    draft = small_instance["documents"][1]
    lifecycle.upload_version(
        small_instance["people"]["author"], draft, io.BytesIO(b"weigh 2!"), "wi.txt"
    )
    configurations.create("nightly", backup_type="full", schedule="0 2 * * *")
    return small_instance


@pytest.fixture
def package(forgeable_instance, backup_file):
    """A full backup of that instance (sidecar beside it)."""
    return backup_file()


def _only(label, edit_records):
    def edit(name, records):
        return edit_records(records) if name == label else records

    return edit


def _retitle(records):
    for record in records:
        if record["fields"]["document_number"] == "SOP-0001":
            record["fields"]["title"] = "Cleaning, as the forger wants it"
    return records


MODES = {
    "merge": {},
    "clean": {"clean": True},
    "dry run": {"dry_run": True},
    "update": {"conflict": "update"},
}


# --- item 4: records changed, members rehashed, the content digest left alone -------------


@pytest.mark.parametrize("mode", MODES)
def test_records_changed_without_the_digest_are_refused_in_every_mode(
    package, tmp_path, state, mode
):
    """GIVEN a package whose document title was edited and the members' SHA-256s recomputed,
    but not the content digest WHEN it is restored in any mode THEN CorruptPackage names the
    content digest, and nothing changed."""
    forged = forge(
        package,
        tmp_path / "no-digest.tar.zst",
        _only("documents.document", _retitle),
        recompute_digest=False,
    )
    before = state()

    with pytest.raises(CorruptPackage, match="content digest"):
        restore(forged, **MODES[mode])

    assert state() == before


# --- item 5: one stored file named with another's hash and size ----------------------------


@pytest.mark.parametrize("mode", [{"clean": True}, {"conflict": "update"}])
def test_a_version_naming_one_file_with_anothers_hash_is_refused(package, tmp_path, state, mode):
    """GIVEN two versions of the same length and different content WHEN the first version's
    record keeps its file path but carries the second's SHA-256 and size (digest recomputed)
    THEN the restore fails validation saying the content does not match, nothing changed."""
    from edms.documents.models import DocumentVersion

    first, second = DocumentVersion.objects.filter(document__document_type__code="WI").order_by(
        "version_number"
    )
    assert first.size == second.size and first.sha256 != second.sha256

    def swap(records):
        for record in records:
            if record["fields"]["file"] == first.file:
                record["fields"].update(sha256=second.sha256, size=second.size)
        return records

    forged = forge(package, tmp_path / "swapped.tar.zst", _only("documents.documentversion", swap))
    before = state()

    with pytest.raises(ValidationFailed) as refused:
        restore(forged, **mode)

    assert "content does not match its SHA-256" in str(refused.value)
    assert first.file in str(refused.value)
    assert state() == before


# --- item 6: values the model forbids ------------------------------------------------------


def _set_field(label, field, value, match=lambda fields: True):
    def edit(records):
        for record in records:
            if match(record["fields"]):
                record["fields"][field] = value
        return records

    return _only(label, edit)


INVALID = {
    "unknown backup type": (
        _set_field("backup.backupconfiguration", "backup_type", "everything"),
        "backup.backupconfiguration",
        "backup_type",
    ),
    "schedule that is no cron expression": (
        _set_field("backup.backupconfiguration", "schedule", "every night at two"),
        "backup.backupconfiguration",
        "schedule",
    ),
    "over-long title": (
        _set_field(
            "documents.document",
            "title",
            "T" * 301,
            lambda f: f["document_number"] == "SOP-0001",
        ),
        "documents.document",
        "title",
    ),
    "unknown dependency type": (
        _set_field("documents.documentdependency", "dependency_type", "OWNS"),
        "documents.documentdependency",
        "dependency_type",
    ),
}

CONFIGURATION = ("unknown backup type", "schedule that is no cron expression")


@pytest.mark.parametrize(
    ("invalid", "mode"),
    [
        *(
            (name, mode)
            for name in INVALID
            for mode in ({"clean": True}, {"conflict": "update"})
            if not (name in CONFIGURATION and mode == {"clean": True})
        ),
        *((name, {"clean": True, "conflict": "update"}) for name in CONFIGURATION),
    ],
)
def test_a_value_the_model_forbids_is_refused(package, tmp_path, state, invalid, mode):
    """GIVEN a package with an unknown choice or an over-long value, hashes and digest
    recomputed WHEN it is restored so that the record would be written THEN ValidationFailed
    names the model and the field, and nothing changed. (A clean restore clears business data
    only: a configuration record is then merged, so written only with conflict=update.)"""
    edit, label, field = INVALID[invalid]
    forged = forge(package, tmp_path / "invalid.tar.zst", edit)
    before = state()

    with pytest.raises(ValidationFailed) as refused:
        restore(forged, **mode)

    assert label in str(refused.value)
    assert f" {field}:" in str(refused.value)
    assert state() == before


# --- item 3: this server's audit chain, appended to or rewritten ---------------------------


def _rehash(records, chain_id, start):
    """Recompute entry hashes and links of the chain's entries from sequence `start` on."""
    ours = sorted(
        (r for r in records if str(r["fields"]["chain"]) == chain_id),
        key=lambda r: r["fields"]["sequence"],
    )
    previous = None
    for record in ours:
        fields = record["fields"]
        if fields["sequence"] >= start:
            if previous is not None:
                fields["previous_hash"] = previous
            fields["entry_hash"] = chain.entry_hash(_entry(fields))
        previous = fields["entry_hash"]
    return records


def _entry(fields):
    values = {name: fields[name] for name in chain.HASHED_FIELDS}
    values["timestamp"] = datetime.fromisoformat(fields["timestamp"].replace("Z", "+00:00"))
    return SimpleNamespace(**values)


def _live_trail():
    return list(
        AuditTrail.objects.order_by("chain", "sequence").values_list(
            "chain", "sequence", "entry_hash", "details"
        )
    )


def test_an_entry_appended_after_the_live_head_is_refused(package, tmp_path, state):
    """GIVEN a package with one correctly hashed entry appended after this server's chain
    head WHEN it is restored THEN RestoreConflict says the server never wrote it, nothing
    changed, and the chain verifies."""
    identity = InstanceIdentity.current()
    head = AuditTrail.objects.get(chain=identity.audit_chain, sequence=identity.audit_head)

    def append(records):
        model = records[-1]
        fields = dict(
            model["fields"],
            uuid=str(uuid.uuid4()),
            chain=str(head.chain),
            sequence=head.sequence + 1,
            action="ROLE_ASSIGNED",
            details={"role": "Administrator", "user": "viewer01"},
            previous_hash=head.entry_hash,
        )
        fields["entry_hash"] = chain.entry_hash(_entry(fields))
        return [*records, {**model, "fields": fields}]

    forged = forge(package, tmp_path / "appended.tar.zst", _only("audit.audittrail", append))
    before, trail = state(), _live_trail()

    with pytest.raises(RestoreConflict, match="never wrote"):
        restore(forged)

    assert state() == before and _live_trail() == trail
    assert chain.verify() == []


def _rewrite(records):
    chain_id = str(InstanceIdentity.current().audit_chain)
    target = min(
        (r for r in records if str(r["fields"]["chain"]) == chain_id),
        key=lambda r: r["fields"]["sequence"],
    )
    target["fields"]["details"] = {**target["fields"]["details"], "forged": True}
    return _rehash(records, chain_id, target["fields"]["sequence"])


@pytest.mark.parametrize("mode", [{}, {"clean": True}])
def test_a_rewritten_and_rehashed_entry_is_refused(package, tmp_path, state, mode):
    """GIVEN a package whose first entry of this server's chain was rewritten and every later
    entry rehashed WHEN it is restored THEN RestoreConflict says the entries were altered,
    nothing changed, and the chain verifies."""
    forged = forge(package, tmp_path / "rewritten.tar.zst", _only("audit.audittrail", _rewrite))
    before, trail = state(), _live_trail()

    with pytest.raises(RestoreConflict, match="altered"):
        restore(forged, **mode)

    assert state() == before and _live_trail() == trail
    assert chain.verify() == []


def test_conflict_update_never_applies_an_altered_entry(package, tmp_path):
    """GIVEN the rewritten package WHEN it is restored with conflict=update THEN whether it is
    refused or not, the live audit entries are unchanged and the chain verifies."""
    forged = forge(package, tmp_path / "rewritten.tar.zst", _only("audit.audittrail", _rewrite))
    trail = _live_trail()

    with contextlib.suppress(RestoreConflict):  # refused or not, nothing may change
        restore(forged, conflict="update")

    assert _live_trail()[: len(trail)] == trail
    assert not AuditTrail.objects.filter(details__forged=True).exists()
    assert chain.verify() == []
