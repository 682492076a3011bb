"""Change detection: what counts as a change of a source's text, and what does not."""

import json

import pytest

from sources.extract import decode, extract, normalize_text
from tests.sources.pages import ARTICLE, news_page


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


def test_pdf_is_hashed_by_its_bytes():
    pdf = b"%PDF-1.4\n% fake but enough\n%%EOF\n"
    first = extract(pdf, "application/pdf")
    assert (first.kind, first.text) == ("pdf", "")
    assert extract(pdf, "application/octet-stream").kind == "pdf"  # sniffed
    assert extract(pdf + b"\n", "application/pdf").content_hash != first.content_hash


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
