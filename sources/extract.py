"""What a fetched body says, reduced to text and a hash that changes only when the text does.

HTML is reduced to its main text with trafilatura, which drops navigation, ads, comment counts,
footers with timestamps and session ids: those change on every load and are not edits. PDF and
other binary bodies are hashed as bytes, JSON in canonical form, plain text with its whitespace
normalised.
"""

import codecs
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass

import charset_normalizer
import trafilatura
from trafilatura.metadata import extract_metadata
from trafilatura.utils import load_html

HTML_TYPES = ("text/html", "application/xhtml+xml")
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Extraction:
    kind: str  # html, pdf, json, text or binary
    content_hash: str
    text: str = ""
    title: str = ""
    publisher: str = ""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def extract(body: bytes, content_type: str = "", *, url: str = "", with_metadata: bool = False) -> Extraction:
    """The main text of `body` and its hash; what kind of document it is decides how.

    `with_metadata` asks for trafilatura's cleaned title and site name instead of the page's own
    title and og:site_name (slower; the text and hash are the same either way).
    """
    mime, _, params = content_type.partition(";")
    mime = mime.strip().lower()
    head = body[:1024].lstrip().lower()
    if mime == "application/pdf" or body.startswith(b"%PDF-"):
        return Extraction(kind="pdf", content_hash=sha256(body))
    if mime in HTML_TYPES or head.startswith((b"<!doctype html", b"<html")):
        return _html(decode(body, params), url=url, with_metadata=with_metadata)
    if mime == "application/json" or mime.endswith("+json"):
        try:
            data = json.loads(decode(body, params))
        except ValueError:
            pass
        else:
            text = json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1)
            return Extraction(kind="json", content_hash=sha256(text.encode()), text=text)
    if mime.startswith("text/") or mime in ("application/json", "application/xml") or mime.endswith("+xml"):
        text = normalize_text(decode(body, params))
        return Extraction(kind="text", content_hash=sha256(text.encode()), text=text)
    return Extraction(kind="binary", content_hash=sha256(body))


def _html(html: str, *, url: str, with_metadata: bool) -> Extraction:
    tree = load_html(html)
    if tree is None:
        return Extraction(kind="html", content_hash=sha256(b""))
    # One parse for both: the text (always the same call, so hashes stay comparable between
    # checks) and the title. trafilatura's full metadata costs more than the text (it hunts for
    # dates), so it runs only when asked: when a source still needs its title and publisher.
    text = normalize_text(trafilatura.extract(tree, url=url or None, include_comments=False) or "")
    if not text:
        # Pages too small or odd for main-text extraction: fall back to all visible text.
        text = normalize_text(trafilatura.html2txt(html) or "")
    if with_metadata:
        metadata = extract_metadata(tree, default_url=url or None, extensive=False)
        title, publisher = metadata.title or "", metadata.sitename or ""
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
