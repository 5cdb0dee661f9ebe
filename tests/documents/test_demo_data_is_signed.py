"""Demo data is made like real work: every signing step signed, every PDF a real one."""

from __future__ import annotations

import io
from collections import Counter

import pypdf

from edms.audit import chain
from edms.documents.demo import load_demo_data
from edms.documents.models import DocumentVersion, Signature
from edms.documents.storage import absolute


def test_the_demo_pattern_signs_each_step_and_stores_readable_pdfs(db, storage_root):
    """GIVEN a fresh instance WHEN the nine-document demo pattern is loaded
    THEN each submission, review, approval and obsoleting is signed by its actor with the
    version's SHA-256, the audit chain (which checks the signatures) verifies, and every PDF
    version opens as a PDF showing its document's number."""
    load_demo_data(documents=9, password="demo-Pass-9")

    assert Counter(Signature.objects.values_list("meaning", flat=True)) == {
        "AUTHORED": 8,
        "REVIEWED": 6,
        "APPROVED": 5,
        "REJECTED": 1,
        "OBSOLETED": 1,
    }
    assert all(s.sha256 == s.version.sha256 for s in Signature.objects.select_related("version"))
    assert chain.verify() == []
    pdfs = DocumentVersion.objects.filter(content_type="application/pdf").select_related("document")
    assert pdfs.count() == 2
    for version in pdfs:
        text = pypdf.PdfReader(io.BytesIO(absolute(version.file).read_bytes())).pages[0]
        assert version.document.document_number in text.extract_text()
