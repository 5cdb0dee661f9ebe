"""Search finds documents by number, title and the text inside their current file."""

from __future__ import annotations

import pytest

from tests.search.conftest import found
from tests.search.pdfs import pdf_with_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(draft_with_file):
    """Three drafts: a text SOP, a PDF SOP and a PDF work instruction."""
    draft_with_file("Cleaning the bench", b"Wipe with ethanol, then rinse.", "clean.txt")
    draft_with_file(
        "Balance calibration",
        pdf_with_text("Calibrate the balance with the zirconium reference weight."),
        "balance.pdf",
    )
    draft_with_file(
        "Weighing", pdf_with_text("Tare the vessel before weighing."), "weigh.pdf", "WI"
    )


def test_a_word_inside_a_pdf_finds_only_that_document(library):
    """GIVEN three documents WHEN a user searches for a word that appears only inside one PDF
    THEN that document alone is found."""
    assert found("zirconium") == ["SOP-0002"]


def test_number_title_and_text_file_content_are_all_searched(library):
    """GIVEN three documents WHEN a user searches by number, by a title word and by a word of
    a text file THEN each finds its document; several words must all match."""
    assert found("SOP-0002") == ["SOP-0002"]
    assert found("wi-0001") == ["WI-0001"]
    assert found("calibration") == ["SOP-0002"]
    assert found("ethanol") == ["SOP-0001"]
    assert found("balance zirconium") == ["SOP-0002"]
    assert found("balance ethanol") == []


def test_words_match_their_other_forms(library):
    """GIVEN a title 'Cleaning the bench' WHEN a user searches 'clean' or 'CLEANS'
    THEN it is found (stemmed, case-insensitive)."""
    assert found("clean") == ["SOP-0001"]
    assert found("CLEANS") == ["SOP-0001"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"', []),
        ('zirconium"', ["SOP-0002"]),
        ('"zirconium', ["SOP-0002"]),
        ("NEAR(zirconium balance)", []),
        ("zirconium OR ethanol", []),
        ("* ^ - + : ( )", []),
        ("body:zirconium", []),
        ("zircon*", []),
        ("\x00zirconium", ["SOP-0002"]),
        ("'; DROP TABLE search_searchentry; --", []),
        ("   ", []),
    ],
)
def test_search_syntax_in_the_query_is_only_text_and_never_fails(library, text, expected):
    """GIVEN documents WHEN a user types quotes, operators, column filters or a NUL
    THEN the search answers, matching the words as words (every one must be there), never an
    error."""
    assert found(text) == expected


def test_a_damaged_pdf_is_still_uploaded_and_found_by_its_title(draft_with_file):
    """GIVEN a file that starts like a PDF but is damaged WHEN the author uploads it
    THEN the upload succeeds and the document is found by its title, not by its bytes."""
    draft_with_file("Broken scan", b"%PDF-1.7\n this is not really a pdf zirconium", "scan.pdf")

    assert found("broken scan") == ["SOP-0001"]
    assert found("zirconium") == []


def test_a_binary_file_adds_no_words(draft_with_file):
    """GIVEN an upload of binary data WHEN searching THEN it matches by title only."""
    draft_with_file("Photo of the lab", b"\x89PNG\r\n\x1a\n\x00\x00zirconium", "lab.png")

    assert found("photo") == ["SOP-0001"]
    assert found("zirconium") == []
