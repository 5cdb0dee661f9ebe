import subprocess
import sys
import time
from pathlib import Path

import pytest

from edms.backup.package.reader import open_package
from tests.backup.conftest import run_json

# Creates, reviews and approves documents through the lifecycle until told to stop.
WRITER = """
import io, sys, time
from pathlib import Path
import django
django.setup()
from django.utils import timezone
from edms.accounts.models import User
from edms.documents import lifecycle
author, reviewer, approver = (
    User.objects.get(username=name) for name in ("author01", "reviewer01", "approver01")
)
stop, created = Path(sys.argv[1]), 0
while not stop.exists():
    doc = lifecycle.create_document(author, document_type="SOP", title=f"written {created}")
    lifecycle.upload_version(author, doc, io.BytesIO(f"v{created}".encode()), "v.txt")
    lifecycle.submit_for_review(author, doc, reviewer)
    lifecycle.review(reviewer, doc, accept=True)
    lifecycle.approve(approver, doc, effective_date=timezone.localdate())
    created += 1
print(created)
"""


def _records(package: Path) -> dict[str, list[dict]]:
    with open_package(package) as reader:
        return {label: [r["fields"] for r in records] for label, records in reader.iter_models()}


def _assert_no_dangling_references(records: dict[str, list[dict]]) -> None:
    documents = {f["document_number"] for f in records["documents.document"]}
    users = {f["username"] for f in records["accounts.user"]}
    workflows = {f["uuid"] for f in records["workflows.documentworkflow"]}
    for version in records["documents.documentversion"]:
        assert version["document"][0] in documents
    for workflow in records["workflows.documentworkflow"]:
        assert workflow["document"][0] in documents
    for transition in records["workflows.documenttransition"]:
        assert transition["workflow"][0] in workflows
    for document in records["documents.document"]:
        assert document["author"][0] in users
    for entry in records["audit.audittrail"]:
        if entry["object_type"] == "documents.document":
            assert entry["object_key"][0] in documents


@pytest.mark.slow
def test_backups_taken_while_documents_are_approved_are_consistent(demo_instance, tmp_path):
    """GIVEN an instance where another process keeps creating, reviewing and approving
    documents WHEN database backups are taken meanwhile
    THEN each package verifies (its counts are the records it holds), every version, workflow,
    transition and audit entry refers to a document or workflow in the same package, and the
    writer was never blocked (it kept going during the backups)."""
    instance = demo_instance(documents=20)
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop)],
        env=instance.env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.5)
        packages = []
        for _ in range(3):
            code, result = run_json(instance, "create_backup", "--type", "database")
            assert code == 0, result
            packages.append(Path(result["path"]))
    finally:
        stop.touch()
        written = int(writer.communicate(timeout=60)[0].strip())
    assert writer.returncode == 0 and written > 0

    counts = []
    for package in packages:
        code, report = run_json(instance, "verify_backup", str(package))
        assert code == 0 and report["counts"] == report["manifest"]["record_counts"]
        records = _records(package)
        _assert_no_dangling_references(records)
        counts.append(len(records["documents.document"]))
    assert counts == sorted(counts) and counts[-1] > 20  # later backups saw the new documents
