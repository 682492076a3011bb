"""What a fetched body says, reduced to text and a hash that changes only when the text does.

HTML is reduced to its main text with trafilatura, which drops navigation, ads, comment counts,
footers with timestamps and session ids: those change on every load and are not edits. PDFs are
reduced to their text (pypdf), so a PDF regenerated on every request with the same words is the
same document; JSON is kept in canonical form, plain text with its whitespace normalised; other
binary bodies (images, archives) are hashed as bytes.

A body with no readable text (a PDF that cannot be parsed or has no text layer, HTML that is not
HTML, text that decodes to replacement characters) is a `problem`, never an empty text: an empty
text would hash the same every time and hide every change.

Extraction is bounded (`extract_bounded`): bodies over a size cap are refused, large ones are
extracted in a child process that is killed at a time limit and runs under a memory limit, and
very large HTML gets a linear paragraph reader instead of trafilatura (whose cost grows faster
than the page). Each bound ends in a `problem` with a readable reason.
"""

import codecs
import contextlib
import hashlib
import io
import json
import re
import subprocess
import sys
import unicodedata
from dataclasses import asdict, dataclass
from html import unescape
from pathlib import Path

import charset_normalizer
import trafilatura
from lxml.html import HtmlElement
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.utils import line_processing, load_html

from sources.interstitial import interstitial_reason

HTML_TYPES = ("text/html", "application/xhtml+xml")
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# Problems, as sources.models.Outcome values (this module stays free of Django).
UNDECODABLE = "undecodable"
EXTRACTION_LIMIT = "extraction_limit"
INTERSTITIAL = "interstitial"
# More than this share of U+FFFD or control characters: the bytes were not text in any encoding.
MAX_GARBLED = 0.05
PDF_MAX_PAGES = 2000
# Elements whose text is never main text, for the linear reader of very large HTML.
SKIPPED_TAGS = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form")
BLOCK_TAGS = frozenset(
    [
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "blockquote",
        "pre",
        "td",
        "th",
        "dd",
        "dt",
        "figcaption",
        "caption",
        "div",
        "section",
        "article",
    ]
)


@dataclass(frozen=True)
class Extraction:
    kind: str  # html, pdf, json, text or binary
    content_hash: str
    text: str = ""
    title: str = ""
    publisher: str = ""
    problem: str = ""  # an Outcome value when the body has no usable text; see the module docstring
    error: str = ""


@dataclass(frozen=True)
class Bounds:
    """The extraction bounds (SOURCE_EXTRACT_* settings), passed explicitly so that a reader in
    another process (sources/readers.py) needs no Django."""

    max_bytes: int
    in_process_bytes: int
    linear_html_bytes: int
    timeout: float
    max_memory: int


def read_text(
    body: bytes,
    content_type: str,
    *,
    url: str,
    with_metadata: bool,
    usual_length: int,
    bounds: Bounds,
) -> Extraction:
    """What a check reads from a successful answer: the bounded extraction, and an answer that is
    not the page (a challenge, a consent wall, text collapsed below `usual_length`) as a problem."""
    extraction = extract_bounded(
        body,
        content_type,
        url=url,
        with_metadata=with_metadata,
        max_bytes=bounds.max_bytes,
        in_process_bytes=bounds.in_process_bytes,
        linear_html_bytes=bounds.linear_html_bytes,
        timeout=bounds.timeout,
        max_memory=bounds.max_memory,
    )
    if extraction.problem or extraction.kind not in ("html", "text", "pdf"):
        return extraction
    markup = body[:200_000].decode("utf-8", "replace") if extraction.kind == "html" else ""
    reason = interstitial_reason(
        markup=markup, text=extraction.text, title=extraction.title, final_url=url, usual_length=usual_length
    )
    return _problem(extraction.kind, INTERSTITIAL, reason) if reason else extraction


def _problem(kind: str, problem: str, error: str) -> Extraction:
    return Extraction(kind=kind, content_hash="", problem=problem, error=error)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def extract_bounded(
    body: bytes,
    content_type: str = "",
    *,
    url: str = "",
    with_metadata: bool = False,
    max_bytes: int,
    in_process_bytes: int,
    linear_html_bytes: int,
    timeout: float,
    max_memory: int,
) -> Extraction:
    """`extract()` within bounds: a size cap, and a child process with a time and memory limit
    for bodies over `in_process_bytes` (small pages stay in process: a child costs ~0.3 s)."""
    if len(body) > max_bytes:
        return _problem(
            "", EXTRACTION_LIMIT, f"the body is {len(body):,} bytes, over the {max_bytes:,}-byte cap"
        )
    options = {"url": url, "with_metadata": with_metadata, "linear_html_bytes": linear_html_bytes}
    if len(body) <= in_process_bytes:
        return extract(body, content_type, **options)

    def limit_memory() -> None:  # runs in the child, before it imports anything
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))

    command = [sys.executable, "-m", "sources.extract", content_type, json.dumps(options)]
    try:
        done = subprocess.run(  # noqa: S603 (our own interpreter and module, no shell)
            command,
            input=body,
            capture_output=True,
            timeout=timeout,
            preexec_fn=limit_memory,
            cwd=Path(__file__).resolve().parent.parent,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return _problem("", EXTRACTION_LIMIT, f"extracting the text took longer than {timeout:g} s")
    if done.returncode != 0:
        why = "ran out of memory" if b"MemoryError" in done.stderr else f"failed ({done.returncode})"
        return _problem("", EXTRACTION_LIMIT, f"extracting the text {why} (limit {max_memory // 2**20} MB)")
    return Extraction(**json.loads(done.stdout))


def extract(
    body: bytes,
    content_type: str = "",
    *,
    url: str = "",
    with_metadata: bool = False,
    linear_html_bytes: int = 2 * 1024 * 1024,
) -> Extraction:
    """The main text of `body` and its hash; what kind of document it is decides how.

    `with_metadata` asks for trafilatura's cleaned title and site name instead of the page's own
    title and og:site_name (slower; the text and hash are the same either way). HTML over
    `linear_html_bytes` is read paragraph by paragraph (linear time) instead of by trafilatura.
    """
    mime, _, params = content_type.partition(";")
    mime = mime.strip().lower()
    head = body[:1024].lstrip().lower()
    if mime == "application/pdf" or body.startswith(b"%PDF-"):
        return _pdf(body)
    if mime in HTML_TYPES or head.startswith((b"<!doctype html", b"<html")):
        html = decode(body, params)
        if _garbled(html):
            return _problem("html", UNDECODABLE, "the body does not decode to text")
        if len(body) > linear_html_bytes:
            return _large_html(html)
        return _html(html, url=url, with_metadata=with_metadata)
    if mime == "application/json" or mime.endswith("+json"):
        try:
            data = json.loads(decode(body, params))
        except ValueError:
            pass
        else:
            text = json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1)
            return Extraction(kind="json", content_hash=sha256(text.encode()), text=text)
    if mime.startswith("text/") or mime in ("application/json", "application/xml") or mime.endswith("+xml"):
        decoded = decode(body, params)
        if _garbled(decoded):
            return _problem("text", UNDECODABLE, "the body does not decode to text")
        text = normalize_text(decoded)
        return Extraction(kind="text", content_hash=sha256(text.encode()), text=text)
    return Extraction(kind="binary", content_hash=sha256(body))


def _garbled(text: str) -> bool:
    sample = text[:65536]
    if not sample:
        return False
    bad = sum(1 for c in sample if c == "\ufffd" or (c < " " and c not in "\t\n\r\f"))
    return bad / len(sample) > MAX_GARBLED


def _pdf(body: bytes) -> Extraction:
    """A PDF's text, page by page: the same words hash the same however the file was produced."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(body))
        pages = [page.extract_text() or "" for page in reader.pages[:PDF_MAX_PAGES]]
        title = str((reader.metadata or {}).get("/Title") or "")
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        return _problem("pdf", UNDECODABLE, f"the PDF cannot be read ({type(exc).__name__}: {exc})"[:500])
    text = normalize_text("\n".join(pages))
    if not text:
        return _problem("pdf", UNDECODABLE, "the PDF has no text layer (a scan?)")
    return Extraction(
        kind="pdf", content_hash=sha256(text.encode()), text=text, title=" ".join(title.split())[:500]
    )


def _large_html(html: str) -> Extraction:
    """Visible text of block elements, one per line, in one pass over the tree: for pages too
    large for trafilatura's main-text search (its cost grows faster than the page does)."""
    from lxml import etree

    tree = load_html(html)
    if tree is None:
        return _problem("html", UNDECODABLE, "the body is not HTML that can be parsed")
    etree.strip_elements(tree, *SKIPPED_TAGS, etree.Comment, with_tail=False)
    lines = []
    for element in tree.iter(*BLOCK_TAGS):
        if any(child.tag in BLOCK_TAGS for child in element):
            continue  # a container: its blocks speak for themselves
        lines.append(" ".join(element.itertext()))
    text = normalize_text("\n".join(lines))
    title = tree.findtext(".//title") or ""
    return Extraction(
        kind="html", content_hash=sha256(text.encode()), text=text, title=" ".join(title.split())[:500]
    )


def _html(html: str, *, url: str, with_metadata: bool) -> Extraction:
    tree = load_html(html)
    if tree is None:
        return _problem("html", UNDECODABLE, "the body is not HTML that can be parsed")
    # One parse for both: the text (always the same call, so hashes stay comparable between
    # checks) and the title. trafilatura's full metadata costs more than the text (it hunts for
    # dates), so it runs only when asked: when a source still needs its title and publisher.
    text = normalize_text(trafilatura.extract(tree, url=url or None, include_comments=False) or "")
    if not text:
        # Pages too small or odd for main-text extraction: fall back to all visible text.
        text = normalize_text(trafilatura.html2txt(html) or "")
    if with_metadata:
        title, publisher = _names(tree, url)
    else:
        title = _first(tree.xpath('//meta[@property="og:title"]/@content')) or tree.findtext(".//title") or ""
        publisher = _first(tree.xpath('//meta[@property="og:site_name"]/@content'))
    return Extraction(
        kind="html",
        content_hash=sha256(text.encode()),
        text=text,
        title=" ".join(title.split())[:500],
        publisher=" ".join(publisher.split())[:200],
    )


def _names(tree: HtmlElement, url: str) -> tuple[str, str]:
    """The title and site name as trafilatura's `extract_metadata` finds them, without the rest of
    its metadata: its hunt for dates alone costs more than the main text (20 ms against 9 ms for
    a 40 KB news page)."""
    metadata = examine_meta(tree)
    with contextlib.suppress(Exception):  # trafilatura's JSON-LD reader has bugs; it skips them too
        metadata = extract_meta_json(tree, metadata)
    title = metadata.title or extract_title(tree) or ""
    sitename = metadata.sitename or extract_sitename(tree) or ""
    if sitename:
        sitename = sitename.lstrip("@")
        if sitename and "." not in sitename and not sitename[0].isupper():
            sitename = sitename.title()
    else:
        page_url = metadata.url or extract_url(tree, url or None)
        match = META_URL.match(page_url) if page_url else None
        sitename = match[1] if match else ""
    return line_processing(unescape(title)) or "", line_processing(unescape(sitename)) or ""


def _first(values: list[str]) -> str:
    return str(values[0]) if values else ""


def normalize_text(text: str) -> str:
    """One paragraph per line, inner whitespace collapsed, empty lines dropped, NFC."""
    lines = (" ".join(line.split()) for line in unicodedata.normalize("NFC", text).splitlines())
    return "\n".join(line for line in lines if line)


def decode(body: bytes, content_type_params: str = "") -> str:
    """Bytes to text: the declared charset, else a <meta> charset, else UTF-8, else a guess."""
    declared = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", content_type_params, re.IGNORECASE)
    candidates = [declared.group(1)] if declared else []
    meta = META_CHARSET.search(body[:4096])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "ignore"))
    for name in candidates:
        try:
            codecs.lookup(name)
            return body.decode(name, errors="replace")
        except LookupError:
            continue
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        best = charset_normalizer.from_bytes(body[:65536]).best()
        return body.decode(best.encoding if best else "cp1252", errors="replace")


if __name__ == "__main__":  # the child process of extract_bounded(): body on stdin, JSON out
    _options = json.loads(sys.argv[2])
    _result = extract(sys.stdin.buffer.read(), sys.argv[1], **_options)
    sys.stdout.write(json.dumps(asdict(_result)))
