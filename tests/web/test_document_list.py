"""The documents list: what each user sees, search, filters, sorting and paging."""

from __future__ import annotations

import datetime as dt
import io
from html.parser import HTMLParser

import pytest
from django.test import Client

from edms.documents import lifecycle
from tests.search.pdfs import pdf_with_text

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


class _Table(HTMLParser):
    """The text of each cell of one table's body rows, and the links in them."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.in_body = table_id, False, False
        self.rows: list[list[str]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag == "td":
            self.rows[-1].append("")
        elif self.in_body and tag == "a":
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "table" and self.inside:
            self.inside = self.in_body = False

    def handle_data(self, data):
        if self.in_body and self.rows and self.rows[-1]:
            self.rows[-1][-1] += data.strip()


def listed(answer) -> list[list[str]]:
    """The documents list as the user reads it: one list of cell texts per row."""
    table = _Table("documents")
    table.feed(answer.content.decode())
    return [row for row in table.rows if len(row) > 1]


def numbers(answer) -> list[str]:
    return [row[0] for row in listed(answer)]


def _effective(people, title: str, content: bytes, on: dt.date, type_code: str = "SOP"):
    author = people["author"]
    document = lifecycle.create_document(author, document_type=type_code, title=title)
    lifecycle.upload_version(author, document, io.BytesIO(content), "file.pdf")
    lifecycle.submit_for_review(author, document, people["reviewer"])
    lifecycle.review(people["reviewer"], document, accept=True)
    return lifecycle.approve(people["approver"], document, effective_date=on)


@pytest.fixture
def shelf(people, make_user, storage_root):
    """SOP-0001 effective 60 days ago (PDF about zirconium), POL-0001 effective 10 days ago,
    SOP-0002 a draft by a second author, WI-0001 approved and effective in 30 days."""
    _effective(
        people, "Balance calibration", pdf_with_text("zirconium weights"), TODAY - dt.timedelta(60)
    )
    _effective(people, "Access policy", b"who may enter", TODAY - dt.timedelta(10), "POL")
    second = make_user("author02", "Author", first_name="Ada", last_name="Lovelace")
    draft = lifecycle.create_document(second, document_type="SOP", title="Autoclave use")
    lifecycle.upload_version(second, draft, io.BytesIO(b"zirconium draft notes"), "d.txt")
    _effective(people, "Weighing", b"tare first", TODAY + dt.timedelta(30), "WI")
    return people


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_viewer_sees_only_effective_documents_with_names_not_codes(shelf):
    """GIVEN effective, draft and approved documents WHEN a viewer opens the list
    THEN only the two effective ones are listed, each number linking to its page, with the type
    and state by name, the owner, the effective date, and the total shown."""
    answer = _client(shelf["viewer"]).get("/documents/")

    rows = listed(answer)
    assert [row[:6] for row in rows] == [
        [
            "POL-0001",
            "Access policy",
            "Policy",
            "Effective",
            "author01",
            str(TODAY - dt.timedelta(10)),
        ],
        [
            "SOP-0001",
            "Balance calibration",
            "Standard Operating Procedure",
            "Effective",
            "author01",
            str(TODAY - dt.timedelta(60)),
        ],
    ]
    assert "1–2 of 2 documents" in answer.content.decode()
    assert '<a href="/documents/POL-0001/">POL-0001</a>' in answer.content.decode()
    assert "EFFECTIVE<" not in answer.content.decode()
    state_choices = answer.context["form"].fields["state"].queryset
    assert [state.name for state in state_choices] == ["Effective"]


def test_search_finds_a_word_inside_a_pdf_but_never_a_document_the_user_may_not_see(shelf):
    """GIVEN 'zirconium' in the effective SOP's PDF and in a draft's text file
    WHEN the viewer and then Document Control search for it THEN the viewer finds only the
    effective SOP; Document Control finds both."""
    viewer, controller = _client(shelf["viewer"]), _client(shelf["controller"])

    assert numbers(viewer.get("/documents/", {"q": "zirconium"})) == ["SOP-0001"]
    assert numbers(controller.get("/documents/", {"q": "zirconium"})) == ["SOP-0001", "SOP-0002"]
    assert numbers(viewer.get("/documents/", {"q": '"NEAR( zirconium'})) == []


def test_filters_by_type_state_owner_and_effective_dates(shelf):
    """GIVEN four documents WHEN Document Control filters by type, by state, by owner and by
    an effective date range THEN each answer lists exactly the documents that fit."""
    client = _client(shelf["controller"])

    def only(**filters) -> list[str]:
        return numbers(client.get("/documents/", filters))

    assert only(type="SOP") == ["SOP-0001", "SOP-0002"]
    assert only(state="DRAFT") == ["SOP-0002"]
    assert only(state="APPROVED_PENDING_EFFECTIVE") == ["WI-0001"]
    assert only(author="author02") == ["SOP-0002"]
    assert only(effective_from=str(TODAY - dt.timedelta(30))) == ["POL-0001", "WI-0001"]
    assert only(effective_to=str(TODAY)) == ["POL-0001", "SOP-0001"]
    assert only(type="SOP", effective_to=str(TODAY)) == ["SOP-0001"]


def test_an_invalid_filter_is_named_and_the_others_still_apply(shelf):
    """GIVEN Document Control WHEN they filter by type SOP with an impossible date THEN the
    page says the date is not valid and still lists the SOPs."""
    answer = _client(shelf["controller"]).get(
        "/documents/", {"type": "SOP", "effective_from": "2026-13-45"}
    )

    assert answer.status_code == 200
    assert "effective from: Enter a valid date." in answer.content.decode()
    assert numbers(answer) == ["SOP-0001", "SOP-0002"]


def test_sorting_by_each_column_and_back(shelf):
    """GIVEN four documents WHEN Document Control sorts by title, by effective date both ways
    and by state THEN the order follows; documents without a date come last either way, and
    the sorted column's heading says which way."""
    client = _client(shelf["controller"])

    def order(sort: str) -> list[str]:
        return numbers(client.get("/documents/", {"sort": sort}))

    assert order("title") == ["POL-0001", "SOP-0002", "SOP-0001", "WI-0001"]
    assert order("-title") == ["WI-0001", "SOP-0001", "SOP-0002", "POL-0001"]
    assert order("effective") == ["SOP-0001", "POL-0001", "WI-0001", "SOP-0002"]
    assert order("-effective") == ["WI-0001", "POL-0001", "SOP-0001", "SOP-0002"]
    assert order("state") == ["SOP-0002", "WI-0001", "POL-0001", "SOP-0001"]
    page = client.get("/documents/", {"sort": "-effective"}).content.decode()
    assert '<th aria-sort="descending"><a href="?sort=effective">Effective</a>' in page


def test_paging_shows_where_the_user_is_in_the_total(people, storage_root):
    """GIVEN 53 draft documents WHEN an author opens the list and then the next page
    THEN the first shows 1–50 of 53 and the second 51–53 of 53, keeping the filters."""
    for n in range(53):
        lifecycle.create_document(people["author"], document_type="SOP", title=f"Step {n:02d}")
    client = _client(people["author"])

    first = client.get("/documents/", {"state": "DRAFT", "sort": "-number"})
    second = client.get("/documents/", {"state": "DRAFT", "sort": "-number", "page": 2})

    assert "1–50 of 53 documents" in first.content.decode()
    assert 'href="?state=DRAFT&amp;sort=-number&amp;page=2" rel="next"' in first.content.decode()
    assert "51–53 of 53 documents" in second.content.decode()
    assert numbers(second) == ["SOP-0003", "SOP-0002", "SOP-0001"]
