"""A forged audit history is caught by its anchors, and legitimate changes raise no alarm.

The attacks are those of the review: with SQL access only, an entry rewritten and every hash
after it recomputed, a tail cut with the head lowered, a second chain fabricated; with access to
the server as well, the anchor file rewritten too, which an off-site backup's heads still catch.
Every attack leaves a chain that verifies on its own; only the anchors tell.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import orjson
import pytest
from django.db import connection, transaction
from django.utils import timezone

from edms.audit import anchors, chain
from edms.audit.models import AuditTrail
from edms.core.models import InstanceIdentity
from tests.core.audit_helpers import raw_sql, verify_audit_chain

pytestmark = pytest.mark.django_db
CORPUS_PACKAGE = Path(__file__).resolve().parents[1] / "fixtures/packages/0.1.0/full.tar.zst"


@pytest.fixture
def anchor_file(settings, tmp_path) -> Path:
    """Anchors of this test only: the file outlives the test's rolled-back database."""
    settings.AUDIT_ANCHOR_FILE = tmp_path / "anchors" / "audit-anchors.jsonl"
    return settings.AUDIT_ANCHOR_FILE


@pytest.fixture
def trail(effective_document, anchor_file) -> list[AuditTrail]:
    """A document's lifecycle in the audit trail, anchored as a backup anchors it."""
    anchors.record("backup", anchors.heads(), {"package": "edms-full-1.tar.zst"})
    return list(AuditTrail.objects.order_by("sequence"))


def _uuid(value) -> object:
    return AuditTrail._meta.get_field("chain").get_db_prep_value(uuid.UUID(str(value)), connection)


def chain_alone_passes(settings) -> bool:
    """What verification said before anchors: the chain checked against nothing but itself."""
    kept = settings.AUDIT_ANCHOR_FILE
    settings.AUDIT_ANCHOR_FILE = kept.with_name("no-anchors-yet.jsonl")
    try:
        return chain.verify() == []
    finally:
        settings.AUDIT_ANCHOR_FILE = kept


def rewrite_and_rehash(sequence: int, **changes) -> None:
    """The attacker's rewrite: one entry's fields changed with SQL, then its hash and the link
    and hash of every entry after it recomputed, so the chain verifies on its own."""
    previous = chain.GENESIS_HASH
    for entry in AuditTrail.objects.order_by("sequence"):
        if entry.sequence >= sequence:
            for name, value in changes.items() if entry.sequence == sequence else ():
                setattr(entry, name, value)
            entry.previous_hash = previous
            entry.entry_hash = chain.entry_hash(entry)
            columns = [*changes, "previous_hash", "entry_hash"]
            fields = [AuditTrail._meta.get_field(name) for name in columns]
            assignments = ", ".join(f"{field.column} = %s" for field in fields)
            values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields]
            raw_sql(f"UPDATE {{table}} SET {assignments} WHERE id = %s", [*values, entry.pk])
        previous = entry.entry_hash


def cut_tail(count: int) -> int:
    """The attacker's cut: the last entries deleted and the instance's head lowered to match."""
    last = list(AuditTrail.objects.order_by("-sequence")[:count])
    for entry in last:
        raw_sql("DELETE FROM {table} WHERE id = %s", [entry.pk])
    head = last[-1].sequence - 1
    raw_sql(f"UPDATE {InstanceIdentity._meta.db_table} SET audit_head = %s", [head])
    return head


def fabricate_chain(length: int) -> str:
    """The attacker's second chain: rows of a new chain uuid, every hash and link correct."""
    forged, previous, rows = uuid.uuid4(), chain.GENESIS_HASH, []
    for sequence in range(1, length + 1):
        entry = AuditTrail(
            chain=forged, sequence=sequence, action="DOCUMENT_APPROVED", previous_hash=previous
        )
        entry.entry_hash = previous = chain.entry_hash(entry)
        rows.append(entry)
    AuditTrail.objects.bulk_create(rows)
    return str(forged)


def rewrite_anchor_file(path: Path) -> None:
    """The attacker with the server as well: every anchor rewritten to the forged hashes."""
    stored = {
        (str(c), s): h
        for c, s, h in AuditTrail.objects.values_list("chain", "sequence", "entry_hash")
    }
    lines = [orjson.loads(text) for text in path.read_bytes().splitlines()]
    for line in lines:
        for chain_id, head in line["heads"].items():
            head["entry_hash"] = stored.get((chain_id, head["sequence"]), head["entry_hash"])
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))


def keep_offsite(tmp_path: Path) -> Path:
    """A backup manifest's heads, copied off the server (what create_backup will write)."""
    path = tmp_path / "offsite" / "manifest.json"
    path.parent.mkdir()
    made_at = timezone.now().isoformat().replace("+00:00", "Z")
    path.write_bytes(orjson.dumps({"created_at": made_at, "audit_heads": anchors.heads()}))
    return path


# -- attacks with SQL access only ------------------------------------------------------------


def test_a_rewritten_and_rehashed_entry_verifies_on_its_own_but_not_against_its_anchor(
    trail, settings
):
    """GIVEN an anchored trail WHEN the third entry's action is rewritten with SQL and every
    hash after it recomputed THEN the chain alone would pass, but verify_audit_chain exits 1
    saying the anchored head no longer matches: rewritten."""
    rewrite_and_rehash(3, action="REVIEW_REJECTED")
    assert chain_alone_passes(settings)
    head = trail[-1]

    code, output = verify_audit_chain()

    assert code == 1
    assert f"chain {head.chain} entry #{head.sequence}" in output
    assert f"entry #{head.sequence} does not match its anchor of " in output
    assert "(backup): rewritten" in output
    assert "hash mismatch" not in output and "previous_hash" not in output


def test_a_cut_chain_with_its_head_lowered_is_caught(trail, settings):
    """GIVEN an anchored trail WHEN its last two entries are deleted and the instance's head
    lowered to match THEN verification names the removed tail and the anchored head."""
    head = cut_tail(2)
    assert chain_alone_passes(settings)

    code, output = verify_audit_chain()

    assert code == 1
    assert f"entries after #{head} removed: anchored head was #{trail[-1].sequence}" in output


def test_a_fabricated_second_chain_is_not_anchored(trail, settings):
    """GIVEN an anchored trail WHEN a second chain of correctly hashed entries is inserted
    THEN verification names it as not anchored, and the real chain stays intact."""
    forged = fabricate_chain(3)
    assert chain_alone_passes(settings)

    code, output = verify_audit_chain("--json")

    report = json.loads(output[: output.rindex("}") + 1])
    assert code == 1
    assert [(b["chain"], b["reason"]) for b in report["breaks"]] == [(forged, anchors.UNANCHORED)]


def test_a_whole_trail_replaced_by_a_fabricated_one_is_caught(trail):
    """GIVEN an anchored trail WHEN every entry is deleted and a fabricated chain made the
    instance's current one THEN both the vanished chain and the stranger are reported."""
    raw_sql("DELETE FROM {table}", [])
    forged = fabricate_chain(len(trail))
    raw_sql(f"UPDATE {InstanceIdentity._meta.db_table} SET audit_chain = %s", [_uuid(forged)])

    code, output = verify_audit_chain()

    assert code == 1
    assert f"every entry removed: anchored head was #{trail[-1].sequence}" in output
    assert f"chain {forged} entry #1 (-): {anchors.UNANCHORED}" in output


# -- attacks with the server as well: the off-site copy --------------------------------------


def test_a_rewritten_anchor_file_is_caught_by_an_offsite_manifest(trail, anchor_file, tmp_path):
    """GIVEN an anchored trail and the heads of its backup kept off-site WHEN the attacker
    rewrites an entry, rehashes, and rewrites the anchor file to match THEN the local check
    passes, but verify_audit_chain --against the off-site manifest exits 1 naming the head."""
    offsite = keep_offsite(tmp_path)
    rewrite_and_rehash(2, details={"comment": "all fine"})
    rewrite_anchor_file(anchor_file)
    assert verify_audit_chain()[0] == 0  # the server holds nothing the attacker could not rewrite

    code, output = verify_audit_chain("--against", str(offsite))

    assert code == 1
    assert f"entry #{trail[-1].sequence} does not match its anchor of " in output
    assert "(backup manifest): rewritten" in output


def test_a_deleted_anchor_file_is_caught_by_an_offsite_package(trail, anchor_file, tmp_path):
    """GIVEN a full backup package copied off-site WHEN the attacker cuts the tail and deletes
    the anchor file THEN verify_audit_chain --against the package names the removed tail."""
    from edms.backup.create import create_backup

    package = create_backup("full", output=tmp_path / "offsite" / "edms-full.tar.zst")
    head = cut_tail(1)
    anchor_file.unlink()

    code, output = verify_audit_chain("--against", package.path)

    assert code == 1
    assert f"entries after #{head} removed: anchored head was #{trail[-1].sequence}" in output


# -- legitimate changes raise no alarm -------------------------------------------------------


def test_entries_appended_after_the_last_anchor_verify(trail, people):
    """GIVEN an anchored trail WHEN work goes on THEN it verifies and says what it compared."""
    chain.record("LOGIN", people["viewer"])
    anchors.record("backup", anchors.heads())
    chain.record("LOGIN", people["author"])

    code, output = verify_audit_chain()

    assert code == 0
    assert "Anchors: 2 anchor line(s) in " in output and "(backup)" in output


def test_a_reinit_starts_a_new_anchored_chain(trail, storage_root, tmp_path):
    """GIVEN an anchored trail WHEN the system is reinitialised (a rewind before its commit, a
    record after) THEN the new chain verifies, locally and against the old off-site manifest."""
    from edms.backup.reinit import reinit

    offsite = keep_offsite(tmp_path)
    result = reinit(reason="new start", safety_backup=False)
    anchors.rewind("reinit", anchors.heads(), {"reason": "new start"})
    anchors.record("reinit", anchors.heads())

    code, output = verify_audit_chain("--against", str(offsite))

    assert code == 0, output
    assert AuditTrail.objects.filter(chain=result.audit_chain).exists()
    assert "explained by the reinit of " in output


def test_a_clean_restore_of_an_older_backup_rewinds_the_chain(
    trail, people, storage_root, tmp_path
):
    """GIVEN a backup, more work, and a newer backup kept off-site WHEN the older backup is
    restored with --clean THEN the rewound chain verifies, and the newer manifest's head is
    explained by the restore's rewind, not reported as removed."""
    from edms.backup.create import create_backup
    from edms.backup.restore.service import restore

    older = create_backup("full", output=tmp_path / "older.tar.zst")
    chain.record("LOGIN", people["viewer"])
    anchors.record("backup", anchors.heads())
    newer = keep_offsite(tmp_path)

    restore(Path(older.path), clean=True, reason="roll back")

    code, output = verify_audit_chain("--against", str(newer))
    assert code == 0, output
    assert "explained by the restore of " in output


def test_a_rolled_back_restore_leaves_no_false_alarm(trail, people):
    """GIVEN an anchored trail WHEN a clean restore writes its rewind and then fails
    THEN the rewind names an entry that never committed and verification ignores it."""
    with pytest.raises(RuntimeError), transaction.atomic():
        AuditTrail.objects.purge_for_reinit()
        chain.record("BACKUP_RESTORED", people["viewer"])
        anchors.rewind("restore", anchors.heads())
        raise RuntimeError("validation failed")

    assert verify_audit_chain()[0] == 0


def test_a_restore_from_another_server_anchors_its_chains(trail, storage_root):
    """GIVEN an anchored trail WHEN a package of another server is merged in THEN its chain
    verifies; and once recorded, deleting that chain is caught."""
    from edms.backup.restore.service import restore

    restore(CORPUS_PACKAGE, reason="bring the old server's records", allow_privileged_changes=True)
    assert verify_audit_chain()[0] == 0

    foreign = AuditTrail.objects.exclude(chain=trail[0].chain).values_list("chain", flat=True)[0]
    raw_sql("DELETE FROM {table} WHERE chain = %s", [_uuid(foreign)])
    code, output = verify_audit_chain()
    assert code == 1 and f"chain {foreign} entry #1 (-): every entry removed" in output


# -- an installation older than anchors ------------------------------------------------------


def test_an_installation_without_anchors_adopts_them_once_and_says_so(
    effective_document, anchor_file
):
    """GIVEN a trail with no anchor file WHEN verify_audit_chain runs THEN it says none exist;
    with --adopt it anchors the chains as found; a later rewrite is then caught."""
    code, output = verify_audit_chain()
    assert code == 0 and "Anchors: none yet" in output and not anchor_file.exists()

    code, output = verify_audit_chain("--adopt")
    assert code == 0 and "no anchor file existed: adopted 1 chain head(s)" in output

    rewrite_and_rehash(1, details={"comment": "never said"})
    assert "(adopted): rewritten" in verify_audit_chain()[1]


def test_a_broken_trail_is_not_adopted(effective_document, anchor_file):
    """GIVEN a trail whose entry was altered WHEN verify_audit_chain --adopt runs
    THEN it reports the break and anchors nothing."""
    raw_sql("UPDATE {table} SET action = %s WHERE sequence = 2", ["FORGED"])

    assert verify_audit_chain("--adopt")[0] == 1
    assert not anchor_file.exists()


def test_a_damaged_anchor_line_is_reported(trail, anchor_file):
    """GIVEN an anchor file WHEN a line is overwritten with something else THEN it is named."""
    anchor_file.write_bytes(anchor_file.read_bytes() + b"{not an anchor\n")

    code, output = verify_audit_chain()

    assert code == 1 and "anchor file line 2 is not an anchor" in output
