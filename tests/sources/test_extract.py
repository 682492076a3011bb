"""Change detection: what counts as a change of a source's text, and what does not."""

import json
import time

import pytest

from sources.extract import EXTRACTION_LIMIT, UNDECODABLE, decode, extract, extract_bounded, normalize_text
from tests.sources.pages import ARTICLE, news_page, pdf_document

BOUNDS = {
    "max_bytes": 10_000_000,
    "in_process_bytes": 10_000_000,
    "linear_html_bytes": 10_000_000,
    "timeout": 20.0,
    "max_memory": 2**30,
}


def html_hash(html: str) -> str:
    return extract(html.encode(), "text/html; charset=utf-8").content_hash


def test_main_text_is_the_article_without_boilerplate():
    result = extract(news_page().encode(), "text/html")
    assert result.kind == "html"
    assert ARTICLE[0] in result.text and ARTICLE[2] in result.text
    for boilerplate in ("Summer sale", "Page generated", "Most read", "Sign in", "Comments (42)"):
        assert boilerplate not in result.text


def test_title_and_publisher_come_from_the_page():
    quick = extract(news_page().encode(), "text/html")
    assert (quick.title, quick.publisher) == (
        "Istanbul talks end without ceasefire | Example News",
        "Example News",
    )
    cleaned = extract(news_page().encode(), "text/html", with_metadata=True)
    assert (cleaned.title, cleaned.publisher) == ("Istanbul talks end without ceasefire", "Example News")
    assert cleaned.content_hash == quick.content_hash


@pytest.mark.parametrize(
    "variation",
    [
        {"session": "sid=c9f0f895"},
        {"ad": "Winter deals on coats, today only"},
        {"generated": "2026-11-26 08:45:10"},
        {"comments": 57},
        {"most_read": ("Election latest", "Football scores", "Weather")},
        {"session": "sid=aa", "ad": "New phone", "generated": "2027-01-01 00:00:00", "comments": 3},
    ],
)
def test_boilerplate_only_edits_are_not_changes(variation):
    assert html_hash(news_page(**variation)) == html_hash(news_page())


def test_an_edited_paragraph_is_a_change():
    edited = [ARTICLE[0], ARTICLE[1].replace("drastically reduce", "scale back"), ARTICLE[2]]
    assert html_hash(news_page(edited)) != html_hash(news_page())


def test_a_removed_paragraph_is_a_change():
    assert html_hash(news_page(ARTICLE[:2])) != html_hash(news_page())


def test_whitespace_and_markup_reflow_are_not_changes():
    reflowed = news_page().replace("<p>Russia's", "<p>\n   Russia's").replace(". The", ".  The")
    assert html_hash(reflowed) == html_hash(news_page())


# Issue 12 changed this: PDFs were hashed as bytes (a regenerated PDF was "changed" every time
# and its snapshot text empty); now their text is what is compared and kept.
def test_pdf_is_compared_by_its_text():
    lines = ["Court filing No. 12", "The defendant paid 50,000 euros."]
    first = extract(pdf_document(lines), "application/pdf")
    assert (first.kind, first.text, first.title, first.problem) == ("pdf", "\n".join(lines), "Report", "")
    regenerated = pdf_document(lines, produced="20261202083000")
    assert extract(regenerated, "application/octet-stream").kind == "pdf"  # sniffed
    assert extract(regenerated, "application/pdf").content_hash == first.content_hash
    edited = extract(pdf_document([lines[0], "The defendant paid 100,000 euros."]), "application/pdf")
    assert edited.content_hash != first.content_hash


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"%PDF-1.4\n% truncated", "application/pdf", "the PDF cannot be read"),
        (pdf_document([]), "application/pdf", "no text layer"),
        (bytes(range(1, 32)) * 200, "text/plain", "does not decode"),
        (b"<html>" + bytes(range(1, 9)) * 500, "text/html", "does not decode"),
    ],
)
def test_bodies_without_readable_text_are_a_problem_not_an_empty_text(body, content_type, reason):
    result = extract(body, content_type)
    assert (result.problem, result.content_hash, result.text) == (UNDECODABLE, "", "")
    assert reason in result.error


def test_very_large_html_is_read_linearly_paragraph_by_paragraph():
    paragraphs = [f"Paragraph {i} of the long report." for i in range(20_000)]
    html = news_page(paragraphs).encode()
    result = extract(html, "text/html", linear_html_bytes=len(html) - 1)
    lines = result.text.splitlines()
    assert lines[lines.index(paragraphs[0]) :][: len(paragraphs)] == paragraphs
    assert "Sign in" not in result.text and "Page generated" not in result.text  # nav and footer


def test_extraction_over_the_size_cap_is_refused():
    result = extract_bounded(news_page().encode(), "text/html", **{**BOUNDS, "max_bytes": 1000})
    assert result.problem == EXTRACTION_LIMIT
    assert "over the 1,000-byte cap" in result.error


def test_large_bodies_are_extracted_in_a_child_process_with_the_same_result():
    html = news_page().encode()
    child = extract_bounded(html, "text/html", **{**BOUNDS, "in_process_bytes": 0})
    assert child == extract(html, "text/html")


def test_extraction_over_the_time_bound_is_stopped():
    # trafilatura on 2 MB of tiny paragraphs takes many seconds: the child is killed at 0.5 s.
    html = news_page([f"Paragraph {i}." for i in range(60_000)]).encode()
    started = time.monotonic()
    result = extract_bounded(html, "text/html", **{**BOUNDS, "in_process_bytes": 0, "timeout": 0.5})
    assert time.monotonic() - started < 3
    assert (result.problem, result.error) == (EXTRACTION_LIMIT, "extracting the text took longer than 0.5 s")


def test_binary_is_hashed_by_its_bytes():
    data = bytes(range(256))
    assert extract(data, "image/png").kind == "binary"
    assert extract(data, "image/png").content_hash != extract(data[:-1], "image/png").content_hash


def test_json_is_hashed_in_canonical_form():
    a = extract(json.dumps({"b": 1, "a": [1, 2]}).encode(), "application/json")
    b = extract(b'{"a":[1,2],   "b":1}', "application/json; charset=utf-8")
    c = extract(b'{"a":[1,2], "b":2}', "application/json")
    assert a.kind == "json"
    assert a.content_hash == b.content_hash != c.content_hash
    assert '"a"' in a.text


def test_plain_text_ignores_whitespace_only_edits():
    a = extract(b"Line one.\n\nLine   two.\n", "text/plain")
    b = extract(b"Line one.\r\nLine two.", "text/plain; charset=utf-8")
    c = extract(b"Line one.\nLine 2.", "text/plain")
    assert a.kind == "text"
    assert a.content_hash == b.content_hash != c.content_hash


CYRILLIC = "Мединский заявил, что переговоры в Стамбуле продолжатся на уровне министров."


@pytest.mark.parametrize(
    ("content_type", "head"),
    [
        ("text/html; charset=windows-1251", ""),  # declared in the header
        ("text/html", '<meta charset="windows-1251">'),  # declared in the page
        ("text/html", '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'),
    ],
)
def test_non_utf8_html_is_decoded(content_type, head):
    encoding = "koi8-r" if "koi8" in head else "windows-1251"
    html = f"<html><head>{head}<title>Заявление</title></head><body><article><p>{CYRILLIC}</p><p>{CYRILLIC}</p></article></body></html>"
    result = extract(html.encode(encoding), content_type)
    assert CYRILLIC in result.text
    assert result.title == "Заявление"


def test_undeclared_legacy_encoding_is_guessed():
    text = " ".join([CYRILLIC] * 8)
    assert CYRILLIC in decode(text.encode("windows-1251"))


def test_normalize_text_keeps_one_paragraph_per_line():
    assert normalize_text("  a  b \n\n\n c\t d  \n") == "a b\nc d"
