"""A realistic news page whose boilerplate and text tests can vary independently."""

ARTICLE = [
    "Delegations from Russia and Ukraine met in Istanbul on 29 March 2022 for the first face-to-face "
    "talks in weeks. The Ukrainian side presented a ten-point proposal on security guarantees.",
    "Russia's deputy defence minister said Moscow would drastically reduce military activity around "
    "Kyiv and Chernihiv, a pledge Western officials greeted with scepticism.",
    "The talks ended without a ceasefire, but both sides agreed to continue negotiations at the level "
    "of foreign ministers, according to the Turkish foreign ministry.",
]


def news_page(
    paragraphs: list[str] = ARTICLE,
    *,
    session: str = "sid=8f14e45f",
    ad: str = "Summer sale: 40% off shoes",
    generated: str = "2026-11-25 12:01:33",
    comments: int = 42,
    most_read: tuple[str, ...] = ("Markets fall", "Storm warning"),
) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    popular = "".join(f'<li><a href="/story/{i}?{session}">{t}</a></li>' for i, t in enumerate(most_read))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Istanbul talks end without ceasefire | Example News</title>
<meta property="og:site_name" content="Example News"></head><body>
<header><nav><a href="/?{session}">Home</a> <a href="/world?{session}">World</a>
<a href="/login?{session}">Sign in</a></nav></header>
<div class="advert" id="ad-top">{ad}</div>
<main><article><h1>Istanbul talks end without ceasefire</h1>
<p class="byline">By Staff Reporter</p>
{body}
</article>
<section class="comments"><h2>Comments ({comments})</h2></section></main>
<aside class="sidebar"><h3>Most read</h3><ul>{popular}</ul><div class="advert">{ad}</div></aside>
<footer><p>© Example News. Page generated {generated}. <a href="/privacy?{session}">Privacy</a></p></footer>
</body></html>"""


def pdf_document(lines: list[str], *, produced: str = "20261201120000") -> bytes:
    """A real one-page PDF (Helvetica text, one line per string) whose bytes differ with
    `produced`, as a PDF regenerated on each request does (creation date and file id)."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 11 Tf 14 TL 56 780 Td " + " ".join(f"({escape(line)}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        "/Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream",
        f"<< /Title (Report) /CreationDate (D:{produced}) /Producer (generator {produced}) >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R /ID [<{produced}> <{produced}>] >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return out


TEASERS = ("Markets fall on rate fears", "Storm warning for the coast", "Cup final tickets", "New rail line")


def churning_page(paragraphs: list[str] = ARTICLE, *, tick: int) -> str:
    """A news page whose article itself churns at every load: an 'Updated N minutes ago' line, a
    rotating 'Read more' teaser between paragraphs and a share counter, all inside <article>."""
    body = [
        f"<p>Updated {tick * 7 + 3} minutes ago</p>",
        f"<p>{paragraphs[0]}</p>",
        f"<p>Read more: {TEASERS[tick % len(TEASERS)]} ({tick})</p>",
        *(f"<p>{p}</p>" for p in paragraphs[1:]),
        f"<p>This article has been shared {1000 + tick * 37:,} times.</p>",
    ]
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Istanbul talks end without ceasefire | Example News</title></head><body>
<nav><a href="/">Home</a></nav><main><article><h1>Istanbul talks end without ceasefire</h1>
{"".join(body)}</article></main><footer>© Example News</footer></body></html>"""
