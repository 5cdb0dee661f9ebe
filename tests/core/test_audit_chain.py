"""The audit trail is append-only through the ORM, and tampering in the database is detected."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.db import connection

from edms.audit import chain
from edms.audit.models import AppendOnlyError, AuditTrail
from tests.core.audit_helpers import raw_sql, verify_audit_chain


def _set_column(entry: AuditTrail, field_name: str, value) -> None:
    field = AuditTrail._meta.get_field(field_name)
    raw_sql(
        f"UPDATE {{table}} SET {field.column} = %s WHERE id = %s",
        [field.get_db_prep_save(value, connection), entry.pk],
    )


@pytest.fixture
def trail(effective_document) -> list[AuditTrail]:
    entries = list(AuditTrail.objects.order_by("sequence"))
    assert len(entries) >= 6
    return entries


def test_entries_cannot_be_changed_or_deleted_through_the_orm(trail):
    """GIVEN an audit trail WHEN code saves, deletes, bulk-updates or bulk-deletes entries
    THEN each attempt raises and the trail still verifies, unchanged."""
    entry = trail[2]
    entry.action = "NOTHING_HAPPENED"
    attempts = [
        entry.save,
        entry.delete,
        lambda: AuditTrail.objects.filter(pk=entry.pk).update(action="X"),
        lambda: AuditTrail.objects.all().delete(),
    ]
    for attempt in attempts:
        with pytest.raises(AppendOnlyError):
            attempt()
    assert AuditTrail.objects.count() == len(trail)
    assert AuditTrail.objects.get(pk=entry.pk).action != "NOTHING_HAPPENED"
    assert chain.verify() == []


def test_intact_trail_exits_zero_and_says_what_it_checked(trail):
    """GIVEN an untouched trail WHEN verify_audit_chain runs THEN it exits 0 and counts it."""
    code, output = verify_audit_chain()
    assert code == 0
    assert f"intact: {len(trail)} entries in 1 chain(s) checked" in output


ALTERATIONS = {
    "timestamp": lambda e: e.timestamp + dt.timedelta(microseconds=1),
    "username": lambda e: "someone_else",
    "action": lambda e: "REVIEW_REJECTED",
    "object_type": lambda e: "documents.documentversion",
    "object_key": lambda e: ["SOP-9999"],
    "object_repr": lambda e: "SOP-9999",
    "details": lambda e: {**e.details, "comment": "rewritten"},
    "previous_hash": lambda e: "f" * 64,
    "entry_hash": lambda e: "e" * 64,
    "uuid": lambda e: uuid.uuid4(),
}


@pytest.mark.parametrize("field_name", sorted(ALTERATIONS))
def test_a_field_altered_with_raw_sql_is_named(trail, field_name):
    """GIVEN a trail WHEN one stored field of the third entry is changed with raw SQL
    THEN verify_audit_chain exits non-zero naming that entry's chain, sequence and uuid."""
    entry = trail[2]
    _set_column(entry, field_name, ALTERATIONS[field_name](entry))
    altered = AuditTrail.objects.get(pk=entry.pk)
    code, output = verify_audit_chain()
    assert code == 1
    assert f"chain {entry.chain} entry #{entry.sequence} ({altered.uuid})" in output


def test_the_user_link_pointed_at_someone_else_is_detected(trail, people):
    """GIVEN an entry made by the author WHEN its user id is pointed at the viewer with raw SQL
    THEN verification names the entry (the link must match the hashed username)."""
    entry = next(e for e in trail if e.username == "author01")
    raw_sql("UPDATE {table} SET user_id = %s WHERE id = %s", [people["viewer"].pk, entry.pk])
    code, output = verify_audit_chain()
    assert code == 1
    assert f"entry #{entry.sequence} ({entry.uuid})" in output and "viewer01" in output


@pytest.mark.parametrize("field_name", ["sequence", "chain"])
def test_moving_an_entry_out_of_place_is_detected(trail, field_name):
    """GIVEN a trail WHEN an entry's sequence or chain is rewritten with raw SQL
    THEN verification fails and reports entries missing."""
    entry = trail[2]
    _set_column(entry, field_name, 1000 if field_name == "sequence" else uuid.uuid4())
    code, output = verify_audit_chain()
    assert code == 1
    assert "missing" in output


def test_a_middle_entry_removed_with_raw_sql_is_named(trail):
    """GIVEN a trail WHEN its third entry is deleted with raw SQL
    THEN verification names the entry after it and says which sequence is missing."""
    removed, following = trail[2], trail[3]
    raw_sql("DELETE FROM {table} WHERE id = %s", [removed.pk])
    code, output = verify_audit_chain()
    assert code == 1
    assert f"entry #{following.sequence} ({following.uuid})" in output
    assert f"entries {removed.sequence}..{removed.sequence} are missing" in output


def test_the_last_entry_removed_with_raw_sql_is_detected_even_after_new_entries(trail, people):
    """GIVEN a trail WHEN its last entry is deleted with raw SQL THEN verification reports the
    removed tail; and after a new entry is appended, the gap is still reported."""
    last = trail[-1]
    raw_sql("DELETE FROM {table} WHERE id = %s", [last.pk])
    code, output = verify_audit_chain()
    assert code == 1
    assert f"entries {last.sequence}..{last.sequence} were removed from the end" in output
    chain.record("LOGIN", people["viewer"])
    code, output = verify_audit_chain()
    assert code == 1
    assert f"entries {last.sequence}..{last.sequence} are missing" in output


def test_json_output_names_the_break(trail):
    """GIVEN an altered entry WHEN verify_audit_chain --json runs
    THEN the JSON says not intact and gives chain, sequence, uuid and reason."""
    entry = trail[1]
    _set_column(entry, "action", "FORGED")
    code, output = verify_audit_chain("--json")
    report = json.loads(output[: output.rindex("}") + 1])
    assert code == 1 and report["intact"] is False
    assert report["entries"] == len(trail) and report["chains"] == 1
    assert report["breaks"] == [
        {
            "chain": str(entry.chain),
            "sequence": entry.sequence,
            "uuid": str(entry.uuid),
            "reason": "content was altered (hash mismatch)",
        }
    ]


@pytest.mark.slow
def test_the_command_line_exit_codes(new_instance):
    """GIVEN a demo instance WHEN `edms verify_audit_chain` runs as an operator would, before
    and after an entry's details are rewritten with raw SQL THEN it exits 0, then 1 naming it."""
    instance = new_instance("audit")
    instance.run("load_demo_data", "--password", "demo-Pass-cli")
    intact = instance.run("verify_audit_chain", "--json")
    assert json.loads(intact.stdout)["intact"] is True
    tamper = (
        "from django.db import connection;"
        "from edms.audit.models import AuditTrail;"
        "e = AuditTrail.objects.order_by('sequence')[4];"
        "connection.cursor().execute("
        "'UPDATE audit_audittrail SET details = %s WHERE id = %s', ['{}', e.pk]);"
        "print(e.chain, e.sequence, e.uuid)"
    )
    chain_id, sequence, entry_uuid = instance.run(
        "shell", "--no-imports", "-c", tamper
    ).stdout.split()
    broken = instance.run("verify_audit_chain", check=False)
    assert broken.returncode == 1
    assert f"chain {chain_id} entry #{sequence} ({entry_uuid})" in broken.stderr
