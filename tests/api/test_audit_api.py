"""The audit trail through the API: read-only, for QA and staff, filtered."""

from __future__ import annotations


def test_quality_assurance_reads_the_trail_filtered_by_action(make_user, login, effective_document):
    """GIVEN an SOP taken to EFFECTIVE WHEN a QA user lists the audit trail filtered by
    MADE_EFFECTIVE THEN exactly that entry comes back, with its hash and the approver's name."""
    qa = login(make_user("qa01", "Quality Assurance"))

    answer = qa.get("/api/v1/audit/", {"action": "MADE_EFFECTIVE"})

    assert answer.status_code == 200
    [entry] = answer.json()["results"]
    assert entry["object_repr"] == "SOP-0001"
    assert entry["username"] == "approver01"
    assert len(entry["entry_hash"]) == 64
    assert qa.get(f"/api/v1/audit/{entry['uuid']}/").json() == entry


def test_the_trail_cannot_be_changed_or_read_by_others(
    people, make_user, login, effective_document
):
    """GIVEN audit entries WHEN QA tries to delete one, or an author tries to read them, or a
    filter is not a date THEN the answers are 405, 403 and 400."""
    qa = login(make_user("qa01", "Quality Assurance"))
    entry = qa.get("/api/v1/audit/").json()["results"][0]

    assert qa.delete(f"/api/v1/audit/{entry['uuid']}/").status_code == 405
    assert login(people["author"]).get("/api/v1/audit/").status_code == 403
    assert qa.get("/api/v1/audit/", {"since": "yesterday"}).status_code == 400
