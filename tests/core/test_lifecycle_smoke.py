from edms.audit import chain
from edms.documents import storage


def test_effective_document_has_stored_version_and_intact_chain(effective_document):
    """GIVEN an SOP taken through review and approval WHEN it is made effective today
    THEN it is EFFECTIVE, its file is stored under its hash, and the audit chain verifies."""
    assert effective_document.state.code == "EFFECTIVE"
    assert effective_document.document_number == "SOP-0001"
    version = effective_document.versions.get()
    assert storage.file_sha256(storage.absolute(version.file)) == version.sha256
    assert chain.verify() == []
