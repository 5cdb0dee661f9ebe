"""safe_reinit_restore_test rehearses backup -> reinit -> restore on a scratch copy."""

import json

import pytest

pytestmark = pytest.mark.slow

COUNTS = (
    "from edms.accounts.models import User; from edms.documents.models import Document;"
    "from edms.audit.models import AuditTrail;"
    "print(User.objects.count(), Document.objects.count(), AuditTrail.objects.count())"
)


def test_the_rehearsal_passes_and_leaves_the_live_system_as_it_was(new_instance):
    """GIVEN an installation with demo data WHEN `edms safe_reinit_restore_test` runs
    THEN it reports every business record back identical after backup, reinit and restore on
    its scratch copy, and the live installation's users, documents and audit trail are as
    before (no reinit happened there)."""
    edms = new_instance("rehearsal")
    edms.run("load_demo_data", "--password", "demo-password-s")
    before = edms.run("shell", "--no-imports", "-c", COUNTS).stdout

    report = json.loads(edms.run("safe_reinit_restore_test", "--json").stdout)

    assert report["ok"], report
    assert report["records"] > 50 and report["missing"] == [] and report["unexpected"] == []
    assert edms.run("shell", "--no-imports", "-c", COUNTS).stdout == before
